"""Candidate search: where catalog strings may be typed in a text's skeleton words.

Two passes over the words, with set look-ups on the common path:

1. **exact**: a run of words whose concatenation is a catalog string, in the
   catalog's own spacing ("louis vuitton") or split up ("lou is vuit ton",
   "car tier", "c hanel");
2. **approximate** words (see :mod:`nlp_ip.text.matching.approximate`): bounded
   edit distance ("rolx", "balenciga"), abbreviations ("balenc", "rlx") and
   multi-word names with one word approximate ("louis vitton", "jo mal").

Every candidate carries the :class:`~nlp_ip.text.matching.records.Evidence` it
needs; the guards (:mod:`nlp_ip.text.matching.guards`) decide which count.
"""

from __future__ import annotations

from itertools import pairwise

from nlp_ip.text.matching.approximate import ApproximateWords
from nlp_ip.text.matching.index import BrandIndex
from nlp_ip.text.matching.records import Candidate, Evidence, KeyEntry, Method
from nlp_ip.text.matching.words import positions


class CandidateSearch:
    """Finds the candidates of one text; see the module docstring."""

    def __init__(self, index: BrandIndex, approx: ApproximateWords) -> None:
        self.index = index
        self.approx = approx

    def in_text(self, words: list[str], wordset: set[str]) -> list[Candidate]:
        """Candidates in the words of a listing (``wordset``: the same words as a set)."""
        index = self.index
        approx = self.approx
        for word in approx.unanswered(wordset):
            approx.approximate(word)
        approx_hits = wordset & approx.positive
        single = wordset & index.joined_keys
        pair_list = [a + b for a, b in pairwise(words)]
        pairs = index.prefixes.intersection(pair_list)
        multi = wordset & index.first_multi_keys
        if not pairs and not approx_hits and not multi and single <= index.stop_keys:
            # Only function words that double as a name ("on"): they count only beside
            # another mention of their brand, and there is none.
            return []
        candidates: list[Candidate] = []
        if single or pairs or multi:
            self._exact(words, pair_list, single, pairs, multi, candidates)
        if approx_hits:
            self._approximate(words, approx_hits, candidates)
        return candidates

    def in_brand_field(self, words: list[str]) -> list[Candidate]:
        """Candidates in the words of a seller's brand field (every pass, no shortcut)."""
        index = self.index
        approx = self.approx
        for word in set(words):
            approx.approximate(word)
        candidates: list[Candidate] = []
        wordset = set(words)
        pair_list = [a + b for a, b in pairwise(words)]
        self._exact(
            words,
            pair_list,
            wordset & index.joined_keys,
            index.prefixes.intersection(pair_list),
            wordset & index.first_multi_keys,
            candidates,
        )
        self._approximate(words, wordset & approx.positive, candidates)
        return candidates

    def _exact(
        self,
        words: list[str],
        pair_list: list[str],
        single: set[str],
        pairs: set[str],
        multi: set[str],
        out: list[Candidate],
    ) -> None:
        """Catalog strings typed whole or split up; ``pairs``: adjacent words joined."""
        prefixes = self.index.prefixes
        joined_index = self.index.joined
        is_vocab = self.index.vocabulary.is_vocab
        stop_skeleton = self.index.vocabulary.stop_skeleton
        count = len(words)
        heads = self.index.split_heads.intersection(words)
        starts = set(positions(words, single | multi)) | set(positions(pair_list, pairs))
        for i in sorted(starts | set(positions(words, heads)) if heads else starts):
            word = words[i]
            if i not in starts:
                # "kitchen aide": a name split in two, the second part misspelt
                self._split_misspelt(words, i, out)
                continue
            cat = word
            j = i
            while True:
                entries = joined_index.get(cat)
                if entries:
                    spaced = tuple(words[i : j + 1])
                    for entry in entries:
                        method: Method = "exact" if spaced == entry.tokens else "joined"
                        evidence = entry.evidence
                        if method == "joined":
                            pieces = words[i : j + 1]
                            if all(is_vocab(p) for p in pieces) or (
                                entry.kind == "initials" and len(pieces) != len(cat)
                            ):
                                evidence = max(evidence, Evidence.WORD)
                        out.append(Candidate(i, j + 1, entry, method, evidence))
                j += 1
                if j >= count:
                    break
                nxt = cat + words[j]
                if nxt not in prefixes:
                    if not entries and len(cat) >= 4:
                        self._split_misspelt(words, i, out, j - i)
                    break
                cat = nxt
            # multi-word names whose later words are shortened or misspelt ("jo mal")
            for entry in self.index.first_multi.get(word, ()) if word in multi else ():
                if entry.kind not in ("name", "alias") or word in stop_skeleton:
                    continue
                self._align(words, i, entry, 0, out)

    def _split_misspelt(
        self, words: list[str], i: int, out: list[Candidate], width: int = 1
    ) -> None:
        """``words[i:i+width]`` start a name; is the next word its misspelt rest?"""
        j = i + width
        if j >= len(words):
            return
        cat = "".join(words[i:j])
        nxt = cat + words[j]
        if len(nxt) < 6 or not nxt.isalpha():
            return
        for target, method in self.approx.approximate(nxt):
            if method != "edit" or not target.startswith(cat):
                continue
            for entry in self.index.joined.get(target, ()):
                if entry.kind in ("name", "alias"):
                    out.append(Candidate(i, j + 1, entry, method, Evidence.WORD))

    def _approximate(self, words: list[str], hits: set[str], out: list[Candidate]) -> None:
        token_index = self.index.token_index
        joined_index = self.index.joined
        for i, word in enumerate(words):
            if word not in hits:
                continue
            for target, method in self.approx.cached(word):
                for entry, k in token_index.get(target, ()):
                    if entry.kind in ("initials", "parody"):
                        continue
                    if len(entry.tokens) == 1:
                        evidence = self._approximate_evidence(entry, method, target, word)
                        out.append(Candidate(i, i + 1, entry, method, evidence))
                    elif entry.kind in ("name", "alias"):
                        # product lines are matched whole: "Galaxy Buds2" is not a
                        # misspelt "Galaxy Buds2 Pro"
                        self._align(words, i - k, entry, k, out)
                for entry in joined_index.get(target, ()):
                    if len(entry.tokens) > 1 and entry.kind not in ("initials", "parody"):
                        out.append(Candidate(i, i + 1, entry, method, Evidence.WORD))

    def _approximate_evidence(
        self, entry: KeyEntry, method: Method, target: str, word: str
    ) -> Evidence:
        """A one-letter slip in a long distinctive name needs nothing ("Balenciagga"), and
        neither do doubled letters in any distinctive name ("Niike", "Diior"): no ordinary
        word is a brand name with repeated letters, so the doubling is a disguise."""
        if (
            method == "doubled"
            and entry.evidence == Evidence.NONE
            and not self.index.brands[entry.brand].ambiguous
        ):
            return Evidence.NONE
        if (
            method == "edit"
            and len(target) >= 7
            and entry.evidence == Evidence.NONE
            and not self.index.brands[entry.brand].ambiguous
            and self.approx.one_edit(word, target)
        ):
            return Evidence.NONE
        return Evidence.WORD

    def _align(
        self, words: list[str], start: int, entry: KeyEntry, anchor: int, out: list[Candidate]
    ) -> None:
        """Match ``entry`` at ``start`` where some words are shortened or misspelt."""
        n = len(entry.tokens)
        if start < 0 or start + n > len(words):
            return
        kinds = []
        for k, key in enumerate(entry.tokens):
            word = words[start + k]
            kind = self.approx.pair(word, key)
            if not kind or (kind == "prefix" and len(word) < 2 and 3 * len(word) < len(key)):
                return  # "Pandora's" is not "Pandora S(ignature)"; "Ray B" is "Ray-Ban"
            kinds.append(kind)
        if all(k == "exact" for k in kinds):
            return  # found by the exact pass
        is_common = self.index.vocabulary.is_common
        exact_words = [
            entry.tokens[k]
            for k, kind in enumerate(kinds)
            if kind == "exact" and not is_common(entry.words[k] if k < len(entry.words) else "")
        ]
        typed = sum(len(words[start + k]) for k in range(n))
        if typed < 0.5 * sum(len(t) for t in entry.tokens):
            return
        method: Method
        if "prefix" in kinds:
            if not any(k == "exact" for k in kinds) and anchor == 0:
                return
            method, evidence = "abbrev", Evidence.WORD
        else:
            method = "edit"
            needs_none = exact_words and entry.evidence == Evidence.NONE
            evidence = Evidence.NONE if needs_none else Evidence.WORD
        out.append(Candidate(start, start + n, entry, method, max(evidence, entry.evidence)))
