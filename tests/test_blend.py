"""A transformer + TF-IDF blend: choosing the weight, the model folder, inference, export."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nlp_ip.artifact import read_meta
from nlp_ip.errors import ConfigError, ModelLoadError
from nlp_ip.inference import ListingClassifier
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.numerics import blend_scores, softmax
from nlp_ip.schema import parse_listings
from nlp_ip_train.config import BlendSpec, load_config

ROOT = Path(__file__).resolve().parents[1]

LISTINGS = [
    "G.U.C.C.I belt 1:1 mirror quality",
    {"title": "Chewy Vuiton plush dog toy", "description": "parody squeaker, not affiliated"},
    {"title": "Quilted chain flap bag", "description": "no logo, designer-inspired"},
    {"title": "Case for iPhone 15", "brand": "Spigen", "price": 12.5, "currency": "EUR"},
    "Rolex Submariner $89",
    {"title": "Oak bookshelf", "description": "solid wood, five shelves"},
]


def _labels(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 4, size=n)


def _informative(y: np.ndarray, strength: float, seed: int) -> np.ndarray:
    """Logits that point at ``y`` with the given strength, plus noise."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(len(y), 4)) + strength * np.eye(4)[y]


def test_fit_blend_weighs_the_informative_part() -> None:
    from nlp_ip_train.blend import fit_blend

    y = _labels(600)
    strong, noise = _informative(y, 4.0, 1), _informative(y, 0.0, 2)
    assert fit_blend(strong, noise, y, BlendSpec(enabled=True)).meta.weight >= 0.9
    assert fit_blend(noise, strong, y, BlendSpec(enabled=True)).meta.weight <= 0.1
    both = fit_blend(_informative(y, 2.0, 3), _informative(y, 2.0, 4), y,
                     BlendSpec(enabled=True))
    # Two equally good, independent parts: the blend sits in the middle and beats both.
    assert 0.3 <= both.meta.weight <= 0.7
    assert both.macro_f1["blend"] > max(both.macro_f1["transformer"], both.macro_f1["tfidf"])
    losses = both.report()["validation_log_loss_by_weight"]
    assert len(losses) == 21 and min(losses, key=losses.get) == f"{both.meta.weight:g}"


def test_fit_blend_keeps_a_configured_weight() -> None:
    from nlp_ip_train.blend import fit_blend

    y = _labels(200)
    blend = fit_blend(_informative(y, 3.0, 1), _informative(y, 0.0, 2), y,
                      BlendSpec(enabled=True, weight=0.25))
    assert blend.meta.weight == 0.25
    assert list(blend.log_loss_by_weight) == ["0.25"]


def test_blend_scores_are_a_weighted_product_of_distributions() -> None:
    a = np.array([[2.0, 0.0, -1.0, 0.5]])
    b = np.array([[0.0, 1.0, 0.0, 0.0]])
    z = blend_scores(a, b, 0.3, 2.0, 0.5)
    want = 0.3 * np.log(softmax(a, 2.0)) + 0.7 * np.log(softmax(b, 0.5))
    np.testing.assert_allclose(z, want, rtol=1e-12)
    np.testing.assert_allclose(blend_scores(a, b, 1.0), np.log(softmax(a)), rtol=1e-12)


def test_blend_config_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="blend"):
        load_config(ROOT / "configs" / "baseline.yaml", ["model.blend.enabled=true"])
    with pytest.raises(ConfigError, match=r"model\.blend\.weight"):
        load_config(ROOT / "configs" / "tiny.yaml", ["model.blend.weight=1.5"])
    with pytest.raises(ConfigError, match=r"\[0, 1\]"):
        load_config(ROOT / "configs" / "tiny.yaml", ["model.blend.weights=[0.5, 2]"])
    assert load_config(ROOT / "configs" / "default.yaml").model.blend.enabled
    assert not load_config(ROOT / "configs" / "baseline.yaml").model.blend.enabled


def test_blend_run_writes_both_parts_and_the_chosen_weight(tiny_blend_run: Path) -> None:
    model = tiny_blend_run / "model-best"
    meta = read_meta(model)
    assert meta.blend is not None and meta.kind == "transformer"
    for name in ("model.safetensors", "tfidf.json", "tfidf.safetensors", "config.json"):
        assert (model / name).is_file(), name
    report = meta.metrics["blend"]
    losses = report["validation_log_loss_by_weight"]
    assert report["weight"] == meta.blend.weight
    assert min(losses, key=losses.get) == f"{meta.blend.weight:g}"
    assert set(report["validation_macro_f1"]) == {"transformer", "tfidf", "blend"}
    assert "blend:" in (model / "README.md").read_text(encoding="utf-8")
    saved = json.loads((tiny_blend_run / "metrics.json").read_text())
    assert saved["model-best"]["blend"]["weight"] == meta.blend.weight


def test_blend_inference_equals_the_two_parts_combined(tiny_blend_run: Path) -> None:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from nlp_ip.text import build_model_inputs
    from nlp_ip.tfidf import TfidfScorer

    model = tiny_blend_run / "model-best"
    clf = ListingClassifier.from_pretrained(model, backend="torch-fp32", workers=1)
    assert clf.backend_name == "torch-fp32+tfidf"
    got = clf.predict_proba(LISTINGS)

    meta = clf.meta
    assert meta.blend is not None
    texts = build_model_inputs(parse_listings(LISTINGS), hints=meta.text.hints,
                               catalog_path=model / "brands.yaml")
    tokenizer = AutoTokenizer.from_pretrained(str(model))
    net = AutoModelForSequenceClassification.from_pretrained(str(model)).eval()
    import torch

    with torch.inference_mode():
        enc = tokenizer(texts, truncation=True, max_length=meta.text.max_length,
                        padding=True, return_tensors="pt")
        a = net(**enc).logits.numpy()
    b = TfidfScorer.load(model).logits(texts)
    want = softmax(blend_scores(a, b, meta.blend.weight, meta.blend.transformer_temperature,
                                meta.blend.tfidf_temperature), meta.temperature)
    np.testing.assert_allclose(got, want, atol=1e-5)
    # blend=False: the transformer part alone, with its own temperature.
    alone = ListingClassifier.from_pretrained(model, backend="torch-fp32", blend=False)
    assert alone.backend_name == "torch-fp32"
    np.testing.assert_allclose(alone.predict_proba(LISTINGS),
                               softmax(a, meta.blend.transformer_temperature), atol=1e-5)
    # Chunking and batching do not change the blend's answers.
    small = ListingClassifier.from_pretrained(model, backend="torch-fp32", workers=2,
                                              max_batch_tokens=16, chunk_size=2)
    np.testing.assert_allclose(small.predict_proba(LISTINGS), got, atol=1e-5)


def test_the_blend_wrapper_and_its_parts_are_backends(tiny_blend_run: Path) -> None:
    from nlp_ip.inference import Backend
    from nlp_ip.inference.backends import TfidfBackend

    model = tiny_blend_run / "model-best"
    clf = ListingClassifier.from_pretrained(model, backend="torch-fp32")
    wrapper = clf.backend
    assert isinstance(wrapper, Backend) and isinstance(TfidfBackend(model), Backend)
    inner = wrapper.inner  # type: ignore[attr-defined]
    assert isinstance(inner, Backend) and inner.name == "torch-fp32"
    assert wrapper.default_batch_tokens == inner.default_batch_tokens
    assert wrapper.int8 is None and clf.int8_kernel is None


def test_blend_folder_still_loads_in_plain_transformers(tiny_blend_run: Path) -> None:
    from transformers import pipeline

    classify = pipeline("text-classification", model=str(tiny_blend_run / "model-best"))
    assert classify("Rolex Submariner $89")[0]["label"] in LABEL_NAMES


def test_blend_export_keeps_the_tfidf_part(tiny_blend_run: Path, tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    from nlp_ip.exporters import export_onnx

    model = tiny_blend_run / "model-best"
    export_onnx(model, tmp_path / "onnx")
    meta = read_meta(tmp_path / "onnx")
    assert meta.kind == "onnx" and meta.blend == read_meta(model).blend
    clf = ListingClassifier.from_pretrained(tmp_path / "onnx")
    assert clf.backend_name == "onnx-fp32+tfidf"
    torch_probs = ListingClassifier.from_pretrained(model, backend="torch-fp32").predict_proba(
        LISTINGS)
    np.testing.assert_allclose(clf.predict_proba(LISTINGS), torch_probs, atol=1e-4)


def test_blend_review_embeds_with_the_transformer_and_explains_by_occlusion(
        tiny_blend_run: Path, caplog: pytest.LogCaptureFixture) -> None:
    from nlp_ip.review.build import explain
    from nlp_ip.review.embed import embed_listings, embedding_kind

    clf = ListingClassifier.from_pretrained(tiny_blend_run / "model-best", backend="torch-fp32")
    listings = parse_listings(LISTINGS[:2])
    assert embedding_kind(clf) == "mean-pooled-last-hidden-state"
    vectors = embed_listings(clf, listings)
    assert vectors.shape == (2, 128)
    with caplog.at_level(logging.WARNING):
        method, found = explain(clf, listings, method="integrated-gradients")
    assert method == "occlusion" and len(found) == 2
    assert "TF-IDF part has no gradients" in caplog.text


def test_evaluate_scores_the_blend_or_its_transformer_part(tiny_blend_run: Path,
                                                          tmp_path: Path) -> None:
    from nlp_ip.cli import main

    data = tmp_path / "labeled.jsonl"
    rows = [{"title": "G.U.C.C.I belt 1:1 mirror", "label": "infringing"},
            {"title": "Chewy Vuiton dog toy", "description": "parody", "label": "parody"},
            {"title": "Quilted flap bag, no logo", "label": "lookalike"},
            {"title": "Oak bookshelf", "label": "legitimate"}]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    model = str(tiny_blend_run / "model-best")
    base = ["evaluate", "--model", model, "--data", str(data), "--bootstrap", "0",
            "--cases", "none"]
    assert main([*base, "--output", str(tmp_path / "blend")]) == 0
    assert main([*base, "--output", str(tmp_path / "alone"), "--no-blend"]) == 0
    blend = json.loads((tmp_path / "blend" / "metrics.json").read_text())
    alone = json.loads((tmp_path / "alone" / "metrics.json").read_text())
    assert blend["model"]["backend"].endswith("+tfidf")
    assert not alone["model"]["backend"].endswith("+tfidf")


@pytest.mark.anyio
async def test_server_serves_the_blend(tiny_blend_run: Path, tmp_path: Path) -> None:
    from serve_helpers import asgi_client, make_key

    from nlp_ip.serve import ServeSettings, create_app

    model = tiny_blend_run / "model-best"
    keys = tmp_path / "keys.json"
    key = make_key(keys, "moderation")
    expected = ListingClassifier.from_pretrained(model, backend="torch-fp32").predict_proba(
        LISTINGS)
    app = create_app(ServeSettings(model=model, backend="torch-fp32", api_keys_file=keys,
                                   max_wait_ms=5))
    async with asgi_client(app, key) as client:
        assert app.state.nlp.ready, app.state.nlp.load_error
        answer = await client.post("/v1/classify", json={"listings": LISTINGS})
        info = (await client.get("/v1/model")).json()
    assert answer.status_code == 200, answer.text
    got = np.array([[p["probabilities"][n] for n in LABEL_NAMES]
                    for p in answer.json()["predictions"]])
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert info["backend"] == "torch-fp32+tfidf"
    assert info["blend"]["weight"] == read_meta(model).blend.weight  # type: ignore[union-attr]


def test_a_reported_blend_backend_name_can_be_asked_for(tiny_blend_run: Path,
                                                         tiny_model: Path) -> None:
    from nlp_ip.errors import InvalidInputError

    clf = ListingClassifier.from_pretrained(tiny_blend_run / "model-best",
                                            backend="torch-fp32+tfidf")
    assert clf.backend_name == "torch-fp32+tfidf"
    with pytest.raises(InvalidInputError, match="has no TF-IDF blend; use 'torch-fp32'"):
        ListingClassifier.from_pretrained(tiny_model, backend="torch-fp32+tfidf")


def test_a_reported_blend_backend_name_can_be_set_for_auto(
        tiny_blend_run: Path, tiny_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nlp_ip.errors import InvalidInputError

    monkeypatch.setenv("NLP_IP_BACKEND", "torch-fp32+tfidf")
    clf = ListingClassifier.from_pretrained(tiny_blend_run / "model-best")
    assert clf.backend_name == "torch-fp32+tfidf"
    with pytest.raises(InvalidInputError, match="has no TF-IDF blend; use 'torch-fp32'"):
        ListingClassifier.from_pretrained(tiny_blend_run / "model-best", blend=False)
    with pytest.raises(InvalidInputError, match="has no TF-IDF blend; use 'torch-fp32'"):
        ListingClassifier.from_pretrained(tiny_model)


def _object_form(model: Path, out: Path) -> dict[str, Any]:
    """A copy of ``model`` whose ``tfidf.json`` has the older term -> column objects."""
    import shutil

    from nlp_ip import tfidf

    shutil.copytree(model, out)
    spec = json.loads((out / tfidf.TFIDF_JSON).read_text(encoding="utf-8"))
    for part in spec["vectorizers"]:
        part["vocabulary"] = {t: i for i, t in enumerate(part.pop("terms").split("\n"))}
    (out / tfidf.TFIDF_JSON).write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return spec


def test_tfidf_vocabularies_are_stored_as_terms_and_older_folders_still_load(
        tiny_blend_run: Path, tmp_path: Path) -> None:
    """Training writes each vocabulary as its terms in column order (one string, quick to
    load); folders with the older term -> column objects load to the same scorer."""
    from nlp_ip.tfidf import TFIDF_JSON, TfidfScorer
    from nlp_ip_train.baseline import _vocabulary_entry

    model = tiny_blend_run / "model-best"
    spec = json.loads((model / TFIDF_JSON).read_text(encoding="utf-8"))
    assert all("terms" in part and "vocabulary" not in part for part in spec["vectorizers"])
    new = TfidfScorer.load(model)
    _object_form(model, tmp_path / "old")
    old = TfidfScorer.load(tmp_path / "old")
    texts = ["Gucci style belt, no logo", "GUCCI bag 1:1 replica", ""]
    for a, b in zip(new.vectorizers, old.vectorizers, strict=True):
        assert a.vocabulary == b.vocabulary and len(a.vocabulary) == len(a.idf) > 0
    np.testing.assert_array_equal(new.logits(texts), old.logits(texts))
    # a term with a newline (no analyzer of ours makes one) is written as an object
    assert _vocabulary_entry({"a\nb": 1, "c": 0}) == {"vocabulary": {"a\nb": 1, "c": 0}}
    assert _vocabulary_entry({"b": 1, "a": 0}) == {"terms": "a\nb"}
    # terms that do not match the idf vector: a clear error naming the file and the fix
    spec["vectorizers"][0]["terms"] += "\nextra-term"
    (tmp_path / "bad").mkdir()
    for name in model.iterdir():
        (tmp_path / "bad" / name.name).write_bytes(name.read_bytes())
    (tmp_path / "bad" / TFIDF_JSON).write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(ModelLoadError, match=r"tfidf\.json: vectorizers\[0\] has .* terms for"):
        TfidfScorer.load(tmp_path / "bad")


def test_tfidf_load_gives_other_threads_the_gil_during_the_parse(
        tiny_blend_run: Path, tmp_path: Path) -> None:
    """A hot swap parses the new version's vocabularies beside the serving threads. In a
    folder with the older term -> column objects the parse must run Python code per entry
    (where the interpreter can switch threads), not one C call that holds the GIL for the
    whole file, and still give the same vocabulary."""
    import sys

    from nlp_ip import tfidf

    spec = _object_form(tiny_blend_run / "model-best", tmp_path / "old")
    entries = sum(len(part["vocabulary"]) for part in spec["vectorizers"])
    calls = 0

    def count(frame: Any, event: str, arg: object) -> None:
        nonlocal calls
        if event == "call" and frame.f_code is tfidf._parse_int.__code__:
            calls += 1

    sys.setprofile(count)
    try:
        scorer = tfidf.TfidfScorer.load(tmp_path / "old")
    finally:
        sys.setprofile(None)
    assert calls >= entries > 0
    for part, vectorizer in zip(spec["vectorizers"], scorer.vectorizers, strict=True):
        assert vectorizer.vocabulary == part["vocabulary"]
        assert all(type(v) is int for v in vectorizer.vocabulary.values())


def test_reload_stall_benchmark_compares_both_vocabulary_forms(tiny_blend_run: Path,
                                                                tmp_path: Path) -> None:
    """Smoke test of ``benchmarks/reload_stall.py`` on the tiny blend: both forms of the
    folder reload, the parses are timed, and the ratios are written."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "reload_stall", Path(__file__).resolve().parents[1] / "benchmarks" / "reload_stall.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "stall.json"
    assert bench.main(["--model", str(tiny_blend_run / "model-best"), "--backend",
                       "torch-fp32", "--rounds", "1", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert set(result["runs"]) == {"reload, terms", "reload, vocabulary object",
                                   "object parse, plain", "object parse, hooked"}
    for rows in result["runs"].values():
        assert len(rows) == 1 and rows[0]["ticks"] > 0 and rows[0]["wall_s"] > 0
    assert result["ratios"]["reload_wall_object_over_terms"] > 0
