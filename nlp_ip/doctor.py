"""What this machine offers the inference engine, and what ``auto`` picks on it.

:func:`environment_report` gathers the facts that decide speed and correctness
here: the CPU kind and the instruction sets that matter (AVX2, AVX-512, VNNI,
bf16, AMX), onnxruntime's int8 kernel path and whether it saturates, whether a
GPU is visible, the thread layout, and the versions of the numeric libraries.
With a model folder it also loads the model with ``backend="auto"`` and reports
the backend chosen and why (the engine's own log line for the choice).
``nlp-ip doctor`` prints it; support requests and benchmark reports quote it.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from nlp_ip.inference.cpu import (
    cpu_flags,
    cpu_model,
    cpu_supports_bf16,
    instruction_sets,
    int8_kernel,
)

#: Libraries whose versions change numbers or speed.
NUMERIC_LIBRARIES = ("numpy", "torch", "onnxruntime", "onnx", "transformers", "tokenizers",
                     "safetensors", "spacy", "scikit-learn", "pyarrow", "ray")


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _gpu() -> dict[str, Any]:
    try:
        import torch
    except ImportError:
        return {"available": False, "why": "torch is not installed"}
    from nlp_ip.inference.gpu import (
        cuda_available,
        cuda_precision,
        cuda_unavailable_reason,
        onnx_cuda_available,
    )

    onnx_cuda = onnx_cuda_available()
    if not cuda_available():
        return {"available": False, "why": cuda_unavailable_reason(), "onnx_cuda": onnx_cuda}
    return {"available": True, "devices": [torch.cuda.get_device_name(i)
                                           for i in range(torch.cuda.device_count())],
            "torch_cuda_precision": cuda_precision(), "onnx_cuda": onnx_cuda}


def _threads() -> dict[str, Any]:
    from nlp_ip.inference.engine import default_threads

    out: dict[str, Any] = {"logical_cpus": os.cpu_count(), "usable_cores": default_threads()}
    try:
        import torch

        out["torch_intra_op"] = torch.get_num_threads()
        out["torch_inter_op"] = torch.get_num_interop_threads()
    except ImportError:
        pass
    cores = out["usable_cores"]
    out["engine_default"] = {
        "onnx": f"{cores} single-threaded batches side by side (workers={cores})",
        "torch": f"one batch at a time on {cores} threads (workers=1 when serving; "
                 f"nlp-ip predict splits threads between workers)"}
    return out


def environment_report(model: str | Path | None = None) -> dict[str, Any]:
    """A JSON-ready description of this machine, and of ``auto`` on ``model`` if given."""
    kernel = int8_kernel()
    from nlp_ip.inference.int8_portability import choose_int8_variant

    report: dict[str, Any] = {
        "python": sys.version.split()[0], "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu": {"model": cpu_model(), "instruction_sets": instruction_sets(),
                "flags_read": bool(cpu_flags()), "bf16_instructions": cpu_supports_bf16()},
        "int8": {**kernel.as_dict(), "variant": choose_int8_variant(kernel)},
        "gpu": _gpu(),
        "threads": _threads(),
        "versions": {name: _version(name) for name in NUMERIC_LIBRARIES},
    }
    if model is not None:
        report["model"] = _auto_choice(Path(model))
    return report


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _auto_choice(folder: Path) -> dict[str, Any]:
    """Load ``folder`` with ``backend="auto"`` and keep the engine's reasons."""
    from nlp_ip.inference import ListingClassifier

    collect = _Collect()
    log = logging.getLogger("nlp_ip.inference")
    old_level = log.level
    log.addHandler(collect)
    log.setLevel(logging.INFO)
    try:
        with ListingClassifier.from_pretrained(folder) as clf:
            chosen: dict[str, Any] = {"folder": str(folder), "model_version": clf.model_version,
                      "kind": clf.meta.kind, "backend": clf.backend_name,
                      "int8": clf.int8_kernel, "max_batch_tokens": clf.max_batch_tokens,
                      "workers": clf.workers, "threads": clf.num_threads}
    finally:
        log.removeHandler(collect)
        log.setLevel(old_level)
    chosen["why"] = [m for m in collect.messages
                     if m.startswith(("backend auto", "int8 kernel"))]
    return chosen


def format_report(report: dict[str, Any]) -> str:
    """The report as aligned text for a terminal."""
    cpu, int8, gpu = report["cpu"], report["int8"], report["gpu"]
    lines = [
        f"python        {report['python']} on {report['platform']}",
        f"cpu           {cpu['model']} ({report['threads']['usable_cores']} usable of "
        f"{report['threads']['logical_cpus']} logical CPUs)",
        f"instructions  {', '.join(cpu['instruction_sets']) or 'none of interest read'}",
        "bf16          " + ("yes: auto probes torch-bf16 against fp32"
                             if cpu["bf16_instructions"] else
                             "no: torch-bf16 would be emulated; auto never picks it"),
        f"int8 kernel   {int8['name']}: {int8['instruction']}"
        + (" (saturates u8 x s8 pairs: int8 graphs run as u8 x u8, exact)"
           if int8["saturates"] else " (exact)") + f"; graph variant {int8['variant']}",
        "gpu           " + (", ".join(gpu["devices"]) + f"; torch-cuda computes in "
                            f"{gpu['torch_cuda_precision']}" if gpu["available"] else
                            f"none ({gpu['why']})")
        + ("; onnxruntime offers CUDA (onnx-cuda)" if gpu.get("onnx_cuda") else ""),
        f"threads       torch {report['threads'].get('torch_intra_op', '-')} intra-op / "
        f"{report['threads'].get('torch_inter_op', '-')} inter-op; engine default: onnx "
        f"{report['threads']['engine_default']['onnx']}",
        "versions      " + ", ".join(f"{k} {v}" for k, v in report["versions"].items() if v),
    ]
    model = report.get("model")
    if model:
        lines += [
            f"model         {model['folder']} ({model['model_version']}, {model['kind']})",
            f"auto backend  {model['backend']}; batches of {model['max_batch_tokens']} tokens, "
            f"{model['workers']} workers on {model['threads']} threads",
            *(f"  why         {line}" for line in model["why"]),
        ]
    return "\n".join(lines)
