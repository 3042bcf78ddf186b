"""Everything in ``metrics.json``, as a function of (probs, y_true, policy, metadata).

Definitions (``infringing`` is the true label; ``remove``/``review``/``allow``
are the policy's decisions on the calibrated probabilities):

- ``infringing_recall``: share of infringing rows whose decision is remove or
  review (what auto-removal plus human review catches);
- ``over_enforcement_rate``: share of non-infringing rows (parody, lookalike,
  legitimate) whose decision is remove;
- ``review_rate``: share of all rows sent to review;
- ``auto_decision_accuracy``: among rows decided remove or allow, the share
  decided right (remove is right iff the row is infringing, allow iff it is not);
- ``removal_precision``: share of removed rows that are infringing;
- ``auto_removal_coverage``: share of infringing rows removed automatically;
- ``aurc``: area under the risk-coverage curve of the top-label confidence.

A rate whose denominator is empty is ``None`` (``null`` in JSON), never 0.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from nlp_ip.labels import LABEL2ID, LABEL_NAMES, Label
from nlp_ip.policy import Decision, DecisionPolicy
from nlp_ip_train.evaluation.bootstrap import bootstrap_intervals
from nlp_ip_train.metrics import (
    brier_score,
    confusion_matrix,
    expected_calibration_error,
    macro_f1,
    per_class,
    reliability_bins,
)

DECISIONS: tuple[str, ...] = tuple(d.value for d in Decision)
MISSING = "(none)"
INFRINGING_ID = LABEL2ID[Label.INFRINGING.value]


def _ratio(numerator: int, denominator: int) -> float | None:
    return float(numerator) / float(denominator) if denominator else None


def decision_metrics(decisions: Sequence[str] | np.ndarray, y_true: np.ndarray
                     ) -> dict[str, Any]:
    """Policy-level metrics of decision strings against true label ids."""
    decisions = np.asarray(decisions, dtype=object)
    y_true = np.asarray(y_true, dtype=np.int64)
    infringing = y_true == INFRINGING_ID
    remove = decisions == Decision.REMOVE.value
    review = decisions == Decision.REVIEW.value
    allow = decisions == Decision.ALLOW.value
    auto = remove | allow
    auto_right = (remove & infringing) | (allow & ~infringing)
    by_label = {
        name: {d: int(((y_true == i) & (decisions == d)).sum()) for d in DECISIONS}
        for i, name in enumerate(LABEL_NAMES)
    }
    over_by_label = {
        name: _ratio(by_label[name][Decision.REMOVE.value], sum(by_label[name].values()))
        for name in LABEL_NAMES if name != Label.INFRINGING.value
    }
    n = len(y_true)
    return {
        "infringing_recall": _ratio(int(((remove | review) & infringing).sum()),
                                    int(infringing.sum())),
        "over_enforcement_rate": _ratio(int((remove & ~infringing).sum()),
                                        int((~infringing).sum())),
        "review_rate": _ratio(int(review.sum()), n),
        "auto_decision_accuracy": _ratio(int(auto_right.sum()), int(auto.sum())),
        "removal_precision": _ratio(int((remove & infringing).sum()), int(remove.sum())),
        "auto_removal_coverage": _ratio(int((remove & infringing).sum()),
                                        int(infringing.sum())),
        "decision_counts": {d: int((decisions == d).sum()) for d in DECISIONS},
        "decisions_by_label": by_label,
        "over_enforcement_by_label": over_by_label,
    }


def risk_coverage_curve(probs: np.ndarray, y_true: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(coverage, risk, threshold) when keeping rows with confidence >= threshold.

    One point per distinct confidence value, most confident first; rows with
    equal confidence enter together, so ties do not depend on row order.
    """
    probs = np.asarray(probs, dtype=np.float64)
    y_true = np.asarray(y_true, dtype=np.int64)
    n = len(y_true)
    if n == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    confidence = probs.max(axis=1)
    wrong = (probs.argmax(axis=1) != y_true).astype(np.int64)
    order = np.argsort(-confidence, kind="stable")
    conf_sorted = confidence[order]
    cum_wrong = np.cumsum(wrong[order])
    # last position of each run of equal confidence
    ends = np.flatnonzero(np.r_[conf_sorted[1:] != conf_sorted[:-1], True])
    kept = ends + 1
    return kept / n, cum_wrong[ends] / kept, conf_sorted[ends]


def aurc(probs: np.ndarray, y_true: np.ndarray) -> float | None:
    """Area under the risk-coverage curve (step integral; lower is better).

    Each group of equally confident rows contributes (group size / N) x the
    risk once it is included; with distinct confidences this is the mean of
    the risk after each row, the usual AURC.
    """
    coverage, risk, _ = risk_coverage_curve(probs, y_true)
    if coverage.size == 0:
        return None
    widths = np.diff(np.r_[0.0, coverage])
    return float((widths * risk).sum())


def classification_metrics(probs: np.ndarray, y_true: np.ndarray, n_bins: int = 15
                           ) -> dict[str, Any]:
    """Label-level metrics of calibrated probabilities (argmax is the prediction)."""
    probs = np.asarray(probs, dtype=np.float64)
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = probs.argmax(axis=1) if len(probs) else np.zeros(0, dtype=np.int64)
    n = len(y_true)
    return {
        "n": n,
        "macro_f1": macro_f1(y_true, y_pred) if n else None,
        "accuracy": float((y_true == y_pred).mean()) if n else None,
        "per_class": per_class(y_true, y_pred),
        "confusion_matrix": confusion_matrix(y_true, y_pred).tolist(),
        "ece": expected_calibration_error(probs, y_true, n_bins) if n else None,
        "brier": brier_score(probs, y_true) if n else None,
        "aurc": aurc(probs, y_true),
    }


def slice_value(record: Mapping[str, Any], field: str) -> str:
    """The slice key of one row: the field as text, ``(none)`` when missing or empty."""
    value = record.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        return MISSING
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def slice_metrics(probs: np.ndarray, y_true: np.ndarray, decisions: np.ndarray,
                  values: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Metrics per distinct value, largest slices first (ties by value)."""
    values_arr = np.asarray(values, dtype=object)
    keys = sorted(set(values_arr.tolist()), key=lambda v: (-(values_arr == v).sum(), v))
    out: dict[str, dict[str, Any]] = {}
    for key in keys:
        mask = values_arr == key
        cls = classification_metrics(probs[mask], y_true[mask])
        dec = decision_metrics(decisions[mask], y_true[mask])
        out[key] = {
            "n": cls["n"],
            "label_counts": {name: int((y_true[mask] == i).sum())
                             for i, name in enumerate(LABEL_NAMES)},
            "macro_f1": cls["macro_f1"],
            "accuracy": cls["accuracy"],
            "ece": cls["ece"],
            "infringing_recall": dec["infringing_recall"],
            "over_enforcement_rate": dec["over_enforcement_rate"],
            "review_rate": dec["review_rate"],
            "auto_decision_accuracy": dec["auto_decision_accuracy"],
        }
    return out


def evaluation_metrics(probs: np.ndarray, y_true: np.ndarray, policy: DecisionPolicy,
                       metadata: Sequence[Mapping[str, Any]] | None = None, *,
                       slice_by: Iterable[str] = (), n_bootstrap: int = 1000,
                       seed: int = 0, level: float = 0.95,
                       n_bins: int = 15) -> dict[str, Any]:
    """The full ``metrics.json`` content for one labeled set.

    ``metadata`` holds one mapping per row (e.g. ``listing.to_record()``) and
    is needed only for ``slice_by``. The bootstrap is deterministic for a seed.
    """
    probs = np.asarray(probs, dtype=np.float64)
    y_true = np.asarray(y_true, dtype=np.int64)
    if probs.ndim != 2 or probs.shape[1] != len(LABEL_NAMES):
        raise ValueError(f"probs must have shape (N, {len(LABEL_NAMES)}), got {probs.shape}")
    if len(probs) != len(y_true):
        raise ValueError(f"probs has {len(probs)} rows but y_true has {len(y_true)}")
    slice_by = list(slice_by)
    if slice_by and (metadata is None or len(metadata) != len(y_true)):
        raise ValueError("slicing needs one metadata mapping per row "
                         f"({len(y_true)} rows, got {0 if metadata is None else len(metadata)})")
    decisions = policy.decide_codes(probs) if len(probs) else np.zeros(0, dtype=object)
    y_pred = probs.argmax(axis=1) if len(probs) else np.zeros(0, dtype=np.int64)
    metrics: dict[str, Any] = {"labels": list(LABEL_NAMES)}
    metrics.update(classification_metrics(probs, y_true, n_bins))
    metrics.update(decision_metrics(decisions, y_true))
    intervals = bootstrap_intervals(y_true, y_pred, decisions, n_resamples=n_bootstrap,
                                    seed=seed, level=level)
    metrics["macro_f1_ci95"] = intervals["macro_f1"]
    metrics["infringing_recall_ci95"] = intervals["infringing_recall"]
    metrics["over_enforcement_rate_ci95"] = intervals["over_enforcement_rate"]
    metrics["bootstrap"] = {"n_resamples": n_bootstrap, "seed": seed, "level": level,
                            "method": "percentile"}
    metrics["reliability"] = reliability_bins(probs, y_true, n_bins) if len(probs) else []
    metrics["policy"] = policy.model_dump()
    metrics["slices"] = {
        field: slice_metrics(probs, y_true, decisions,
                             [slice_value(row, field) for row in metadata or []])
        for field in slice_by
    }
    return metrics
