"""Approximate brand words: misspellings ("rolx", "balenciga") and abbreviations ("balenc").

Words are compared in skeleton form, against the brand words of the catalog that
are not ordinary words. Results are cached per distinct word: a listing's words
repeat across listings, and most words have no brand word within reach.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

from nlp_ip.text.matching.records import Evidence, KeyEntry, Method
from nlp_ip.text.matching.words import Vocabulary

#: How a word of a text stands for a word of a multi-word name ("" for not at all).
PairKind = Literal["exact", "edit", "prefix", ""]

_VOWELS = frozenset("aeou")  # "i" stays: in the skeleton it also stands for "l"
_CACHE_LIMIT = 300_000
# Inflection endings in the skeleton ("l" is written "i" there): (ending, replacement).
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("s", ""),
    ("es", ""),
    ("ies", "y"),
    ("ed", ""),
    ("ed", "e"),
    ("d", ""),
    ("ing", ""),
    ("ing", "e"),
    ("iy", ""),
    ("er", ""),
    ("ers", ""),
    ("est", ""),
    ("ness", ""),
    ("ment", ""),
    ("abie", ""),
    ("abie", "e"),
    ("ation", "e"),
    ("ist", ""),
    ("ism", ""),
)


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance, or ``limit + 1`` once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, prev2[j - 2] + 1)
            cur[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[len(b)]


def edit_limit(target: str) -> int:
    """The largest edit distance at which a word still stands for ``target``."""
    return 2 if len(target) >= 10 else 1


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def squeeze(word: str) -> str:
    """``word`` with every run of one letter written once ("niiike" -> "nike")."""
    return "".join(ch for i, ch in enumerate(word) if i == 0 or ch != word[i - 1])


def _consonants(word: str) -> str:
    return "".join(ch for ch in word if ch not in _VOWELS)


class ApproximateWords:
    """The brand words that a word of a text may misspell or shorten.

    Built from the catalog entries; :meth:`approximate` answers per word and caches
    the answer (the cache and the words with an answer are shared with candidate
    search, which reads them for every word of a text).
    """

    def __init__(
        self, entries: Iterable[KeyEntry], vocabulary: Vocabulary, exact_tokens: frozenset[str]
    ) -> None:
        self.vocabulary = vocabulary
        self.exact_tokens = exact_tokens
        self._build(entries)
        self._cache: dict[str, tuple[tuple[str, Method], ...]] = {}
        #: Words with at least one brand word within reach.
        self.positive: set[str] = set()
        self._one_edit: set[tuple[str, str]] = set()  # (word, target) one edit apart
        self._pair_cache: dict[tuple[str, str], PairKind] = {}

    def _build(self, entries: Iterable[KeyEntry]) -> None:
        """Targets of approximate matching: brand words that are not ordinary words."""
        is_common = self.vocabulary.is_common
        targets: set[str] = set()
        name_targets: set[str] = set()
        for entry in entries:
            if entry.kind in ("initials", "parody"):
                continue
            if entry.kind == "product_line" and (
                len(entry.tokens) > 1
                or entry.evidence == Evidence.STRONG
                or len(entry.tokens[0]) < 6
            ):
                continue
            bucket = name_targets if entry.kind != "product_line" else targets
            for token, word in zip(entry.tokens, entry.words, strict=False):
                # Misspellings of ordinary words ("coach", "apple") are ordinary words;
                # longer names that happen to be words ("Hermes", "Pandora") still count.
                if len(token) >= 4 and token.isalpha() and (not is_common(word) or len(word) >= 6):
                    bucket.add(token)
            joined = "".join(entry.tokens)
            if len(entry.tokens) > 1 and len(joined) >= 6 and joined.isalpha():
                bucket.add(joined)
        targets |= name_targets
        # (first letter, length) of targets: a word with no target of its first letter
        # and a length within reach needs no edit-distance search.
        self._target_shapes = frozenset((t[0], len(t)) for t in targets)
        self._long_shapes = frozenset((t[0], len(t)) for t in targets if edit_limit(t) == 2)
        # Product-line words ("Photoshop", "Ingenieur") are often ordinary-looking words:
        # only a one-letter slip counts for them, never an abbreviation.
        self._line_only_targets = frozenset(targets - name_targets)
        self._del_index: dict[str, set[str]] = {}
        self._prefix_index: dict[str, set[str]] = {}
        self._cons_index: dict[str, set[str]] = {}
        self._by_first: dict[str, list[str]] = {}
        #: squeezed form -> targets, for names typed with letters doubled ("Diior")
        self._squeezed: dict[str, set[str]] = {}
        for target in targets:
            self._squeezed.setdefault(squeeze(target), set()).add(target)
            variants = {target} | _deletes(target)
            if edit_limit(target) == 2:
                variants |= {d2 for d1 in _deletes(target) for d2 in _deletes(d1)}
            for variant in variants:
                self._del_index.setdefault(variant, set()).add(target)
            if len(target) >= 5:
                shortest = max(4, math.ceil(0.4 * len(target)))
                for n in range(shortest, len(target)):
                    self._prefix_index.setdefault(target[:n], set()).add(target)
                consonants = _consonants(target)
                if len(consonants) >= 3 and consonants != target:
                    self._cons_index.setdefault(consonants, set()).add(target)
                self._by_first.setdefault(target[0], []).append(target)

    def unanswered(self, words: set[str]) -> set[str]:
        """The ``words`` that :meth:`approximate` has no cached answer for."""
        return words.difference(self._cache)

    def cached(self, word: str) -> tuple[tuple[str, Method], ...]:
        """The cached answer for ``word`` (empty when it has none or was not asked)."""
        return self._cache.get(word, ())

    def one_edit(self, word: str, target: str) -> bool:
        """True when :meth:`approximate` found ``word`` one edit away from ``target``."""
        return (word, target) in self._one_edit

    def approximate(self, word: str) -> tuple[tuple[str, Method], ...]:
        """Brand words that ``word`` may be a misspelling or abbreviation of.

        Returns ``(target, method)`` pairs, method ``edit`` or ``abbrev``.
        Ordinary words, exact brand words and words with digits get none.
        """
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        result = self._compute(word)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
            self.positive.clear()
            self._one_edit.clear()
        self._cache[word] = result
        if result:
            self.positive.add(word)
        return result

    def _compute(self, word: str) -> tuple[tuple[str, Method], ...]:
        n = len(word)
        if n < 3 or n > 30 or not word.isalpha() or not word.isascii():
            return ()
        if self.vocabulary.is_vocab(word) or word in self.exact_tokens or self._inflected(word):
            return ()
        found: dict[str, Method] = {}
        squeezed = squeeze(word)
        if squeezed != word:
            # Letters doubled or tripled inside a name ("Niike", "Dysson", "Guccci"): the
            # word has the name's letters in order, some repeated, and no other change.
            for target in self._squeezed.get(squeezed, ()):
                if len(word) > len(target) and target != word:
                    found[target] = "doubled"
        first = word[0]
        shapes = self._target_shapes
        near = any((first, size) in shapes for size in (n - 1, n, n + 1))
        far = n >= 9 and any((first, size) in self._long_shapes for size in range(n - 2, n + 3))
        if n >= 4 and (near or far):
            variants = {word} | _deletes(word)
            if far:
                variants |= {d2 for d1 in _deletes(word) for d2 in _deletes(d1)}
            for variant in variants:
                for target in self._del_index.get(variant, ()):
                    if target[0] != word[0] or target == word:
                        continue
                    if len(target) == 4 and not (n == 5 and word.startswith(target[:3])):
                        continue  # four-letter names: only a doubled or added last letter
                    limit = edit_limit(target)
                    if target in self._line_only_targets:
                        limit = 1
                    distance = osa_distance(word, target, limit)
                    if distance <= limit and target not in found:
                        found[target] = "edit"
                        if distance == 1:
                            self._one_edit.add((word, target))
            for target in self._prefix_index.get(word, ()):
                if n >= 0.5 * len(target) and target not in self._line_only_targets:
                    found.setdefault(target, "abbrev")
        if not (_VOWELS & set(word)):
            for target in self._cons_index.get(word, ()):
                if target[0] == word[0] and target not in self._line_only_targets:
                    found.setdefault(target, "abbrev")
        if 5 <= n <= 10 and sum(ch in _VOWELS for ch in word) <= 1:
            # abbreviations drop vowels ("versc", "givnchy"); "panels" is no abbreviation
            for target in self._by_first.get(word[0], ()):
                if (
                    n < len(target)
                    and n >= 0.6 * len(target)
                    and target not in self._line_only_targets
                    and _is_subsequence(word, target)
                ):
                    found.setdefault(target, "abbrev")
        return tuple(sorted(found.items()))

    def _inflected(self, word: str) -> bool:
        """True for plurals and other inflections of ordinary words ("bells", "primed")."""
        for suffix, repl in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                stem = word[: len(word) - len(suffix)] + repl
                if self.vocabulary.is_vocab(stem):
                    return True
                if stem in self.exact_tokens:
                    return False  # "Nikes", "Rolexes": the brand with an ending
        return False

    def pair(self, word: str, key: str) -> PairKind:
        """How ``word`` stands for ``key`` inside a multi-word name: exact, edit, prefix or ''."""
        if word == key:
            return "exact"
        cached = self._pair_cache.get((word, key))
        if cached is not None:
            return cached
        result: PairKind = ""
        if key.startswith(word) and word:
            result = "prefix"
        elif len(word) >= 3 and word[0] == key[0]:
            limit = edit_limit(key)
            if osa_distance(word, key, limit) <= limit:
                result = "edit"
            elif len(word) >= 4 and any(t == key for t, _ in self.approximate(word)):
                result = "prefix"
        if len(self._pair_cache) >= _CACHE_LIMIT:
            self._pair_cache.clear()
        self._pair_cache[(word, key)] = result
        return result
