"""int8 quantisation of an exported ONNX graph (``nlp-ip export --quantize int8``).

Every MatMul with a constant weight (the 36 projections of MiniLM)
runs in int8; the pooler and classifier head stay fp32. Three schemes,
measured on the fine-tuned MiniLM against its torch fp32 outputs on 800
generated + seed listings (single-core listings per CPU-second; fp32 ORT 44):

============  =========  ===============  ==========  ====================
method        listings/  label agreement  mean |dp|   batch-independent
              CPU-s
============  =========  ===============  ==========  ====================
``rowwise``   101        99.75%           0.0032      yes (bit-identical)
``dynamic``   107        98.4%            0.0078      no (up to 0.5 in p)
``blockwise`` 48         99.9%            0.0009      yes
============  =========  ===============  ==========  ====================

(Measured before the GELU and outlier refinements below. With them, on the
5,000-listing ``benchmarks/bench_inference.py`` run against torch fp32:
agreement 99.82%, mean |dp| 0.00097, 194-204 listings/s on 2 cores
(``--rounds 2``), where the plain rowwise scheme gave 99.42%, 0.0023 and
155-169 listings/s.)

``rowwise`` (default, :func:`_quantize_rowwise`): int8 weights per output
channel; activations quantised per row (token) at run time and fed to
onnxruntime's u8 x s8 ``MatMulIntegerToFloat`` (VNNI); GELU outputs get an
asymmetric code (their range is [-0.17, max]); the few activation channels
that the export's calibration texts show to be outliers (peak over 3x the
median channel's; MiniLM has 97 over its 24 distinct inputs, at most 8 per
input) are multiplied in fp32 beside the int8 product. ``dynamic`` is
onnxruntime's ``quantize_dynamic`` (one activation scale for the whole
batch tensor: a row's answer moves with its batch neighbours, and outlier
tokens cost every row precision). ``blockwise`` is ``MatMulNBits`` with
8-bit weights in blocks of 32 and ``accuracy_level=4``: the most accurate,
but this onnxruntime has no fast 8-bit kernel for x86, so it is barely
faster than fp32.

:func:`quantize_int8` runs the chosen scheme and returns what ``nlp_ip.json``
records about it (:data:`~nlp_ip.artifact.Quantization`). The graph keeps
8-bit weights; at load the engine adapts it to the CPU's int8 kernel
(:mod:`nlp_ip.inference.int8_portability`, part of the runtime).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nlp_ip.artifact import (
    BlockwiseQuantization,
    DynamicQuantization,
    Quantization,
    RowwiseQuantization,
)

#: int8 schemes (see the module docstring): ``rowwise`` is the default.
INT8_METHODS = ("rowwise", "blockwise", "dynamic")
DEFAULT_BLOCK_SIZE = 32
#: rowwise int8: an activation channel whose calibration peak is over this
#: multiple of the median channel's runs in fp32 beside the int8 product.
OUTLIER_RATIO = 3.0
MAX_OUTLIERS = 8


def _head_nodes(graph: Any) -> list[str]:
    """MatMul/Gemm nodes of the pooler and classifier head (one token per row: cheap, kept fp32)."""
    producers = {out: node for node in graph.node for out in node.output}
    names = {n.name for n in graph.node if n.op_type in ("MatMul", "Gemm")
             and ("pooler" in n.name or "classifier" in n.name)}
    # Whatever the optimiser renamed: walk back from the logits through Add/Identity.
    frontier = [o.name for o in graph.output]
    while frontier:
        node = producers.get(frontier.pop())
        if node is None:
            continue
        if node.op_type in ("MatMul", "Gemm"):
            names.add(node.name)
        elif node.op_type in ("Add", "Identity", "Reshape"):
            frontier.extend(node.input)
    return sorted(names)


class _DropOnnxruntimeLogs(logging.Filter):
    """The quantiser logs advice on the root logger; it is not the user's business."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "onnxruntime" not in record.pathname


def _quiet_onnxruntime() -> Any:
    """Context: drop the quantiser's advice, which it logs on the root logger."""
    from contextlib import contextmanager

    @contextmanager
    def quiet() -> Any:
        drop = _DropOnnxruntimeLogs()
        root = logging.getLogger()
        targets: list[Any] = [root, *root.handlers]
        for item in targets:
            item.addFilter(drop)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield
        finally:
            for item in targets:
                item.removeFilter(drop)

    return quiet()


#: How an int8 folder stays exact on every CPU (recorded in ``nlp_ip.json``).
_PORTABLE = ("8-bit weights; at load the engine runs u8 x s8 where that kernel is exact "
             "(AMX, AVX-512 VNNI, AVX-VNNI, SSE, ARM) and the same weights as u8 x u8 "
             "(+128, zero point 128) where it saturates (AVX2, AVX-512 without VNNI)")


def quantize_int8(source: Path, target: Path, *, method: str, per_channel: bool,
                  reduce_range: bool, block_size: int, tokenizer_dir: Path, max_length: int,
                  calibration_texts: Sequence[str]) -> Quantization:
    """Write ``source`` (an fp32 graph) quantised to int8 by ``method`` to ``target``.

    ``calibration_texts`` (tokenised with the folder's tokenizer, up to
    ``max_length`` tokens) find the rowwise scheme's outlier channels.
    """
    import onnx

    graph = onnx.load(str(source), load_external_data=False).graph
    head = _head_nodes(graph)
    if method == "rowwise":
        weights = {t.name for t in graph.initializer if len(t.dims) == 2}
        inputs = sorted({n.input[0] for n in graph.node if n.op_type == "MatMul"
                         and n.input[1] in weights and n.name not in head})
        peaks = _activation_channel_max(source, tokenizer_dir, max_length, inputs,
                                        calibration_texts)
        outliers = {name: _outlier_channels(peak) for name, peak in peaks.items()}
        count = _quantize_rowwise(source, target, exclude=set(head), outliers=outliers)
        return RowwiseQuantization(
            weight_type="int8 per output channel", op="MatMulIntegerToFloat (u8 x s8)",
            activations="8 bits per row (token), at run time; asymmetric after GELU",
            outlier_channels_fp32=sum(len(v) for v in outliers.values()),
            portable=_PORTABLE, outlier_ratio=OUTLIER_RATIO,
            matmuls_quantized=count, nodes_excluded=head)
    if method == "blockwise":
        count = _quantize_blockwise(source, target, block_size=block_size, exclude=set(head))
        return BlockwiseQuantization(
            weight_type="int8 (symmetric)", op="MatMulNBits", block_size=block_size,
            accuracy_level=4, activations=f"int8 per row and block of {block_size}, at run time",
            matmuls_quantized=count, nodes_excluded=head)
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quiet_onnxruntime():
        quantize_dynamic(
            str(source), str(target), weight_type=QuantType.QInt8, per_channel=per_channel,
            reduce_range=reduce_range, nodes_to_exclude=head,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    return DynamicQuantization(
        weight_type="int8", op="MatMulInteger",
        activations="uint8 per tensor (whole batch), at run time", per_channel=per_channel,
        reduce_range=reduce_range, nodes_excluded=head, portable=_PORTABLE)


def _rewrite_matmuls(source: Path, target: Path, *, exclude: set[str], replace: Any,
                     constants: dict[str, np.ndarray] | None = None) -> int:
    """Rewrite each MatMul with a constant 2-D fp32 weight; the shared part of the int8 schemes.

    ``replace(node, w, weight_name, index, graph)`` returns the nodes that take
    the MatMul's place (it may add initializers to ``graph``); other nodes and
    the MatMuls named in ``exclude`` are kept. ``constants`` are added as
    initializers first. Weights no longer used are dropped, the
    ``com.microsoft`` opset is declared, and the model is saved to ``target``.
    Returns the number of MatMuls replaced.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(source))
    graph = model.graph
    initializers = {t.name: t for t in graph.initializer}
    uses: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            uses[name] = uses.get(name, 0) + 1
    graph.initializer.extend(numpy_helper.from_array(v, k) for k, v in (constants or {}).items())
    nodes = []
    count = 0
    for node in graph.node:
        weight = initializers.get(node.input[1]) if node.op_type == "MatMul" else None
        if (weight is None or node.name in exclude or len(weight.dims) != 2
                or weight.data_type != TensorProto.FLOAT):
            nodes.append(node)
            continue
        w = numpy_helper.to_array(weight).astype(np.float32)
        nodes += replace(node, w, weight.name, count, graph)
        uses[weight.name] -= 1
        count += 1
    del graph.node[:]
    graph.node.extend(nodes)
    for tensor in [t for t in graph.initializer if uses.get(t.name, 1) == 0]:
        graph.initializer.remove(tensor)
    if not any(op.domain == "com.microsoft" for op in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    onnx.save(model, str(target))
    return count


def _activation_channel_max(onnx_path: Path, tokenizer_dir: Path, max_length: int,
                            tensors: list[str], texts: Sequence[str]) -> dict[str, np.ndarray]:
    """Largest |value| of each channel of ``tensors``, running the fp32 graph on ``texts``.

    Transformers keep a few residual-stream channels tens of times larger than
    the rest (MiniLM: channel 99 reaches ~30 where a token's typical maximum is
    ~3); they belong to the model, not to the input, so a few texts find them.
    """
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper
    from transformers import AutoTokenizer

    model = onnx.load(str(onnx_path))
    known = {o.name for o in model.graph.output}
    model.graph.output.extend(helper.make_tensor_value_info(name, TensorProto.FLOAT, None)
                              for name in tensors if name not in known)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    out: dict[str, np.ndarray] = {}
    for text in texts:
        enc = tokenizer([text], truncation=True, max_length=max_length, return_tensors="np",
                        return_token_type_ids=False)
        values = session.run(tensors, {"input_ids": enc["input_ids"].astype(np.int64),
                                       "attention_mask": enc["attention_mask"].astype(np.int64)})
        for name, value in zip(tensors, values, strict=True):
            peak = np.abs(value.reshape(-1, value.shape[-1])).max(axis=0)
            out[name] = np.maximum(out[name], peak) if name in out else peak
    return out


def _outlier_channels(channel_max: np.ndarray) -> np.ndarray:
    """Channels peaking over ``OUTLIER_RATIO`` x the median channel (``MAX_OUTLIERS`` at most)."""
    limit = OUTLIER_RATIO * float(np.median(channel_max))
    order = np.argsort(-channel_max, kind="stable")[:MAX_OUTLIERS]
    return np.sort(order[channel_max[order] > limit]).astype(np.int64)


def _quantize_rowwise(source: Path, target: Path, *, exclude: set[str],
                      outliers: dict[str, np.ndarray] | None = None) -> int:
    """Replace each MatMul with a constant 2-D weight by an int8 product with per-row scales.

    Weights: symmetric int8, one scale per output column. Activations: at run
    time, 8 bits per row (token), so that onnxruntime runs its u8 x s8 kernel
    (VNNI) in ``MatMulIntegerToFloat``, which also applies the column scales;
    a ``Mul`` applies the row scales. A row's result never depends on the
    other rows. Activations shared by several MatMuls (query, key, value) are
    quantised once. Two activation codes:

    - symmetric (most inputs, centred on zero): one scale per row from the
      row's largest magnitude, stored as uint8 with zero point 128;
    - asymmetric (inputs that come out of a GELU, which never goes below
      -0.17, so a symmetric code would waste half its levels): the row's
      [min, max] onto 0..255 with a zero point per row. ``MatMulIntegerToFloat``
      takes a single zero point, so the product runs with zero point 0 and
      ``zp * scale`` times the weights' column sums is subtracted afterwards.
      On MiniLM this halves the quantisation step of the FFN-output inputs.

    ``outliers`` maps an activation to its outlier channels (see
    :func:`_outlier_channels`): those channels are taken out of the int8
    product (zeroed in the activation, their weight rows zeroed before the
    column scales are chosen) and multiplied in fp32, a (rows x k) @ (k x n)
    product added to the result, so that one huge channel no longer sets the
    step for all the others.
    """
    from onnx import helper, numpy_helper

    constants: dict[str, np.ndarray] = {
        "rq_127": np.array(127, np.float32), "rq_255": np.array(255, np.float32),
        "rq_one": np.array(1, np.float32), "rq_zero": np.array(0, np.float32),
        "rq_eps": np.array(1e-12, np.float32), "rq_zp": np.array(128, np.uint8),
        "rq_zp0": np.array(0, np.uint8),
        "rq_zp_row": np.array([128], np.uint8), "rq_column": np.array([-1, 1], np.int64),
        "rq_start": np.array([0], np.int64), "rq_last": np.array([-1], np.int64)}
    gelu_ops = {"Gelu", "BiasGelu", "FastGelu", "QuickGelu"}
    producers: dict[str, str] = {}
    # activation -> (uint8 rows, row scales as a column, leading output dims,
    #                zp * scale column or None, fp32 outlier columns or None)
    quantized_inputs: dict[str, tuple[str, str, str, str | None, str | None]] = {}

    outliers = outliers or {}

    def quantize_symmetric(src: str, p: str) -> tuple[list[Any], str, str]:
        nodes = [
            helper.make_node("Abs", [src], [f"{p}_abs"], name=f"{p}_Abs"),
            helper.make_node("ReduceMax", [f"{p}_abs"], [f"{p}_max"], axes=[1],
                             keepdims=0, name=f"{p}_RowMax"),
            helper.make_node("Max", [f"{p}_max", "rq_eps"], [f"{p}_max1"], name=f"{p}_Max"),
            helper.make_node("Div", [f"{p}_max1", "rq_127"], [f"{p}_scale"], name=f"{p}_Scale"),
            helper.make_node("Shape", [f"{p}_scale"], [f"{p}_n"], name=f"{p}_Count"),
            helper.make_node("Expand", ["rq_zp_row", f"{p}_n"], [f"{p}_zp"],
                             name=f"{p}_ZeroPoints"),
        ]
        return nodes, f"{p}_scale", f"{p}_zp"

    def quantize_asymmetric(src: str, p: str) -> tuple[list[Any], str, str, str]:
        nodes = [
            helper.make_node("ReduceMax", [src], [f"{p}_hi0"], axes=[1], keepdims=0,
                             name=f"{p}_RowMax"),
            helper.make_node("ReduceMin", [src], [f"{p}_lo0"], axes=[1], keepdims=0,
                             name=f"{p}_RowMin"),
            # the range must hold zero (exact zeros stay exact)
            helper.make_node("Max", [f"{p}_hi0", "rq_zero"], [f"{p}_hi"], name=f"{p}_Hi"),
            helper.make_node("Min", [f"{p}_lo0", "rq_zero"], [f"{p}_lo"], name=f"{p}_Lo"),
            helper.make_node("Sub", [f"{p}_hi", f"{p}_lo"], [f"{p}_span0"], name=f"{p}_Span"),
            helper.make_node("Max", [f"{p}_span0", "rq_eps"], [f"{p}_span"], name=f"{p}_Span1"),
            helper.make_node("Div", [f"{p}_span", "rq_255"], [f"{p}_scale"], name=f"{p}_Scale"),
            helper.make_node("Neg", [f"{p}_lo"], [f"{p}_neglo"], name=f"{p}_NegLo"),
            helper.make_node("Div", [f"{p}_neglo", f"{p}_scale"], [f"{p}_zpf0"],
                             name=f"{p}_ZpFloat"),
            helper.make_node("Round", [f"{p}_zpf0"], [f"{p}_zpf"], name=f"{p}_ZpRound"),
            helper.make_node("Cast", [f"{p}_zpf"], [f"{p}_zp"], to=2, name=f"{p}_ZeroPoints"),
            helper.make_node("Mul", [f"{p}_zpf", f"{p}_scale"], [f"{p}_shift"],
                             name=f"{p}_Shift"),
            helper.make_node("Reshape", [f"{p}_shift", "rq_column"], [f"{p}_shift_col"],
                             name=f"{p}_ShiftColumn"),
        ]
        return nodes, f"{p}_scale", f"{p}_zp", f"{p}_shift_col"

    def replace(node: Any, w: np.ndarray, weight_name: str, index: int, graph: Any) -> list[Any]:
        if not producers:
            producers.update({out: n.op_type for n in graph.node for out in n.output})
        k, n = w.shape
        x = node.input[0]
        channels = outliers.get(x, np.zeros(0, np.int64))
        w_int = w.copy()
        w_int[channels] = 0.0
        w_scale = np.maximum(np.abs(w_int).max(axis=0), 1e-12) / 127.0
        w_q = np.clip(np.round(w_int / w_scale), -127, 127).astype(np.int8)
        tag = f"rq{index}"
        graph.initializer.extend([
            numpy_helper.from_array(w_q, f"{weight_name}_int8"),
            numpy_helper.from_array(w_scale.astype(np.float32), f"{weight_name}_scale"),
            numpy_helper.from_array(np.array([n], np.int64), f"{tag}_width"),
        ])
        nodes = []
        if x not in quantized_inputs:
            p = f"{tag}_x"
            graph.initializer.append(numpy_helper.from_array(np.array([-1, k], np.int64),
                                                             f"{tag}_rows"))
            nodes.append(helper.make_node("Reshape", [x, f"{tag}_rows"], [f"{p}_2d"],
                                          name=f"{p}_Rows"))
            src = f"{p}_2d"
            wide: str | None = None
            if len(channels):
                keep = np.ones(k, np.float32)
                keep[channels] = 0.0
                graph.initializer.extend([
                    numpy_helper.from_array(keep, f"{p}_keep"),
                    numpy_helper.from_array(channels, f"{p}_channels")])
                nodes += [
                    helper.make_node("Mul", [src, f"{p}_keep"], [f"{p}_inliers"],
                                     name=f"{p}_Inliers"),
                    helper.make_node("Gather", [src, f"{p}_channels"], [f"{p}_outliers"],
                                     axis=1, name=f"{p}_Outliers"),
                ]
                src, wide = f"{p}_inliers", f"{p}_outliers"
            shift: str | None = None
            if producers.get(x) in gelu_ops:
                more, scale, zp, shift = quantize_asymmetric(src, p)
            else:
                more, scale, zp = quantize_symmetric(src, p)
            nodes += [
                *more,
                helper.make_node("QuantizeLinear", [src, scale, zp], [f"{p}_u8"], axis=0,
                                 name=f"{p}_Quantize"),
                helper.make_node("Reshape", [scale, "rq_column"], [f"{p}_scale_col"],
                                 name=f"{p}_ScaleColumn"),
                helper.make_node("Shape", [x], [f"{p}_shape"], name=f"{p}_Shape"),
                helper.make_node("Slice", [f"{p}_shape", "rq_start", "rq_last"], [f"{p}_lead"],
                                 name=f"{p}_Lead"),
            ]
            quantized_inputs[x] = (f"{p}_u8", f"{p}_scale_col", f"{p}_lead", shift, wide)
        x_u8, x_scale, lead, shift, wide = quantized_inputs[x]
        result = f"{tag}_2d" if wide is None else f"{tag}_int"
        if shift is None:
            # MatMulIntegerToFloat: (x_u8 - 128) @ w_int8 * column scale, in one kernel.
            nodes += [
                helper.make_node("MatMulIntegerToFloat",
                                 [x_u8, f"{weight_name}_int8", "rq_one", f"{weight_name}_scale",
                                  "rq_zp"], [f"{tag}_col"], name=f"{node.name}_int8",
                                 domain="com.microsoft"),
                helper.make_node("Mul", [f"{tag}_col", x_scale], [result],
                                 name=f"{tag}_RowScale"),
            ]
        else:
            # x = (x_u8 - zp) * s per row, so x @ W = s * (x_u8 @ W) - (zp * s) * colsum(W).
            column_sums = (w_q.astype(np.int64).sum(axis=0) * w_scale).astype(np.float32)
            graph.initializer.append(numpy_helper.from_array(column_sums,
                                                             f"{weight_name}_colsum"))
            nodes += [
                helper.make_node("MatMulIntegerToFloat",
                                 [x_u8, f"{weight_name}_int8", "rq_one", f"{weight_name}_scale",
                                  "rq_zp0"], [f"{tag}_col"], name=f"{node.name}_int8",
                                 domain="com.microsoft"),
                helper.make_node("Mul", [f"{tag}_col", x_scale], [f"{tag}_scaled"],
                                 name=f"{tag}_RowScale"),
                helper.make_node("Mul", [shift, f"{weight_name}_colsum"], [f"{tag}_offset"],
                                 name=f"{tag}_Offset"),
                helper.make_node("Sub", [f"{tag}_scaled", f"{tag}_offset"], [result],
                                 name=f"{tag}_Shifted"),
            ]
        if wide is not None:
            graph.initializer.append(numpy_helper.from_array(
                np.ascontiguousarray(w[channels]).astype(np.float32), f"{weight_name}_outliers"))
            nodes += [
                helper.make_node("MatMul", [wide, f"{weight_name}_outliers"], [f"{tag}_fp32"],
                                 name=f"{tag}_OutlierProduct"),
                helper.make_node("Add", [result, f"{tag}_fp32"], [f"{tag}_2d"],
                                 name=f"{tag}_WithOutliers"),
            ]
        return [
            *nodes,
            helper.make_node("Concat", [lead, f"{tag}_width"], [f"{tag}_shape"], axis=0,
                             name=f"{tag}_OutShape"),
            helper.make_node("Reshape", [f"{tag}_2d", f"{tag}_shape"], list(node.output),
                             name=f"{tag}_Out"),
        ]

    return _rewrite_matmuls(source, target, exclude=exclude, replace=replace,
                            constants=constants)


def _quantize_blockwise(source: Path, target: Path, *, block_size: int,
                        exclude: set[str]) -> int:
    """Replace each MatMul with a constant 2-D weight by an 8-bit ``MatMulNBits``.

    Weights: symmetric int8, one scale per block of ``block_size`` along K for
    each output column. ``accuracy_level=4`` makes onnxruntime quantise the
    activations to int8 per row and block and run int8 dot products (VNNI),
    so a row's result does not depend on the other rows of the batch.
    """
    from onnx import helper, numpy_helper
    from onnxruntime.capi._pybind_state import quantize_matmul_8bits

    def replace(node: Any, w: np.ndarray, weight_name: str, index: int, graph: Any) -> list[Any]:
        k, n = w.shape
        k_blocks = (k + block_size - 1) // block_size
        padded = np.zeros((k_blocks * block_size, n), dtype=np.float32)
        padded[:k] = w
        packed = np.zeros((n, k_blocks, block_size), dtype=np.uint8)
        scales = np.zeros((n, k_blocks), dtype=np.float32)
        zero_points = np.zeros((n, k_blocks), dtype=np.uint8)
        quantize_matmul_8bits(packed, padded, scales, zero_points, block_size, n, k, True)
        q_name, s_name = f"{weight_name}_Q8", f"{weight_name}_scales"
        graph.initializer.extend([numpy_helper.from_array(packed, q_name),
                                  numpy_helper.from_array(scales.reshape(-1), s_name)])
        return [helper.make_node(
            "MatMulNBits", [node.input[0], q_name, s_name], list(node.output),
            name=f"{node.name}_Q8", domain="com.microsoft", K=k, N=n, bits=8,
            block_size=block_size, accuracy_level=4)]

    return _rewrite_matmuls(source, target, exclude=exclude, replace=replace)
