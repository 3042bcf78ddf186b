"""What this CPU can do, as far as the inference backends care.

Two questions decide how a model runs well and correctly here:

- does the CPU have bf16 matrix instructions (``torch-bf16`` is only worth it there)?
- which kernel will onnxruntime's int8 matrix multiply (MLAS ``u8 x s8`` QGEMM)
  take, and does that kernel saturate?

The second one matters for accuracy, not only speed. MLAS picks its ``u8 x s8``
kernel from the CPU (``onnxruntime/core/mlas/lib/platform.cpp``): AMX tiles,
AVX-512 VNNI (``vpdpbusds``) and AVX-VNNI accumulate the byte products in 32
bits, exactly. Plain AVX2 and AVX-512 without VNNI use ``vpmaddubsw``, which
adds each *pair* of ``u8 x s8`` products in a saturating 16-bit lane: two
products of 255 x 127 overflow it, and the sum is clipped at 32,767. The
``u8 x u8`` kernel on those CPUs widens to 16 bits first (``vpmaddwd``) and
is exact. :func:`int8_kernel` reports which path runs; the ONNX backend uses
it to adapt an int8 graph so that it is exact on every path
(:mod:`nlp_ip.inference.int8_portability`).
"""

from __future__ import annotations

import platform
from dataclasses import asdict, dataclass
from functools import lru_cache


@lru_cache(maxsize=1)
def _cpuinfo_fields() -> dict[str, str]:
    fields: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    break  # the first processor is enough
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    return fields


def cpu_flags() -> frozenset[str]:
    """The CPU feature flags from ``/proc/cpuinfo`` (empty where unavailable)."""
    fields = _cpuinfo_fields()
    return frozenset((fields.get("flags") or fields.get("Features") or "").split())


def cpu_model() -> str:
    """The CPU model name, for reports."""
    return _cpuinfo_fields().get("model name") or platform.processor() or platform.machine()


def cpu_supports_bf16() -> bool:
    """True when the CPU has bf16 matrix or dot-product instructions (AMX or AVX512-BF16)."""
    return bool({"amx_bf16", "avx512_bf16"} & cpu_flags())


@dataclass(frozen=True)
class Int8Kernel:
    """The ``u8 x s8`` matrix-multiply kernel onnxruntime takes on a CPU.

    ``saturates`` is true where pairs of byte products are summed in a
    saturating 16-bit lane (``vpmaddubsw``): a ``u8 x s8`` product is then
    exact only while each pair of products stays within +-32,767.
    """

    name: str
    instruction: str
    saturates: bool

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


#: Every kernel path :func:`int8_kernel` can report, most capable first.
INT8_KERNELS = {
    "amx": Int8Kernel("amx", "AMX-INT8 tiles (tdpbusd)", saturates=False),
    "avx512-vnni": Int8Kernel("avx512-vnni", "AVX-512 VNNI (vpdpbusds)", saturates=False),
    "avx-vnni": Int8Kernel("avx-vnni", "AVX-VNNI (vpdpbusds, 256-bit)", saturates=False),
    "avx512-core": Int8Kernel("avx512-core", "AVX-512BW (vpmaddubsw + vpmaddwd)",
                              saturates=True),
    "avx2": Int8Kernel("avx2", "AVX2 (vpmaddubsw + vpmaddwd)", saturates=True),
    "sse": Int8Kernel("sse", "SSE (widened to 16 bits, pmaddwd)", saturates=False),
    "arm64": Int8Kernel("arm64", "NEON / dot-product (widening)", saturates=False),
    "unknown": Int8Kernel("unknown", "unknown CPU: assumed to saturate", saturates=True),
}


def int8_kernel(flags: frozenset[str] | set[str] | None = None,
                machine: str | None = None) -> Int8Kernel:
    """The ``u8 x s8`` kernel onnxruntime's MLAS picks on this CPU (or on ``flags``).

    Mirrors MLAS's own order: AMX-INT8, then AVX-512 VNNI, AVX-VNNI, AVX-512
    core, AVX2, SSE. Where the flags cannot be read on x86 the answer is
    ``unknown``, treated as saturating (the safe assumption).
    """
    machine = (machine or platform.machine()).lower()
    if machine in ("arm64", "aarch64"):
        return INT8_KERNELS["arm64"]
    flags = cpu_flags() if flags is None else frozenset(flags)
    if not flags:
        return INT8_KERNELS["unknown"]
    if {"amx_tile", "amx_int8"} <= flags:
        return INT8_KERNELS["amx"]
    avx512_core = {"avx512f", "avx512bw", "avx512dq", "avx512vl"} <= flags
    if avx512_core and "avx512_vnni" in flags:
        return INT8_KERNELS["avx512-vnni"]
    if "avx2" in flags and "avx_vnni" in flags:
        return INT8_KERNELS["avx-vnni"]
    if avx512_core:
        return INT8_KERNELS["avx512-core"]
    if "avx2" in flags:
        return INT8_KERNELS["avx2"]
    return INT8_KERNELS["sse"]


def instruction_sets(flags: frozenset[str] | set[str] | None = None) -> list[str]:
    """The instruction sets that matter for inference speed, as present on this CPU."""
    flags = cpu_flags() if flags is None else frozenset(flags)
    wanted = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "avx512_bf16",
              "amx_tile", "amx_int8", "amx_bf16", "asimddp", "bf16", "i8mm")
    return [name for name in wanted if name in flags]
