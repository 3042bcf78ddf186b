"""The one softmax: probabilities and log-probabilities from logits, and the blend's scores.

Every caller in ``nlp_ip`` and ``nlp_ip_train`` goes through these functions, so that
a served probability, a training metric and a calibration fit are computed the
same way. Each works on rows (axis 1) of a 2-D array, in the order
``z = logits / temperature``, ``z - max(z)``, ``exp``, row sum, so the results
are bit-identical to the copies they replaced.

``dtype`` is the float type the arithmetic runs in: float64 by default (the
engine's calibrated probabilities, the training metrics); ``None`` keeps the
input's, so float32 logits give float32 probabilities (the ONNX export check
and the bf16 probe compare two backends' outputs in their own precision).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike


def _scaled(logits: ArrayLike, temperature: float, dtype: DTypeLike | None) -> Any:
    """``logits / temperature`` in ``dtype``, less each row's maximum."""
    z = np.asarray(logits, dtype=dtype) / temperature
    return z - z.max(axis=1, keepdims=True)


def softmax(logits: ArrayLike, temperature: float = 1.0, *,
            dtype: DTypeLike | None = np.float64) -> np.ndarray:
    """``softmax(logits / temperature)`` over each row (shape (N, K) in and out)."""
    e = np.exp(_scaled(logits, temperature, dtype))
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def log_softmax(logits: ArrayLike, temperature: float = 1.0, *,
                dtype: DTypeLike | None = np.float64) -> np.ndarray:
    """``log(softmax(logits / temperature))`` over each row, without forming the softmax."""
    z = _scaled(logits, temperature, dtype)
    return np.asarray(z - np.log(np.exp(z).sum(axis=1, keepdims=True)))


def blend_scores(transformer_logits: ArrayLike, tfidf_logits: ArrayLike,
                 weight: float, transformer_temperature: float = 1.0,
                 tfidf_temperature: float = 1.0) -> np.ndarray:
    """``weight * log_softmax(a / Ta) + (1 - weight) * log_softmax(b / Tb)``, float64.

    The one definition of a blend's scores, used by training (to choose the
    weight and fit the temperature) and by the engine's blend wrapper
    (:class:`nlp_ip.inference.blend.BlendBackend`).
    """
    return np.asarray(weight * log_softmax(transformer_logits, transformer_temperature)
                      + (1.0 - weight) * log_softmax(tfidf_logits, tfidf_temperature))
