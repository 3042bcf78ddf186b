"""ONNX export (fp32 and int8) of the tiny model: round trip, agreement, folder contents."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from int8_emulation import emulate_integer_matmuls

from nlp_ip.artifact import (
    BlockwiseQuantization,
    DynamicQuantization,
    RowwiseQuantization,
    read_meta,
)
from nlp_ip.cli import main
from nlp_ip.errors import InvalidInputError, ModelLoadError
from nlp_ip.exporters import export_onnx
from nlp_ip.exporters import onnx as onnx_exporter
from nlp_ip.exporters import quantize as quantizer
from nlp_ip.inference import ListingClassifier
from nlp_ip.inference.cpu import INT8_KERNELS, int8_kernel
from nlp_ip.inference.int8_portability import adapt_int8_graph, choose_int8_variant

LISTINGS = [
    "G.U.C.C.I belt 1:1 mirror quality",
    {"title": "Chewy Vuiton plush dog toy", "description": "parody squeaker, not affiliated"},
    {"title": "Quilted chain flap bag", "description": "no logo, designer-inspired " * 30},
    {"title": "Case for iPhone 15", "brand": "Spigen", "price": 12.5, "currency": "EUR"},
    "Rolex Submariner $89",
    {"title": "Oak bookshelf", "description": "solid wood, five shelves"},
] * 4


@pytest.fixture(scope="module")
def exports(tiny_run: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("exports")
    model = tiny_run / "model-best"
    fp32 = root / "onnx-fp32"
    int8 = root / "onnx-int8"
    assert main(["export", "--model", str(model), "--format", "onnx", "--output", str(fp32)]) == 0
    export_onnx(model, int8, quantize="int8")
    return {"fp32": fp32, "int8": int8}


@pytest.fixture(scope="module")
def reference(tiny_run: Path) -> np.ndarray:
    clf = ListingClassifier.from_pretrained(tiny_run / "model-best", backend="torch-fp32")
    return clf.predict_proba(LISTINGS)


def test_exported_folders_are_complete_model_folders(exports: dict[str, Path],
                                                     tiny_run: Path) -> None:
    source = read_meta(tiny_run / "model-best")
    for precision, folder in exports.items():
        for name in ("model.onnx", "nlp_ip.json", "tokenizer.json", "config.json",
                     "brands.yaml", "README.md"):
            assert (folder / name).is_file(), f"{precision}: {name}"
        assert not (folder / "model.safetensors").exists()
        assert not (folder / "model-fp32.onnx").exists()
        assert not list(folder.parent.glob(f".{folder.name}.tmp-*"))
        meta = read_meta(folder)
        assert meta.kind == "onnx"
        assert meta.onnx is not None
        assert meta.onnx.file == "model.onnx" and meta.onnx.precision == precision
        assert meta.onnx.opset >= 17
        assert meta.onnx.source_model_version == source.model_version
        assert meta.temperature == source.temperature and meta.policy == source.policy
        assert meta.text == source.text
        assert "## ONNX export" in (folder / "README.md").read_text()
    int8 = read_meta(exports["int8"])
    assert int8.onnx is not None
    assert int8.onnx.quantization is not None
    assert int8.onnx.quantization.method == "rowwise"
    assert int8.model_version == f"{source.model_version}+onnx-int8"
    assert read_meta(exports["fp32"]).model_version == source.model_version
    # Rowwise int8 quantises the MatMul weights only; the (large) embedding tables
    # stay fp32, so the file shrinks by about 3/4 of the MatMul weight bytes.
    import onnx

    graph = onnx.load(str(exports["int8"] / "model.onnx")).graph
    ops = [node.op_type for node in graph.node]
    assert ops.count("MatMulIntegerToFloat") >= 12  # 2 layers x (q, k, v, out, ffn in, ffn out)
    assert "MatMul" not in ops[:ops.index("MatMulIntegerToFloat")]
    size = {k: (v / "model.onnx").stat().st_size for k, v in exports.items()}
    assert size["int8"] < size["fp32"]


def test_onnx_fp32_round_trip_matches_torch(exports: dict[str, Path],
                                            reference: np.ndarray) -> None:
    clf = ListingClassifier.from_pretrained(exports["fp32"])
    assert clf.backend_name == "onnx-fp32"
    np.testing.assert_allclose(clf.predict_proba(LISTINGS), reference, atol=1e-4)


def test_onnx_int8_round_trip_agrees_with_torch(exports: dict[str, Path],
                                                reference: np.ndarray) -> None:
    clf = ListingClassifier.from_pretrained(exports["int8"], max_batch_tokens=64)
    assert clf.backend_name == "onnx-int8"
    probs = clf.predict_proba(LISTINGS)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-9)
    assert float(np.abs(probs - reference).max()) < 0.02
    predictions = clf.predict(LISTINGS[:2])
    assert predictions[0].model_version.endswith("+onnx-int8")


def test_onnx_int8_rowwise_rows_do_not_depend_on_their_batch(exports: dict[str, Path]) -> None:
    clf = ListingClassifier.from_pretrained(exports["int8"])
    together = clf.predict_proba(LISTINGS)
    alone = np.concatenate([clf.predict_proba(x) for x in LISTINGS[:6]])
    np.testing.assert_array_equal(alone, together[:6])


def test_onnx_int8_blockwise_method(tiny_run: Path, tmp_path: Path,
                                    reference: np.ndarray) -> None:
    import onnx

    out = export_onnx(tiny_run / "model-best", tmp_path / "block", quantize="int8",
                      int8_method="blockwise")
    meta = read_meta(out.output)
    assert meta.onnx is not None
    assert isinstance(meta.onnx.quantization, BlockwiseQuantization)
    assert meta.onnx.quantization.op == "MatMulNBits"
    ops = [n.op_type for n in onnx.load(str(out.output / "model.onnx")).graph.node]
    assert ops.count("MatMulNBits") >= 8
    clf = ListingClassifier.from_pretrained(out.output)
    probs = clf.predict_proba(LISTINGS)
    assert float(np.abs(probs - reference).max()) < 0.02
    alone = np.concatenate([clf.predict_proba(x) for x in LISTINGS[:6]])
    np.testing.assert_array_equal(alone, probs[:6])


def test_onnx_int8_dynamic_method(tiny_run: Path, tmp_path: Path, reference: np.ndarray) -> None:
    out = export_onnx(tiny_run / "model-best", tmp_path / "dyn", quantize="int8",
                      int8_method="dynamic")
    meta = read_meta(out.output)
    assert meta.onnx is not None
    assert isinstance(meta.onnx.quantization, DynamicQuantization)
    assert meta.onnx.quantization.per_channel is True
    probs = ListingClassifier.from_pretrained(out.output).predict_proba(LISTINGS)
    assert float(np.abs(probs - reference).max()) < 0.02


def test_onnx_folder_refuses_torch_backends_unless_weights_were_kept(
        exports: dict[str, Path], tiny_run: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="supports onnx-fp32"):
        ListingClassifier.from_pretrained(exports["fp32"], backend="torch-fp32")
    kept = export_onnx(tiny_run / "model-best", tmp_path / "kept", keep_torch_weights=True,
                       optimize=False)
    assert (kept.output / "model.safetensors").is_file()
    clf = ListingClassifier.from_pretrained(kept.output, backend="torch-fp32")
    assert clf.backend_name == "torch-fp32"


def test_export_refuses_bad_requests(exports: dict[str, Path], tiny_run: Path,
                                     tmp_path: Path) -> None:
    model = tiny_run / "model-best"
    with pytest.raises(InvalidInputError, match="holds a onnx model; ONNX export needs a "
                                                "transformer folder"):
        export_onnx(exports["fp32"], tmp_path / "again")
    with pytest.raises(InvalidInputError, match="quantize='int4' is not supported"):
        export_onnx(model, tmp_path / "x", quantize="int4")
    with pytest.raises(InvalidInputError, match="int8_method='static' is unknown"):
        export_onnx(model, tmp_path / "x", quantize="int8", int8_method="static")
    with pytest.raises(InvalidInputError, match="block_size must be a power of two"):
        export_onnx(model, tmp_path / "x", quantize="int8", block_size=24)
    with pytest.raises(InvalidInputError, match="already exists; choose another --output or "
                                                "pass --overwrite"):
        export_onnx(model, exports["fp32"])
    with pytest.raises(InvalidInputError, match="is the source folder"):
        export_onnx(model, model, overwrite=True)
    with pytest.raises(ModelLoadError, match=r"has no nlp_ip\.json"):
        export_onnx(tmp_path, tmp_path / "y")


def test_failed_export_leaves_no_folder(tiny_run: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> tuple[float, float]:
        return 0.5, 0.1  # an fp32 export that does not reproduce the model

    monkeypatch.setattr(onnx_exporter, "_check", broken)
    target = tmp_path / "out"
    with pytest.raises(ModelLoadError, match=r"differs from the torch model by 0\.5"):
        export_onnx(tiny_run / "model-best", target)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_export_cli_reports_errors_without_traceback(tiny_run: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["export", "--model", str(tmp_path / "missing"), "--format", "onnx",
                 "--output", str(tmp_path / "o")])
    assert code == 1
    assert "does not exist" in capsys.readouterr().err


#: ``nlp_ip.json`` ``onnx`` sections as exporters of several versions wrote them.
_ONNX_SECTIONS = {
    "fp32": {"file": "model.onnx", "precision": "fp32", "quantization": None, "opset": 17,
             "exporter": "torch.onnx TorchScript (torch 2.5.1)", "onnxruntime": "1.20.1",
             "optimized": True, "source_model_version": "m-1", "source_folder": "runs/m",
             "check": {"max_abs_logit_diff": 1.8e-07, "max_prob_diff": 6e-08}},
    "rowwise before outliers": {
        "file": "model.onnx", "precision": "int8",
        "quantization": {"method": "rowwise", "weight_type": "int8 per output channel",
                         "op": "MatMulIntegerToFloat (u8 x s8)",
                         "activations": "int8 per row (token), at run time",
                         "matmuls_quantized": 36, "nodes_excluded": ["/classifier/Gemm"]},
        "opset": 17, "exporter": "torch.onnx TorchScript (torch 2.5.1)",
        "onnxruntime": "1.20.1", "optimized": True, "source_model_version": "m-1",
        "source_folder": "runs/m", "check": {"max_abs_logit_diff": 0.02, "max_prob_diff": 0.003}},
    "rowwise portable": {
        "file": "model.onnx", "precision": "int8",
        "quantization": {"method": "rowwise", "weight_type": "int8 per output channel",
                         "op": "MatMulIntegerToFloat (u8 x s8)", "activations": "8 bits",
                         "outlier_channels_fp32": 2, "portable": "u8 x u8 where it saturates",
                         "outlier_ratio": 3.0, "matmuls_quantized": 12,
                         "nodes_excluded": ["/bert/pooler/dense/Gemm", "/classifier/Gemm"]},
        "opset": 17, "exporter": "torch.onnx TorchScript (torch 2.13.0+cpu)",
        "onnxruntime": "1.32.0", "optimized": True, "source_model_version": "m-1",
        "source_folder": "runs/m",
        "check": {"max_abs_logit_diff": 8.3e-05, "max_prob_diff": 1.2e-05,
                  "int8_kernel": "avx2", "int8_variant": "u8u8"}},
    "blockwise": {
        "file": "model.onnx", "precision": "int8",
        "quantization": {"method": "blockwise", "weight_type": "int8 (symmetric)",
                         "op": "MatMulNBits", "block_size": 32, "accuracy_level": 4,
                         "activations": "int8 per row and block of 32, at run time",
                         "matmuls_quantized": 12, "nodes_excluded": []},
        "opset": 17, "exporter": "x", "onnxruntime": "1.20.1", "optimized": False,
        "source_model_version": "m-1", "source_folder": "runs/m",
        "check": {"max_abs_logit_diff": 9.7e-05, "max_prob_diff": 1.6e-05}},
    "dynamic before portable": {
        "file": "model.onnx", "precision": "int8",
        "quantization": {"method": "dynamic", "weight_type": "int8", "op": "MatMulInteger",
                         "activations": "uint8 per tensor (whole batch), at run time",
                         "per_channel": True, "reduce_range": False, "nodes_excluded": []},
        "opset": 17, "exporter": "x", "onnxruntime": "1.20.1", "optimized": True,
        "source_model_version": "m-1", "source_folder": "runs/m",
        "check": {"max_abs_logit_diff": 0.0015, "max_prob_diff": 0.0002}},
}


@pytest.mark.parametrize("name", list(_ONNX_SECTIONS))
def test_onnx_sections_of_earlier_exports_load_and_write_back_unchanged(
        tiny_model: Path, name: str) -> None:
    section = _ONNX_SECTIONS[name]
    raw = json.loads((tiny_model / "nlp_ip.json").read_text())
    raw.update(kind="onnx", onnx=section)
    (tiny_model / "nlp_ip.json").write_text(json.dumps(raw))
    meta = read_meta(tiny_model)
    assert meta.onnx is not None and meta.onnx.precision == section["precision"]
    written = json.loads(meta.model_dump_json())["onnx"]
    assert json.dumps(written) == json.dumps(section)  # same keys, same order, same values


def test_int8_nodes_excluded_are_the_head(exports: dict[str, Path]) -> None:
    meta = json.loads((exports["int8"] / "nlp_ip.json").read_text())
    excluded = meta["onnx"]["quantization"]["nodes_excluded"]
    assert excluded and all(("pooler" in n or "classifier" in n or "logits" in n)
                            for n in excluded)


def test_exports_use_plain_layer_norm_not_the_slow_fused_kernel(
        exports: dict[str, Path]) -> None:
    import onnx

    for precision, folder in exports.items():
        ops = [n.op_type for n in onnx.load(str(folder / "model.onnx")).graph.node]
        assert "SkipLayerNormalization" not in ops, precision
        # 2 layers x (after attention, after the FFN)
        assert ops.count("LayerNormalization") >= 4, precision


def test_int8_gelu_outputs_use_the_asymmetric_code(exports: dict[str, Path]) -> None:
    import onnx

    graph = onnx.load(str(exports["int8"] / "model.onnx")).graph
    producers = {out: n.op_type for n in graph.node for out in n.output}
    integer = [n for n in graph.node if n.op_type == "MatMulIntegerToFloat"]
    zero_points = {n.input[4] for n in integer}
    assert zero_points == {"rq_zp", "rq_zp0"}
    # The FFN-output products (one per layer) read a GELU output, through a per-row range.
    assert sum(1 for n in graph.node if n.op_type == "ReduceMin") == 2
    assert sum(1 for n in integer if n.input[4] == "rq_zp0") == 2
    assert "BiasGelu" in producers.values() or "Gelu" in producers.values()


def _single_matmul(path: Path, w: np.ndarray, *, gelu: bool) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    k = w.shape[0]
    nodes = []
    x = "x"
    if gelu:
        nodes.append(helper.make_node("Gelu", ["x"], ["h"], domain="com.microsoft"))
        x = "h"
    nodes.append(helper.make_node("MatMul", [x, "w"], ["y"], name="proj"))
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", "t", k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(w, "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)])
    onnx.save(model, str(path))


def _run(path: Path, x: np.ndarray) -> np.ndarray:
    """Run the graph as the engine does here: adapted to this CPU's int8 kernel."""
    import onnxruntime as ort

    graph = adapt_int8_graph(path, choose_int8_variant(int8_kernel())) or str(path)
    session = ort.InferenceSession(graph, providers=["CPUExecutionProvider"])
    return np.asarray(session.run(None, {"x": x})[0])


def test_rowwise_outlier_channels_run_in_fp32(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    w = rng.normal(size=(64, 32)).astype(np.float32)
    x = rng.normal(size=(3, 5, 64)).astype(np.float32)
    x[..., 7] *= 60.0  # one channel tens of times larger than the rest, as in a transformer
    source = tmp_path / "fp32.onnx"
    _single_matmul(source, w, gelu=False)
    want = x @ w
    plain, split = tmp_path / "plain.onnx", tmp_path / "split.onnx"
    assert quantizer._quantize_rowwise(source, plain, exclude=set()) == 1
    channels = quantizer._outlier_channels(np.abs(x).reshape(-1, 64).max(axis=0))
    assert channels.tolist() == [7]
    quantizer._quantize_rowwise(source, split, exclude=set(), outliers={"x": channels})
    err_plain = float(np.abs(_run(plain, x) - want).mean())
    err_split = float(np.abs(_run(split, x) - want).mean())
    assert err_split < err_plain / 5
    assert err_split < 0.05
    # rows stay independent of their batch with the fp32 side product too
    np.testing.assert_array_equal(_run(split, x[:1]), _run(split, x)[:1])


def test_rowwise_asymmetric_code_after_gelu_is_exact_in_expectation(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    w = rng.normal(size=(96, 16)).astype(np.float32)
    x = rng.normal(size=(2, 9, 96)).astype(np.float32)
    source, target = tmp_path / "fp32.onnx", tmp_path / "int8.onnx"
    _single_matmul(source, w, gelu=True)
    quantizer._quantize_rowwise(source, target, exclude=set())
    import onnx

    ops = [n.op_type for n in onnx.load(str(target)).graph.node]
    assert "ReduceMin" in ops and "MatMulIntegerToFloat" in ops
    want = _run(source, x)
    got = _run(target, x)
    # half the step of the symmetric code: the error is small and unbiased
    assert float(np.abs(got - want).mean()) < 0.03 * float(np.abs(want).mean())
    assert abs(float((got - want).mean())) < 0.01


def test_outlier_channels_are_few_and_clear() -> None:
    peaks = np.full(384, 2.0)
    assert quantizer._outlier_channels(peaks).size == 0
    peaks[[3, 99, 200]] = [30.0, 9.0, 5.0]
    assert quantizer._outlier_channels(peaks).tolist() == [3, 99]  # 5 < 3 x median
    peaks[:20] = 50.0
    assert quantizer._outlier_channels(peaks).size == quantizer.MAX_OUTLIERS


def _outlier_case(tmp_path: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    """A rowwise int8 product whose activations have one channel 60x the rest."""
    rng = np.random.default_rng(0)
    w = rng.normal(size=(64, 32)).astype(np.float32)
    x = rng.normal(size=(3, 5, 64)).astype(np.float32)
    x[..., 7] *= 60.0
    source, target = tmp_path / "fp32.onnx", tmp_path / "int8.onnx"
    _single_matmul(source, w, gelu=False)
    channels = quantizer._outlier_channels(np.abs(x).reshape(-1, 64).max(axis=0))
    quantizer._quantize_rowwise(source, target, exclude=set(), outliers={"x": channels})
    return target, x, x @ w


def _integer_matmul(path: Path, w: np.ndarray) -> None:
    """x_u8 (rows, k) @ w_int8 as one MatMulIntegerToFloat with zero point 128."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    node = helper.make_node("MatMulIntegerToFloat", ["x", "w", "one", "one", "zp"], ["y"],
                            domain="com.microsoft")
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.UINT8, ["m", w.shape[0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(np.array(1, np.float32), "one"),
         numpy_helper.from_array(np.array(128, np.uint8), "zp")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                      helper.make_opsetid("com.microsoft", 1)]),
              str(path))


def test_int8_kernel_emulation_matches_onnxruntime_on_this_cpu(tmp_path: Path) -> None:
    """The emulated kernel of the path detected here reproduces onnxruntime exactly."""
    import onnx
    import onnxruntime as ort

    rng = np.random.default_rng(3)
    w = rng.integers(-127, 128, size=(64, 16)).astype(np.int8)
    w[:, 0] = 127  # column 0: every pair of products 2 x 255 x 127 overflows int16
    x = rng.integers(0, 256, size=(8, 64)).astype(np.uint8)
    x[0] = 255
    path = tmp_path / "mm.onnx"
    _integer_matmul(path, w)
    got = np.asarray(ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
                     .run(None, {"x": x})[0])
    kernel = int8_kernel()
    model = onnx.load(str(path))
    outputs = {}
    for saturating in (False, True):
        emulated = emulate_integer_matmuls(model, saturating_cpu=saturating)
        session = ort.InferenceSession(emulated.SerializeToString(),
                                       providers=["CPUExecutionProvider"])
        outputs[saturating] = np.asarray(session.run(None, {"x": x})[0])
    exact = (x.astype(np.int64) - 128) @ w.astype(np.int64)
    np.testing.assert_array_equal(outputs[False], exact)
    assert outputs[True][0, 0] < exact[0, 0]  # the saturating path really clips this row
    np.testing.assert_array_equal(got, outputs[kernel.saturates])
    # adapted for this CPU, the same product is exact
    adapted = adapt_int8_graph(path, choose_int8_variant(kernel)) or path.read_bytes()
    fixed = ort.InferenceSession(adapted, providers=["CPUExecutionProvider"]).run(None, {"x": x})
    np.testing.assert_array_equal(np.asarray(fixed[0]), exact)


@pytest.mark.parametrize("kernel", sorted(INT8_KERNELS))
def test_rowwise_int8_is_accurate_on_every_kernel_path(kernel: str, tmp_path: Path) -> None:
    """The graph the engine runs on each CPU kind is as accurate as the exact kernel."""
    import onnx
    import onnxruntime as ort

    path, x, want = _outlier_case(tmp_path)
    info = INT8_KERNELS[kernel]
    variant = choose_int8_variant(info)
    assert variant == ("u8u8" if info.saturates else "u8s8")
    raw = onnx.load(str(path))
    adapted = onnx.ModelProto.FromString(adapt_int8_graph(path, variant)
                                         or raw.SerializeToString())

    def error(model: object, saturating: bool) -> float:
        emulated = emulate_integer_matmuls(model, saturating_cpu=saturating)
        session = ort.InferenceSession(emulated.SerializeToString(),
                                       providers=["CPUExecutionProvider"])
        return float(np.abs(np.asarray(session.run(None, {"x": x})[0]) - want).mean())

    exact = error(raw, saturating=False)
    assert error(adapted, info.saturates) == pytest.approx(exact, rel=1e-5)
    if info.saturates:  # the graph as written would lose accuracy on this path
        assert error(raw, saturating=True) > 2 * exact


def test_onnx_int8_backend_reports_its_kernel_path(exports: dict[str, Path]) -> None:
    from nlp_ip.inference import Backend

    clf = ListingClassifier.from_pretrained(exports["int8"])
    assert isinstance(clf.backend, Backend)
    info = clf.backend.int8
    kernel = int8_kernel()
    assert info == {"kernel": kernel.name, "instruction": kernel.instruction,
                    "saturates": kernel.saturates, "variant": choose_int8_variant(kernel)}
    onnx_meta = read_meta(exports["int8"]).onnx
    assert onnx_meta is not None and isinstance(onnx_meta.quantization, RowwiseQuantization)
    check = onnx_meta.check
    assert check.int8_kernel == kernel.name and check.int8_variant == info["variant"]
    assert "u8 x u8" in (onnx_meta.quantization.portable or "")
    assert clf.int8_kernel == info
    assert ListingClassifier.from_pretrained(exports["fp32"]).int8_kernel is None


@pytest.mark.parametrize("variant", ["u8s8", "u8u8", "act7"])
def test_onnx_int8_variants_agree_with_torch(exports: dict[str, Path], reference: np.ndarray,
                                             variant: str) -> None:
    from nlp_ip.inference.backends import OnnxBackend

    clf = ListingClassifier.from_pretrained(exports["int8"])
    meta = read_meta(exports["int8"])
    clf.backend = OnnxBackend(exports["int8"], meta, threads=1, int8_variant=variant)
    assert clf.backend.int8["variant"] == variant  # type: ignore[attr-defined]
    probs = clf.predict_proba(LISTINGS)
    assert float(np.abs(probs - reference).max()) < 0.02


def test_int8_kernel_detection_follows_onnxruntime_order() -> None:
    base = {"sse2", "avx", "avx2", "fma"}
    avx512 = base | {"avx512f", "avx512bw", "avx512dq", "avx512vl"}
    assert int8_kernel(base, "x86_64").name == "avx2"
    assert int8_kernel(avx512, "x86_64").name == "avx512-core"
    assert int8_kernel(avx512 | {"avx512_vnni"}, "x86_64").name == "avx512-vnni"
    assert int8_kernel(base | {"avx_vnni"}, "x86_64").name == "avx-vnni"
    assert int8_kernel(avx512 | {"avx512_vnni", "amx_tile", "amx_int8"}, "x86_64").name == "amx"
    assert int8_kernel({"sse2", "sse4_1"}, "x86_64").name == "sse"
    assert int8_kernel(set(), "x86_64").name == "unknown"
    assert int8_kernel(set(), "aarch64").name == "arm64"
    assert [k for k, v in INT8_KERNELS.items() if v.saturates] == ["avx512-core", "avx2",
                                                                    "unknown"]


@pytest.mark.anyio
async def test_server_reports_the_int8_kernel_path(exports: dict[str, Path],
                                                   tmp_path: Path) -> None:
    from serve_helpers import asgi_client, make_key

    from nlp_ip.serve import ServeSettings, create_app

    keys = tmp_path / "keys.json"
    key = make_key(keys, "moderation")
    app = create_app(ServeSettings(model=exports["int8"], api_keys_file=keys, max_wait_ms=5))
    async with asgi_client(app, key) as client:
        assert app.state.nlp.ready, app.state.nlp.load_error
        info = (await client.get("/v1/model")).json()
    kernel = int8_kernel()
    assert info["backend"] == "onnx-int8"
    assert info["int8"]["kernel"] == kernel.name
    assert info["int8"]["variant"] == choose_int8_variant(kernel)


@pytest.mark.parametrize("name", ["/etc/hostname", "../outside.onnx", "sub/../../x.onnx"])
def test_onnx_file_in_nlp_ip_json_must_stay_inside_the_folder(
        exports: dict[str, Path], tmp_path: Path, name: str) -> None:
    """Regression: onnx.file was joined to the folder as given, so a model folder could
    make the loader read any file on the machine."""
    import shutil

    folder = tmp_path / "model"
    shutil.copytree(exports["fp32"], folder)
    (tmp_path / "outside.onnx").write_bytes((folder / "model.onnx").read_bytes())
    meta = json.loads((folder / "nlp_ip.json").read_text())
    meta["onnx"]["file"] = name
    (folder / "nlp_ip.json").write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="points outside the model folder"):
        ListingClassifier.from_pretrained(folder)
