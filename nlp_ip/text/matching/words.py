"""Words for matching: the word pattern, the packaged word lists and a text's skeleton words."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from nlp_ip.brands import BrandCatalog
from nlp_ip.text.normalize import WORD_PATTERN, NormalizedText, normalize

#: A word: a run of Latin letters and digits, or of letters of other scripts (see
#: :data:`nlp_ip.text.normalize.WORD_PATTERN`).
WORD_RE = re.compile(WORD_PATTERN)


def load_vocabulary() -> frozenset[str]:
    """The packaged list of ordinary words (several languages)."""
    return _load_vocabulary()


@lru_cache(maxsize=1)
def _load_vocabulary() -> frozenset[str]:
    return _read_word_list("data/common_words.txt")


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """The packaged list of function words ("the", "on", "for"; several languages)."""
    return _read_word_list("data/stop_words.txt")


def _read_word_list(name: str) -> frozenset[str]:
    text = resources.files("nlp_ip.text").joinpath(name).read_text("utf-8")
    words: set[str] = set()
    for line in text.splitlines():
        if not line.startswith("#"):
            words.update(line.split())
    return frozenset(words)


def skeleton_words(text: str) -> tuple[str, ...]:
    """The words of ``text``'s skeleton view (leet and look-alikes folded, "l" as "i")."""
    return tuple(WORD_RE.findall(normalize(text).skeleton))


def text_words(text: str) -> tuple[str, ...]:
    """The words of ``text``'s folded ``text`` view (no leet, "l" kept)."""
    return tuple(WORD_RE.findall(normalize(text).text))


def skeleton_set(words: frozenset[str]) -> frozenset[str]:
    """The skeleton words of every phrase in ``words``."""
    return frozenset(w for word in words for w in WORD_RE.findall(normalize(word).skeleton))


def positions(seq: list[str], targets: set[str] | frozenset[str]) -> list[int]:
    """Sorted indexes of ``seq`` items that are in ``targets`` (list.index runs in C)."""
    out: list[int] = []
    for target in targets:
        i = -1
        try:
            while True:
                i = seq.index(target, i + 1)
                out.append(i)
        except ValueError:
            pass
    out.sort()
    return out


class Vocabulary:
    """Ordinary words, in the two forms matching compares against.

    Words of a listing are looked up in skeleton form (:meth:`is_vocab`); words of
    the catalog in folded form (:meth:`is_common`), because the skeleton merges
    letters: "slp" is no word, its skeleton "sip" is.
    """

    __slots__ = ("goods_plain", "skeleton", "stop_plain", "stop_skeleton", "words")

    def __init__(self, catalog: BrandCatalog) -> None:
        self.words = load_vocabulary() | stop_words()
        self.skeleton = skeleton_set(self.words)
        self.stop_plain = stop_words()
        self.stop_skeleton = skeleton_set(stop_words())
        #: Goods words of the catalog ("bag", "sneakers"), folded.
        self.goods_plain = frozenset(
            w for brand in catalog.brands for goods in brand.goods for w in text_words(goods)
        )

    def is_vocab(self, word: str) -> bool:
        """True for an ordinary word of a listing (skeleton form)."""
        return word in self.skeleton or word in self.stop_skeleton

    def is_common(self, word: str) -> bool:
        """True for an ordinary word of the catalog (folded form, not skeleton)."""
        return word in self.words or word in self.stop_plain or word in self.goods_plain


class Tokens:
    """The words of a text's skeleton view, shared by brand and cue matching."""

    __slots__ = ("_spans", "norm", "words", "wordset")

    def __init__(self, norm: NormalizedText) -> None:
        self.norm = norm
        self.words: list[str] = norm.words
        self.wordset: set[str] = set(self.words)
        self._spans: list[tuple[int, int]] | None = None

    @property
    def spans(self) -> list[tuple[int, int]]:
        """``(start, end)`` of each word in the folded text."""
        if self._spans is None:
            self._spans = [m.span() for m in WORD_RE.finditer(self.norm.skeleton)]
        return self._spans


def as_tokens(value: NormalizedText | Tokens) -> Tokens:
    """``value`` as :class:`Tokens` (built from a :class:`NormalizedText` when needed)."""
    return value if isinstance(value, Tokens) else Tokens(value)
