"""Listing embeddings from the classifier itself, and nearest labeled neighbours.

For transformer folders the embedding is the mean of the encoder's last hidden
state over the real (non-padding) tokens of the same model input the classifier
reads (built by the shared text builder), so "similar" means similar *to this
model*. For TF-IDF folders it is the TF-IDF feature vector the baseline scores.
ONNX folders expose only logits; there the embedding falls back to hashed
character 3-5-gram counts of the model input (kind ``"hashed-ngrams"``), and the
kind is recorded so the page can say so.

Vectors are L2-normalised float32; similarity is the cosine (a dot product).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from nlp_ip.schema import Listing

logger = logging.getLogger(__name__)

HASH_DIM = 2048


def _encoder(clf: Any) -> Any:
    """The transformer backend of ``clf`` (a blend's transformer part), or its backend."""
    return getattr(clf.backend, "inner", clf.backend)


def embedding_kind(clf: Any) -> str:
    """What :func:`embed_listings` returns for this classifier.

    For a blend folder (transformer + TF-IDF) the embedding is the transformer's.
    """
    name = str(getattr(clf, "backend_name", ""))
    if name.startswith("torch") and hasattr(_encoder(clf), "model"):
        return "mean-pooled-last-hidden-state"
    if name == "tfidf":
        return "tfidf-features"
    return "hashed-ngrams"


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def model_input_texts(clf: Any, listings: Sequence[Listing]) -> list[str]:
    """The model input strings the classifier builds for ``listings``.

    Same builder, hints setting and brand catalog (the one shipped in the model
    folder) as the inference engine, so embeddings and gradients see what the
    classifier sees.
    """
    from pathlib import Path

    from nlp_ip.artifact import BRANDS_FILE
    from nlp_ip.text import build_model_inputs

    catalog = Path(clf.folder) / BRANDS_FILE
    return list(build_model_inputs(list(listings), hints=clf.meta.text.hints,
                                   catalog_path=catalog if catalog.is_file() else None))


def embed_listings(clf: Any, listings: Sequence[Listing], *, batch_size: int = 64
                   ) -> np.ndarray:
    """L2-normalised float32 embeddings, shape (N, D), one row per listing."""
    if not listings:
        return np.zeros((0, 0), dtype=np.float32)
    texts = model_input_texts(clf, listings)
    kind = embedding_kind(clf)
    if kind == "mean-pooled-last-hidden-state":
        return _normalise(_torch_embed(clf, texts, batch_size))
    if kind == "tfidf-features":
        return _normalise(clf.backend.scorer.features(texts))
    return _normalise(hashed_ngrams(texts))


def _torch_embed(clf: Any, texts: list[str], batch_size: int) -> np.ndarray:
    import torch

    model = _encoder(clf).model
    tokenizer = _encoder(clf).tokenizer
    encoder = getattr(model, "base_model", model)
    max_length = int(clf.meta.text.max_length)
    lengths = [len(ids) for ids in tokenizer(texts, truncation=True, max_length=max_length)
               ["input_ids"]]
    order = np.argsort(lengths, kind="stable")
    out: np.ndarray | None = None
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            idx = order[start:start + batch_size]
            batch = tokenizer([texts[i] for i in idx], truncation=True, max_length=max_length,
                              padding=True, return_tensors="pt")
            batch.pop("token_type_ids", None)
            hidden = encoder(**batch).last_hidden_state.float()
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            if out is None:
                out = np.zeros((len(texts), pooled.shape[1]), dtype=np.float32)
            out[idx] = pooled.numpy()
    assert out is not None
    return out


def hashed_ngrams(texts: Sequence[str], *, dim: int = HASH_DIM) -> np.ndarray:
    """Counts of character 3-5-grams hashed into ``dim`` buckets (stable across runs)."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for row, text in enumerate(texts):
        folded = f" {text.casefold()} "
        for n in (3, 4, 5):
            for i in range(len(folded) - n + 1):
                digest = hashlib.blake2b(folded[i:i + n].encode("utf-8"), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % dim] += 1.0
    return out


def nearest(queries: np.ndarray, index: np.ndarray, *, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` most cosine-similar rows of ``index`` for each query row.

    Both arrays must be L2-normalised. Returns ``(indices, similarities)``, each of
    shape ``(len(queries), min(k, len(index)))``, best first.
    """
    k = min(k, index.shape[0])
    if k == 0 or queries.shape[0] == 0:
        empty = np.zeros((queries.shape[0], 0))
        return empty.astype(np.int64), empty.astype(np.float32)
    sims = queries @ index.T
    part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    part_sims = np.take_along_axis(sims, part, axis=1)
    order = np.argsort(-part_sims, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(part_sims, order, axis=1)
