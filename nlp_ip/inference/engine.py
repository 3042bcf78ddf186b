"""``ListingClassifier``: listings in, calibrated predictions and decisions out.

Speed comes from the batching, not from shortcuts in the maths:

- listings become model input through the shared text builder (the same
  function training used), then are tokenised once without padding;
- each chunk of ``chunk_size`` listings is sorted by token length and packed
  into batches under a token budget (``max_batch_tokens`` = rows x padded
  length), so short listings are not padded to the longest one; the original
  order is restored afterwards;
- while the model runs on one chunk, the next chunk's text building and
  tokenisation run on a worker thread (torch and onnxruntime release the GIL;
  so does torch while it waits for a GPU);
- batches run in parallel, one per core (``workers``), each single-threaded:
  on 2 cores this was 1.1-1.8x faster than running each batch on both cores
  (intra-op threads), because the many small element-wise operators of a
  small model do not parallelise well inside one batch. A GPU backend gets one
  batch at a time instead (its batches would only queue on the one GPU);
- ``torch.inference_mode``, threads set from the machine, truncation at the
  model's max length.

Results do not depend on the chunk size or token budget beyond float
rounding (torch, ONNX fp32: about 1e-6). The int8 ONNX backend quantises
activations per batch, so its probabilities move by up to about 1e-3 with the
batch composition; the benchmark reports how far that is from torch fp32.

Backends share one interface (:class:`~nlp_ip.inference.protocol.Backend`,
implemented in :mod:`nlp_ip.inference.backends` and by the blend wrapper in
:mod:`nlp_ip.inference.blend`).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from nlp_ip.artifact import BRANDS_FILE, ModelMeta, read_meta
from nlp_ip.errors import InvalidInputError, ModelLoadError
from nlp_ip.inference.allocator import release_free_memory
from nlp_ip.inference.backends import BACKENDS
from nlp_ip.inference.blend import BLEND_SUFFIX, BlendBackend
from nlp_ip.inference.protocol import Backend
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.numerics import softmax
from nlp_ip.schema import Listing, parse_listing, parse_listings

logger = logging.getLogger(__name__)

__all__ = ["BACKENDS", "DEFAULT_MAX_BATCH_TOKENS", "ListingClassifier", "Prediction"]

#: Token budget per forward pass (rows x padded length) of the torch backends. Every
#: backend states its own measured best (``Backend.default_batch_tokens``), which is
#: the default of ``max_batch_tokens``. Each batch runs on one core; small batches
#: keep its activations in that core's cache (MiniLM-L6 on EPYC: 512-2048 tokens
#: fastest, 8k+ 15-25% slower).
DEFAULT_MAX_BATCH_TOKENS = 2048
#: Listings prepared (text built, tokenised, sorted) together.
DEFAULT_CHUNK_SIZE = 1024

_Item = TypeVar("_Item")


@dataclass(frozen=True)
class Prediction:
    """The model's answer for one listing.

    ``probabilities`` are calibrated (temperature-scaled) and keyed by label in
    label order; ``decision`` (remove / review / allow) comes from the model
    folder's policy; ``id`` is the listing's id when it has one.
    """

    label: str
    probabilities: dict[str, float]
    confidence: float
    decision: str
    model_version: str
    id: str | None = None
    signals: dict[str, Any] | None = field(default=None, compare=False)
    #: the labels of the listing's conformal prediction set, when the folder's policy has
    #: conformal sets (see :mod:`nlp_ip.policy`); a set of more than one label is why a
    #: listing went to review
    prediction_set: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        out: dict[str, Any] = {"id": self.id, "label": self.label,
                               "probabilities": self.probabilities,
                               "confidence": self.confidence, "decision": self.decision,
                               "model_version": self.model_version}
        if self.prediction_set is not None:
            out["prediction_set"] = self.prediction_set
        if self.signals is not None:
            out["signals"] = self.signals
        return out


def default_threads() -> int:
    """CPU cores available to this process (its affinity mask, not the host's total)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _requested_backend(backend: str, folder: Path, meta: ModelMeta) -> str:
    """The backend name ``from_pretrained(backend=...)`` asks the loader for.

    The one place where a caller's name is normalised: ``auto`` becomes
    ``$NLP_IP_BACKEND`` (:class:`~nlp_ip.settings.RuntimeSettings`, itself ``auto``
    unless set), and a name as reported for a blend folder (``onnx-int8+tfidf``,
    what ``/v1/model`` shows) becomes its transformer part (``onnx-int8``), which is
    what :func:`~nlp_ip.inference.backends.load_backend` takes; the loader wraps
    the blend from ``meta.blend``, never from the name. A blend name for a folder
    without a blend is an error that names the plain backend.
    """
    if backend == "auto":
        from nlp_ip.settings import RuntimeSettings

        backend = RuntimeSettings.from_env().backend
    if backend.endswith(BLEND_SUFFIX):
        if meta.blend is None:
            raise InvalidInputError(
                f"backend {backend!r}: {folder} has no TF-IDF blend; use "
                f"{backend[:-len(BLEND_SUFFIX)]!r}")
        backend = backend[:-len(BLEND_SUFFIX)]
    return backend


class ListingClassifier:
    """Classify listings with a model folder written by ``nlp-ip train`` or ``nlp-ip export``.

    Build it with :meth:`from_pretrained`. It is safe to call from several
    threads; each call prepares its next chunk on a shared worker thread.
    """

    def __init__(self, folder: Path, meta: ModelMeta, backend: Backend[Any], *,
                 max_batch_tokens: int | None = None,
                 chunk_size: int = DEFAULT_CHUNK_SIZE, num_threads: int | None = None,
                 workers: int = 1, cascade: bool | None = None) -> None:
        if max_batch_tokens is None:
            max_batch_tokens = int(backend.default_batch_tokens)
        for name, value in (("max_batch_tokens", max_batch_tokens), ("chunk_size", chunk_size),
                            ("workers", workers)):
            if value < 1:
                raise InvalidInputError(f"{name} must be >= 1, got {value}")
        self.folder = folder
        self.meta = meta
        self.backend = backend
        self.max_batch_tokens = max_batch_tokens
        self.chunk_size = chunk_size
        self.num_threads = num_threads or default_threads()
        self.workers = workers
        self._cascade = self._cascade_stage(backend, meta, cascade)
        #: Listings scored with the cascade on, and those the TF-IDF part decided alone.
        self.cascade_counts = {"listings": 0, "skipped": 0}
        self._pool: ThreadPoolExecutor | None = None
        self._compute: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    @staticmethod
    def _cascade_stage(backend: Backend[Any], meta: ModelMeta,
                       cascade: bool | None) -> BlendBackend | None:
        """The blend backend whose TF-IDF part runs first, when the cascade is on.

        ``cascade=None`` follows the folder (``blend.cascade.enabled``); True asks for
        it and fails, naming the fix, on a folder whose blend has no thresholds.
        """
        spec = meta.blend.cascade if meta.blend is not None else None
        if cascade is None:  # the folder's default; no thresholds fitted means no cascade
            cascade = spec is not None and spec.enabled and bool(spec.thresholds)
        if not cascade:
            return None
        if not isinstance(backend, BlendBackend) or spec is None or not spec.thresholds:
            raise InvalidInputError(
                "cascade=True needs a blend folder with cascade thresholds; fit them with "
                "`nlp-ip calibrate-cascade --model DIR --data VALIDATION.jsonl`")
        return backend

    @property
    def cascade(self) -> bool:
        """True when the TF-IDF part decides the listings it is sure of alone."""
        return self._cascade is not None

    # -- construction -------------------------------------------------------
    @classmethod
    def from_pretrained(cls, model_dir: str | os.PathLike[str], *, backend: str = "auto",
                        max_batch_tokens: int | None = None,
                        num_threads: int | None = None, workers: int | None = None,
                        chunk_size: int = DEFAULT_CHUNK_SIZE,
                        blend: bool = True, cascade: bool | None = None) -> ListingClassifier:
        """Load a model folder.

        ``backend``: one of :data:`BACKENDS` or ``"auto"``: the folder's own
        format for ONNX and TF-IDF folders; for transformer folders torch fp32,
        or bf16 where the CPU has bf16 instructions and a short probe finds it
        faster and in agreement. ``$NLP_IP_BACKEND`` overrides ``auto``. The
        choice is logged and kept in :attr:`backend_name`. For a blend folder
        the name is the transformer part's; the name as :attr:`backend_name`
        reports it (``onnx-int8+tfidf``) is accepted too, and turned into the
        transformer part's before loading (``_requested_backend``, the one place
        that reads ``$NLP_IP_BACKEND`` and the ``+tfidf`` suffix).

        ``num_threads`` (default: the cores this process may use) is split
        between ``workers`` batches computed at the same time (default: one
        per thread, each batch single-threaded: best throughput). For the
        lowest latency on single small requests pass ``workers=1``: every
        batch then uses all threads.

        On a GPU backend (``torch-cuda``, ``onnx-cuda``) ``workers`` defaults to 1:
        the GPU runs one batch at a time, and a large one (the backend's token
        budget) rather than one per core.

        ``max_batch_tokens`` defaults to the backend's measured best.

        ``cascade`` (blend folders with cascade thresholds): True scores every listing
        with the TF-IDF part first and lets it decide alone the ones it is sure of
        (:mod:`nlp_ip.inference.cascade`); False always runs the full blend; None
        follows the folder's ``blend.cascade.enabled``.

        ``blend=False`` runs only the transformer part of a blend folder (one
        whose ``nlp_ip.json`` has ``blend``: a TF-IDF model blended in), with
        that part's own calibration temperature: for comparing the parts. It
        changes nothing for other folders.
        """
        from nlp_ip.inference.backends import load_backend
        from nlp_ip.text import TEXT_BUILDER_VERSION

        folder = Path(model_dir)
        meta = read_meta(folder)
        if not blend and meta.blend is not None:
            meta = meta.model_copy(update={"blend": None,
                                           "temperature": meta.blend.transformer_temperature})
        if meta.text.builder_version != TEXT_BUILDER_VERSION:
            raise ModelLoadError(
                f"{folder} was trained with text builder v{meta.text.builder_version}, but this "
                f"nlp-ip builds inputs with v{TEXT_BUILDER_VERSION}; served inputs would differ "
                "from nlp_ip_train inputs. Retrain the model or install the nlp-ip version that "
                "trained it"
            )
        threads = num_threads or default_threads()
        if threads < 1 or (workers is not None and workers < 1):
            raise InvalidInputError(f"num_threads and workers must be >= 1, got {threads} and "
                                    f"{workers}")
        cpu_workers = min(workers or threads, threads)
        requested = _requested_backend(backend, folder, meta)
        instance = load_backend(folder, meta, requested, max(1, threads // cpu_workers))
        workers = cpu_workers if workers is not None or instance.device == "cpu" else 1
        logger.info("loaded %s (%s) with backend %s, %d threads in %d workers", folder,
                    meta.model_version, instance.name, threads, workers)
        return cls(folder, meta, instance, max_batch_tokens=max_batch_tokens,
                   chunk_size=chunk_size, num_threads=threads, workers=workers,
                   cascade=cascade)

    @property
    def backend_name(self) -> str:
        """The backend in use, e.g. ``torch-fp32`` or ``onnx-int8``."""
        return str(self.backend.name)

    @property
    def int8_kernel(self) -> dict[str, Any] | None:
        """For an int8 ONNX model: the CPU's int8 kernel path and the graph variant run."""
        info = self.backend.int8
        return dict(info) if info else None

    @property
    def model_version(self) -> str:
        """The folder's model version; ``+cascade`` when the cascade decides some rows."""
        return self.meta.model_version + ("+cascade" if self._cascade is not None else "")

    @property
    def labels(self) -> tuple[str, ...]:
        """Label names in the order of the probability columns."""
        return LABEL_NAMES

    # -- core ---------------------------------------------------------------
    def _prepare(self, listings: Sequence[Listing]) -> Any:
        from nlp_ip.text import build_model_inputs

        if not listings:
            return self.backend.encode([], self.meta.text.max_length)
        texts = build_model_inputs(list(listings), hints=self.meta.text.hints,
                                   catalog_path=self._catalog)
        return self.backend.encode(texts, self.meta.text.max_length)

    @property
    def _catalog(self) -> Path | None:
        """The brand catalog shipped in the model folder (what training's hints used)."""
        path = self.folder / BRANDS_FILE
        return path if path.is_file() else None

    def _batches(self, lengths: np.ndarray) -> list[np.ndarray]:
        """Index batches sorted by length, each under the token budget."""
        order = np.argsort(lengths, kind="stable")
        sorted_lengths = lengths[order]
        batches: list[np.ndarray] = []
        start = 0
        n = len(order)
        while start < n:
            end = start + 1
            # Sorted ascending: the padded length of [start, end] is sorted_lengths[end].
            while end < n and (end - start + 1) * int(sorted_lengths[end]) <= self.max_batch_tokens:
                end += 1
            batches.append(order[start:end])
            start = end
        return batches

    def _logits(self, encoded: Any) -> np.ndarray:
        lengths = self.backend.lengths(encoded)
        out = np.zeros((len(lengths), len(LABEL_NAMES)), dtype=np.float32)
        if self._cascade is not None and len(lengths):
            # The cascade's first stage: rows the TF-IDF part decides alone are done here;
            # only the others are packed into transformer batches.
            decided, early = self._cascade.early_exit(encoded, self.meta.temperature)
            out[decided] = early[decided]
            rest = np.flatnonzero(~decided)
            batches = [rest[b] for b in self._batches(lengths[rest])] if len(rest) else []
            with self._pool_lock:
                self.cascade_counts["listings"] += len(lengths)
                self.cascade_counts["skipped"] += int(decided.sum())
            if not batches:
                return out
        else:
            batches = self._batches(lengths)
        if self.workers == 1 or len(batches) == 1:
            for idx in batches:
                out[idx] = self.backend.forward(encoded, idx)
            release_free_memory()
            return out
        compute = self._compute_pool()
        # Longest batches first, so no worker is left with a long one at the end.
        jobs = [(idx, compute.submit(self.backend.forward, encoded, idx))
                for idx in reversed(batches)]
        for idx, job in jobs:
            out[idx] = job.result()
        release_free_memory()
        return out

    def _compute_pool(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._compute is None:
                self._compute = ThreadPoolExecutor(max_workers=self.workers,
                                                   thread_name_prefix="nlp-ip-batch")
            return self._compute

    def _probs_from_logits(self, logits: np.ndarray) -> np.ndarray:
        return softmax(logits, self.meta.temperature)

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlp-ip-prep")
            return self._pool

    def _prefetched(self, items: Iterable[_Item], prepare: Callable[[_Item], Any]
                    ) -> Iterator[tuple[_Item, Any]]:
        """Yield ``(item, prepare(item))``, preparing the next item on the worker thread
        while the caller works on the current one."""
        pool = self._executor()
        pending: tuple[_Item, Future[Any]] | None = None
        for item in items:
            future = pool.submit(prepare, item)
            if pending is not None:
                yield pending[0], pending[1].result()
            pending = (item, future)
        if pending is not None:
            yield pending[0], pending[1].result()

    def _chunks(self, entries: Iterable[tuple[Any, Any]]
                ) -> Iterator[tuple[list[tuple[Any, Any]], Any]]:
        """Yield ``(chunk, encoded valid rows)``, preparing the next chunk meanwhile.

        ``entries`` are ``(Listing | InvalidInputError, context)``; only the
        listings are built and tokenised.
        """
        def chunked() -> Iterator[list[tuple[Any, Any]]]:
            chunk: list[tuple[Any, Any]] = []
            for entry in entries:
                chunk.append(entry)
                if len(chunk) >= self.chunk_size:
                    yield chunk
                    chunk = []
            if chunk:
                yield chunk

        def prepare(chunk: list[tuple[Any, Any]]) -> Any:
            return self._prepare([x for x, _ in chunk if isinstance(x, Listing)])

        yield from self._prefetched(chunked(), prepare)

    def _to_predictions(self, listings: Sequence[Listing], probs: np.ndarray) -> list[Prediction]:
        if not len(probs):
            return []
        decisions = self.meta.policy.decide_codes(probs)
        sets: Sequence[list[str] | None] = (self.meta.policy.prediction_sets(probs)
                                             or [None] * len(probs))
        tops = probs.argmax(axis=1)
        version = self.model_version
        out = []
        rows = zip(listings, probs.tolist(), tops, decisions, sets, strict=True)
        for listing, row, top, decision, label_set in rows:
            out.append(Prediction(
                label=LABEL_NAMES[int(top)],
                probabilities=dict(zip(LABEL_NAMES, row, strict=True)),
                confidence=row[int(top)], decision=str(decision),
                model_version=version, id=listing.id, prediction_set=label_set,
            ))
        return out

    # -- public API ---------------------------------------------------------
    def predict_logits(self, listings: Any) -> np.ndarray:
        """Uncalibrated logits, shape (N, 4), in input order."""
        parsed = parse_listings(listings)
        parts = [self._logits(encoded)
                 for _, encoded in self._chunks((x, None) for x in parsed)]
        return np.concatenate(parts) if parts else np.zeros((0, len(LABEL_NAMES)), np.float32)

    def predict_proba(self, listings: Any) -> np.ndarray:
        """Calibrated probabilities, shape (N, 4), columns in :attr:`labels` order.

        Accepts one listing or a list: ``Listing`` objects, dicts, or strings
        (titles). Invalid input raises :class:`~nlp_ip.errors.InvalidInputError`
        (:class:`~nlp_ip.errors.InputTooLargeError` for size limits) naming each
        bad field and index, before any work is done.
        """
        return self._probs_from_logits(self.predict_logits(listings))

    def predict_facts(self, listings: Any) -> dict[str, np.ndarray]:
        """The labeling guide's facts for each listing (folders with fact heads only):
        fact name -> (N,) probabilities, in :data:`nlp_ip.facts.FACTS` order.

        They are what the model's guide-order head read (:mod:`nlp_ip.facts`); a folder
        without fact heads raises :class:`~nlp_ip.errors.InvalidInputError`.
        """
        from nlp_ip.facts import FACTS
        from nlp_ip.inference.facts import FactsBackend

        backend: Any = self.backend
        blended = isinstance(backend, BlendBackend)
        if blended:
            backend = backend.inner
        if not isinstance(backend, FactsBackend):
            raise InvalidInputError(f"{self.folder} has no fact heads (no 'facts' in "
                                    "nlp_ip.json); train with model.fact_heads.enabled: true")
        parsed = parse_listings(listings)
        parts = []
        for _, encoded in self._chunks((x, None) for x in parsed):
            inner = encoded.encoded if blended else encoded
            lengths = backend.lengths(inner)
            out = np.zeros((len(lengths), len(FACTS)), dtype=np.float64)
            for idx in self._batches(lengths):
                out[idx] = backend.forward_facts(inner, idx)
            parts.append(out)
        probs = np.concatenate(parts) if parts else np.zeros((0, len(FACTS)))
        return {name: probs[:, i] for i, name in enumerate(FACTS)}

    def predict_proba_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities for model inputs that are already built.

        ``texts`` must come from :func:`nlp_ip.text.build_model_inputs` with this
        model's settings (``meta.text.hints`` and the folder's ``brands.yaml``);
        anything else is input the model was not trained on. For evaluation
        and benchmarks that build the texts once for several models.
        """
        texts = list(texts)
        if not all(isinstance(t, str) for t in texts):
            raise InvalidInputError("predict_proba_texts expects a list of strings built by "
                                    "nlp_ip.text.build_model_inputs")
        chunks = (texts[start:start + self.chunk_size]
                  for start in range(0, len(texts), self.chunk_size))
        max_length = self.meta.text.max_length
        parts = [self._logits(encoded) for _, encoded in self._prefetched(
            chunks, lambda chunk: self.backend.encode(chunk, max_length))]
        logits = np.concatenate(parts) if parts else np.zeros((0, len(LABEL_NAMES)), np.float32)
        return self._probs_from_logits(logits)

    def predict(self, listings: Any) -> list[Prediction]:
        """A :class:`Prediction` per listing, in input order (a list even for one item)."""
        parsed = parse_listings(listings)
        probs = self.predict_proba(parsed)
        return self._to_predictions(parsed, probs)

    def predict_iter(self, listings: Iterable[Any], *, skip_invalid: bool = False,
                     as_tuples: bool = False) -> Iterator[Any]:
        """Stream predictions for an iterable of any length in bounded memory.

        Rows are validated one by one and processed ``chunk_size`` at a time.
        With ``skip_invalid=False`` a bad row raises
        :class:`~nlp_ip.errors.InvalidInputError` (predictions already yielded
        stay valid); with ``skip_invalid=True`` the error is yielded in its
        place and the stream goes on, so there is one output per input, in
        input order.

        With ``as_tuples=True`` the input items are ``(listing, context)``
        pairs and the outputs ``(prediction_or_error, context)``: the context
        (a row number, an id, a callback) travels with its listing, as in
        spaCy's ``nlp.pipe(as_tuples=True)``.
        """
        def entries() -> Iterator[tuple[Any, Any]]:
            for position, item in enumerate(listings):
                context = None
                if as_tuples:
                    item, context = item
                try:
                    yield parse_listing(item, index=position), context
                except InvalidInputError as exc:
                    if not skip_invalid:
                        raise
                    yield exc, context

        for chunk, encoded in self._chunks(entries()):
            valid = [x for x, _ in chunk if isinstance(x, Listing)]
            probs = (self._probs_from_logits(self._logits(encoded)) if valid
                     else np.zeros((0, len(LABEL_NAMES))))
            predictions = iter(self._to_predictions(valid, probs))
            for item, context in chunk:
                result = next(predictions) if isinstance(item, Listing) else item
                yield (result, context) if as_tuples else result

    def close(self) -> None:
        """Stop the worker threads (the classifier can still be used afterwards)."""
        with self._pool_lock:
            for pool in (self._pool, self._compute):
                if pool is not None:
                    pool.shutdown(wait=True)
            self._pool = self._compute = None

    def __enter__(self) -> ListingClassifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"ListingClassifier({str(self.folder)!r}, version={self.model_version!r}, "
                f"backend={self.backend_name!r})")
