"""Fitting conformal prediction sets (rule 4 of :mod:`nlp_ip.policy`).

Class-conditional (Mondrian) split conformal with the score ``1 - p(true label)``:
for each label ``L``, take the calibrated probabilities ``p(L)`` that the model gave
the ``n`` held-out rows whose true label is ``L``, sorted ascending; the threshold is
the ``k``-th smallest with ``k = floor(alpha * (n + 1))``. A new listing whose true
label is ``L`` and which is exchangeable with those rows then has ``p(L)`` at or above
the threshold with probability at least ``1 - alpha`` (the usual split-conformal
argument, applied within each label). Where ``k`` is 0 (fewer than ``1/alpha - 1``
rows of the label) no finite threshold has that guarantee and the label is always in
the set (threshold 0): every listing then goes to review, which is why
:func:`fit_conformal` reports it in ``fitted["always_in"]``.

The guarantee holds only for listings like the calibration rows. Generated rows are
easier than the listings people write (the model is nearly always sure of them), so the
default calibration set is the hand-written seed-validation rows (training holds them
out; see :mod:`nlp_ip_train.data`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nlp_ip.labels import LABEL_NAMES
from nlp_ip.policy import ConformalSets


def conformal_rank(n: int, alpha: float) -> int:
    """``k``: the rank (1-based, ascending) of the calibration score used as threshold;
    0 when ``n`` rows are too few for ``alpha``."""
    return int(np.floor(alpha * (n + 1) + 1e-9))


def fit_conformal(probs: np.ndarray, y_true: Sequence[int] | np.ndarray, alpha: float,
                  *, data: dict[str, Any] | None = None) -> ConformalSets:
    """Per-label thresholds from calibrated ``probs`` (N, 4) of held-out rows."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    probs = np.asarray(probs, dtype=np.float64)
    y = np.asarray(y_true, dtype=np.int64)
    if probs.ndim != 2 or probs.shape[1] != len(LABEL_NAMES) or len(probs) != len(y):
        raise ValueError(f"expected probabilities of shape (N, {len(LABEL_NAMES)}) and N "
                         f"labels, got {probs.shape} and {len(y)}")
    thresholds: dict[str, float] = {}
    per_label: dict[str, Any] = {}
    always_in: list[str] = []
    for index, name in enumerate(LABEL_NAMES):
        scores = np.sort(probs[y == index, index])
        k = conformal_rank(len(scores), alpha)
        if k < 1:
            thresholds[name] = 0.0
            always_in.append(name)
        else:
            thresholds[name] = float(scores[k - 1])
        per_label[name] = {"rows": len(scores), "rank": k,
                           "min_rows_for_alpha": int(np.ceil(1.0 / alpha - 1.0))}
    fitted: dict[str, Any] = {"per_label": per_label, "always_in": always_in,
                              "method": "mondrian split conformal, score 1 - p(true label)"}
    if data is not None:
        fitted["data"] = data
    return ConformalSets(thresholds=thresholds, alpha=alpha, fitted=fitted)


def set_report(spec: ConformalSets, probs: np.ndarray, y_true: Sequence[int] | np.ndarray
               ) -> dict[str, Any]:
    """Coverage per label, mean set size and the share of rows whose set is not one label
    (those go to review), on labeled rows."""
    probs = np.asarray(probs, dtype=np.float64)
    y = np.asarray(y_true, dtype=np.int64)
    sets = spec.sets(probs)
    covered = sets[np.arange(len(y)), y] if len(y) else np.zeros(0, dtype=bool)
    single = spec.single_label(probs) if len(y) else covered
    return {
        "rows": len(y),
        "coverage": round(float(covered.mean()), 4) if len(y) else None,
        "coverage_per_label": {
            name: (round(float(covered[y == i].mean()), 4) if (y == i).any() else None)
            for i, name in enumerate(LABEL_NAMES)},
        "mean_set_size": round(float(sets.sum(axis=1).mean()), 3) if len(y) else None,
        "not_single": round(float((~single).mean()), 4) if len(y) else None,
    }
