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
- ``torch-cuda``: the safetensors weights on a CUDA GPU, in bf16 where the GPU
  has it natively, else fp16 (:mod:`nlp_ip.inference.gpu`); ``auto`` takes it
  whenever torch sees a GPU and the folder has torch weights.
- ``onnx-cuda``: an fp32 ONNX folder on onnxruntime's CUDA execution provider,
  offered only where onnxruntime has it (the ``onnxruntime-gpu`` build).

A folder whose ``nlp_ip.json`` has a ``blend`` gets its transformer backend
wrapped in :class:`~nlp_ip.inference.blend.BlendBackend`, which adds the
folder's TF-IDF scores; the name then reads e.g. ``onnx-int8+tfidf``. The names
:func:`load_backend` takes are the transformer part's (:data:`BACKENDS`).
"""

from __future__ import annotations

import logging
import threading
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
from nlp_ip.inference.facts import with_facts
from nlp_ip.inference.protocol import Backend, Int8Run
from nlp_ip.numerics import softmax

logger = logging.getLogger(__name__)

#: Every backend name ``from_pretrained(backend=...)`` accepts, besides ``auto``.
BACKENDS = ("torch-fp32", "torch-bf16", "onnx-fp32", "onnx-int8", "tfidf", "torch-cuda",
            "onnx-cuda")
#: The backends that compute on a GPU (a Ray actor running one asks Ray for a GPU).
GPU_BACKENDS = ("torch-cuda", "onnx-cuda")
#: Token budget per batch on a GPU. A CPU core is fastest on small batches that stay in its
#: cache; a GPU is the opposite: each forward pass has a fixed cost (about a hundred kernel
#: launches from Python for a 6-layer encoder, the host-device copies and a synchronisation)
#: and the matrix products only fill the GPU's many multiprocessors when they are large. At
#: 32k tokens (256 listings of 128 tokens) MiniLM-L6's linear layers are about 0.7 TFLOP per
#: pass, a few milliseconds even at the bf16 rates of current data-centre GPUs, and the
#: activations stay far below 1 GB. Not yet measured on a GPU: benchmarks/gpu_check.sh
#: sweeps 16k, 32k and 64k (docs/scaling.md, "GPU").
CUDA_BATCH_TOKENS = 32768


class _TokenizedBackend:
    """Shared tokenisation and padding for the transformer backends."""

    name = "base"
    precision = "fp32"
    device = "cpu"
    int8: Int8Run | None = None

    def __init__(self, folder: Path) -> None:
        from transformers import AutoTokenizer

        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"{folder}: cannot load the tokenizer: {exc}") from exc
        self.folder = folder
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


class TorchCudaBackend(TorchBackend):
    """PyTorch on a CUDA GPU: the weights moved there once, in bf16 (or fp16, see
    :func:`~nlp_ip.inference.gpu.cuda_precision`); the logits come back as float32.

    Each batch is padded on the host into page-locked (pinned) memory and copied
    with ``non_blocking=True``, so the copy is a DMA transfer queued on the stream
    rather than a staged synchronous one. The next chunk's text building and
    tokenisation already overlap the GPU work: the engine prepares it on its worker
    thread (:meth:`ListingClassifier._prefetched
    <nlp_ip.inference.engine.ListingClassifier._prefetched>`) while this one runs,
    and torch releases the GIL while it waits for the GPU.
    """

    default_batch_tokens = CUDA_BATCH_TOKENS

    def __init__(self, folder: Path, threads: int) -> None:
        import torch

        from nlp_ip.inference.gpu import cuda_precision, require_cuda

        require_cuda("torch-cuda")
        super().__init__(folder, threads, "fp32")
        precision = cuda_precision()
        dtype = torch.bfloat16 if precision == "bf16" else torch.float16
        self.device = f"cuda:{torch.cuda.current_device()}"
        self.model = self.model.to(device=self.device, dtype=dtype)
        self.precision = precision
        self.name = "torch-cuda"

    def forward(self, encoded: list[list[int]], idx: np.ndarray) -> np.ndarray:
        import torch

        ids, mask = self._pad(encoded, idx)
        with torch.inference_mode():
            inputs = {name: torch.from_numpy(array).pin_memory().to(self.device,
                                                                     non_blocking=True)
                      for name, array in (("input_ids", ids), ("attention_mask", mask))}
            logits = self.model(**inputs).logits
            return logits.float().cpu().numpy()


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
    """onnxruntime on the folder's ONNX file (fp32 or int8-quantised), on the CPU; with
    ``cuda=True`` an fp32 file on onnxruntime's CUDA execution provider (``onnx-cuda``)."""

    default_batch_tokens = 1024

    def __init__(self, folder: Path, meta: ModelMeta, threads: int,
                 int8_variant: str | None = None, *, cuda: bool = False) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise MissingExtraError("onnx", "onnxruntime", "the ONNX backend") from exc
        if cuda:
            from nlp_ip.inference.gpu import require_onnx_cuda

            require_onnx_cuda("onnx-cuda")
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
        providers = ["CPUExecutionProvider"]
        if cuda:
            providers.insert(0, "CUDAExecutionProvider")
            self.name, self.device = "onnx-cuda", "cuda:0"
            self.default_batch_tokens = CUDA_BATCH_TOKENS
        try:
            self.session = ort.InferenceSession(model, options, providers=providers)
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelLoadError(f"{path} cannot be loaded by onnxruntime: {exc}") from exc
        if self.session.get_providers()[0] != providers[0]:
            # onnxruntime falls back to the CPU quietly when the CUDA libraries do not load
            raise ModelLoadError(
                f"onnxruntime could not start {providers[0]} for {path} (it runs "
                f"{self.session.get_providers()}); check that the CUDA and cuDNN libraries "
                "onnxruntime-gpu needs are installed, or use --backend torch-cuda")
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
    device = "cpu"
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
    """The backends that can run the model in ``folder``, preferred first on a CPU.

    The GPU backends are listed whenever the folder's format suits them; whether
    this machine has the GPU is checked when one is loaded.
    """
    torch_names = ("torch-fp32", "torch-bf16", "torch-cuda")
    if meta.kind == "tfidf":
        return ("tfidf",)
    if meta.kind == "onnx":
        precision = meta.onnx.precision if meta.onnx else "fp32"
        names: tuple[str, ...] = (f"onnx-{precision}",)
        if precision == "fp32":
            names += ("onnx-cuda",)
        if (folder / "model.safetensors").is_file():  # exported with --keep-torch-weights
            names += torch_names
        return names
    return torch_names


def _check_requested(folder: Path, meta: ModelMeta, requested: str) -> None:
    if requested not in (*BACKENDS, "auto"):
        raise InvalidInputError(f"backend {requested!r} is unknown; use auto or one of "
                                f"{', '.join(BACKENDS)}")
    allowed = folder_backends(folder, meta)
    if requested != "auto" and requested not in allowed:
        hint = ("; ONNX backends need a folder written by `nlp-ip export --format onnx"
                + (" --quantize int8`" if requested == "onnx-int8" else "`"))
        if requested == "onnx-cuda":
            hint += " (fp32: without --quantize); for torch weights use torch-cuda"
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
    return with_blend(with_facts(_load_plain(name, folder, meta, threads), meta), folder, meta)


def _load_plain(name: str, folder: Path, meta: ModelMeta, threads: int) -> Backend[Any]:
    if name == "tfidf":
        return TfidfBackend(folder)
    if name == "torch-cuda":
        return TorchCudaBackend(folder, threads)
    if name.startswith("onnx-"):
        return OnnxBackend(folder, meta, threads, cuda=name == "onnx-cuda")
    return TorchBackend(folder, threads, name.split("-", 1)[1])


def choose_backend(folder: Path, meta: ModelMeta, threads: int) -> Backend[Any]:
    """The backend ``auto`` picks, loaded.

    A transformer folder runs on ``torch-cuda`` whenever torch sees a CUDA GPU.
    Otherwise ONNX and TF-IDF folders run on their own backend (an fp32 ONNX folder
    on ``onnx-cuda`` where onnxruntime offers CUDA; an ONNX folder that kept its
    torch weights is not moved to ``torch-cuda`` unasked, so that ``auto`` on an
    ONNX folder never imports torch). On the CPU a transformer folder chooses
    between torch fp32 and bf16: bf16 is tried only where the CPU has bf16
    instructions, and kept only if a short probe finds it faster and in agreement
    with fp32. The choice and its reason are logged.
    """
    from nlp_ip.inference.gpu import cuda_available, cuda_device_name, onnx_cuda_available

    names = folder_backends(folder, meta)
    first = names[0]
    if first == "onnx-fp32" and onnx_cuda_available():
        logger.info("backend auto -> onnx-cuda (an fp32 ONNX folder, and onnxruntime offers "
                    "CUDAExecutionProvider)")
        return _load("onnx-cuda", folder, meta, threads)
    if first != "torch-fp32":
        logger.info("backend auto -> %s (the folder's own format)", first)
        return _load(first, folder, meta, threads)
    if cuda_available():
        logger.info("backend auto -> torch-cuda (torch sees %s and the folder has torch "
                    "weights)", cuda_device_name())
        return _load("torch-cuda", folder, meta, threads)
    fp32 = TorchBackend(folder, threads, "fp32")
    if not cpu_supports_bf16():
        logger.info("backend auto -> torch-fp32 (no bf16 instructions on this CPU)")
        return with_blend(with_facts(fp32, meta), folder, meta)
    return with_blend(with_facts(_probe_bf16(fp32), meta), folder, meta)


#: The timing verdict of the bf16 probe per (architecture, threads) in this process: a
#: hot swap loads a new version of the same architecture, and timing it again would put
#: about a second and a half of matmuls beside the traffic the old version still serves.
_PROBE_VERDICTS: dict[tuple[Any, ...], tuple[bool, float, float]] = {}
_PROBE_LOCK = threading.Lock()


def _architecture_key(backend: TorchBackend) -> tuple[Any, ...]:
    import torch

    cfg = backend.model.config
    return (getattr(cfg, "model_type", None), getattr(cfg, "hidden_size", None),
            getattr(cfg, "num_hidden_layers", None), getattr(cfg, "num_attention_heads", None),
            getattr(cfg, "intermediate_size", None), torch.get_num_threads())


#: The probe times a batch of 32 copies of the first; a later load checks agreement on both
#: (one row of each says as much as eight copies, at a quarter of the fp32 pass's cost).
_CHECK_TEXTS = (
    "Vintage leather shoulder bag with gold chain strap, quilted pattern, barely used, "
    "comes with dust bag and receipt. Ships in two days.",
    "Funda de silicona compatible con iPhone 15, nueva, color azul",
)


def _probe_bf16(backend: TorchBackend, *, rounds: int = 3) -> TorchBackend:
    """Time fp32 then bf16 on one realistic batch; keep bf16 only if faster and close.

    The timing is made once per architecture and thread count in a process. A later load
    of the same architecture (a new version, hot-swapped) reuses it: where bf16 lost, it
    stays fp32 without a look at bf16; where bf16 won, it casts in place (no second copy
    of the weights) and only checks that its own weights agree in bf16, on 2 rows instead
    of 32 timed ones, reloading fp32 from the folder in the rare case they do not.
    """
    import copy

    key = _architecture_key(backend)
    with _PROBE_LOCK:
        verdict = _PROBE_VERDICTS.get(key)
    if verdict is not None:
        return _reuse_bf16_verdict(backend, verdict, backend.encode(list(_CHECK_TEXTS), 96),
                                   key[-1])
    encoded = backend.encode([_CHECK_TEXTS[0]] * 32, 96)
    idx = np.arange(len(encoded))

    def timed(candidate: TorchBackend, repeat: int) -> tuple[float, np.ndarray]:
        out = candidate.forward(encoded, idx)  # warm-up
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            out = candidate.forward(encoded, idx)
            best = min(best, time.perf_counter() - start)
        return best, out

    bf16 = copy.copy(backend)
    bf16.model = copy.deepcopy(backend.model)  # Module.to() casts in place; keep fp32 intact
    bf16.to_bf16()
    t32, out32 = timed(backend, rounds)
    t16, out16 = timed(bf16, rounds)
    faster = t16 < 0.9 * t32
    with _PROBE_LOCK:
        _PROBE_VERDICTS[key] = (faster, t32, t16)
    diff = _max_prob_diff(out32, out16)
    choice = bf16 if faster and diff < 0.02 else backend
    _log_bf16_choice(choice, "probe", t32, t16, diff)
    return choice


def _reuse_bf16_verdict(backend: TorchBackend, verdict: tuple[bool, float, float],
                        encoded: list[list[int]], threads: int) -> TorchBackend:
    """A later load of a probed architecture: fp32 where bf16 lost; else cast in place and
    check these weights on ``encoded``."""
    faster, t32, t16 = verdict
    how = "timing of an earlier load of this architecture"
    if not faster:
        _log_bf16_choice(backend, how, t32, t16, None)
        return backend
    idx = np.arange(len(encoded))
    out32 = backend.forward(encoded, idx)
    backend.to_bf16()
    diff = _max_prob_diff(out32, backend.forward(encoded, idx))
    choice = backend if diff < 0.02 else TorchBackend(backend.folder, threads, "fp32")
    _log_bf16_choice(choice, how, t32, t16, diff)
    return choice


def _max_prob_diff(out32: np.ndarray, out16: np.ndarray) -> float:
    # in float32, the precision both outputs come in (as the probe always compared them)
    return float(np.abs(softmax(out32, dtype=None) - softmax(out16, dtype=None)).max())


def _log_bf16_choice(choice: Backend, how: str, t32: float, t16: float,
                     diff: float | None) -> None:
    # one line in the same form as every other choice ("backend auto -> NAME (why)"):
    # `nlp-ip doctor` reports these lines as the reason
    checked = "not checked" if diff is None else f"{diff:.4f}"
    logger.info("backend auto -> %s (the CPU has bf16 instructions; %s: torch-fp32 %.1f ms, "
                "torch-bf16 %.1f ms per batch of 32, max prob diff %s; bf16 is kept only "
                "when 10%% faster and within 0.02)", choice.name, how, t32 * 1e3, t16 * 1e3,
                checked)
