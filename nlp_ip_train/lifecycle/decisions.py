"""Reviewer decisions for a retrain: one per listing, contradictions reported, not guessed.

Decisions come from review databases (:func:`read_database`, through
:func:`nlp_ip.review.export.correction_records`, so they are exactly what
``nlp-ip review export`` writes, plus ``review_database``) and from the decisions
file the production version was trained on (:func:`read_decision_file`, kept in the
registry with the version). :func:`merge_decisions` keys them by listing (its id,
else its normalised title and description) and keeps, per listing:

- within one database, its latest decision (a later decision is a correction);
- across databases, the latest decision, unless another database's latest decision
  on the listing carries another label and lies within ``window_s`` of it: the two
  contradict each other (neither reviewer saw the other's), so the listing is left
  out and reported.

A decision is *new* when the production version's decisions file does not hold it:
those are the ones a retrain adds, and the most recent of them can be held out for
the gate (:func:`split_recent`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from nlp_ip.errors import InvalidInputError
from nlp_ip.io import iter_listings, listing_key
from nlp_ip.review.export import correction_records
from nlp_ip.review.store import SUSPECT, ReviewStore

DATABASE_FIELD = "review_database"


@dataclass(frozen=True)
class ReviewDecision:
    """One reviewer decision as a labeled listing record (``review_*`` audit fields)."""

    record: dict[str, Any]

    @property
    def label(self) -> str:
        return str(self.record["label"])

    @property
    def decided_at(self) -> str:
        return str(self.record["review_decided_at"])

    @property
    def time(self) -> datetime:
        return datetime.fromisoformat(self.decided_at)

    @property
    def database(self) -> str:
        return str(self.record.get(DATABASE_FIELD) or "")

    @property
    def reviewer(self) -> str:
        return str(self.record.get("review_reviewer") or "")

    @property
    def key(self) -> str:
        return listing_key(self.record)

    @property
    def identity(self) -> tuple[str, str, str, str]:
        """Equal for the same decision read twice (from a database and a decisions file),
        even when the database was moved or named by another path since."""
        return self.key, self.label, self.decided_at, self.reviewer

    def summary(self) -> dict[str, Any]:
        return {"database": self.database, "label": self.label, "reviewer": self.reviewer,
                "decided_at": self.decided_at, "kind": self.record.get("review_kind"),
                "model_label": self.record.get("review_model_label")}


def read_database(path: str | Path, *, include_suspects: bool = True) -> list[ReviewDecision]:
    """The current decision of every decided item of a review database."""
    store = ReviewStore(path)  # a missing file is refused with the command that builds one
    out = []
    for record in correction_records(store):
        if not include_suspects and record.get("review_kind") == SUSPECT:
            continue
        record[DATABASE_FIELD] = str(Path(path).resolve())
        out.append(ReviewDecision(record))
    return out


def read_decision_file(path: str | Path) -> list[ReviewDecision]:
    """Decisions written by an earlier retrain (JSONL of labeled records with ``review_*``)."""
    out = []
    for line, item in iter_listings(path, strict=True):
        record = item.to_record()  # type: ignore[union-attr]  # strict: no RowError
        if record.get("label") is None or not record.get("review_decided_at"):
            raise InvalidInputError(f"{path}:{line}: not a reviewer decision (no label or no "
                                    "review_decided_at); pass a decisions file written by "
                                    "nlp-ip retrain")
        out.append(ReviewDecision(record))
    return out


@dataclass
class Contradiction:
    """Decisions on one listing, from different databases, that disagree."""

    key: str
    title: str
    decisions: list[ReviewDecision]

    def to_dict(self) -> dict[str, Any]:
        return {"listing": self.key, "title": self.title,
                "labels": sorted({d.label for d in self.decisions}),
                "decisions": [d.summary() for d in self.decisions]}


@dataclass
class MergedDecisions:
    """One decision per listing, split by whether the production version trained on it."""

    new: list[ReviewDecision] = field(default_factory=list)
    carried: list[ReviewDecision] = field(default_factory=list)
    contradictions: list[Contradiction] = field(default_factory=list)
    #: Decisions replaced by a later one on the same listing.
    superseded: int = 0


def _latest_per_database(decisions: Iterable[ReviewDecision]) -> list[ReviewDecision]:
    latest: dict[str, ReviewDecision] = {}
    for decision in decisions:
        held = latest.get(decision.database)
        if held is None or (decision.time, decision.identity) > (held.time, held.identity):
            latest[decision.database] = decision
    return sorted(latest.values(), key=lambda d: (d.time, d.identity))


def merge_decisions(previous: Sequence[ReviewDecision], current: Sequence[ReviewDecision], *,
                    window_s: float) -> MergedDecisions:
    """One decision per listing from ``previous`` (already trained on) and ``current``."""
    trained = {d.identity for d in previous}
    by_key: dict[str, dict[tuple[str, ...], ReviewDecision]] = defaultdict(dict)
    for decision in [*previous, *current]:
        by_key[decision.key].setdefault(decision.identity, decision)
    merged = MergedDecisions()
    for key in sorted(by_key):
        decisions = list(by_key[key].values())
        heads = _latest_per_database(decisions)
        winner = heads[-1]
        rivals = [d for d in heads[:-1] if d.label != winner.label
                  and (winner.time - d.time).total_seconds() <= window_s]
        if rivals:
            merged.contradictions.append(Contradiction(
                key, str(winner.record.get("title", "")), [*rivals, winner]))
            continue
        merged.superseded += len(decisions) - 1
        (merged.carried if winner.identity in trained else merged.new).append(winner)
    return merged


def split_recent(decisions: Sequence[ReviewDecision], fraction: float
                 ) -> tuple[list[ReviewDecision], list[ReviewDecision]]:
    """``(older, recent)``: the most recent ``fraction`` of ``decisions`` (rounded half up)."""
    ordered = sorted(decisions, key=lambda d: (d.time, d.identity))
    n_recent = math.floor(fraction * len(ordered) + 0.5)
    cut = len(ordered) - n_recent
    return ordered[:cut], ordered[cut:]
