"""Decision policy: calibrated probabilities -> remove, review or allow.

Rules, in order (the first that fits wins):

1. ``p(infringing) >= remove_threshold`` and infringing is the top label (ties
   go to infringing) -> ``remove``. Only infringing can be removed
   automatically; a listing whose top label is parody or lookalike never is,
   whatever the thresholds (a remove threshold below 0.5 alone would not
   guarantee that); such a row goes to ``review`` instead.
2. any label ``L`` with ``p(L) >= review_thresholds[L]`` -> ``review``
   (by default only infringing has one: a likely counterfeit is never allowed
   just because another label scored higher).
3. the top probability is below ``min_confidence`` -> ``review``.
4. otherwise -> ``allow``.
"""

from __future__ import annotations

from enum import Enum

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from nlp_ip.labels import LABEL_NAMES, Label


class Decision(str, Enum):
    REMOVE = "remove"
    REVIEW = "review"
    ALLOW = "allow"

    def __str__(self) -> str:
        return self.value


class DecisionPolicy(BaseModel):
    """Thresholds stored in the model folder (``nlp_ip.json`` -> ``policy``)."""

    model_config = ConfigDict(extra="forbid")

    remove_threshold: float = Field(default=0.9, ge=0.0, le=1.0)
    review_thresholds: dict[str, float] = Field(
        default_factory=lambda: {Label.INFRINGING.value: 0.2}
    )
    min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)

    @field_validator("review_thresholds")
    @classmethod
    def _known_labels(cls, value: dict[str, float]) -> dict[str, float]:
        for name, threshold in value.items():
            if name not in LABEL_NAMES:
                raise ValueError(
                    f"review_thresholds has unknown label {name!r}; use {', '.join(LABEL_NAMES)}"
                )
            if not 0.0 <= threshold <= 1.0:
                raise ValueError(f"review_thresholds[{name!r}] must be in [0, 1], got {threshold}")
        return value

    def decide(self, probs: np.ndarray) -> list[Decision]:
        """Decisions for an (N, 4) array of calibrated probabilities in label order."""
        return [Decision(code) for code in self.decide_codes(probs)]

    def decide_codes(self, probs: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`decide`, returning the decision strings as an array."""
        probs = np.asarray(probs, dtype=np.float64)
        if probs.ndim != 2 or probs.shape[1] != len(LABEL_NAMES):
            raise ValueError(f"expected probabilities of shape (N, {len(LABEL_NAMES)}), "
                             f"got {probs.shape}")
        out = np.full(probs.shape[0], Decision.ALLOW.value, dtype=object)
        review = probs.max(axis=1) < self.min_confidence
        for name, threshold in self.review_thresholds.items():
            review |= probs[:, LABEL_NAMES.index(name)] >= threshold
        infringing = LABEL_NAMES.index(Label.INFRINGING.value)
        over_remove = probs[:, infringing] >= self.remove_threshold
        review |= over_remove
        out[review] = Decision.REVIEW.value
        remove = over_remove & (probs.argmax(axis=1) == infringing)
        out[remove] = Decision.REMOVE.value
        return out
