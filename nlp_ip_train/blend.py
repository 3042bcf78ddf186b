"""Choosing and calibrating a transformer + TF-IDF blend on validation.

The blend's scores come from :func:`nlp_ip.numerics.blend_scores`
(the same function inference uses): each part is temperature-calibrated on
validation, the weight is the grid value with the lowest validation log-loss
(or the configured one), and the blended scores get a temperature of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nlp_ip.artifact import BlendMeta
from nlp_ip.numerics import blend_scores, softmax
from nlp_ip_train.config import BlendSpec
from nlp_ip_train.metrics import fit_temperature, log_loss, macro_f1


@dataclass
class Blend:
    meta: BlendMeta
    #: Validation log-loss per candidate weight (after the final temperature).
    log_loss_by_weight: dict[str, float]
    #: Validation macro-F1 of each part alone and of the blend.
    macro_f1: dict[str, float]

    def scores(self, transformer_logits: np.ndarray, tfidf_logits: np.ndarray) -> np.ndarray:
        m = self.meta
        return blend_scores(transformer_logits, tfidf_logits, m.weight,
                            m.transformer_temperature, m.tfidf_temperature)

    def report(self) -> dict[str, Any]:
        return {"weight": self.meta.weight,
                "transformer_temperature": self.meta.transformer_temperature,
                "tfidf_temperature": self.meta.tfidf_temperature,
                "validation_log_loss_by_weight": self.log_loss_by_weight,
                "validation_macro_f1": self.macro_f1}


def fit_blend(transformer_logits: np.ndarray, tfidf_logits: np.ndarray, y_true: np.ndarray,
              spec: BlendSpec, *, calibrate: bool = True) -> Blend:
    """Calibrate each part, then pick the weight on these (validation) rows."""
    y = np.asarray(y_true, dtype=int)
    t_a = fit_temperature(transformer_logits, y) if calibrate else 1.0
    t_b = fit_temperature(tfidf_logits, y) if calibrate else 1.0
    candidates = [spec.weight] if spec.weight is not None else list(spec.weights)
    losses: dict[str, float] = {}
    best: tuple[float, float, np.ndarray] | None = None
    for w in candidates:
        z = blend_scores(transformer_logits, tfidf_logits, w, t_a, t_b)
        loss = log_loss(z, y, fit_temperature(z, y) if calibrate else 1.0)
        losses[f"{w:g}"] = loss
        if best is None or loss < best[0] - 1e-12:
            best = (loss, w, z)
    assert best is not None
    _, weight, z = best
    f1 = {"transformer": macro_f1(y, softmax(transformer_logits).argmax(1)),
          "tfidf": macro_f1(y, softmax(tfidf_logits).argmax(1)),
          "blend": macro_f1(y, z.argmax(1))}
    meta = BlendMeta(weight=float(weight), transformer_temperature=t_a, tfidf_temperature=t_b)
    return Blend(meta, losses, f1)
