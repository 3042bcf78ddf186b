"""Inference backends behind one small interface.

Each backend has ``name``, ``encode(texts, max_length)`` (tokenise without
padding), ``lengths(encoded)`` (tokens per row) and ``forward(encoded, idx)``
(logits for the rows ``idx``, padded to the longest of them).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from nlp_ip.artifact import ModelMeta
from nlp_ip.errors import InvalidInputError, ModelLoadError

logger = logging.getLogger(__name__)


def cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def cpu_supports_bf16() -> bool:
    """True when the CPU has bf16 matrix or vector instructions (AMX or AVX512-BF16)."""
    flags = cpu_flags()
    return bool({"amx_bf16", "avx512_bf16"} & flags)


class _TokenizedBackend:
    name = "base"
    pad_id = 0

    def __init__(self, folder: Path) -> None:
        from transformers import AutoTokenizer

        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"{folder}: cannot load the tokenizer: {exc}") from exc
        self.pad_id = int(self.tokenizer.pad_token_id or 0)

    def encode(self, texts: list[str], max_length: int) -> list[list[int]]:
        return self.tokenizer(texts, truncation=True, max_length=max_length,
                              padding=False, return_attention_mask=False,
                              return_token_type_ids=False)["input_ids"]

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
    """PyTorch, fp32 or bf16 weights."""

    def __init__(self, folder: Path, threads: int, precision: str = "fp32") -> None:
        import torch
        from transformers import AutoModelForSequenceClassification

        super().__init__(folder)
        torch.set_num_threads(threads)
        try:
            model = AutoModelForSequenceClassification.from_pretrained(str(folder))
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"{folder}: cannot load the model weights: {exc}") from exc
        if precision == "bf16":
            model = model.to(torch.bfloat16)
        self.model = model.eval()
        self.precision = precision
        self.name = f"torch-{precision}"

    def forward(self, encoded: list[list[int]], idx: np.ndarray) -> np.ndarray:
        import torch

        ids, mask = self._pad(encoded, idx)
        with torch.inference_mode():
            logits = self.model(input_ids=torch.from_numpy(ids),
                                attention_mask=torch.from_numpy(mask)).logits
        return logits.float().numpy()


class OnnxBackend(_TokenizedBackend):
    """onnxruntime on ``model.onnx`` (fp32 or int8-quantised, per the folder)."""

    def __init__(self, folder: Path, meta: ModelMeta, threads: int) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            from nlp_ip.errors import MissingExtraError

            raise MissingExtraError("onnx", "onnxruntime", "the ONNX backend") from exc
        super().__init__(folder)
        info = meta.onnx or {}
        path = folder / str(info.get("file", "model.onnx"))
        if not path.is_file():
            raise ModelLoadError(f"{folder} has no {path.name}; export it with "
                                 "`nlp-ip export --format onnx`")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), options,
                                            providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.name = f"onnx-{info.get('precision', 'fp32')}"

    def forward(self, encoded: list[list[int]], idx: np.ndarray) -> np.ndarray:
        ids, mask = self._pad(encoded, idx)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        return np.asarray(self.session.run(None, feed)[0], dtype=np.float32)


class TfidfBackend:
    """The TF-IDF + logistic-regression baseline (numpy, no scikit-learn)."""

    name = "tfidf"

    def __init__(self, folder: Path) -> None:
        from nlp_ip.tfidf import TfidfScorer

        self.scorer = TfidfScorer.load(folder)

    def encode(self, texts: list[str], max_length: int) -> list[str]:
        return texts

    def lengths(self, encoded: list[str]) -> np.ndarray:
        return np.ones(len(encoded), dtype=np.int64)

    def forward(self, encoded: list[str], idx: np.ndarray) -> np.ndarray:
        return self.scorer.logits([encoded[i] for i in idx]).astype(np.float32)


def _folder_backends(meta: ModelMeta) -> tuple[str, ...]:
    if meta.kind == "tfidf":
        return ("tfidf",)
    if meta.kind == "onnx":
        precision = (meta.onnx or {}).get("precision", "fp32")
        return (f"onnx-{precision}",)
    return ("torch-fp32", "torch-bf16")


def resolve_backend(folder: Path, meta: ModelMeta, requested: str, threads: int) -> str:
    """The backend name to use for ``requested`` (``auto`` probes)."""
    from nlp_ip.inference.engine import BACKENDS

    if requested == "auto":
        requested = os.environ.get("NLP_IP_BACKEND", "auto")
    if requested not in (*BACKENDS, "auto"):
        raise InvalidInputError(f"backend {requested!r} is unknown; use auto or one of "
                                f"{', '.join(BACKENDS)}")
    allowed = _folder_backends(meta)
    if requested != "auto":
        if requested not in allowed:
            raise InvalidInputError(
                f"backend {requested!r} cannot run the {meta.kind} model in {folder}; this "
                f"folder supports {', '.join(allowed)} (ONNX backends need a folder written "
                "by `nlp-ip export --format onnx`)")
        if requested == "torch-bf16" and not cpu_supports_bf16():
            logger.warning("torch-bf16 requested but this CPU has no bf16 matrix "
                           "instructions; it will be slow")
        return requested
    if len(allowed) == 1 or not cpu_supports_bf16():
        choice = allowed[0]
        logger.info("backend auto -> %s", choice)
        return choice
    return _probe_torch(folder, threads)


def _probe_torch(folder: Path, threads: int) -> str:
    """Time fp32 and bf16 on a short batch; bf16 wins only if faster and in agreement."""
    fp32 = TorchBackend(folder, threads, "fp32")
    bf16 = TorchBackend(folder, threads, "bf16")
    encoded = fp32.encode(["probe listing with a title and a short description"] * 32, 64)
    idx = np.arange(len(encoded))

    def timed(backend: TorchBackend) -> tuple[float, np.ndarray]:
        backend.forward(encoded, idx)  # warm-up
        start = time.perf_counter()
        for _ in range(3):
            out = backend.forward(encoded, idx)
        return time.perf_counter() - start, out

    t32, out32 = timed(fp32)
    t16, out16 = timed(bf16)
    p32 = np.exp(out32 - out32.max(1, keepdims=True))
    p32 /= p32.sum(1, keepdims=True)
    p16 = np.exp(out16 - out16.max(1, keepdims=True))
    p16 /= p16.sum(1, keepdims=True)
    diff = float(np.abs(p32 - p16).max())
    choice = "torch-bf16" if t16 < t32 and diff < 0.02 else "torch-fp32"
    logger.info("backend auto probe: fp32 %.3fs, bf16 %.3fs, max prob diff %.4f -> %s",
                t32, t16, diff, choice)
    return choice


def load_backend(name: str, folder: Path, meta: ModelMeta, threads: int) -> Any:
    if name == "tfidf":
        return TfidfBackend(folder)
    if name.startswith("onnx-"):
        return OnnxBackend(folder, meta, threads)
    return TorchBackend(folder, threads, name.split("-", 1)[1])
