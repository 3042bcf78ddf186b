"""Make an int8 ONNX graph exact on the CPU it lands on.

An int8 folder written on one CPU is served on others. Its integer products
(``MatMulIntegerToFloat`` from the rowwise scheme, ``MatMulInteger`` from
onnxruntime's dynamic scheme) take a ``u8 x s8`` kernel that is exact on
AMX and VNNI CPUs but sums byte products pairwise in saturating 16-bit lanes
on AVX2 and AVX-512 without VNNI (see :mod:`nlp_ip.inference.cpu`). A
MiniLM export checked on a VNNI machine lost up to 0.13 in a product's mean
error on an AVX2 one.

:func:`adapt_int8_graph` rewrites the graph at load time for the kernel that
will run it; the folder on disk keeps one graph:

- ``u8s8``: nothing to do (the kernel is exact);
- ``u8u8`` (the default where the kernel saturates): each signed weight
  becomes unsigned with zero point 128 (``w + 128``, the same codes and scales),
  which makes onnxruntime take its ``u8 x u8`` kernel. That kernel widens
  both operands to 16 bits before multiplying, so it cannot saturate: the
  results are those of the exact kernel, at a lower speed.
- ``act7``: activations are coded in 7 bits instead of 8 (codes 0..127), so
  that every pair of ``u8 x s8`` products stays within the 16-bit lane;
  the fast kernel is kept and the activations lose one bit of precision.
  Only for rowwise graphs (it changes their quantisation constants).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from nlp_ip.errors import InvalidInputError, MissingExtraError
from nlp_ip.inference.cpu import Int8Kernel

logger = logging.getLogger(__name__)

#: Graph variants :func:`adapt_int8_graph` can produce (``auto``: by kernel).
INT8_VARIANTS = ("u8s8", "u8u8", "act7")
_INTEGER_OPS = {"MatMulInteger": 3, "MatMulIntegerToFloat": 5}  # op -> index of b_zero_point
#: Rowwise constants (written by the exporter) and their 7-bit values.
_ACT7_CONSTANTS = {"rq_127": (np.float32, 63), "rq_255": (np.float32, 127),
                   "rq_zp": (np.uint8, 64), "rq_zp_row": (np.uint8, [64])}


def choose_int8_variant(kernel: Int8Kernel, requested: str = "auto") -> str:
    """The variant to run on ``kernel``: ``requested``, or for ``auto`` the exact one."""
    if requested == "auto":
        return "u8u8" if kernel.saturates else "u8s8"
    if requested not in INT8_VARIANTS:
        raise InvalidInputError(f"int8 variant {requested!r} is unknown; use auto or one of "
                                f"{', '.join(INT8_VARIANTS)}")
    if requested == "u8s8" and kernel.saturates:
        logger.warning("int8 variant u8s8 requested on a CPU whose int8 kernel saturates "
                       "(%s): large products will be clipped", kernel.instruction)
    return requested


def adapt_int8_graph(path: Path, variant: str) -> bytes | None:
    """The ONNX model at ``path`` rewritten as ``variant`` (serialised), or None if unchanged."""
    if variant == "u8s8":
        return None
    try:
        import onnx
    except ImportError as exc:
        raise MissingExtraError("onnx", "onnx", "running an int8 model on this CPU") from exc
    model = onnx.load(str(path))
    if variant == "u8u8":
        changed = widen_weights_to_u8(model)
    elif variant == "act7":
        changed = narrow_activations_to_7_bits(model)
    else:
        raise InvalidInputError(f"int8 variant {variant!r} is unknown; use one of "
                                f"{', '.join(INT8_VARIANTS)}")
    if not changed:
        return None
    return bytes(model.SerializeToString())


def widen_weights_to_u8(model: Any) -> int:
    """Turn each constant ``int8`` weight of an integer MatMul into ``uint8`` + zero point 128.

    ``(w + 128) - 128 == w``: the product is unchanged, but onnxruntime now
    runs its ``u8 x u8`` kernel. Returns the number of nodes rewritten.
    """
    from onnx import TensorProto, numpy_helper

    graph = model.graph
    initializers = {t.name: t for t in graph.initializer}
    converted: dict[str, str] = {}
    zero_points: dict[str, str] = {}
    count = 0
    for node in graph.node:
        slot = _INTEGER_OPS.get(node.op_type)
        if slot is None or len(node.input) < 2:
            continue
        weight = initializers.get(node.input[1])
        if weight is None or weight.data_type != TensorProto.INT8:
            continue
        old_zp_name = node.input[slot] if len(node.input) > slot else ""
        old_zp = initializers.get(old_zp_name) if old_zp_name else None
        if old_zp_name and old_zp is None:
            continue  # a zero point computed at run time: leave the node alone
        if weight.name not in converted:
            w = numpy_helper.to_array(weight).astype(np.int16) + 128
            name = f"{weight.name}_u8"
            graph.initializer.append(numpy_helper.from_array(w.astype(np.uint8), name))
            converted[weight.name] = name
        key = old_zp_name or "<none>"
        if key not in zero_points:
            zp = (numpy_helper.to_array(old_zp).astype(np.int16) if old_zp is not None
                  else np.array(0, np.int16)) + 128
            zp_name = f"{old_zp_name or 'int8'}_u8zp"
            graph.initializer.append(numpy_helper.from_array(zp.astype(np.uint8), zp_name))
            zero_points[key] = zp_name
        node.input[1] = converted[weight.name]
        while len(node.input) <= slot:
            node.input.append("")
        node.input[slot] = zero_points[key]
        count += 1
    used = {name for node in graph.node for name in node.input}
    for tensor in [t for t in graph.initializer if t.name not in used]:
        graph.initializer.remove(tensor)
    return count


def narrow_activations_to_7_bits(model: Any) -> int:
    """Code a rowwise graph's activations in 7 bits (0..127). Returns the constants changed."""
    from onnx import numpy_helper

    count = 0
    for tensor in model.graph.initializer:
        if tensor.name in _ACT7_CONSTANTS:
            dtype, value = _ACT7_CONSTANTS[tensor.name]
            tensor.CopyFrom(numpy_helper.from_array(np.array(value, dtype), tensor.name))
            count += 1
    return count
