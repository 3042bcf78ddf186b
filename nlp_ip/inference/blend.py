"""The TF-IDF blend: a wrapper around a transformer backend, chosen from the folder's metadata.

A folder whose ``nlp_ip.json`` has a ``blend`` (:class:`~nlp_ip.artifact.BlendMeta`)
also holds a TF-IDF model; :func:`with_blend` then wraps whatever transformer
backend was loaded (torch or ONNX, any precision) in :class:`BlendBackend`, which
adds the TF-IDF scores. The wrapper's name is the transformer's plus
:data:`BLEND_SUFFIX` (``onnx-int8+tfidf``); backend names a caller asks for name
the transformer part.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nlp_ip.artifact import BlendMeta, ModelMeta
from nlp_ip.inference.protocol import Backend, Int8Run
from nlp_ip.numerics import blend_scores, log_softmax

#: What a blend folder's backend name ends with (``torch-bf16+tfidf``).
BLEND_SUFFIX = "+tfidf"


class _Blended:
    """Encoded rows of a blend: the inner backend's encoding, the model-input texts and,
    once the cascade has scored them, the TF-IDF logits of every row."""

    __slots__ = ("encoded", "texts", "tfidf")

    def __init__(self, encoded: Any, texts: list[str]) -> None:
        self.encoded = encoded
        self.texts = texts
        self.tfidf: np.ndarray | None = None


class BlendBackend:
    """A transformer backend plus the folder's TF-IDF model, blended (``meta.blend``).

    ``forward`` returns the blended log-scores (:func:`~nlp_ip.numerics.blend_scores`);
    the engine divides them by the folder's temperature like any logits. The
    TF-IDF part costs about 0.5 ms per listing on one core (n-gram counting in
    Python), on the CPU whatever ``inner`` runs on: behind a GPU transformer it
    bounds the blend's rate at about 2,000 listings/s per core. ``inner`` is the
    transformer backend.
    """

    def __init__(self, inner: Backend[Any], folder: Path, spec: BlendMeta) -> None:
        from nlp_ip.tfidf import TfidfScorer

        self.inner = inner
        self.spec = spec
        self.scorer = TfidfScorer.load(folder)
        #: The cascade's distilled head (``spec.cascade.head``), when the folder has one.
        self.cascade_head: tuple[np.ndarray, np.ndarray] | None = None
        if spec.cascade is not None and spec.cascade.head is not None:
            from nlp_ip.inference.cascade import load_head

            self.cascade_head = load_head(folder, spec.cascade.head, self.scorer.n_features)
        self.name = f"{inner.name}{BLEND_SUFFIX}"
        self.precision = inner.precision
        self.default_batch_tokens = inner.default_batch_tokens
        #: The transformer part's device; the TF-IDF part always runs on the CPU.
        self.device = inner.device

    @property
    def int8(self) -> Int8Run | None:
        """The transformer part's int8 kernel path (see :class:`~nlp_ip.inference.Backend`)."""
        return self.inner.int8

    def encode(self, texts: list[str], max_length: int) -> _Blended:
        return _Blended(self.inner.encode(texts, max_length), list(texts))

    def lengths(self, encoded: _Blended) -> np.ndarray:
        return np.asarray(self.inner.lengths(encoded.encoded))

    def forward(self, encoded: _Blended, idx: np.ndarray) -> np.ndarray:
        logits = self.inner.forward(encoded.encoded, idx)
        tfidf = (encoded.tfidf[idx] if encoded.tfidf is not None
                 else self.scorer.logits([encoded.texts[i] for i in idx]))
        spec = self.spec
        return blend_scores(logits, tfidf, spec.weight, spec.transformer_temperature,
                            spec.tfidf_temperature).astype(np.float32)

    def early_exit(self, encoded: _Blended, temperature: float) -> tuple[np.ndarray, np.ndarray]:
        """The cascade's first stage: ``(mask, scores)`` for every row of ``encoded``.

        ``mask`` marks the rows the first stage decides alone (thresholds in
        ``spec.cascade``); ``scores`` holds, for those rows, its calibrated
        log-probabilities times the folder's ``temperature``, so that the engine's
        ``softmax(scores / temperature)`` gives exactly the first stage's calibrated
        probabilities. The first stage is the TF-IDF part, or the distilled head on the
        same features when the folder has one. The TF-IDF logits are kept in ``encoded``
        for :meth:`forward`.
        """
        from nlp_ip.inference.cascade import early_exits

        cascade = self.spec.cascade
        heads = [(self.scorer.coef, self.scorer.intercept)]
        if self.cascade_head is not None:
            heads.append(self.cascade_head)
        if encoded.texts:
            scored = self.scorer.linear(encoded.texts, heads)
        else:
            scored = [np.zeros((0, len(self.scorer.intercept)))] * len(heads)
        encoded.tfidf = scored[0]
        first, first_temperature = ((scored[1], cascade.head_temperature)
                                    if self.cascade_head is not None and cascade is not None
                                    else (scored[0], self.spec.tfidf_temperature))
        mask = early_exits(first, first_temperature,
                           cascade.thresholds if cascade is not None else {})
        scores = np.zeros(first.shape, dtype=np.float32)
        if mask.any():
            scores[mask] = (log_softmax(first[mask], first_temperature)
                            * temperature).astype(np.float32)
        return mask, scores


def with_blend(backend: Backend[Any], folder: Path, meta: ModelMeta) -> Backend[Any]:
    """``backend`` wrapped in :class:`BlendBackend` when ``meta`` has a blend, else itself."""
    return BlendBackend(backend, folder, meta.blend) if meta.blend is not None else backend
