"""Classification and calibration metrics over label-ordered arrays.

Plain numpy, so every number can be checked by hand: ``y_true`` and ``y_pred``
are integer label ids (order of ``nlp_ip.labels.LABELS``), ``probs`` is (N, K).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nlp_ip.labels import LABEL_NAMES
from nlp_ip.numerics import softmax


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray,
                     k: int = len(LABEL_NAMES)) -> np.ndarray:
    """Rows = true label, columns = predicted label, in label order."""
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)), 1)
    return matrix


def per_class(y_true: np.ndarray, y_pred: np.ndarray,
              k: int = len(LABEL_NAMES)) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per label (0 where undefined)."""
    matrix = confusion_matrix(y_true, y_pred, k)
    result = {}
    for i, name in enumerate(LABEL_NAMES[:k]):
        tp = float(matrix[i, i])
        predicted = float(matrix[:, i].sum())
        support = float(matrix[i, :].sum())
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[name] = {"precision": precision, "recall": recall, "f1": f1, "support": int(support)}
    return result


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, k: int = len(LABEL_NAMES)) -> float:
    """Unweighted mean F1 over labels that occur in ``y_true`` or ``y_pred``."""
    stats = per_class(y_true, y_pred, k)
    present = set(np.asarray(y_true).tolist()) | set(np.asarray(y_pred).tolist())
    scores = [stats[LABEL_NAMES[i]]["f1"] for i in sorted(present)]
    return float(np.mean(scores)) if scores else 0.0


def expected_calibration_error(probs: np.ndarray, y_true: np.ndarray, n_bins: int = 15) -> float:
    """Top-label ECE with equal-width confidence bins (right-closed, first bin includes 0)."""
    probs = np.asarray(probs, dtype=np.float64)
    y_true = np.asarray(y_true, dtype=int)
    if len(y_true) == 0:
        return 0.0
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == y_true).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        mask = bins == b
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(ece)


def reliability_bins(probs: np.ndarray, y_true: np.ndarray,
                     n_bins: int = 15) -> list[dict[str, float]]:
    """Per-bin confidence, accuracy and count (for the reliability diagram)."""
    probs = np.asarray(probs, dtype=np.float64)
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == np.asarray(y_true, dtype=int)).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    out = []
    for b in range(n_bins):
        mask = bins == b
        out.append({"lower": float(edges[b]), "upper": float(edges[b + 1]),
                    "count": int(mask.sum()),
                    "confidence": float(confidence[mask].mean()) if mask.any() else 0.0,
                    "accuracy": float(correct[mask].mean()) if mask.any() else 0.0})
    return out


def brier_score(probs: np.ndarray, y_true: np.ndarray) -> float:
    """Multi-class Brier score: mean over rows of the squared error sum over labels."""
    probs = np.asarray(probs, dtype=np.float64)
    onehot = np.eye(probs.shape[1])[np.asarray(y_true, dtype=int)]
    return float(((probs - onehot) ** 2).sum(axis=1).mean()) if len(probs) else 0.0


def log_loss(logits: np.ndarray, y_true: np.ndarray, temperature: float = 1.0) -> float:
    """Mean negative log-likelihood of ``softmax(logits / temperature)``."""
    y = np.asarray(y_true, dtype=int)
    p = softmax(logits, temperature)
    return float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None)).mean())


def fit_temperature(logits: np.ndarray, y_true: np.ndarray) -> float:
    """Temperature T > 0 minimising the negative log-likelihood of softmax(logits / T).

    A 1-D convex problem in log T: golden-section search over [0.05, 20].
    """
    logits = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y_true, dtype=int)

    def nll(log_t: float) -> float:
        return log_loss(logits, y, float(np.exp(log_t)))

    lo, hi = np.log(0.05), np.log(20.0)
    ratio = (np.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = nll(a), nll(b)
    for _ in range(80):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = nll(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = nll(b)
    return float(np.exp((lo + hi) / 2))


def summary(probs: np.ndarray, y_true: np.ndarray) -> dict[str, Any]:
    """The headline metrics of one labeled set."""
    y_true = np.asarray(y_true, dtype=int)
    y_pred = np.asarray(probs).argmax(axis=1)
    return {
        "n": len(y_true),
        "macro_f1": macro_f1(y_true, y_pred),
        "accuracy": float((y_true == y_pred).mean()) if len(y_true) else 0.0,
        "per_class": per_class(y_true, y_pred),
        "confusion_matrix": confusion_matrix(y_true, y_pred).tolist(),
        "ece": expected_calibration_error(probs, y_true),
        "brier": brier_score(probs, y_true),
    }
