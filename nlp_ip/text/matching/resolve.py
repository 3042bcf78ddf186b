"""Brand resolution: from accepted candidates to mentions, and a seller's brand field to a brand."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from nlp_ip.text import lexicon
from nlp_ip.text.matching.records import (
    Candidate,
    EntryKind,
    MatchKind,
    Method,
    RawCue,
    RawMention,
)

#: Chooses, among accepted candidates, the ones that become mentions (no two overlapping);
#: arguments: the candidates and the folded-text ``(start, end)`` of each word.
OverlapFilter = Callable[[list[Candidate], list[tuple[int, int]]], list[Candidate]]

_Item = TypeVar("_Item")

_METHOD_RANK: dict[Method, int] = {"exact": 0, "joined": 1, "doubled": 2, "edit": 3, "abbrev": 4}
_KIND_RANK: dict[EntryKind, int] = {
    "parody": 0,
    "name": 1,
    "alias": 2,
    "product_line": 3,
    "initials": 4,
}


def keep_non_overlapping(
    ranked: Iterable[_Item], span: Callable[[_Item], tuple[int, int]]
) -> list[_Item]:
    """The items of ``ranked`` (best first) that overlap no better one, in text order.

    ``span`` gives an item's ``(start, end)``, end exclusive.
    """
    kept: list[tuple[int, int, _Item]] = []
    for item in ranked:
        start, end = span(item)
        if any(start < k_end and k_start < end for k_start, k_end, _ in kept):
            continue
        kept.append((start, end, item))
    kept.sort(key=lambda k: k[0])
    return [item for _, _, item in kept]


def longest_first(accepted: list[Candidate], spans: list[tuple[int, int]]) -> list[Candidate]:
    """Keep the longest (in folded characters) of overlapping candidates, in text order.

    Ties go to the more literal match (exact, joined, edit, abbrev), then to the
    parody name, name, alias, product line, initials, then to the earlier one.
    """
    ranked = sorted(
        accepted,
        key=lambda c: (
            -(spans[c.last - 1][1] - spans[c.first][0]),
            _METHOD_RANK[c.method],
            _KIND_RANK[c.entry.kind],
            c.first,
        ),
    )
    return keep_non_overlapping(ranked, lambda c: (c.first, c.last))


def prefer_exact_form(taken: list[Candidate], candidates: list[Candidate]) -> list[Candidate]:
    """``taken`` with each match replaced by an exact one of its brand on the same words.

    Reports the catalog form typed exactly when one fits the same words, even if
    only a sibling form carried the acceptance ("Off White" vs "OffWhite").
    """
    out = list(taken)
    for n, cand in enumerate(out):
        if cand.method == "exact":
            continue
        for other in candidates:
            if (
                other.method == "exact"
                and other.first == cand.first
                and other.last == cand.last
                and other.entry.brand == cand.entry.brand
                and other.entry.kind != "parody"
            ):
                out[n] = other
                break
    return out


def resolve_mentions(
    candidates: list[Candidate],
    spans: list[tuple[int, int]],
    overlap_filter: OverlapFilter = longest_first,
) -> tuple[list[RawMention], list[RawCue]]:
    """Brand mentions and parody-name cues from the accepted ``candidates``."""
    taken = overlap_filter([c for c in candidates if c.accepted], spans)
    mentions: list[RawMention] = []
    puns: list[RawCue] = []
    for cand in prefer_exact_form(taken, candidates):
        start, end = spans[cand.first][0], spans[cand.last - 1][1]
        entry = cand.entry
        if entry.kind == "parody":
            puns.append(RawCue(start, end, lexicon.PARODY, entry.surface, False, entry.brand))
            continue
        match: MatchKind = "fuzzy" if cand.approximate else entry.kind
        mentions.append(
            RawMention(start, end, entry.brand, match, cand.method, entry.surface, entry.plain,
                       entry.surface if entry.kind == "product_line" else None)
        )
    return mentions, puns


def best_brand_field_candidate(candidates: list[Candidate], words: list[str]) -> Candidate | None:
    """The candidate that a seller's brand field of ``words`` names, if any.

    The longest wins, an exact or joined one over an approximate one of the same
    length; parody names never, initials only when they are the whole field.
    """
    best: Candidate | None = None
    for cand in candidates:
        if cand.entry.kind == "parody":
            continue
        if cand.entry.kind == "initials" and len(words) > 1:
            continue
        key = (cand.last - cand.first, cand.method in ("exact", "joined"))
        if best is None or key > (best.last - best.first, best.method in ("exact", "joined")):
            best = cand
    return best
