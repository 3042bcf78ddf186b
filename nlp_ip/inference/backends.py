"""Inference backends behind one small interface, and loading the right one for a folder.

Each backend implements :class:`~nlp_ip.inference.protocol.Backend`: ``name``,
``precision``, ``default_batch_tokens``, ``int8``, ``encode(texts, max_length)``
(tokenise without padding), ``lengths(encoded)`` (tokens per row) and
``forward(encoded, idx)`` (logits for the rows ``idx``, padded to the longest of them).

Backends:

- ``torch-fp32``: the safetensors weights in PyTorch.
- ``torch-bf16``: the same weights cast to bfloat16 (only worth it where the CPU
  has bf16 matrix instructions; ``auto`` measures before choosing it).
- ``onnx-fp32`` / ``onnx-int8``: onnxruntime on a folder written by
  ``nlp-ip export --format onnx [--quantize int8]`` (see :mod:`nlp_ip.exporters`).
- ``tfidf``: the numpy TF-IDF baseline.

A folder whose ``nlp_ip.json`` has a ``blend`` gets its transformer backend
wrapped in :class:`~nlp_ip.inference.blend.BlendBackend`, which adds the
folder's TF-IDF scores; the name then reads e.g. ``onnx-int8+tfidf``. The names
:func:`load_backend` takes are the transformer part's (:data:`BACKENDS`).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from nlp_ip.artifact import ONNX_FILE, ModelMeta
from nlp_ip.errors import InvalidInputError, MissingExtraError, ModelLoadError
from nlp_ip.inference.blend import with_blend
from nlp_ip.inference.cpu import (  # noqa: F401  (cpu_flags, cpu_model: re-exported)
    cpu_flags,
    cpu_model,
    cpu_supports_bf16,
    int8_kernel,
)
from nlp_ip.inference.protocol import Backend, Int8Run
from nlp_ip.numerics import softmax

logger = logging.getLogger(__name__)

#: Every backend name ``from_pretrained(backend=...)`` accepts, besides ``auto``.
BACKENDS = ("torch-fp32", "torch-bf16", "onnx-fp32", "onnx-int8", "tfidf")


class _TokenizedBackend:
    """Shared tokenisation and padding for the transformer backends."""

    name = "base"
    precision = "fp32"
    int8: Int8Run | None = None

    def __init__(self, folder: Path) -> None:
        from transformers import AutoTokenizer

        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"{folder}: cannot load the tokenizer: {exc}") from exc
        self.pad_id = int(self.tokenizer.pad_token_id or 0)

    def encode(self, texts: list[str], max_length: int) -> list[list[int]]:
        return list(self.tokenizer(texts, truncation=True, max_length=max_length,
                                   padding=False, return_attention_mask=False,
                                   return_token_type_ids=False)["input_ids"])

    def lengths(self, encoded: list[list[int]]) -> np.ndarray:
        return np.fromiter((len(ids) for ids in encoded), dtype=np.int64, count=len(encoded))

    def _pad(self, encoded: list[list[int]], idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = [encoded[i] for i in idx]
        width = max(len(r) for r in rows)
        ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for j, r in enumerate(rows):
            ids[j, :len(r)] = r
            mask[j, :len(r)] = 1
        return ids, mask


class TorchBackend(_TokenizedBackend):
    """PyTorch on the folder's safetensors weights, fp32 or bf16."""

    #: Measured best token budget per batch (MiniLM-L6, one EPYC core per batch).
    default_batch_tokens = 2048

    def __init__(self, folder: Path, threads: int, precision: str = "fp32") -> None:
        import torch
        from transformers import AutoModelForSequenceClassification

        super().__init__(folder)
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        try:
            model = AutoModelForSequenceClassification.from_pretrained(str(folder))
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"{folder}: cannot load the model weights: {exc}") from exc
        self.model = model.eval()
        self.precision = "fp32"
        self.name = "torch-fp32"
        if precision == "bf16":
            self.to_bf16()
        elif precision != "fp32":
            raise InvalidInputError(f"torch precision {precision!r} is unknown; use fp32 or bf16")

    def to_bf16(self) -> None:
        """Cast the weights to bfloat16 in place (the logits are returned as fp32)."""
        import torch

        self.model = self.model.to(torch.bfloat16)
        self.precision = "bf16"
        self.name = "torch-bf16"

    def forward(self, encoded: list[list[int]], idx: np.ndarray) -> np.ndarray:
        import torch

        ids, mask = self._pad(encoded, idx)
        with torch.inference_mode():
            logits = self.model(input_ids=torch.from_numpy(ids),
                                attention_mask=torch.from_numpy(mask)).logits
        return logits.float().numpy()


def _inside(folder: Path, name: str, field: str) -> Path:
    """``folder / name``, refused unless it stays inside ``folder`` (no absolute paths,
    no ``..``, no link out of it): ``nlp_ip.json`` must not make the loader read a file
    elsewhere on the machine."""
    root = folder.resolve()
    candidate = (folder / name).resolve()
    if Path(name).is_absolute() or (candidate != root and root not in candidate.parents):
        raise ModelLoadError(f"{folder / 'nlp_ip.json'}: {field} {name!r} points outside the "
                             "model folder; it must name a file inside it, e.g. "
                             f"{ONNX_FILE!r}")
    return candidate


class OnnxBackend(_TokenizedBackend):
    """onnxruntime on the folder's ONNX file (fp32 or int8-quantised)."""

    default_batch_tokens = 1024

    def __init__(self, folder: Path, meta: ModelMeta, threads: int,
                 int8_variant: str | None = None) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise MissingExtraError("onnx", "onnxruntime", "the ONNX backend") from exc
        super().__init__(folder)
        path = _inside(folder, meta.onnx.file if meta.onnx else ONNX_FILE, "onnx.file")
        if not path.is_file():
            raise ModelLoadError(f"{folder} has no {path.name}; export it with "
                                 "`nlp-ip export --model DIR --format onnx --output DIR2`")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # With several intra-op threads (the server's one-batch-at-a-time mode), idle
        # threads would spin between runs and take the cores from the event loop and
        # the tokeniser; single-threaded sessions (the batch default) have no pool.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.precision = meta.onnx.precision if meta.onnx else "fp32"
        self.name = f"onnx-{self.precision}"
        #: The int8 kernel path onnxruntime takes here and the graph variant run on it.
        self.int8: Int8Run | None = None
        model: str | bytes = str(path)
        if self.precision == "int8":
            self.default_batch_tokens = 512
            from nlp_ip.inference.int8_portability import adapt_int8_graph, choose_int8_variant

            kernel = int8_kernel()
            variant = choose_int8_variant(kernel, int8_variant or "auto")
            adapted = adapt_int8_graph(path, variant)
            if adapted is not None:
                model = adapted
            self.int8 = {"kernel": kernel.name, "instruction": kernel.instruction,
                         "saturates": kernel.saturates, "variant": variant}
            logger.info("int8 kernel %s (%s): running the %s graph", kernel.name,
                        kernel.instruction, variant)
        try:
            self.session = ort.InferenceSession(model, options,
                                                providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelLoadError(f"{path} cannot be loaded by onnxruntime: {exc}") from exc
        self.inputs = {i.name for i in self.session.get_inputs()}

    def forward(self, encoded: list[list[int]], idx: np.ndarray) -> np.ndarray:
        ids, mask = self._pad(encoded, idx)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        return np.asarray(self.session.run(None, feed)[0], dtype=np.float32)


class TfidfBackend:
    """The TF-IDF + logistic-regression baseline (numpy, no scikit-learn)."""

    name = "tfidf"
    default_batch_tokens = 256  # rows: every row counts as one token
    precision = "fp64"
    int8: Int8Run | None = None

    def __init__(self, folder: Path) -> None:
        from nlp_ip.tfidf import TfidfScorer

        self.scorer = TfidfScorer.load(folder)

    def encode(self, texts: list[str], max_length: int) -> list[str]:
        return texts

    def lengths(self, encoded: list[str]) -> np.ndarray:
        return np.ones(len(encoded), dtype=np.int64)

    def forward(self, encoded: list[str], idx: np.ndarray) -> np.ndarray:
        return self.scorer.logits([encoded[i] for i in idx]).astype(np.float32)


def folder_backends(folder: Path, meta: ModelMeta) -> tuple[str, ...]:
    """The backends that can run the model in ``folder``, preferred first."""
    if meta.kind == "tfidf":
        return ("tfidf",)
    if meta.kind == "onnx":
        precision = meta.onnx.precision if meta.onnx else "fp32"
        names: tuple[str, ...] = (f"onnx-{precision}",)
        if (folder / "model.safetensors").is_file():  # exported with --keep-torch-weights
            names += ("torch-fp32", "torch-bf16")
        return names
    return ("torch-fp32", "torch-bf16")


def _check_requested(folder: Path, meta: ModelMeta, requested: str) -> None:
    if requested not in (*BACKENDS, "auto"):
        raise InvalidInputError(f"backend {requested!r} is unknown; use auto or one of "
                                f"{', '.join(BACKENDS)}")
    allowed = folder_backends(folder, meta)
    if requested != "auto" and requested not in allowed:
        hint = ("; ONNX backends need a folder written by `nlp-ip export --format onnx"
                + (" --quantize int8`" if requested == "onnx-int8" else "`"))
        raise InvalidInputError(
            f"backend {requested!r} cannot run the {meta.kind} model in {folder}; this "
            f"folder supports {', '.join(allowed)}"
            + (hint if requested.startswith("onnx") else ""))


def load_backend(folder: Path, meta: ModelMeta, requested: str, threads: int) -> Backend[Any]:
    """Load the backend ``requested``, one of :data:`BACKENDS` or ``auto`` (see
    :func:`choose_backend`), wrapped in the folder's blend when ``meta.blend`` has one.

    ``requested`` names the transformer part: a name as reported for a blend
    (``onnx-int8+tfidf``) is turned into it at the API boundary,
    :meth:`ListingClassifier.from_pretrained <nlp_ip.inference.ListingClassifier.from_pretrained>`.
    """
    _check_requested(folder, meta, requested)
    if requested == "auto":
        return choose_backend(folder, meta, threads)
    if requested == "torch-bf16" and not cpu_supports_bf16():
        logger.warning("torch-bf16 requested but this CPU has no bf16 matrix instructions; "
                       "it will be slower than torch-fp32")
    return _load(requested, folder, meta, threads)


def _load(name: str, folder: Path, meta: ModelMeta, threads: int) -> Backend[Any]:
    return with_blend(_load_plain(name, folder, meta, threads), folder, meta)


def _load_plain(name: str, folder: Path, meta: ModelMeta, threads: int) -> Backend[Any]:
    if name == "tfidf":
        return TfidfBackend(folder)
    if name.startswith("onnx-"):
        return OnnxBackend(folder, meta, threads)
    return TorchBackend(folder, threads, name.split("-", 1)[1])


def choose_backend(folder: Path, meta: ModelMeta, threads: int) -> Backend[Any]:
    """The backend ``auto`` picks, loaded.

    ONNX and TF-IDF folders run on their own backend. For a transformer folder
    the choice is between torch fp32 and bf16: bf16 is tried only where the CPU
    has bf16 instructions, and kept only if a short probe finds it faster and
    in agreement with fp32. The choice is logged.
    """
    first = folder_backends(folder, meta)[0]
    if first != "torch-fp32":
        logger.info("backend auto -> %s (the folder's own format)", first)
        return _load(first, folder, meta, threads)
    fp32 = TorchBackend(folder, threads, "fp32")
    if not cpu_supports_bf16():
        logger.info("backend auto -> torch-fp32 (no bf16 instructions on this CPU)")
        return with_blend(fp32, folder, meta)
    return with_blend(_probe_bf16(fp32), folder, meta)


def _probe_bf16(backend: TorchBackend, *, rounds: int = 3) -> TorchBackend:
    """Time fp32 then bf16 on one realistic batch; keep bf16 only if faster and close."""
    import copy

    texts = ["Vintage leather shoulder bag with gold chain strap, quilted pattern, "
             "barely used, comes with dust bag and receipt. Ships in two days."] * 32
    encoded = backend.encode(texts, 96)
    idx = np.arange(len(encoded))

    def timed(candidate: TorchBackend) -> tuple[float, np.ndarray]:
        out = candidate.forward(encoded, idx)  # warm-up
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            out = candidate.forward(encoded, idx)
            best = min(best, time.perf_counter() - start)
        return best, out

    t32, out32 = timed(backend)
    bf16 = copy.copy(backend)
    bf16.model = copy.deepcopy(backend.model)  # Module.to() casts in place; keep fp32 intact
    bf16.to_bf16()
    t16, out16 = timed(bf16)
    # in float32, the precision both outputs come in (as the probe always compared them)
    diff = float(np.abs(softmax(out32, dtype=None) - softmax(out16, dtype=None)).max())
    faster = t16 < 0.9 * t32
    choice = bf16 if faster and diff < 0.02 else backend
    logger.info("backend auto probe: torch-fp32 %.1f ms, torch-bf16 %.1f ms per batch of 32, "
                "max prob diff %.4f -> %s", t32 * 1e3, t16 * 1e3, diff, choice.name)
    return choice
