"""Percentile bootstrap intervals, vectorised over resamples.

Rows are resampled with replacement ``n_resamples`` times from a seeded
``numpy.random.Generator``; every statistic is computed on the same resamples,
so the intervals in one ``metrics.json`` are mutually consistent and the whole
result is a deterministic function of ``(inputs, n_resamples, seed)``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from nlp_ip.labels import LABEL2ID, LABEL_NAMES, Label
from nlp_ip.policy import Decision

#: Resamples drawn per chunk; memory is chunk x N indices.
CHUNK = 100


def resample_indices(n: int, n_resamples: int, seed: int) -> Iterator[np.ndarray]:
    """Yield (chunk, n) index arrays; together ``n_resamples`` rows of indices."""
    rng = np.random.default_rng(seed)
    done = 0
    while done < n_resamples:
        size = min(CHUNK, n_resamples - done)
        yield rng.integers(0, n, size=(size, n))
        done += size


def batched_macro_f1(y_true: np.ndarray, y_pred: np.ndarray, k: int = len(LABEL_NAMES)
                     ) -> np.ndarray:
    """Macro-F1 of each row of (B, N) label arrays.

    Same definition as :func:`nlp_ip_train.metrics.macro_f1`: the unweighted mean F1
    over labels that occur in the row's true or predicted labels.
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    b = y_true.shape[0]
    codes = y_true * k + y_pred + (np.arange(b, dtype=np.int64)[:, None] * k * k)
    cm = np.bincount(codes.ravel(), minlength=b * k * k).reshape(b, k, k).astype(np.float64)
    tp = np.diagonal(cm, axis1=1, axis2=2)
    predicted = cm.sum(axis=1)  # column sums: rows predicted as each label
    support = cm.sum(axis=2)  # row sums: rows truly of each label
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(support > 0, tp / support, 0.0)
        f1 = np.where(precision + recall > 0,
                      2 * precision * recall / (precision + recall), 0.0)
    present = (predicted + support) > 0
    return (f1 * present).sum(axis=1) / np.maximum(present.sum(axis=1), 1)


def percentile_interval(values: np.ndarray, level: float) -> list[float] | None:
    """The central ``level`` percentile interval of the finite values (None if none)."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(values, [alpha, 1.0 - alpha])
    return [float(lo), float(hi)]


def _share(hit: np.ndarray, among: np.ndarray) -> np.ndarray:
    """Per resample row: hits among the marked rows / marked rows (NaN when none is marked)."""
    total = among.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, (hit & among).sum(axis=1) / total, np.nan)


def bootstrap_intervals(y_true: np.ndarray, y_pred: np.ndarray, decisions: np.ndarray, *,
                        n_resamples: int = 1000, seed: int = 0, level: float = 0.95
                        ) -> dict[str, list[float] | None]:
    """Percentile intervals for macro-F1, infringing recall and over-enforcement.

    ``decisions`` holds the policy's decision strings per row. A resample in
    which a rate is undefined (no infringing rows, say) is left out of that
    rate's interval.
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    decisions = np.asarray(decisions, dtype=object)
    n = len(y_true)
    empty: dict[str, list[float] | None] = {
        "macro_f1": None, "infringing_recall": None, "over_enforcement_rate": None}
    if n == 0 or n_resamples <= 0:
        return empty
    infringing = y_true == LABEL2ID[Label.INFRINGING.value]
    flagged = (decisions == Decision.REMOVE.value) | (decisions == Decision.REVIEW.value)
    removed = decisions == Decision.REMOVE.value
    f1s, recalls, overs = [], [], []
    for idx in resample_indices(n, n_resamples, seed):
        f1s.append(batched_macro_f1(y_true[idx], y_pred[idx]))
        recalls.append(_share(flagged[idx], infringing[idx]))
        overs.append(_share(removed[idx], ~infringing[idx]))
    return {
        "macro_f1": percentile_interval(np.concatenate(f1s), level),
        "infringing_recall": percentile_interval(np.concatenate(recalls), level),
        "over_enforcement_rate": percentile_interval(np.concatenate(overs), level),
    }


#: The labels whose removal counts as over-enforcement in :func:`paired_differences`.
OVER_ENFORCED_LABELS: tuple[str, ...] = tuple(
    name for name in LABEL_NAMES if name != Label.INFRINGING.value)


def paired_differences(y_true: np.ndarray, candidate: tuple[np.ndarray, np.ndarray],
                       baseline: tuple[np.ndarray, np.ndarray], *, n_resamples: int = 1000,
                       seed: int = 0, level: float = 0.95) -> dict[str, list[float] | None]:
    """Paired percentile intervals of candidate minus baseline, on the same resamples.

    ``candidate`` and ``baseline`` are ``(y_pred, decisions)`` of two models on the
    same rows. Keys: ``macro_f1``, ``infringing_recall`` (remove + review) and
    ``over_enforcement_<label>`` (share of that true label removed) for parody,
    lookalike and legitimate. Resampling rows once for both models keeps the
    difference's interval narrow where the models agree (a plain interval per
    model would not). A resample in which a rate is undefined is left out of it.
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    n = len(y_true)
    keys = ["macro_f1", "infringing_recall",
            *(f"over_enforcement_{name}" for name in OVER_ENFORCED_LABELS)]
    if n == 0 or n_resamples <= 0:
        return dict.fromkeys(keys)
    among = {"infringing_recall": y_true == LABEL2ID[Label.INFRINGING.value],
             **{f"over_enforcement_{name}": y_true == LABEL2ID[name]
                for name in OVER_ENFORCED_LABELS}}
    models = []
    for y_pred, decisions in (candidate, baseline):
        decisions = np.asarray(decisions, dtype=object)
        removed = decisions == Decision.REMOVE.value
        hits = {key: removed for key in among}
        hits["infringing_recall"] = removed | (decisions == Decision.REVIEW.value)
        models.append((np.asarray(y_pred, dtype=np.int64), hits))
    diffs: dict[str, list[np.ndarray]] = {key: [] for key in keys}
    for idx in resample_indices(n, n_resamples, seed):
        (pred_a, hits_a), (pred_b, hits_b) = models
        diffs["macro_f1"].append(batched_macro_f1(y_true[idx], pred_a[idx])
                                 - batched_macro_f1(y_true[idx], pred_b[idx]))
        for key, rows in among.items():
            diffs[key].append(_share(hits_a[key][idx], rows[idx])
                              - _share(hits_b[key][idx], rows[idx]))
    return {key: percentile_interval(np.concatenate(values), level)
            for key, values in diffs.items()}
