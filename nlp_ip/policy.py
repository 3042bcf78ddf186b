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
4. with conformal prediction sets (``conformal``, fitted by ``nlp-ip
   calibrate-conformal`` or at training): the set of labels ``L`` with
   ``p(L) >= conformal.thresholds[L]`` is not exactly the top label (it holds two
   or more labels, or none, or misses the top label) -> ``review``.
5. otherwise -> ``allow``.

Rules 2-4 only ever turn an ``allow`` into a ``review``; none of them removes.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from nlp_ip.labels import LABEL_NAMES, Label


class Decision(str, Enum):
    REMOVE = "remove"
    REVIEW = "review"
    ALLOW = "allow"

    def __str__(self) -> str:
        return self.value


class ConformalSets(BaseModel):
    """Class-conditional (Mondrian) split-conformal prediction sets.

    A label ``L`` is in a listing's set when ``p(L) >= thresholds[L]``. Each
    threshold is fitted on held-out labeled rows of that label
    (:func:`nlp_ip_train.conformal.fit_conformal`): on listings exchangeable with
    those rows, a listing of true label ``L`` has ``L`` in its set with
    probability at least ``1 - alpha``. A set of more than one label is a listing
    the model cannot tell apart at that coverage: it goes to review.
    """

    model_config = ConfigDict(extra="forbid")

    thresholds: dict[str, float]
    alpha: float = Field(gt=0.0, lt=1.0)
    #: what the thresholds were fitted on (rows per label, data), for the record
    fitted: dict[str, Any] = Field(default_factory=dict)

    @field_validator("thresholds")
    @classmethod
    def _every_label(cls, value: dict[str, float]) -> dict[str, float]:
        missing = [name for name in LABEL_NAMES if name not in value]
        unknown = [name for name in value if name not in LABEL_NAMES]
        if missing or unknown:
            raise ValueError(f"conformal thresholds need exactly the labels "
                             f"{', '.join(LABEL_NAMES)} (missing {missing}, unknown {unknown})")
        for name, threshold in value.items():
            if not 0.0 <= threshold <= 1.0:
                raise ValueError(f"conformal thresholds[{name!r}] must be in [0, 1], "
                                 f"got {threshold}")
        return value

    def sets(self, probs: np.ndarray) -> np.ndarray:
        """(N, 4) booleans: which labels are in each listing's prediction set."""
        cut = np.array([self.thresholds[name] for name in LABEL_NAMES], dtype=np.float64)
        return np.asarray(probs, dtype=np.float64) >= cut

    def single_label(self, probs: np.ndarray) -> np.ndarray:
        """(N,) booleans: rows whose set is exactly their top label (the others go to
        review)."""
        probs = np.asarray(probs, dtype=np.float64)
        sets = self.sets(probs)
        top = probs.argmax(axis=1)
        return (sets.sum(axis=1) == 1) & sets[np.arange(probs.shape[0]), top]


class DecisionPolicy(BaseModel):
    """Thresholds stored in the model folder (``nlp_ip.json`` -> ``policy``)."""

    model_config = ConfigDict(extra="forbid")

    remove_threshold: float = Field(default=0.9, ge=0.0, le=1.0)
    review_thresholds: dict[str, float] = Field(
        default_factory=lambda: {Label.INFRINGING.value: 0.2}
    )
    min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    #: conformal prediction sets (rule 4); None: not used
    conformal: ConformalSets | None = None

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
        if self.conformal is not None:
            review |= ~self.conformal.single_label(probs)
        out[review] = Decision.REVIEW.value
        remove = over_remove & (probs.argmax(axis=1) == infringing)
        out[remove] = Decision.REMOVE.value
        return out

    def prediction_sets(self, probs: np.ndarray) -> list[list[str]] | None:
        """Each row's conformal set as label names (None without ``conformal``)."""
        if self.conformal is None:
            return None
        return [[LABEL_NAMES[i] for i in np.flatnonzero(row)]
                for row in self.conformal.sets(probs)]
