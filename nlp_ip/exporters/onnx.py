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
3. int8 (:mod:`nlp_ip.exporters.quantize`): every MatMul with a constant weight
   runs in int8; the pooler and classifier head stay fp32.
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
    ExportCheck,
    ModelMeta,
    OnnxMeta,
    OnnxPrecision,
    Quantization,
    read_meta,
    write_meta,
)
from nlp_ip.atomic import atomic_folder
from nlp_ip.errors import InvalidInputError, MissingExtraError, ModelLoadError
from nlp_ip.exporters.quantize import DEFAULT_BLOCK_SIZE, INT8_METHODS, quantize_int8
from nlp_ip.inference.cpu import int8_kernel
from nlp_ip.inference.int8_portability import adapt_int8_graph, choose_int8_variant
from nlp_ip.numerics import softmax
from nlp_ip.tfidf import TFIDF_JSON, TFIDF_WEIGHTS

logger = logging.getLogger(__name__)

DEFAULT_OPSET = 17
QUANTIZE_CHOICES = ("int8",)
#: Families whose graph onnxruntime's BERT optimiser knows how to fuse.
_BERT_FAMILY = {"bert", "roberta", "xlm-roberta", "camembert", "electra"}
#: fp32 exports must reproduce the torch logits to this absolute tolerance.
FP32_TOLERANCE = 1e-3

#: What the export check runs (and the rowwise int8 calibration): mixed lengths.
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
            quantization = quantize_int8(fp32_path, onnx_path, method=int8_method,
                                         per_channel=per_channel, reduce_range=reduce_range,
                                         block_size=block_size, tokenizer_dir=source,
                                         max_length=meta.text.max_length,
                                         calibration_texts=_CHECK_TEXTS)
            fp32_path.unlink()
        logit_diff, prob_diff = _check(source, onnx_path, meta)
        precision: OnnxPrecision = "int8" if quantize == "int8" else "fp32"
        if precision == "fp32" and logit_diff > FP32_TOLERANCE:
            raise ModelLoadError(
                f"the ONNX export of {source} differs from the torch model by {logit_diff:.2g} "
                f"in the logits (tolerance {FP32_TOLERANCE}); the export is wrong. Try "
                "--no-optimize, or report it with the model's config.json")
        _copy_support_files(source, tmp, keep_torch_weights, meta)
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


def _copy_support_files(source: Path, target: Path, keep_torch_weights: bool,
                        meta: ModelMeta) -> None:
    from transformers import AutoTokenizer

    AutoTokenizer.from_pretrained(str(source)).save_pretrained(str(target))
    # tfidf.*: the TF-IDF part of a blend folder (meta.blend travels in nlp_ip.json), and
    # the cascade's distilled head on its features
    cascade = meta.blend.cascade if meta.blend is not None else None
    head = cascade.head if cascade is not None and cascade.head else None
    for name in ("config.json", BRANDS_FILE, TFIDF_JSON, TFIDF_WEIGHTS, *([head] if head else [])):
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
