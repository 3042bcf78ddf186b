"""Fitting the cascade's thresholds on validation data (see :mod:`nlp_ip.inference.cascade`).

For each label that may skip the transformer (infringing, legitimate), the rows
whose calibrated TF-IDF top label is that label are sorted by confidence; the
threshold is the lowest confidence that keeps the agreement of every row at or
above it with the full blend, on both the label and the policy's decision
(remove / review / allow), at ``target_agreement`` or better, with at least
``min_rows`` rows behind it. Where no threshold qualifies the label never skips.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nlp_ip.artifact import CascadeMeta
from nlp_ip.labels import LABEL2ID, Label
from nlp_ip.numerics import softmax
from nlp_ip.policy import DecisionPolicy

#: The labels a cascade may let the TF-IDF part decide alone.
SKIPPABLE = (Label.INFRINGING.value, Label.LEGITIMATE.value)


def fit_cascade(tfidf_logits: np.ndarray, tfidf_temperature: float, blend_probs: np.ndarray,
                policy: DecisionPolicy, *, target_agreement: float = 0.995,
                min_rows: int = 20, min_confidence: float = 0.5) -> CascadeMeta:
    """Thresholds from validation rows: TF-IDF logits and the full blend's probabilities."""
    cheap = softmax(tfidf_logits, tfidf_temperature)
    blend = np.asarray(blend_probs, dtype=np.float64)
    agree = ((cheap.argmax(1) == blend.argmax(1))
             & (np.asarray(policy.decide_codes(cheap)) == np.asarray(policy.decide_codes(blend))))
    top, confidence = cheap.argmax(1), cheap.max(1)
    thresholds: dict[str, float] = {}
    per_label: dict[str, Any] = {}
    for label in SKIPPABLE:
        rows = np.flatnonzero((top == LABEL2ID[label]) & (confidence >= min_confidence))
        order = rows[np.argsort(-confidence[rows], kind="stable")]
        running = np.cumsum(agree[order]) / np.arange(1, len(order) + 1)
        ok = np.flatnonzero((running >= target_agreement)
                            & (np.arange(1, len(order) + 1) >= min_rows))
        if len(ok):
            k = int(ok[-1])
            # ties: every row at the threshold's confidence skips, so check them too
            threshold = float(confidence[order[k]])
            chosen = rows[confidence[rows] >= threshold]
            if agree[chosen].mean() >= target_agreement:
                thresholds[label] = threshold
        skipped = rows[confidence[rows] >= thresholds.get(label, np.inf)]
        per_label[label] = {"candidates": len(rows), "skipped": len(skipped),
                            "agreement": (round(float(agree[skipped].mean()), 4)
                                          if len(skipped) else None)}
    skip = np.zeros(len(cheap), dtype=bool)
    for label, threshold in thresholds.items():
        skip |= (top == LABEL2ID[label]) & (confidence >= threshold)
    fitted = {"rows": len(cheap), "skip_rate": round(float(skip.mean()), 4) if len(skip) else 0.0,
              "agreement_of_skipped": (round(float(agree[skip].mean()), 4) if skip.any()
                                       else None),
              "per_label": per_label, "min_rows": min_rows}
    return CascadeMeta(thresholds=thresholds, target_agreement=target_agreement,
                       fitted=fitted)
