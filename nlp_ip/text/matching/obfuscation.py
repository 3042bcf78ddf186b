"""Was a mention typed as a disguise ("G.U.C.C.I", "Rоlex", "gUcCi") or plainly?"""

from __future__ import annotations

import re
import unicodedata

from nlp_ip.text.matching.records import APPROXIMATE_METHODS, RawMention
from nlp_ip.text.matching.words import WORD_RE
from nlp_ip.text.normalize import plain_fold

_PLAIN_ASCII_RE = re.compile(r"[A-Za-z]{2,}(?:[ '&-][A-Za-z]{2,})*")
_SPLIT_LETTERS_RE = re.compile(r"(?<![^\W_])[^\W_](?:[^\w\n]{1,3}[^\W_](?![^\W_])){2,}")
_LEET_RE = re.compile(r"[A-Za-z][0-9@$!|€¢£][A-Za-z]|[@$€¢£][A-Za-z]{2}|[A-Za-z]{2}[0-9]+[A-Za-z]")
#: Marks that spell a name rather than split it ("Off-White", "Oakley's", "D&G").
_SPELLING_MARKS = frozenset("'’-.&")


def _plain_case(typed: str, catalog: str) -> bool:
    """True when ``typed`` is cased like ordinary writing or like the catalog form."""
    letters = [c for c in typed if c.isalpha()]
    if not letters:
        return True
    word = "".join(letters)
    if word.islower() or word.isupper():
        return True
    if word[0].isupper() and word[1:].islower():
        return True
    return word in "".join(c for c in catalog if c.isalpha())


def typed_obfuscation(typed: str, catalog_form: str) -> bool:
    """True when ``typed`` shows a deliberate disguise of ``catalog_form``.

    Disguises: look-alike letters from another script mixed with Latin ones,
    full-width or other compatibility letters, zero-width characters or emoji
    inside the name, leet digits or symbols inside a word, letters split one by
    one ("S.t.a.n.l.e.y", "P.S.G"), irregular casing ("gUcCi"). Plain spelling,
    accents ("Hermes" for "Hermès") and ordinary separators are not disguises.
    """
    if typed.isascii():
        if _PLAIN_ASCII_RE.fullmatch(typed) and (
            typed.islower() or typed.isupper() or typed.istitle()
        ):
            return False
    else:
        has_ascii_letter = any(c.isascii() and c.isalpha() for c in typed)
        for ch in typed:
            if ch.isascii():
                continue
            folded = plain_fold(ch)
            if folded.isascii() and folded.isalpha():
                continue  # é, ü, ç: accents are ordinary spelling
            if ch.isalpha() and not has_ascii_letter and unicodedata.east_asian_width(ch) != "F":
                continue  # a word wholly in another script is just that script
            return True
    if _LEET_RE.search(typed) and not any(c.isdigit() for c in catalog_form):
        return True
    if _SPLIT_LETTERS_RE.search(typed) and not _SPLIT_LETTERS_RE.search(catalog_form):
        return True
    return any(
        not _plain_case(word, catalog_form) for word in WORD_RE.findall(typed) if len(word) > 2
    )


def mention_is_obfuscated(raw: RawMention, typed: str) -> bool:
    """The ``obfuscated`` flag of a mention found as ``raw`` and typed as ``typed``.

    Approximate matches and disguises (:func:`typed_obfuscation`) are obfuscated;
    so is a name split up differently from the catalog ("Car tier", "Lou is Vuit ton").
    """
    if raw.method in APPROXIMATE_METHODS:
        return True
    if typed_obfuscation(typed, raw.catalog_form):
        return True
    plain_words = tuple(WORD_RE.findall(plain_fold(typed)))
    if raw.method == "joined" and plain_words != raw.plain:
        # "Car tier", "Lou is Vuit ton": split up differently from the name. Not
        # disguises: initials with dots or spaces ("L.V", "D&G"), and apostrophes or
        # hyphens ("Oakley's" for "Oakleys", "Off-White" for "OffWhite").
        if all(len(w) == 1 for w in plain_words) and len(raw.plain) == 1:
            return False
        if len(plain_words) < len(raw.plain):
            return False  # "Redline Club" for "Red Line Club": words run together
        separators = WORD_RE.split(typed)[1:-1]
        return not all(sep and set(sep) <= _SPELLING_MARKS for sep in separators)
    return False
