"""Fold obfuscated text into a form that brand and cue matching can read.

Sellers write "G.U.C.C.I", "L0uis V", "Ch@nel", "Ｇｕｃｃｉ", "Rоlex" (Cyrillic о) or
put an emoji or a zero-width space inside a name so that keyword filters miss it.
:func:`normalize` undoes that and keeps, for every character of the result, the
index of the character of the *original* string it came from, so that every
span found on the normalised text maps back to the text exactly as typed.

Two folded views are produced, both of the same length and sharing one offset map:

``text``
    NFKC (full-width, mathematical and circled letters), case folding, accents
    stripped from Latin/Greek/Cyrillic letters, zero-width characters and soft
    hyphens removed, emoji and other symbols turned into spaces, control
    characters into spaces, Cyrillic/Greek look-alikes folded to Latin inside
    words that also contain Latin letters ("Rоlex"), and letters split by
    spaces, dots or dashes joined ("G U C C I" -> "gucci", "L.O.U.I.S
    V.U.I.T.T.O.N" -> "louis vuitton"). Real Cyrillic or Greek words stay as
    they are, so cue words such as "реплика" can still be found.
``skeleton``
    ``text`` with every look-alike folded (also in all-Cyrillic words), leet
    digits folded inside words that also hold letters ("n1ke", "l0uis"), leet
    symbols folded inside words ("ch@nel", "$upreme", "fend!") and ``l``
    merged with ``i`` (because "1", "!", "|" and "l" all stand in for either).
    It is lossy on purpose and only used to look up brand names, which go
    through the same function.

Every step runs in C (``str.translate`` and compiled regular expressions) on
the common path; a per-character Python loop runs only for text that contains
characters which expand or vanish (ligatures, zero-width characters).
"""

from __future__ import annotations

import re
import unicodedata

from nlp_ip.errors import FieldError, InvalidInputError
from nlp_ip.text.char_tables import (
    CONFUSABLES,
    EXTRA_LATIN,
    INVISIBLE,
    KEEP,
    LEET_DIGITS,
    LEET_SYMBOLS,
    MULTI_LEET,
    SCRIPT_RANGES_STRIP,
    UPPER_CONFUSABLES,
)

__all__ = ["NormalizedText", "normalize", "plain_fold", "skeleton_of"]

# --------------------------------------------------------------------------- patterns

_MULTI_LEET_RE = re.compile(
    "(?<=[^\\W_])(?:"
    + "|".join(re.escape(k) for k in sorted(MULTI_LEET, key=len, reverse=True))
    + ")|(?:"
    + "|".join(re.escape(k) for k in sorted(MULTI_LEET, key=len, reverse=True))
    + ")(?=[^\\W_])"
)

#: Separator characters that may sit between the letters of a split-up name.
_RUN_SEPARATORS = " .\\-_*·•|/~+,'"
_SPLIT_RUN_RE = re.compile(
    r"(?<![^\W_])[^\W_](?:[ .\-_*·•|/\\~+,']{1,3}[^\W_](?![^\W_]))+(?:\.(?![^\W_]))?"
)
# Cheap test for a possible split-up name: one letter, a separator, one letter.
_RUN_HINT_RE = re.compile(r"\b\w[ .\-_*·•|/\\~+,']{1,3}\w\b")
_MIXED_SCRIPT_RE = re.compile(
    r"[^\W_]*(?:[a-z][^\W_]*[\u0370-\u03ff\u0400-\u052f\u0531-\u058f]"
    r"|[\u0370-\u03ff\u0400-\u052f\u0531-\u058f][^\W_]*[a-z])[^\W_]*"
)
_NON_LATIN_LETTER_RE = re.compile(r"[\u0370-\u03ff\u0400-\u052f\u0531-\u058f]")
# Leet digits: a letter right before a digit ("n1ke", "l0uis", "b3lenciaga") or one
# digit opening a word of letters ("0mega", "4didas"); "40mm" or "100ml" (a number
# and its unit) are left alone.
_LEET_WORD_RE = re.compile(r"[^\W\d_]\d|^\d[^\W\d_]{3}")
#: Scripts written without spaces between words: Japanese kana, Han, Hangul, Thai, Lao,
#: Khmer.
_UNSPACED = ("\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
             "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f\u0e00-\u0eff\u1780-\u17ff")
#: A word: a run of letters and digits, split where an unspaced script meets another one.
#: Sellers glue Latin brand names to Japanese, Chinese, Korean or Thai text without a
#: space ("P0kemonカード"): that boundary splits them into two words. (Cyrillic and Greek
#: are not split off: the skeleton folds their look-alike letters into Latin ones.)
WORD_PATTERN = f"[^\\W_{_UNSPACED}]+|[{_UNSPACED}]+"
_WORD_RE = re.compile(WORD_PATTERN)
# Leet symbols between letters, or before two letters at the start of a word.
_SYMBOL_RE = re.compile(
    r"(?<=[^\W_])[@$!|€£¢©¡§](?=[^\W_])"
    r"|(?<![^\W_])[@$€£¢©§](?=[a-z]{2})"
)
_SYMBOL_CHARS = frozenset(LEET_SYMBOLS)


def _strip_marks(chars: str) -> str:
    out = []
    for ch in chars:
        decomposed = unicodedata.normalize("NFD", ch)
        base = decomposed[0]
        code = ord(base)
        if len(decomposed) > 1 and any(lo <= code <= hi for lo, hi in SCRIPT_RANGES_STRIP):
            out.append(base)
        elif unicodedata.category(ch) in ("Mn", "Me"):
            continue
        else:
            out.append(ch)
    return "".join(out)


def _fold_char(ch: str) -> str:
    """The folded form of one character: '' (removed), one character, or more (ligatures)."""
    code = ord(ch)
    if code < 128:
        if ch.isalpha():
            return ch.lower()
        if ch in "\n\r\x0b\x0c":
            return "\n"
        if code < 32 or code == 127:
            return " "
        return ch
    if 0xD800 <= code <= 0xDFFF:  # lone surrogate: a separator, never an error
        return " "
    if ch in INVISIBLE:
        return ""
    if ch in KEEP:
        return ch
    if ch in EXTRA_LATIN:
        return EXTRA_LATIN[ch]
    if 0x1F1E6 <= code <= 0x1F1FF:  # regional indicator letters
        return chr(code - 0x1F1E6 + ord("a"))
    if 0x1F150 <= code <= 0x1F169 or 0x1F170 <= code <= 0x1F189:  # negative circled/squared
        return chr((code - 0x1F150) % 32 + ord("a"))
    category = unicodedata.category(ch)
    if category == "Cc":
        return "\n" if ch == "\x85" else " "
    if category in ("Zl", "Zp"):
        return "\n"
    if category == "Zs":
        return " "
    if category == "Cf":
        return ""
    if category in ("Co", "Cn", "Cs"):
        return " "
    if category in ("Mn", "Me"):
        return ""
    folded = unicodedata.normalize("NFKC", ch).casefold()
    if category in ("So", "Sk", "Sm") and not any(c.isalnum() for c in folded):
        return " " if category == "So" else folded if len(folded) == 1 else " "
    folded = _strip_marks(folded)
    out = []
    for c in folded:
        out.append(EXTRA_LATIN.get(c, c))
    return "".join(out)


class _FoldTable(dict):  # type: ignore[type-arg]
    """A ``str.translate`` table that folds characters lazily and remembers them."""

    def __init__(self) -> None:
        super().__init__()
        #: Characters whose folded form is not exactly one character.
        self.varlen: set[str] = set()

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        folded = _fold_char(ch)
        if len(folded) != 1:
            self.varlen.add(ch)
        if len(self) < 200_000:
            self[code] = folded
        return folded


_FOLD = _FoldTable()
_SKELETON_TABLE = str.maketrans(
    {**{k: v.replace("l", "i") for k, v in CONFUSABLES.items()}, "l": "i"}
)
_LEET_DIGIT_TABLE = str.maketrans(
    {**LEET_DIGITS, **{k: v.replace("l", "i") for k, v in CONFUSABLES.items()}}
)


# --------------------------------------------------------------------------- result


class NormalizedText:
    """The folded views of a string plus the map back to the original.

    ``text`` and ``skeleton`` have the same length; folded character ``i`` came
    from ``original[start(i):end(i)]`` (usually one character; two or three for
    a multi-character leet form such as "|<"). Use :meth:`to_original` to turn a
    span of the folded text into a span of the original.
    """

    __slots__ = ("_ends", "_starts", "_words", "original", "skeleton", "text")

    def __init__(
        self,
        original: str,
        text: str,
        skeleton: str,
        starts: list[int] | None = None,
        ends: list[int] | None = None,
    ) -> None:
        self.original = original
        self.text = text
        self.skeleton = skeleton
        # None: the identity map (the common, cheap case).
        self._starts = starts
        self._ends = ends
        self._words: list[str] | None = None

    @property
    def words(self) -> list[str]:
        """The words (letter and digit runs) of ``skeleton``, in order."""
        if self._words is None:
            self._words = _WORD_RE.findall(self.skeleton)
        return self._words

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the folded span ``[start, end)`` to a span of ``original``.

        The result covers every original character from the first to the last
        folded character of the span, including anything removed in between
        (a zero-width space, an emoji, a soft hyphen), so ``original[a:b]`` is
        the text exactly as typed.
        """
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) is outside the folded text")
        if self._starts is None or self._ends is None:
            return start, end
        return self._starts[start], self._ends[end - 1]

    @property
    def identity(self) -> bool:
        """True when folding kept every character in place (offsets are unchanged)."""
        return self._starts is None

    def __repr__(self) -> str:
        return f"NormalizedText(text={self.text!r}, skeleton={self.skeleton!r})"


# --------------------------------------------------------------------------- steps


def _offsets(original: str, table: _FoldTable) -> tuple[list[int], list[int]]:
    starts: list[int] = []
    for index, ch in enumerate(original):
        n = len(table[ord(ch)])
        if n == 1:
            starts.append(index)
        elif n:
            starts.extend([index] * n)
    return starts, [s + 1 for s in starts]


def _fold_mixed_scripts(folded: str, original: str, starts: list[int] | None) -> str:
    """Fold look-alike letters to Latin inside words that mix scripts ("rоlex")."""
    if not _NON_LATIN_LETTER_RE.search(folded):
        return folded

    def fold_word(match: re.Match[str]) -> str:
        out = []
        for offset, ch in enumerate(match.group()):
            if ch.isascii():
                out.append(ch)
                continue
            index = match.start() + offset
            source = original[starts[index] if starts is not None else index]
            # Upper case first: capital Greek "Μ" reads as "M", its lower case "μ" as "u".
            out.append(UPPER_CONFUSABLES.get(source) or CONFUSABLES.get(ch, ch))
        return "".join(out)

    return _MIXED_SCRIPT_RE.sub(fold_word, folded)


def _rebuild(
    text: str,
    starts: list[int] | None,
    ends: list[int] | None,
    edits: list[tuple[int, int, str, list[int]]],
) -> tuple[str, list[int], list[int]]:
    """Apply ``(start, end, replacement, sources)`` edits to the folded text.

    ``sources`` gives, for each character of the replacement, the folded index
    it stands for; a replacement that merges characters ("|<" -> "k") lists
    the first, and its end is taken from the last folded character replaced.
    """
    s0 = starts if starts is not None else range(len(text))
    e0 = ends if ends is not None else range(1, len(text) + 1)
    out: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    last = 0
    for start, end, replacement, sources in edits:
        out.append(text[last:start])
        new_starts.extend(s0[last:start])
        new_ends.extend(e0[last:start])
        out.append(replacement)
        merged = len(replacement) == 1 and end - start > 1 and len(sources) == 1
        for source in sources:
            new_starts.append(s0[source])
            new_ends.append(e0[end - 1] if merged else e0[source])
        last = end
    out.append(text[last:])
    new_starts.extend(s0[last:])
    new_ends.extend(e0[last:])
    return "".join(out), list(new_starts), list(new_ends)


def _split_run_edits(text: str) -> list[tuple[int, int, str, list[int]]]:
    """Edits that join letters split by separators ("g u c c i", "c-h-a-n-e-l", "l.v")."""
    edits: list[tuple[int, int, str, list[int]]] = []
    for match in _SPLIT_RUN_RE.finditer(text):
        run = match.group()
        start = match.start()
        letters = [i for i, ch in enumerate(run) if ch not in _RUN_SEPARATORS]
        if sum(run[i].isalpha() for i in letters) < 2:
            continue  # "7 1/4", "1 2 3": numbers, not a split-up name
        seps = [run[letters[k] + 1 : letters[k + 1]] for k in range(len(letters) - 1)]
        spaced_only = all(set(s) == {" "} for s in seps)
        if len(letters) < 3 and spaced_only:
            continue  # "x l", "a b": two letters split by a space are ordinary text
        drop_first = spaced_only and len(letters) >= 4 and run[letters[0]] in "ai"
        keep: list[int] = []
        for k, pos in enumerate(letters):
            keep.append(pos)
            if k < len(seps):
                # A plain space between groups joined by dots or dashes is a word
                # break ("l.o.u.i.s v.u.i.t.t.o.n"); so is the space after a
                # leading article ("a g u c c i").
                if (not spaced_only and seps[k] == " ") or (drop_first and k == 0):
                    keep.append(pos + 1)
        replacement = "".join(run[p] for p in keep)
        edits.append((start, match.end(), replacement, [start + p for p in keep]))
    return edits


def _multi_leet_edits(text: str) -> list[tuple[int, int, str, list[int]]]:
    """Edits for leet letters written with two or three characters ("ni|<e")."""
    return [
        (m.start(), m.end(), MULTI_LEET[m.group()], [m.start()])
        for m in _MULTI_LEET_RE.finditer(text)
    ]


def skeleton_of(text: str) -> str:
    """The lossy matching form of already folded ``text`` (same length)."""
    return _skeleton_and_words(text)[0]


def _leet_ok(word: str) -> bool:
    """Does ``word`` read as leet ("n1ke", "l0uis", "0mega"), not a number with a unit ("40mm")?"""
    return bool(_LEET_WORD_RE.search(word))


def _skeleton_and_words(text: str) -> tuple[str, list[str]]:
    """The skeleton of folded ``text`` and its words (computed together: both are hot)."""
    # Look-alikes are all outside ASCII; on ASCII text the table only maps "l" to "i".
    skeleton = text.replace("l", "i") if text.isascii() else text.translate(_SKELETON_TABLE)
    if not _SYMBOL_CHARS.isdisjoint(skeleton):
        skeleton = _SYMBOL_RE.sub(lambda m: LEET_SYMBOLS[m.group()], skeleton)
    words = _WORD_RE.findall(skeleton)
    mixed = [w for w in words if not (w.isalpha() or w.isdigit())]
    if mixed and any(_leet_ok(w) for w in mixed):
        pieces = []
        last = 0
        for m in _WORD_RE.finditer(skeleton):
            word = m.group()
            if not (word.isalpha() or word.isdigit()) and _leet_ok(word):
                pieces.append(skeleton[last : m.start()])
                pieces.append(word.translate(_LEET_DIGIT_TABLE))
                last = m.end()
        pieces.append(skeleton[last:])
        skeleton = "".join(pieces)
        words = _WORD_RE.findall(skeleton)
    return skeleton, words


def normalize(text: str) -> NormalizedText:
    """Fold ``text`` for matching and keep the map back to it.

    Never fails on any ``str`` (control characters, lone surrogates, any
    script); raises :class:`~nlp_ip.errors.InvalidInputError` only when
    ``text`` is not a string. Runs in time linear in the length of the text.
    """
    if not isinstance(text, str):
        err = FieldError("text", f"expected a string, got {type(text).__name__}")
        raise InvalidInputError(str(err), [err])
    starts: list[int] | None = None
    ends: list[int] | None = None
    if text.isascii():
        folded = text.lower()
    else:
        folded = text.translate(_FOLD)
        if not _FOLD.varlen.isdisjoint(text):
            starts, ends = _offsets(text, _FOLD)
        folded = _fold_mixed_scripts(folded, text, starts)
    edits = _split_run_edits(folded) if _RUN_HINT_RE.search(folded) else []
    if "|" in folded or "\\" in folded:
        edits.extend(_multi_leet_edits(folded))
        edits.sort()
        edits = _drop_overlaps(edits)
    if edits:
        folded, starts, ends = _rebuild(folded, starts, ends, edits)
    skeleton, words = _skeleton_and_words(folded)
    result = NormalizedText(text, folded, skeleton, starts, ends)
    result._words = words
    return result


def _drop_overlaps(
    edits: list[tuple[int, int, str, list[int]]],
) -> list[tuple[int, int, str, list[int]]]:
    kept: list[tuple[int, int, str, list[int]]] = []
    for edit in edits:
        if kept and edit[0] < kept[-1][1]:
            continue
        kept.append(edit)
    return kept


def plain_fold(text: str) -> str:
    """Case folding and accent stripping only (no NFKC, no look-alikes, no leet).

    Used to decide whether a mention was written plainly: "LOUIS VUITTON" and
    "Hermes" are plain; "Ｇｕｃｃｉ", "Rоlex" and "L0uis" are not.
    """
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(ch for ch in decomposed if unicodedata.category(ch) not in ("Mn", "Me"))
