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

A folder may carry a distilled head instead (:func:`load_head`, ``blend.cascade.head``):
a second linear model on the same TF-IDF features, fitted to reproduce the full
blend's answers rather than the true labels, so its confidence says more about
whether the blend would agree. The rule is the same with its logits and temperature.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from nlp_ip.errors import ModelLoadError
from nlp_ip.labels import LABEL2ID, LABEL_NAMES
from nlp_ip.numerics import softmax

#: The file ``nlp-ip calibrate-cascade --distill`` writes the distilled head to.
HEAD_FILE = "cascade_head.safetensors"


def load_head(folder: Path, name: str, n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """``(coef, intercept)`` of the distilled head ``name`` in ``folder``, checked against
    the TF-IDF part's ``n_features`` columns and the four labels."""
    from safetensors.numpy import load_file

    path = folder / name
    try:
        arrays = load_file(str(path))
        coef, intercept = arrays["coef"], arrays["intercept"]
    except (OSError, KeyError, ValueError) as exc:
        raise ModelLoadError(f"{path}: not a readable cascade head ({exc}); refit it with "
                             "`nlp-ip calibrate-cascade --distill`") from exc
    k = len(LABEL_NAMES)
    if coef.shape != (k, n_features) or intercept.shape != (k,):
        raise ModelLoadError(f"{path}: cascade head of shape {coef.shape} + {intercept.shape}, "
                             f"but the TF-IDF part has {n_features} features and there are {k} "
                             "labels; refit it with `nlp-ip calibrate-cascade --distill`")
    return coef.astype(np.float64), intercept.astype(np.float64)


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
