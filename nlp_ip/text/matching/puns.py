"""Puns: misspelt brands in a parody listing that hold another real word ("Pastagonia")."""

from __future__ import annotations

from nlp_ip.text import lexicon
from nlp_ip.text.matching.records import APPROXIMATE_METHODS, RawCue, RawMention
from nlp_ip.text.matching.words import WORD_RE, text_words
from nlp_ip.text.normalize import NormalizedText


def pun_mentions(
    norm: NormalizedText,
    mentions: list[RawMention],
    cues: list[RawCue],
    vocabulary: frozenset[str],
) -> list[int]:
    """Indexes of approximate mentions that are puns, not disguises.

    In a listing that signals a joke (a parody cue that is not negated), a
    misspelt brand that holds another real word ("Pastagonia", "Dallas
    Cryboys", "Paystation") is a pun on the brand. Without such a cue it
    stays a (fuzzy, obfuscated) mention: "Monclear" holds "clear" too.
    ``vocabulary``: the ordinary words.
    """
    if not any(c.kind == lexicon.PARODY and not c.negated for c in cues):
        return []
    out = []
    for index, mention in enumerate(mentions):
        if mention.method not in APPROXIMATE_METHODS:
            continue
        target = "".join(text_words(mention.catalog_form))
        typed = norm.text[mention.start : mention.end]
        if any(holds_other_word(w, target, vocabulary) for w in WORD_RE.findall(typed)):
            out.append(index)
    return out


def holds_other_word(word: str, target: str, vocabulary: frozenset[str]) -> bool:
    """True when ``word`` contains an ordinary word of 3 to 12 letters that ``target`` lacks."""
    for i in range(len(word)):
        for j in range(i + 3, min(len(word), i + 12) + 1):
            part = word[i:j]
            if part in vocabulary and part not in target:
                return True
    return False
