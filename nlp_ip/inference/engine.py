"""``ListingClassifier``: listings in, calibrated predictions and decisions out.

Speed comes from the batching, not from shortcuts in the maths:

- listings become model input through the shared text builder (the same
  function training used), then are tokenised once without padding;
- rows are sorted by token length and packed into batches under a token
  budget (``max_batch_tokens`` = rows x padded length), so short listings are
  not padded to the longest one; the original order is restored afterwards;
- while the model runs on one chunk, the next chunk's text building and
  tokenisation run on a worker thread (torch and onnxruntime release the GIL);
- ``torch.inference_mode``, threads set from the machine, truncation at the
  model's max length.

Backends share one interface (``nlp_ip.inference.backends``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nlp_ip.artifact import ModelMeta, read_meta
from nlp_ip.errors import InvalidInputError, ModelLoadError
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.policy import Decision
from nlp_ip.schema import Listing, parse_listing, parse_listings

logger = logging.getLogger(__name__)

BACKENDS = ("torch-fp32", "torch-bf16", "onnx-fp32", "onnx-int8", "tfidf")


@dataclass(frozen=True)
class Prediction:
    """The model's answer for one listing."""

    label: str
    probabilities: dict[str, float]
    confidence: float
    decision: str
    model_version: str
    id: str | None = None
    signals: dict[str, Any] | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "label": self.label,
                               "probabilities": self.probabilities,
                               "confidence": self.confidence, "decision": self.decision,
                               "model_version": self.model_version}
        if self.signals is not None:
            out["signals"] = self.signals
        return out


def default_threads() -> int:
    """Physical-ish cores available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class ListingClassifier:
    """Classify listings with a model folder written by ``nlp-ip train`` or ``nlp-ip export``."""

    def __init__(self, folder: Path, meta: ModelMeta, backend: Any, *,
                 max_batch_tokens: int = 8192, chunk_size: int = 1024) -> None:
        self.folder = folder
        self.meta = meta
        self.backend = backend
        self.max_batch_tokens = max_batch_tokens
        self.chunk_size = chunk_size
        self._pool: ThreadPoolExecutor | None = None

    # -- construction -------------------------------------------------------
    @classmethod
    def from_pretrained(cls, model_dir: str | os.PathLike[str], *, backend: str = "auto",
                        max_batch_tokens: int = 8192, num_threads: int | None = None,
                        chunk_size: int = 1024) -> ListingClassifier:
        """Load a model folder.

        ``backend``: one of :data:`BACKENDS` or ``"auto"`` (the folder's own kind
        for ONNX and TF-IDF folders; for transformer folders the fastest torch
        precision this machine supports, chosen by a short probe; override with
        ``$NLP_IP_BACKEND``). The choice is logged and kept in :attr:`backend_name`.
        """
        from nlp_ip.inference.backends import load_backend, resolve_backend
        from nlp_ip.text import TEXT_BUILDER_VERSION

        folder = Path(model_dir)
        meta = read_meta(folder)
        if meta.text.builder_version != TEXT_BUILDER_VERSION:
            raise ModelLoadError(
                f"{folder} was trained with text builder v{meta.text.builder_version}, but this "
                f"nlp-ip builds inputs with v{TEXT_BUILDER_VERSION}; served inputs would differ "
                "from training inputs. Retrain the model or install the nlp-ip version that "
                "trained it"
            )
        threads = num_threads or default_threads()
        name = resolve_backend(folder, meta, backend, threads)
        instance = load_backend(name, folder, meta, threads)
        logger.info("loaded %s (%s) with backend %s, %d threads", folder, meta.model_version,
                    name, threads)
        return cls(folder, meta, instance, max_batch_tokens=max_batch_tokens,
                   chunk_size=chunk_size)

    @property
    def backend_name(self) -> str:
        return str(self.backend.name)

    @property
    def model_version(self) -> str:
        return self.meta.model_version

    @property
    def labels(self) -> tuple[str, ...]:
        return LABEL_NAMES

    # -- core ---------------------------------------------------------------
    def _prepare(self, listings: Sequence[Listing]) -> Any:
        from nlp_ip.text import build_model_inputs

        texts = build_model_inputs(list(listings), hints=self.meta.text.hints)
        return self.backend.encode(texts, self.meta.text.max_length)

    def _batches(self, lengths: np.ndarray) -> list[np.ndarray]:
        """Index batches sorted by length, each under the token budget."""
        order = np.argsort(lengths, kind="stable")
        batches: list[np.ndarray] = []
        start = 0
        n = len(order)
        while start < n:
            end = start + 1
            # Sorted ascending: the padded length of [start, end) is lengths[order[end-1]].
            while end < n and (end - start + 1) * int(lengths[order[end]]) <= self.max_batch_tokens:
                end += 1
            batches.append(order[start:end])
            start = end
        return batches

    def _logits(self, encoded: Any) -> np.ndarray:
        lengths = self.backend.lengths(encoded)
        out = np.zeros((len(lengths), len(LABEL_NAMES)), dtype=np.float32)
        for idx in self._batches(lengths):
            out[idx] = self.backend.forward(encoded, idx)
        return out

    def _probs_from_logits(self, logits: np.ndarray) -> np.ndarray:
        z = logits.astype(np.float64) / self.meta.temperature
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def _chunks(self, listings: Iterable[Listing]) -> Iterator[tuple[list[Listing], Any]]:
        """Yield (chunk, encoded chunk), preparing the next chunk while the caller computes."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlp-ip-prep")
        pending: tuple[list[Listing], Future[Any]] | None = None
        chunk: list[Listing] = []
        for listing in listings:
            chunk.append(listing)
            if len(chunk) >= self.chunk_size:
                future = self._pool.submit(self._prepare, chunk)
                if pending is not None:
                    yield pending[0], pending[1].result()
                pending = (chunk, future)
                chunk = []
        if chunk:
            future = self._pool.submit(self._prepare, chunk)
            if pending is not None:
                yield pending[0], pending[1].result()
            pending = (chunk, future)
        if pending is not None:
            yield pending[0], pending[1].result()

    # -- public API ---------------------------------------------------------
    def predict_logits(self, listings: Any) -> np.ndarray:
        """Uncalibrated logits, shape (N, 4), in input order."""
        parsed = parse_listings(listings)
        parts = [self._logits(encoded) for _, encoded in self._chunks(parsed)]
        return np.concatenate(parts) if parts else np.zeros((0, len(LABEL_NAMES)), np.float32)

    def predict_proba(self, listings: Any) -> np.ndarray:
        """Calibrated probabilities, shape (N, 4), columns in label order.

        Accepts one listing or a list: ``Listing`` objects, dicts, or strings (titles).
        Invalid input raises :class:`~nlp_ip.errors.InvalidInputError` naming each bad
        field and index.
        """
        return self._probs_from_logits(self.predict_logits(listings))

    def predict(self, listings: Any) -> list[Prediction]:
        """A :class:`Prediction` per listing, in input order."""
        parsed = parse_listings(listings)
        probs = self.predict_proba(parsed)
        return self._to_predictions(parsed, probs)

    def _to_predictions(self, listings: Sequence[Listing], probs: np.ndarray) -> list[Prediction]:
        decisions = self.meta.policy.decide_codes(probs) if len(probs) else []
        out = []
        for listing, row, decision in zip(listings, probs, decisions):
            top = int(row.argmax())
            out.append(Prediction(
                label=LABEL_NAMES[top],
                probabilities={name: float(p) for name, p in zip(LABEL_NAMES, row)},
                confidence=float(row[top]), decision=str(decision),
                model_version=self.meta.model_version, id=listing.id,
            ))
        return out

    def predict_iter(self, listings: Iterable[Any], *, skip_invalid: bool = False
                     ) -> Iterator[Prediction | InvalidInputError]:
        """Stream predictions for an iterable of any length in bounded memory.

        Rows are validated one by one. With ``skip_invalid=False`` a bad row raises;
        with ``skip_invalid=True`` the error object is yielded in its place and the
        stream goes on, so the output keeps one item per input, in order.
        """
        errors: dict[int, InvalidInputError] = {}

        def valid_rows() -> Iterator[Listing]:
            for position, item in enumerate(listings):
                try:
                    yield parse_listing(item, index=position)
                except InvalidInputError as exc:
                    if not skip_invalid:
                        raise
                    errors[position] = exc
                    yield _PLACEHOLDER

        position = 0
        for chunk, encoded in self._chunks(valid_rows()):
            keep = [i for i, x in enumerate(chunk) if x is not _PLACEHOLDER]
            probs = self._probs_from_logits(self._logits(encoded))
            predictions = self._to_predictions(chunk, probs)
            kept = set(keep)
            for i in range(len(chunk)):
                if i in kept:
                    yield predictions[i]
                else:
                    yield errors.pop(position)
                position += 1

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None

    def __repr__(self) -> str:
        return (f"ListingClassifier({str(self.folder)!r}, version={self.model_version!r}, "
                f"backend={self.backend_name!r})")


#: Stands in for an invalid row so chunk positions stay aligned with the input.
_PLACEHOLDER = Listing(title="-", id="__invalid__")
