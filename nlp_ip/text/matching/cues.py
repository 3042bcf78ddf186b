"""Cue matching: the phrases of :mod:`nlp_ip.text.lexicon` in a text, with their guards.

Phrases are looked up by their first skeleton word; patterns (``1:1``, ``vsf factory``)
run as regular expressions on the folded text; phrases in scripts written without
spaces are matched as substrings. A phrase's options (see :class:`~nlp_ip.text.lexicon.CueSpec`)
are checked against the words around it and the brand mentions found in the text;
the longest of overlapping cues wins; then each is checked for negation.
"""

from __future__ import annotations

import re
from dataclasses import replace

from nlp_ip.text import lexicon
from nlp_ip.text.lexicon import CueSpec
from nlp_ip.text.matching.negation import Negation
from nlp_ip.text.matching.records import RawCue, RawMention
from nlp_ip.text.matching.resolve import keep_non_overlapping
from nlp_ip.text.matching.words import WORD_RE, Tokens, positions, skeleton_set
from nlp_ip.text.normalize import NormalizedText, normalize

_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _mention_at(
    k: int, spans: list[tuple[int, int]], mention_starts: dict[int, RawMention]
) -> RawMention | None:
    """The mention that starts at word ``k`` (or one character before it)."""
    start = spans[k][0]
    return mention_starts.get(start) or mention_starts.get(start - 1)


class CueFinder:
    """The cue phrases compiled for look-up; :meth:`find` runs them on a text."""

    def __init__(self) -> None:
        self._first: dict[str, list[tuple[tuple[str, ...], CueSpec]]] = {}
        cjk: list[tuple[str, CueSpec]] = []
        for spec in lexicon.CUE_SPECS:
            norm = normalize(spec.phrase)
            if _CJK_RE.search(norm.text):
                cjk.append((norm.text, spec))
                continue
            tokens = tuple(WORD_RE.findall(norm.skeleton))
            if spec.not_next or spec.not_prev:
                spec = replace(
                    spec,
                    not_next=skeleton_set(spec.not_next),
                    not_prev=skeleton_set(spec.not_prev),
                )
            if tokens:
                self._first.setdefault(tokens[0], []).append((tokens, spec))
        self.negation = Negation()
        self._articles = skeleton_set(lexicon.ARTICLES)
        for options in self._first.values():
            options.sort(key=lambda item: -len(item[0]))
        self._first_keys = frozenset(self._first)
        # First words of cues that count without a brand mention in the text.
        self._first_free = frozenset(
            word
            for word, options in self._first.items()
            if any(not (spec.brand_after or spec.brand_near) for _, spec in options)
        )
        cjk.sort(key=lambda item: -len(item[0]))
        self._cjk_specs = {phrase: spec for phrase, spec in cjk}
        self._cjk_re = re.compile("|".join(re.escape(p) for p, _ in cjk)) if cjk else None
        self._patterns = [
            (needle, kind, re.compile(pattern)) for needle, kind, pattern in lexicon.CUE_PATTERNS
        ]

    def find(self, tokens: Tokens, mentions: list[RawMention]) -> list[RawCue]:
        """Cues in the text of ``tokens``; ``mentions`` are the brand mentions found in it."""
        norm = tokens.norm
        folded = norm.text
        words = tokens.words
        hits = (self._first_keys if mentions else self._first_free) & tokens.wordset
        found: list[RawCue] = []
        for needle, kind, pattern in self._patterns:
            if needle in folded:
                for m in pattern.finditer(folded):
                    found.append(RawCue(m.start(), m.end(), kind, m.group()))
        if self._cjk_re is not None and not folded.isascii():
            for m in self._cjk_re.finditer(folded):
                spec = self._cjk_specs[m.group()]
                found.append(RawCue(m.start(), m.end(), spec.kind, spec.phrase))
        if hits:
            spans = tokens.spans
            mention_starts = {m.start: m for m in mentions}
            mention_ends = {m.end: m for m in mentions}
            for i in positions(words, hits):
                for phrase, spec in self._first[words[i]]:
                    n = len(phrase)
                    if n > 1 and tuple(words[i : i + n]) != phrase:
                        continue
                    if not mentions and (spec.brand_after or spec.brand_near):
                        continue  # "for", "style", "like": cues only next to a brand
                    cue = self._check(spec, i, n, words, spans, norm, mention_starts, mention_ends)
                    if cue is not None:
                        found.append(cue)
                        break
        if not found:
            return []
        found.sort(key=lambda c: (-(c.end - c.start), c.start))
        kept = keep_non_overlapping(found, lambda c: (c.start, c.end))
        negated = self.negation.negated
        # Until here ``negated`` carried the phrase's ``fixed`` option (see _check).
        return [
            RawCue(
                cue.start,
                cue.end,
                cue.kind,
                cue.phrase,
                False if cue.negated else negated(norm.skeleton, cue.start, cue.end),
                cue.brand,
            )
            for cue in kept
        ]

    def _check(
        self,
        spec: CueSpec,
        i: int,
        n: int,
        words: list[str],
        spans: list[tuple[int, int]],
        norm: NormalizedText,
        mention_starts: dict[int, RawMention],
        mention_ends: dict[int, RawMention],
    ) -> RawCue | None:
        """The cue ``spec`` at words ``[i, i + n)``, or None where its options rule it out."""
        start, end = spans[i][0], spans[i + n - 1][1]
        nxt = words[i + n] if i + n < len(words) else ""
        prev = words[i - 1] if i > 0 else ""
        if spec.not_next and nxt in spec.not_next:
            return None
        if spec.not_prev and prev in spec.not_prev:
            return None
        if spec.upper:
            a, b = norm.to_original(start, end)
            if not norm.original[a:b].isupper():
                return None
        brand: str | None = None
        if spec.brand_after:
            mention = None
            for k in (i + n, i + n + 1):
                if k >= len(words):
                    break
                mention = _mention_at(k, spans, mention_starts)
                if mention is not None or words[k] not in self._articles:
                    break
            if mention is None:
                return None
            brand = mention.brand
        if spec.kind == lexicon.COMPATIBILITY and brand is None and i + n < len(words):
            # "compatible with AirPods Pro": name the brand the goods are for.
            for k in (i + n, i + n + 1):
                if k >= len(words):
                    break
                mention = _mention_at(k, spans, mention_starts)
                if mention is not None:
                    brand = mention.brand
                    break
                if words[k] not in self._articles:
                    break
        if spec.brand_near:
            before = mention_ends.get(spans[i - 1][1]) if i > 0 else None
            after = _mention_at(i + n, spans, mention_starts) if i + n < len(words) else None
            if before is None and after is None:
                return None
            brand = (before or after).brand  # type: ignore[union-attr]
        # ``negated`` carries "fixed" until find computes the real flag.
        return RawCue(start, end, spec.kind, spec.phrase, spec.fixed, brand)
