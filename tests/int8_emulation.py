"""Emulate onnxruntime's int8 matrix-multiply kernels with fp32 ONNX operators.

onnxruntime runs only the kernel of the CPU it is on. To check an int8 graph
against every kernel path (see :mod:`nlp_ip.inference.cpu`), each integer
MatMul is replaced by float operators that compute what that path computes:

- exact paths (AMX, VNNI, SSE, ARM, and ``u8 x u8`` everywhere):
  ``(a - a_zp) @ (b - b_zp)``;
- saturating paths (``vpmaddubsw`` on AVX2 and AVX-512 without VNNI, for
  ``u8 x s8``): byte products are added in pairs along K (k, k+1 for even k),
  each pair clipped to the int16 range, and the pairs summed in 32 bits; the
  zero-point correction ``a_zp * colsum(b)`` is applied afterwards.

Integer values and their sums stay below 2**24 for the small test graphs, so
fp32 represents them exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_SLOTS = {"MatMulIntegerToFloat": {"a_scale": 2, "b_scale": 3, "a_zp": 4, "b_zp": 5, "bias": 6},
          "MatMulInteger": {"a_zp": 2, "b_zp": 3}}


def emulate_integer_matmuls(model: Any, *, saturating_cpu: bool) -> Any:
    """A copy of ``model`` whose integer MatMuls run as a ``saturating_cpu`` (or exact) kernel."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    initializers = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    nodes: list[Any] = []
    for index, node in enumerate(graph.node):
        slots = _SLOTS.get(node.op_type)
        if slots is None:
            nodes.append(node)
            continue
        p = f"emu{index}"

        def arg(key: str, node: Any = node, slots: dict[str, int] = slots) -> str:
            i = slots.get(key, 99)
            return node.input[i] if len(node.input) > i else ""

        b = initializers[node.input[1]]
        b_zp = initializers[arg("b_zp")].astype(np.float32) if arg("b_zp") else np.float32(0)
        b_centered = b.astype(np.float32) - b_zp
        saturate = saturating_cpu and b.dtype == np.int8
        k, n = b.shape
        assert k % 2 == 0, "the emulation pairs K by two"
        extra = [numpy_helper.from_array(b_centered.astype(np.float32), f"{p}_b"),
                 numpy_helper.from_array(b.astype(np.float32), f"{p}_braw"),
                 numpy_helper.from_array(b.astype(np.float32).sum(axis=0), f"{p}_colsum"),
                 numpy_helper.from_array(np.array([0, k // 2, 2, n], np.int64), f"{p}_pairs"),
                 numpy_helper.from_array(np.array([-1], np.int64), f"{p}_last"),
                 numpy_helper.from_array(np.array([1], np.int64), f"{p}_axis1"),
                 numpy_helper.from_array(np.array([2], np.int64), f"{p}_axis2"),
                 numpy_helper.from_array(np.array(-32768, np.float32), f"{p}_lo"),
                 numpy_helper.from_array(np.array(32767, np.float32), f"{p}_hi")]
        graph.initializer.extend(extra)
        sub = [helper.make_node("Cast", [node.input[0]], [f"{p}_a"], to=TensorProto.FLOAT)]
        a_zp = arg("a_zp")
        if a_zp:
            sub.append(helper.make_node("Cast", [a_zp], [f"{p}_azp"], to=TensorProto.FLOAT))
        if not saturate:
            centered = f"{p}_a"
            if a_zp:
                sub.append(helper.make_node("Sub", [f"{p}_a", f"{p}_azp"], [f"{p}_ac"]))
                centered = f"{p}_ac"
            sub.append(helper.make_node("MatMul", [centered, f"{p}_b"], [f"{p}_acc"]))
        else:
            # (M, K) -> (M, K, 1) * (K, N) -> (M, K/2, 2, N): pair sums, clipped, summed
            sub += [
                helper.make_node("Unsqueeze", [f"{p}_a", f"{p}_last"], [f"{p}_a3"]),
                helper.make_node("Mul", [f"{p}_a3", f"{p}_braw"], [f"{p}_prod"]),
                helper.make_node("Reshape", [f"{p}_prod", f"{p}_pairs"], [f"{p}_p4"]),
                helper.make_node("ReduceSum", [f"{p}_p4", f"{p}_axis2"], [f"{p}_pair"],
                                 keepdims=0),
                helper.make_node("Clip", [f"{p}_pair", f"{p}_lo", f"{p}_hi"], [f"{p}_sat"]),
                helper.make_node("ReduceSum", [f"{p}_sat", f"{p}_axis1"], [f"{p}_raw"],
                                 keepdims=0),
            ]
            raw = f"{p}_raw"
            if a_zp:
                sub += [helper.make_node("Mul", [f"{p}_azp", f"{p}_colsum"], [f"{p}_corr"]),
                        helper.make_node("Sub", [raw, f"{p}_corr"], [f"{p}_raw2"])]
                raw = f"{p}_raw2"
            sub.append(helper.make_node("Identity", [raw], [f"{p}_acc"]))
        result = f"{p}_acc"
        if node.op_type == "MatMulIntegerToFloat":
            sub += [helper.make_node("Mul", [result, arg("a_scale")], [f"{p}_s1"]),
                    helper.make_node("Mul", [f"{p}_s1", arg("b_scale")], [f"{p}_s2"])]
            result = f"{p}_s2"
            if arg("bias"):
                sub.append(helper.make_node("Add", [result, arg("bias")], [f"{p}_biased"]))
                result = f"{p}_biased"
        else:
            sub.append(helper.make_node("Cast", [result], [f"{p}_int"], to=TensorProto.INT32))
            result = f"{p}_int"
        sub.append(helper.make_node("Identity", [result], list(node.output)))
        nodes += sub
    del graph.node[:]
    graph.node.extend(nodes)
    return model
