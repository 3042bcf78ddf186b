"""The cascade: the blend's cheap part decides the listings it is sure of, alone.

Real marketplace traffic is mostly plainly legitimate goods. In a blend folder
the TF-IDF part costs about a millisecond per listing on one core and the
transformer about ten times that, so a listing that the TF-IDF part already
places with high calibrated confidence does not need the transformer. With the
cascade on (:class:`~nlp_ip.artifact.CascadeMeta`, ``blend.cascade``), the engine
scores every listing with the TF-IDF part first; a listing whose calibrated
TF-IDF probability for its top label reaches that label's threshold takes the
TF-IDF part's calibrated probabilities as its answer, and only the others go
through the transformer and the full blend. Thresholds exist only for
``infringing`` and ``legitimate``: a parody or a lookalike is never decided by
word counts alone.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from nlp_ip.labels import LABEL2ID
from nlp_ip.numerics import softmax


def early_exits(tfidf_logits: np.ndarray, tfidf_temperature: float,
                thresholds: Mapping[str, float]) -> np.ndarray:
    """Boolean mask of the rows the TF-IDF part may decide alone."""
    if not thresholds or len(tfidf_logits) == 0:
        return np.zeros(len(tfidf_logits), dtype=bool)
    probs = softmax(tfidf_logits, tfidf_temperature)
    top = probs.argmax(axis=1)
    confidence = probs.max(axis=1)
    limit = np.full(probs.shape[1], np.inf)
    for label, threshold in thresholds.items():
        limit[LABEL2ID[label]] = threshold
    return np.asarray(confidence >= limit[top])
