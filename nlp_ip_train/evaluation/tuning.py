"""Tune the decision policy on held-out data: precision for removals, recall for review.

``remove_threshold``: the smallest threshold whose automatic removals on the
data reach ``target_precision`` (share of removed rows that are truly
infringing) with at least ``min_removals`` removals, and optionally keep the
share of non-infringing rows removed at or under ``max_over_enforcement``.
Smaller thresholds remove more, so the smallest one that still meets the
targets buys the most coverage (share of infringing rows removed without a
human) for the precision asked.

``review_thresholds["infringing"]``: the largest threshold for which remove
plus review still catches ``target_recall`` of the infringing rows, so the
review queue is as short as the recall target allows.

Parody and lookalike are never removed automatically: the policy removes a row
only when infringing is its top label (see :mod:`nlp_ip.policy`).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nlp_ip.errors import InvalidInputError
from nlp_ip.labels import LABEL2ID, Label
from nlp_ip.policy import Decision, DecisionPolicy
from nlp_ip_train.evaluation.metrics import decision_metrics

logger = logging.getLogger(__name__)

INFRINGING = Label.INFRINGING.value
INFRINGING_ID = LABEL2ID[INFRINGING]


@dataclass
class PolicyCalibration:
    """The tuned policy and what it costs, on the tuning data."""

    before: DecisionPolicy
    after: DecisionPolicy
    remove: dict[str, Any]
    review: dict[str, Any]
    metrics_before: dict[str, Any] = field(default_factory=dict)
    metrics_after: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        keys = ("infringing_recall", "over_enforcement_rate", "review_rate",
                "auto_decision_accuracy", "removal_precision", "auto_removal_coverage",
                "decision_counts")
        return {
            "before": self.before.model_dump(),
            "after": self.after.model_dump(),
            "remove": self.remove,
            "review": self.review,
            "metrics_before": {k: self.metrics_before.get(k) for k in keys},
            "metrics_after": {k: self.metrics_after.get(k) for k in keys},
        }

    def format(self) -> str:
        """A before/after table for the terminal."""

        def pct(value: Any) -> str:
            return "n/a" if value is None else f"{100 * value:6.2f}%"

        rows = [
            ("remove_threshold", f"{self.before.remove_threshold:.4f}",
             f"{self.after.remove_threshold:.4f}"),
            ("review_threshold[infringing]",
             f"{self.before.review_thresholds.get(INFRINGING, float('nan')):.4f}",
             f"{self.after.review_thresholds.get(INFRINGING, float('nan')):.4f}"),
            ("min_confidence", f"{self.before.min_confidence:.4f}",
             f"{self.after.min_confidence:.4f}"),
        ]
        for key, title in (("removal_precision", "removal precision"),
                           ("auto_removal_coverage", "coverage (infringing auto-removed)"),
                           ("infringing_recall", "infringing recall (remove+review)"),
                           ("over_enforcement_rate", "over-enforcement"),
                           ("review_rate", "review rate"),
                           ("auto_decision_accuracy", "auto-decision accuracy")):
            rows.append((title, pct(self.metrics_before.get(key)),
                         pct(self.metrics_after.get(key))))
        width = max(len(r[0]) for r in rows)
        lines = [f"{'':<{width}}  {'before':>10}  {'after':>10}"]
        lines += [f"{name:<{width}}  {a:>10}  {b:>10}" for name, a, b in rows]
        remove, review = self.remove, self.review
        lines.append("")
        lines.append(
            f"remove: target precision {remove['target_precision']:.4f} "
            f"{'reached' if remove['reached'] else 'NOT reached'} with "
            f"{remove['n_removed']} removals (precision "
            f"{pct(remove['precision']).strip()}); it costs coverage: "
            f"{pct(remove['coverage']).strip()} of infringing rows are removed "
            "automatically, the rest go to review or are allowed")
        lines.append(
            f"review: target recall {review['target_recall']:.4f} "
            f"{'reached' if review['reached'] else 'NOT reached'} (recall "
            f"{pct(review['recall']).strip()}, review rate "
            f"{pct(review['review_rate']).strip()})")
        return "\n".join(lines)


def _with(policy: DecisionPolicy, **changes: Any) -> DecisionPolicy:
    data = policy.model_dump()
    data.update(changes)
    return DecisionPolicy.model_validate(data)


def tune_remove_threshold(probs: np.ndarray, y_true: np.ndarray, *,
                          target_precision: float, min_removals: int = 10,
                          max_over_enforcement: float | None = None) -> dict[str, Any]:
    """The smallest remove threshold meeting the targets, with its precision and coverage.

    Candidates are the p(infringing) values of rows whose top label is
    infringing (only those can be removed). When no threshold qualifies the
    result has ``reached: False`` and threshold 1.0 (auto-removal off in
    practice).
    """
    probs = np.asarray(probs, dtype=np.float64)
    y_true = np.asarray(y_true, dtype=np.int64)
    p_inf = probs[:, INFRINGING_ID]
    removable = probs.argmax(axis=1) == INFRINGING_ID
    is_inf = y_true == INFRINGING_ID
    n_inf = int(is_inf.sum())
    n_non = int((~is_inf).sum())
    idx = np.flatnonzero(removable)
    order = idx[np.argsort(-p_inf[idx], kind="stable")]
    values = p_inf[order]
    cum_n = np.arange(1, len(order) + 1)
    cum_tp = np.cumsum(is_inf[order])
    cum_fp = cum_n - cum_tp
    # one candidate per distinct value: the last row of each run of equal p
    ends = (np.flatnonzero(np.r_[values[1:] != values[:-1], True]) if len(values)
            else np.zeros(0, dtype=np.int64))
    precision = cum_tp[ends] / cum_n[ends]
    ok = (cum_n[ends] >= min_removals) & (precision >= target_precision - 1e-12)
    if max_over_enforcement is not None:
        over = cum_fp[ends] / n_non if n_non else np.zeros(len(ends))
        ok &= over <= max_over_enforcement + 1e-12
    result: dict[str, Any] = {
        "target_precision": target_precision, "min_removals": min_removals,
        "max_over_enforcement": max_over_enforcement,
    }
    if ok.any():
        best = ends[np.flatnonzero(ok)[-1]]
        result.update(threshold=float(values[best]), reached=True,
                      n_removed=int(cum_n[best]),
                      precision=float(cum_tp[best] / cum_n[best]),
                      coverage=float(cum_tp[best] / n_inf) if n_inf else None,
                      over_enforcement=float(cum_fp[best] / n_non) if n_non else None)
    else:
        at_one = removable & (p_inf >= 1.0)
        tp = int((at_one & is_inf).sum())
        result.update(threshold=1.0, reached=False, n_removed=int(at_one.sum()),
                      precision=tp / int(at_one.sum()) if at_one.any() else None,
                      coverage=tp / n_inf if n_inf else None,
                      over_enforcement=(int(at_one.sum()) - tp) / n_non if n_non else None)
    return result


def tune_review_threshold(probs: np.ndarray, y_true: np.ndarray, policy: DecisionPolicy, *,
                          target_recall: float) -> dict[str, Any]:
    """The largest infringing review threshold for which remove+review recall >= target.

    Rows the rest of ``policy`` already sends to remove or review (removal, low
    confidence, other labels' review thresholds) count as caught; the review
    threshold only has to reach enough of the remaining infringing rows.
    """
    probs = np.asarray(probs, dtype=np.float64)
    y_true = np.asarray(y_true, dtype=np.int64)
    is_inf = y_true == INFRINGING_ID
    n_inf = int(is_inf.sum())
    others = {k: v for k, v in policy.review_thresholds.items() if k != INFRINGING}
    base = _with(policy, review_thresholds=others)
    decided = base.decide_codes(probs)
    caught = (decided == Decision.REMOVE.value) | (decided == Decision.REVIEW.value)
    needed = math.ceil(target_recall * n_inf - 1e-9) - int((caught & is_inf).sum())
    remaining = np.sort(probs[is_inf & ~caught, INFRINGING_ID])[::-1]
    if needed <= 0 or remaining.size == 0:
        # the rest of the policy already reaches the target: review by
        # p(infringing) adds nothing below the remove threshold
        threshold = float(policy.remove_threshold)
    else:
        threshold = float(remaining[min(needed, remaining.size) - 1])
    tuned = _with(policy, review_thresholds={**others, INFRINGING: threshold})
    after = decision_metrics(tuned.decide_codes(probs), y_true)
    recall = after["infringing_recall"]
    return {"target_recall": target_recall, "threshold": threshold,
            "reached": recall is not None and recall >= target_recall - 1e-12,
            "recall": recall, "review_rate": after["review_rate"]}


def calibrate_policy(probs: np.ndarray, y_true: np.ndarray, policy: DecisionPolicy, *,
                     target_precision: float = 0.99, target_recall: float = 0.95,
                     min_removals: int = 10, max_over_enforcement: float | None = None
                     ) -> PolicyCalibration:
    """Tune ``remove_threshold`` and the infringing review threshold of ``policy``.

    ``probs`` are calibrated probabilities on held-out data (never the
    training rows); ``y_true`` their label ids. ``min_confidence`` and other
    labels' review thresholds are kept as they are.
    """
    probs = np.asarray(probs, dtype=np.float64)
    y_true = np.asarray(y_true, dtype=np.int64)
    for name, value in (("target_precision", target_precision),
                        ("target_recall", target_recall)):
        if not 0.0 < value <= 1.0:
            raise InvalidInputError(f"{name} must be in (0, 1], got {value}")
    if min_removals < 1:
        raise InvalidInputError(f"min_removals must be >= 1, got {min_removals}")
    n_inf = int((y_true == INFRINGING_ID).sum())
    if n_inf == 0:
        raise InvalidInputError(
            f"the tuning data has {len(y_true)} rows but none labeled infringing; pass a "
            "validation set that contains infringing listings")
    remove = tune_remove_threshold(probs, y_true, target_precision=target_precision,
                                   min_removals=min_removals,
                                   max_over_enforcement=max_over_enforcement)
    if not remove["reached"]:
        logger.warning("no remove threshold reaches precision %.4f with >= %d removals; "
                       "setting remove_threshold=1.0 (auto-removal effectively off)",
                       target_precision, min_removals)
    with_remove = _with(policy, remove_threshold=remove["threshold"])
    review = tune_review_threshold(probs, y_true, with_remove, target_recall=target_recall)
    after = _with(with_remove, review_thresholds={**with_remove.review_thresholds,
                                                  INFRINGING: review["threshold"]})
    return PolicyCalibration(
        before=policy, after=after, remove=remove, review=review,
        metrics_before=decision_metrics(policy.decide_codes(probs), y_true),
        metrics_after=decision_metrics(after.decide_codes(probs), y_true),
    )
