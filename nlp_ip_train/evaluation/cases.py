"""The legal-case probe: how the model decides listings from real court cases.

``data/cases/cases.jsonl`` holds one listing-style row per case with the
court's outcome mapped to a label (see ``data/cases/README.md``). The probe
reports, per case, the model's label, probabilities and policy decision next to
the court's outcome, and a summary: label agreement, court-infringing cases the
policy removes or reviews, and court-non-infringing cases it would remove.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nlp_ip.errors import InvalidInputError
from nlp_ip.io import read_listings
from nlp_ip.labels import LABEL_NAMES, Label
from nlp_ip.policy import Decision, DecisionPolicy
from nlp_ip.schema import Listing

#: The probe file shipped with the repository.
DEFAULT_CASES = Path(__file__).resolve().parents[2] / "data" / "cases" / "cases.jsonl"
CASE_FIELDS = ("case", "citation", "year", "court", "jurisdiction", "stage", "outcome",
               "label_note")


def load_cases(path: str | Path) -> list[Listing]:
    """Case rows; every row needs a ``case`` name (the label may be absent)."""
    listings, report = read_listings(path)
    if report.errors:
        raise InvalidInputError(f"{path}: {len(report.errors)} bad rows (first: "
                                f"{report.errors[0]}); fix them, cases are few and hand-written")
    missing = [x.id or str(i) for i, x in enumerate(listings) if not x.metadata.get("case")]
    if missing:
        raise InvalidInputError(f"{path}: rows {', '.join(missing[:5])} have no 'case' field; "
                                "every probe row names its court case")
    return listings


def probe_cases(probs: np.ndarray, cases: Sequence[Listing], policy: DecisionPolicy
                ) -> dict[str, Any]:
    """Per-case rows and a summary for (N, 4) calibrated ``probs`` of ``cases``."""
    probs = np.asarray(probs, dtype=np.float64)
    decisions: list[str] = [str(d) for d in policy.decide_codes(probs)] if len(probs) else []
    rows = []
    for listing, row, decision in zip(cases, probs, decisions, strict=True):
        court = listing.label.value if listing.label is not None else None
        predicted = LABEL_NAMES[int(row.argmax())]
        meta = listing.metadata
        rows.append({
            "id": listing.id, "title": listing.title,
            **{k: meta.get(k) for k in CASE_FIELDS if meta.get(k) is not None},
            "court_label": court, "predicted": predicted,
            "probabilities": {n: float(p) for n, p in zip(LABEL_NAMES, row, strict=True)},
            "decision": str(decision),
            "agrees": None if court is None else predicted == court,
        })
    labeled = [r for r in rows if r["court_label"] is not None]
    infringing = [r for r in labeled if r["court_label"] == Label.INFRINGING.value]
    others = [r for r in labeled if r["court_label"] != Label.INFRINGING.value]
    flagged = (Decision.REMOVE.value, Decision.REVIEW.value)
    summary = {
        "n": len(rows), "n_labeled": len(labeled),
        "label_agreement": sum(1 for r in labeled if r["agrees"]),
        "n_infringing": len(infringing),
        "infringing_flagged": sum(1 for r in infringing if r["decision"] in flagged),
        "n_non_infringing": len(others),
        "non_infringing_removed": sum(1 for r in others
                                      if r["decision"] == Decision.REMOVE.value),
    }
    return {"summary": summary, "rows": rows}
