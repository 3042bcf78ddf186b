"""Fact heads: a wrapper that turns a fact-head transformer's outputs into label scores.

A folder whose ``nlp_ip.json`` has ``facts`` (:class:`~nlp_ip.artifact.FactsMeta`) holds a
transformer that outputs the four label logits and then one logit per fact of
:data:`nlp_ip.facts.FACTS`. :func:`with_facts` wraps whatever backend loaded it (torch
or ONNX, any precision) in :class:`FactsBackend`, whose ``forward`` returns the label
scores of :func:`nlp_ip.facts.label_scores`; everything after it (the TF-IDF blend, the
temperature, the policy) sees four columns as from any other model.
:meth:`FactsBackend.forward_facts` gives the fact probabilities themselves.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nlp_ip.artifact import FactsMeta, ModelMeta
from nlp_ip.facts import fact_probs, label_scores
from nlp_ip.inference.protocol import Backend, Int8Run
from nlp_ip.labels import LABEL_NAMES


class FactsBackend:
    """``inner`` (a fact-head transformer) with its outputs combined into label scores."""

    def __init__(self, inner: Backend[Any], spec: FactsMeta) -> None:
        self.inner = inner
        self.spec = spec
        self.name = inner.name
        self.precision = inner.precision
        self.default_batch_tokens = inner.default_batch_tokens
        self.device = inner.device

    def __getattr__(self, name: str) -> Any:
        # the torch model and tokenizer (explanations) and anything else of the inner one
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    @property
    def int8(self) -> Int8Run | None:
        return self.inner.int8

    def encode(self, texts: list[str], max_length: int) -> Any:
        return self.inner.encode(texts, max_length)

    def lengths(self, encoded: Any) -> np.ndarray:
        return np.asarray(self.inner.lengths(encoded))

    def forward(self, encoded: Any, idx: np.ndarray) -> np.ndarray:
        return label_scores(self.inner.forward(encoded, idx), self.spec.weight).astype(np.float32)

    def forward_facts(self, encoded: Any, idx: np.ndarray) -> np.ndarray:
        """(len(idx), len(FACTS)) probabilities of the facts for the rows ``idx``."""
        raw = self.inner.forward(encoded, idx)
        return fact_probs(raw[:, len(LABEL_NAMES):])


def with_facts(backend: Backend[Any], meta: ModelMeta) -> Backend[Any]:
    """``backend`` wrapped in :class:`FactsBackend` when ``meta`` has fact heads, else
    itself (a TF-IDF backend never has them)."""
    if meta.facts is None or backend.name == "tfidf":
        return backend
    return FactsBackend(backend, meta.facts)
