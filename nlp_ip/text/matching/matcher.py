"""The signal matcher: brand and cue matching compiled from one brand catalog."""

from __future__ import annotations

from functools import lru_cache

from nlp_ip.brands import Brand, BrandCatalog
from nlp_ip.text.matching.approximate import ApproximateWords
from nlp_ip.text.matching.candidates import CandidateSearch
from nlp_ip.text.matching.cues import CueFinder
from nlp_ip.text.matching.guards import (
    ACCEPTANCE,
    DEFAULT_WINDOW,
    GuardContext,
    GuardPass,
    accept,
    adjust_evidence,
)
from nlp_ip.text.matching.index import BrandIndex
from nlp_ip.text.matching.puns import pun_mentions
from nlp_ip.text.matching.records import Candidate, Method, RawCue, RawMention
from nlp_ip.text.matching.resolve import (
    OverlapFilter,
    best_brand_field_candidate,
    longest_first,
    resolve_mentions,
)
from nlp_ip.text.matching.words import WORD_RE, Tokens, as_tokens
from nlp_ip.text.normalize import NormalizedText, normalize


class SignalMatcher:
    """Brand and cue matcher compiled from one brand catalog.

    Build once per catalog (:func:`nlp_ip.text.pipeline.get_matcher` caches one per
    path) and reuse: compiling ~2,500 catalog strings takes a few hundred
    milliseconds, matching a listing takes microseconds.

    Brands are found in three steps: candidate search
    (:mod:`~nlp_ip.text.matching.candidates`), the guards that accept candidates
    (``acceptance``, see :mod:`~nlp_ip.text.matching.guards`), and resolution of
    overlaps (``overlap_filter``, see :mod:`~nlp_ip.text.matching.resolve`).
    """

    def __init__(
        self,
        catalog: BrandCatalog,
        *,
        window: int = DEFAULT_WINDOW,
        acceptance: tuple[GuardPass, ...] = ACCEPTANCE,
        overlap_filter: OverlapFilter = longest_first,
    ) -> None:
        self.catalog = catalog
        self.window = window
        self.acceptance = acceptance
        self.overlap_filter = overlap_filter
        self.index = BrandIndex(catalog)
        #: Ordinary words (several languages), folded.
        self.vocabulary = self.index.vocabulary.words
        self.approx = ApproximateWords(
            self.index.entries, self.index.vocabulary, self.index.exact_tokens
        )
        self.search = CandidateSearch(self.index, self.approx)
        self.cues = CueFinder()

    def brand(self, name: str) -> Brand | None:
        """The catalog entry of a canonical brand name."""
        return self.index.brands.get(name)

    def approximate(self, word: str) -> tuple[tuple[str, Method], ...]:
        """Brand words that skeleton ``word`` may misspell or shorten: ``(target, method)``."""
        return self.approx.approximate(word)

    # ----------------------------------------------------------------- brands

    def match_brands(self, tokens: Tokens, *, stated: str | None = None) -> list[Candidate]:
        """The brand candidates of ``tokens``, each marked ``accepted`` or not."""
        words = tokens.words
        if not words:
            return []
        candidates = self.search.in_text(words, tokens.wordset)
        if not candidates:
            return []
        adjust_evidence(candidates, tokens.norm, tokens.spans)
        ctx = GuardContext.of(self.index, words, candidates, stated=stated, window=self.window)
        accept(candidates, ctx, self.acceptance)
        return candidates

    def find_brands(
        self, text: NormalizedText | Tokens, *, stated: str | None = None
    ) -> tuple[list[RawMention], list[RawCue]]:
        """Brand mentions and parody-name cues in ``text``.

        ``stated`` is the canonical brand the seller named in the brand field
        (it confirms ambiguous mentions of that brand).
        """
        tokens = as_tokens(text)
        candidates = self.match_brands(tokens, stated=stated)
        if not candidates:
            return [], []
        return resolve_mentions(candidates, tokens.spans, self.overlap_filter)

    def resolve_brand(self, text: str | None) -> str | None:
        """The canonical brand a seller's brand field names ("LV" -> "Louis Vuitton"), if any."""
        if not text or not text.strip():
            return None
        return self._resolve_brand_cached(text.strip()[:200])

    @lru_cache(maxsize=4096)  # noqa: B019 - one matcher per catalog, kept for the process
    def _resolve_brand_cached(self, text: str) -> str | None:
        words = WORD_RE.findall(normalize(text).skeleton)
        if not words:
            return None
        for entry in self.index.joined.get("".join(words), ()):
            if entry.kind != "parody":
                return entry.brand
        best = best_brand_field_candidate(self.search.in_brand_field(words), words)
        return best.entry.brand if best is not None else None

    # ----------------------------------------------------------------- puns and cues

    def pun_mentions(
        self, norm: NormalizedText, mentions: list[RawMention], cues: list[RawCue]
    ) -> list[int]:
        """Indexes of approximate ``mentions`` that are puns (see :func:`pun_mentions`)."""
        return pun_mentions(norm, mentions, cues, self.vocabulary)

    def find_cues(self, text: NormalizedText | Tokens, mentions: list[RawMention]) -> list[RawCue]:
        """Cues in ``text``; ``mentions`` are the brand mentions found in it."""
        return self.cues.find(as_tokens(text), mentions)
