"""Export a transformer model folder to ONNX (fp32, or int8 by dynamic quantisation).

``export_onnx(model_dir, output, quantize="int8")`` writes a complete model
folder that :meth:`ListingClassifier.from_pretrained` loads directly:

- ``model.onnx``: the classifier with dynamic batch and sequence axes
  (inputs ``input_ids`` and ``attention_mask``, output ``logits``);
- the tokenizer files and ``config.json`` of the source folder;
- ``brands.yaml``; ``nlp_ip.json`` with ``kind: onnx`` and an ``onnx`` field
  (file, precision, quantisation settings, opset, exporter, the check figures);
- for a blend folder, its TF-IDF part (``tfidf.json``, ``tfidf.safetensors``)
  and ``blend`` settings, unchanged: only the transformer part is converted;
- ``README.md``: the source model card plus an ONNX section.

How it is built, and why (each step measured on MiniLM-L6, 2 EPYC cores):

1. ``torch.onnx.export`` with the TorchScript exporter (``dynamo=False``; the
   dynamo exporter needs ``onnxscript``, which the core install does not ship),
   opset 17, from the model loaded with *eager* attention: the SDPA path
   traces into extra mask-building ops that made onnxruntime about 2x slower.
2. onnxruntime's transformer optimiser fuses embedding + LayerNorm and
   bias + GELU (BERT-family models only); for fp32 it also fuses
   self-attention. For int8 attention stays unfused so that its projections
   remain plain MatMuls the quantiser can replace. Its skip-LayerNorm fusion
   is undone (:func:`_split_skip_layer_norm`): onnxruntime's CPU kernel for
   it is about 4x slower than ``Add`` + ``LayerNormalization``.
3. int8: every MatMul with a constant weight (the 36 projections of MiniLM)
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
4. A check runs the export and the torch model on listings of several
   lengths and batch sizes: fp32 must match to 1e-3 in the logits or the
   export fails; the int8 differences are recorded in ``nlp_ip.json``.

The ONNX folder does not load in ``transformers.pipeline`` (that needs
PyTorch weights): keep the source folder for that, or pass
``keep_torch_weights=True`` to copy ``model.safetensors`` along (the folder
then also runs the torch backends).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlp_ip.artifact import (
    BRANDS_FILE,
    ONNX_FILE,
    BlockwiseQuantization,
    DynamicQuantization,
    ExportCheck,
    ModelMeta,
    OnnxMeta,
    OnnxPrecision,
    Quantization,
    RowwiseQuantization,
    read_meta,
    write_meta,
)
from nlp_ip.atomic import atomic_folder
from nlp_ip.errors import InvalidInputError, MissingExtraError, ModelLoadError
from nlp_ip.inference.cpu import int8_kernel
from nlp_ip.inference.int8_portability import adapt_int8_graph, choose_int8_variant
from nlp_ip.numerics import softmax
from nlp_ip.tfidf import TFIDF_JSON, TFIDF_WEIGHTS

logger = logging.getLogger(__name__)

DEFAULT_OPSET = 17
QUANTIZE_CHOICES = ("int8",)
#: int8 schemes (see the module docstring): ``rowwise`` is the default.
INT8_METHODS = ("rowwise", "blockwise", "dynamic")
DEFAULT_BLOCK_SIZE = 32
#: Families whose graph onnxruntime's BERT optimiser knows how to fuse.
#: rowwise int8: an activation channel whose calibration peak is over this
#: multiple of the median channel's runs in fp32 beside the int8 product.
OUTLIER_RATIO = 3.0
MAX_OUTLIERS = 8
_BERT_FAMILY = {"bert", "roberta", "xlm-roberta", "camembert", "electra"}
#: fp32 exports must reproduce the torch logits to this absolute tolerance.
FP32_TOLERANCE = 1e-3

_CHECK_TEXTS = (
    "Nike Air Max 90",
    "Quilted chain flap bag, black caviar leather look, gold hardware, no logo",
    "Replica watch 1:1 mirror quality, comes with box and papers, fast shipping worldwide, "
    "same as original, top grade copy, buy two get one free",
    "Case for iPhone 15 Pro, clear silicone, compatible with MagSafe | Fits snugly, raised "
    "edges protect the camera. Not made by Apple. Ships from our warehouse in two days. " * 3,
    "Chewy Vuiton plush dog toy | parody squeaker toy, not affiliated with any fashion house",
    "x",
)


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export_onnx` wrote and how close it is to the torch model."""

    output: Path
    precision: str
    file_mb: float
    max_abs_logit_diff: float
    max_prob_diff: float
    seconds: float


def _require_onnx() -> tuple[Any, Any]:
    try:
        import onnx
        import onnxruntime
    except ImportError as exc:
        raise MissingExtraError("onnx", "onnx/onnxruntime", "ONNX export") from exc
    return onnx, onnxruntime


def export_onnx(model_dir: str | os.PathLike[str], output: str | os.PathLike[str], *,
                quantize: str | None = None, int8_method: str = "rowwise",
                block_size: int = DEFAULT_BLOCK_SIZE, per_channel: bool = True,
                reduce_range: bool = False, optimize: bool = True, opset: int = DEFAULT_OPSET,
                keep_torch_weights: bool = False, overwrite: bool = False) -> ExportResult:
    """Export the transformer folder ``model_dir`` to an ONNX model folder ``output``.

    ``quantize="int8"`` quantises the weights to int8 (dynamic quantisation).
    The folder is written atomically: on any failure ``output`` is untouched.
    """
    started = time.perf_counter()
    source = Path(model_dir)
    target = Path(output)
    meta = read_meta(source)
    if meta.kind != "transformer":
        raise InvalidInputError(
            f"{source} holds a {meta.kind} model; ONNX export needs a transformer folder "
            "written by `nlp-ip train` (e.g. runs/default/model-best)")
    if quantize is not None and quantize not in QUANTIZE_CHOICES:
        raise InvalidInputError(f"quantize={quantize!r} is not supported; use "
                                f"{' or '.join(QUANTIZE_CHOICES)}, or leave it out for fp32")
    if int8_method not in INT8_METHODS:
        raise InvalidInputError(f"int8_method={int8_method!r} is unknown; use "
                                f"{' or '.join(INT8_METHODS)}")
    if block_size < 16 or block_size & (block_size - 1):
        raise InvalidInputError(f"block_size must be a power of two >= 16, got {block_size}")
    if opset < 17:
        raise InvalidInputError(f"opset {opset} is too old; use 17 or newer (LayerNormalization)")
    if target.resolve() == source.resolve():
        raise InvalidInputError(f"--output {target} is the source folder; choose a new folder")
    if target.exists() and not overwrite:
        raise InvalidInputError(f"{target} already exists; choose another --output or pass "
                                "--overwrite to replace it")
    _require_onnx()

    with atomic_folder(target, overwrite=True) as tmp:
        fp32_path = tmp / ("model-fp32.onnx" if quantize else ONNX_FILE)
        model_type, config = _torch_to_onnx(source, fp32_path, opset)
        optimized = False
        if optimize and model_type in _BERT_FAMILY:
            optimized = _fuse(fp32_path, config, keep_attention_unfused=quantize is not None)
        quantization: Quantization | None = None
        onnx_path = fp32_path
        if quantize == "int8":
            onnx_path = tmp / ONNX_FILE
            quantization = _quantize_int8(fp32_path, onnx_path, method=int8_method,
                                          per_channel=per_channel, reduce_range=reduce_range,
                                          block_size=block_size, tokenizer_dir=source,
                                          max_length=meta.text.max_length)
            fp32_path.unlink()
        logit_diff, prob_diff = _check(source, onnx_path, meta)
        precision: OnnxPrecision = "int8" if quantize == "int8" else "fp32"
        if precision == "fp32" and logit_diff > FP32_TOLERANCE:
            raise ModelLoadError(
                f"the ONNX export of {source} differs from the torch model by {logit_diff:.2g} "
                f"in the logits (tolerance {FP32_TOLERANCE}); the export is wrong. Try "
                "--no-optimize, or report it with the model's config.json")
        _copy_support_files(source, tmp, keep_torch_weights)
        new_meta = _onnx_meta(meta, precision=precision, quantization=quantization,
                              opset=opset, optimized=optimized, logit_diff=logit_diff,
                              prob_diff=prob_diff, source=source)
        write_meta(tmp, new_meta)
        (tmp / "README.md").write_text(_model_card(source, new_meta, keep_torch_weights),
                                       encoding="utf-8")
        file_mb = onnx_path.stat().st_size / 2**20
    seconds = time.perf_counter() - started
    logger.info("exported %s -> %s (%s, %.1f MB, max logit diff %.2g, max prob diff %.2g, %.0fs)",
                source, target, precision, file_mb, logit_diff, prob_diff, seconds)
    return ExportResult(target, precision, file_mb, logit_diff, prob_diff, seconds)


def _torch_to_onnx(source: Path, path: Path, opset: int) -> tuple[str, Any]:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    try:
        model = AutoModelForSequenceClassification.from_pretrained(
            str(source), attn_implementation="eager")
        tokenizer = AutoTokenizer.from_pretrained(str(source))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"{source}: cannot load the model for export: {exc}") from exc
    model = model.eval()
    # Two rows of different lengths, so the traced graph handles padding.
    dummy = tokenizer(["a listing title with a few words", "short"], padding=True,
                      return_tensors="pt", return_token_type_ids=False)
    axes = {0: "batch", 1: "sequence"}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # TracerWarnings about Python-side shape checks
        torch.onnx.export(
            model, (dummy["input_ids"], dummy["attention_mask"]), str(path),
            input_names=["input_ids", "attention_mask"], output_names=["logits"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "logits": {0: "batch"}},
            opset_version=opset, do_constant_folding=True, dynamo=False,
        )
    return str(getattr(model.config, "model_type", "")), model.config


def _fuse(path: Path, config: Any, *, keep_attention_unfused: bool) -> bool:
    """Fuse LayerNorm / GELU / embeddings (and attention for fp32) with onnxruntime's optimiser."""
    from onnxruntime.transformers import optimizer
    from onnxruntime.transformers.fusion_options import FusionOptions

    options = FusionOptions("bert")
    if keep_attention_unfused:
        options.enable_attention = False
    try:
        fused = optimizer.optimize_model(
            str(path), model_type="bert", num_heads=int(config.num_attention_heads),
            hidden_size=int(config.hidden_size), optimization_options=options, opt_level=0)
    except Exception as exc:  # the optimiser raises assorted errors on unknown graphs
        logger.warning("onnxruntime optimiser failed (%s); keeping the unfused graph", exc)
        return False
    logger.info("fused operators: %s",
                {k: v for k, v in fused.get_fused_operator_statistics().items() if v})
    _split_skip_layer_norm(fused.model.graph)
    fused.save_model_to_file(str(path))
    return True


def _split_skip_layer_norm(graph: Any) -> int:
    """Turn each ``SkipLayerNormalization`` back into ``Add`` (+ bias) and ``LayerNormalization``.

    The optimiser's skip-LayerNorm fusion saves an elementwise pass, but
    onnxruntime's CPU kernel for the fused op is slow: on MiniLM (6 x 90
    tokens, one thread) the 12 fused nodes took 12.7 ms per run, the two
    standard ops 3.2 ms; the whole model ran 8-9% faster (fp32 and int8).
    """
    from onnx import helper

    nodes = []
    count = 0
    for node in graph.node:
        if node.op_type != "SkipLayerNormalization":
            nodes.append(node)
            continue
        eps = next((a.f for a in node.attribute if a.name == "epsilon"), 1e-12)
        x, skip, gamma = node.input[:3]
        beta = node.input[3] if len(node.input) > 3 else ""
        bias = node.input[4] if len(node.input) > 4 else ""
        outputs = list(node.output)
        total = outputs[3] if len(outputs) > 3 and outputs[3] else f"{node.name}_sum"
        first = f"{node.name}_partial" if bias else total
        nodes.append(helper.make_node("Add", [x, skip], [first], name=f"{node.name}_Add"))
        if bias:
            nodes.append(helper.make_node("Add", [first, bias], [total],
                                          name=f"{node.name}_Bias"))
        nodes.append(helper.make_node("LayerNormalization", [total, gamma, beta][:3 if beta else 2],
                                      [outputs[0]], axis=-1, epsilon=eps,
                                      name=f"{node.name}_LayerNorm"))
        count += 1
    del graph.node[:]
    graph.node.extend(nodes)
    return count


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


def _quantize_int8(source: Path, target: Path, *, method: str, per_channel: bool,
                   reduce_range: bool, block_size: int, tokenizer_dir: Path,
                   max_length: int) -> Quantization:
    import onnx

    graph = onnx.load(str(source), load_external_data=False).graph
    head = _head_nodes(graph)
    if method == "rowwise":
        weights = {t.name for t in graph.initializer if len(t.dims) == 2}
        inputs = sorted({n.input[0] for n in graph.node if n.op_type == "MatMul"
                         and n.input[1] in weights and n.name not in head})
        peaks = _activation_channel_max(source, tokenizer_dir, max_length, inputs)
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
                            tensors: list[str]) -> dict[str, np.ndarray]:
    """Largest |value| of each channel of ``tensors``, running the fp32 graph on the check texts.

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
    for text in _CHECK_TEXTS:
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


def _check(source: Path, onnx_path: Path, meta: ModelMeta) -> tuple[float, float]:
    """Max |logit| and |probability| difference, export vs torch, over mixed batches.

    Probabilities use the transformer's own temperature (for a blend folder, the
    part's; the TF-IDF part is copied, not converted).
    """
    temperature = meta.blend.transformer_temperature if meta.blend else meta.temperature
    import onnxruntime as ort
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(source))
    model = AutoModelForSequenceClassification.from_pretrained(str(source)).eval()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    # what the engine runs on this CPU (an int8 graph is adapted to its int8 kernel)
    variant = choose_int8_variant(int8_kernel())
    graph: str | bytes = adapt_int8_graph(onnx_path, variant) or str(onnx_path)
    session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
    texts = list(_CHECK_TEXTS)
    logit_diff = prob_diff = 0.0
    for batch in ([texts[0]], texts[:3], texts, texts[::-1] * 2):
        enc = tokenizer(batch, truncation=True, max_length=meta.text.max_length, padding=True,
                        return_tensors="np", return_token_type_ids=False)
        ids = enc["input_ids"].astype(np.int64)
        mask = enc["attention_mask"].astype(np.int64)
        got = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        with torch.inference_mode():
            want = model(input_ids=torch.from_numpy(ids),
                         attention_mask=torch.from_numpy(mask)).logits.numpy()
        logit_diff = max(logit_diff, float(np.abs(got - want).max()))
        # in float32, the precision both models answer in
        prob_diff = max(prob_diff, float(np.abs(softmax(got, temperature, dtype=None)
                                                - softmax(want, temperature, dtype=None)).max()))
    return logit_diff, prob_diff


def _copy_support_files(source: Path, target: Path, keep_torch_weights: bool) -> None:
    from transformers import AutoTokenizer

    AutoTokenizer.from_pretrained(str(source)).save_pretrained(str(target))
    # tfidf.*: the TF-IDF part of a blend folder (meta.blend travels in nlp_ip.json)
    for name in ("config.json", BRANDS_FILE, TFIDF_JSON, TFIDF_WEIGHTS):
        if (source / name).is_file():
            shutil.copyfile(source / name, target / name)
    if keep_torch_weights:
        shutil.copyfile(source / "model.safetensors", target / "model.safetensors")


def _onnx_meta(meta: ModelMeta, *, precision: OnnxPrecision, quantization: Quantization | None,
               opset: int, optimized: bool, logit_diff: float, prob_diff: float,
               source: Path) -> ModelMeta:
    import onnxruntime
    import torch

    data = meta.model_dump()
    data["kind"] = "onnx"
    # An int8 model gives (slightly) different numbers: its version says so.
    data["model_version"] = (meta.model_version if precision == "fp32"
                             else f"{meta.model_version}+onnx-{precision}")
    check = ExportCheck(max_abs_logit_diff=logit_diff, max_prob_diff=prob_diff)
    if precision == "int8":
        kernel = int8_kernel()
        # The graph keeps 8-bit weights; the engine adapts it to the CPU it runs on
        # (nlp_ip.inference.int8_portability), so the check above ran that adaptation.
        check.int8_kernel = kernel.name
        check.int8_variant = choose_int8_variant(kernel)
    data["onnx"] = OnnxMeta(
        file=ONNX_FILE, precision=precision, quantization=quantization, opset=opset,
        exporter=f"torch.onnx TorchScript (torch {torch.__version__})",
        onnxruntime=onnxruntime.__version__, optimized=optimized,
        source_model_version=meta.model_version, source_folder=str(source), check=check)
    versions = dict(meta.versions)
    versions["onnxruntime"] = onnxruntime.__version__
    data["versions"] = versions
    return ModelMeta.model_validate(data)


def _model_card(source: Path, meta: ModelMeta, keep_torch_weights: bool) -> str:
    info = meta.onnx
    assert info is not None  # written by _onnx_meta
    card = (source / "README.md").read_text(encoding="utf-8") if (
        source / "README.md").is_file() else f"# nlp-ip model `{meta.model_version}`\n"
    q = info.quantization
    lines = [
        "", "## ONNX export", "",
        f"This folder holds `{ONNX_FILE}`, exported from `{info.source_model_version}` "
        f"with {info.exporter}, opset {info.opset}; precision **{info.precision}**"
        + (f" ({q.method} int8 quantisation, {q.op})" if q else "") + ".",
        f"Largest difference from the torch model on the export check: "
        f"{info.check.max_abs_logit_diff:.2g} in the logits, "
        f"{info.check.max_prob_diff:.2g} in a calibrated probability.",
        "",
        "Load it with `nlp_ip.inference.ListingClassifier.from_pretrained(DIR)` or "
        "`nlp-ip predict --model DIR`. "
        + ("It also keeps `model.safetensors`, so `transformers.pipeline` and the torch "
           "backends load it too." if keep_torch_weights else
           "It has no PyTorch weights, so it does not load in `transformers.pipeline`; use "
           "the source folder for that."),
        "",
    ]
    return card.rstrip("\n") + "\n" + "\n".join(lines)
