"""The cascade: the blend's TF-IDF part decides alone the listings it is sure of."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nlp_ip.artifact import CascadeMeta, read_meta, update_meta
from nlp_ip.errors import InvalidInputError
from nlp_ip.inference import ListingClassifier
from nlp_ip.labels import LABEL2ID
from nlp_ip.numerics import softmax
from nlp_ip.policy import DecisionPolicy
from nlp_ip.text import build_model_inputs
from nlp_ip.tfidf import TfidfScorer
from nlp_ip_train.cascade import fit_cascade

ROOT = Path(__file__).resolve().parents[1]


def _listings(n: int = 60) -> list[dict]:
    rows = [json.loads(x) for x in (ROOT / "data" / "seed" / "listings.jsonl")
            .read_text(encoding="utf-8").splitlines()[:n]]
    return [{k: r.get(k) for k in ("id", "title", "description", "price", "currency")}
            for r in rows]


def _benchmark(name: str) -> Any:
    """The module ``benchmarks/<name>.py``, loaded from its file."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def blend_folder(tiny_blend_run: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "blend"
    shutil.copytree(tiny_blend_run / "model-best", folder)
    return folder


def _tfidf_probs(folder: Path, listings: list[dict]) -> np.ndarray:
    meta = read_meta(folder)
    texts = build_model_inputs(listings, hints=meta.text.hints,
                               catalog_path=folder / "brands.yaml")
    assert meta.blend is not None
    return softmax(TfidfScorer.load(folder).logits(texts), meta.blend.tfidf_temperature)


def test_skipped_rows_get_the_tfidf_answer_and_the_rest_the_full_blend(
        blend_folder: Path) -> None:
    listings = _listings()
    cheap = _tfidf_probs(blend_folder, listings)
    # a threshold that splits these rows: the median confidence of those topped legitimate
    top_legit = cheap.argmax(1) == LABEL2ID["legitimate"]
    threshold = float(np.median(cheap.max(1)[top_legit])) if top_legit.any() else 0.0

    def change(meta: object) -> None:
        meta.blend.cascade = CascadeMeta(thresholds={"legitimate": threshold})  # type: ignore[attr-defined]

    update_meta(blend_folder, change)
    full = ListingClassifier.from_pretrained(blend_folder, backend="torch-fp32")
    assert not full.cascade  # thresholds alone do not turn it on
    with ListingClassifier.from_pretrained(blend_folder, backend="torch-fp32",
                                           cascade=True, max_batch_tokens=96) as clf:
        got = clf.predict_proba(listings)
        counts = dict(clf.cascade_counts)
        assert clf.model_version.endswith("+cascade")
        assert clf.predict(listings[:1])[0].model_version.endswith("+cascade")
    want = full.predict_proba(listings)
    skipped = top_legit & (cheap.max(1) >= threshold)
    assert skipped.any() and (~skipped).any()
    assert counts == {"listings": len(listings), "skipped": int(skipped.sum())}
    np.testing.assert_allclose(got[skipped], cheap[skipped], atol=1e-6)
    np.testing.assert_allclose(got[~skipped], want[~skipped], atol=1e-6)
    # rows do not depend on their neighbours
    alone = np.concatenate([ListingClassifier.from_pretrained(
        blend_folder, backend="torch-fp32", cascade=True).predict_proba(listings[i:i + 1])
        for i in range(5)])
    np.testing.assert_allclose(alone, got[:5], atol=1e-6)


def test_cascade_needs_a_blend_with_thresholds(blend_folder: Path, tiny_model: Path) -> None:
    with pytest.raises(InvalidInputError, match="nlp-ip calibrate-cascade"):
        ListingClassifier.from_pretrained(blend_folder, cascade=True)
    with pytest.raises(InvalidInputError, match="cascade=True needs a blend folder"):
        ListingClassifier.from_pretrained(tiny_model, cascade=True)


def test_parody_and_lookalike_never_skip() -> None:
    with pytest.raises(ValueError, match="parody and lookalike never do"):
        CascadeMeta(thresholds={"lookalike": 0.99})


def test_fit_keeps_agreement_with_the_full_blend() -> None:
    rng = np.random.default_rng(0)
    n = 600
    y = rng.integers(0, 4, n)
    logits = rng.normal(size=(n, 4))
    logits[np.arange(n), y] += rng.uniform(0, 6, n)  # more or less sure of the true label
    blend = softmax(logits * 1.1)
    # the full blend disagrees on a tenth of the rows the cheap part is unsure of
    unsure = softmax(logits).max(1) < 0.7
    flip = unsure & (rng.random(n) < 0.5)
    blend[flip] = np.roll(blend[flip], 1, axis=1)
    policy = DecisionPolicy()
    spec = fit_cascade(logits, 1.0, blend, policy, target_agreement=0.99, min_rows=20)
    assert set(spec.thresholds) <= {"infringing", "legitimate"}
    assert spec.thresholds, spec.fitted
    assert spec.fitted["agreement_of_skipped"] >= 0.99
    cheap = softmax(logits)
    for label, t in spec.thresholds.items():
        rows = (cheap.argmax(1) == LABEL2ID[label]) & (cheap.max(1) >= t)
        assert rows.sum() >= 20
    assert 0 < spec.fitted["skip_rate"] < 1


def _synthetic_rows(seed: int = 0, n: int = 800):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n)
    logits = rng.normal(size=(n, 4))
    logits[np.arange(n), y] += rng.uniform(0, 6, n)
    blend = softmax(logits * 1.1)
    unsure = softmax(logits).max(1) < 0.8
    flip = unsure & (rng.random(n) < 0.5)
    blend[flip] = np.roll(blend[flip], 1, axis=1)
    return y, logits, blend


def _brute_force_best(logits, blend, policy, target, min_rows, w):
    """Every pair of candidate thresholds, for the overall budget (the reference)."""
    cheap = softmax(logits)
    top, conf = cheap.argmax(1), cheap.max(1)
    agree = ((cheap.argmax(1) == blend.argmax(1))
             & (policy.decide_codes(cheap) == policy.decide_codes(blend)))
    cands = {}
    for label in ("infringing", "legitimate"):
        rows = (top == LABEL2ID[label]) & (conf >= 0.5)
        levels = [t for t in np.unique(conf[rows]) if (rows & (conf >= t)).sum() >= min_rows]
        cands[label] = [np.inf, *levels]
    best = -1.0
    for ti in cands["infringing"]:
        for tl in cands["legitimate"]:
            skip = (((top == LABEL2ID["infringing"]) & (conf >= ti))
                    | ((top == LABEL2ID["legitimate"]) & (conf >= tl)))
            if w[skip & ~agree].sum() <= (1 - target) * w.sum() + 1e-9:
                best = max(best, float(w[skip].sum()))
    return best


def test_an_overall_budget_skips_the_most_rows_that_fit_it_and_more_than_the_skipped_budget():
    y, logits, blend = _synthetic_rows()
    policy = DecisionPolicy()
    w = np.ones(len(y))
    strict = fit_cascade(logits, 1.0, blend, policy, target_agreement=0.99, min_rows=20)
    spent = fit_cascade(logits, 1.0, blend, policy, target_agreement=0.99, min_rows=20,
                        budget="overall")
    assert spent.fitted["overall_agreement"] >= 0.99
    assert spent.fitted["skip_rate"] >= strict.fitted["skip_rate"]
    cheap = softmax(logits)
    skip = np.zeros(len(y), dtype=bool)
    for label, t in spent.thresholds.items():
        skip |= (cheap.argmax(1) == LABEL2ID[label]) & (cheap.max(1) >= t)
    assert skip.sum() == _brute_force_best(logits, blend, policy, 0.99, 20, w)
    with pytest.raises(ValueError, match="budget must be one of"):
        fit_cascade(logits, 1.0, blend, policy, budget="everything")


def test_mix_weights_make_a_balanced_set_stand_for_the_traffic_mix():
    from nlp_ip_train.cascade import mix_weights

    labels = ["legitimate"] * 50 + ["infringing"] * 50 + ["parody"] * 50 + ["lookalike"] * 50
    w = mix_weights(labels, {"legitimate": 0.85, "lookalike": 0.08, "infringing": 0.05,
                             "parody": 0.02})
    assert w.sum() == pytest.approx(200)
    assert w[:50].sum() / w.sum() == pytest.approx(0.85)
    assert w[100:150].sum() / w.sum() == pytest.approx(0.02)
    with pytest.raises(ValueError, match="has no such row"):
        mix_weights(["legitimate"] * 3, {"legitimate": 0.5, "parody": 0.5})
    y, logits, blend = _synthetic_rows(1)
    names = [("infringing", "parody", "lookalike", "legitimate")[k] for k in y]
    weights = mix_weights(names, {"legitimate": 0.85, "lookalike": 0.08, "infringing": 0.05,
                                  "parody": 0.02})
    spec = fit_cascade(logits, 1.0, blend, DecisionPolicy(), target_agreement=0.99,
                       min_rows=20, budget="overall", weights=weights)
    assert spec.fitted["overall_agreement"] >= 0.99
    assert spec.fitted["weighted_skip_rate"] * weights.sum() == pytest.approx(
        _brute_force_best(logits, blend, DecisionPolicy(), 0.99, 20, weights), rel=1e-3)


def test_calibrate_cascade_mix_is_checked(blend_folder: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    from nlp_ip.cli import main

    data = tmp_path / "val.jsonl"
    rows = [json.loads(x) for x in (ROOT / "data" / "seed" / "listings.jsonl")
            .read_text(encoding="utf-8").splitlines()]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows[:40]), encoding="utf-8")
    assert main(["calibrate-cascade", "--model", str(blend_folder), "--data", str(data),
                 "--mix", "legit=1", "--dry-run"]) == 1
    assert "--mix: 'legit=1' is not LABEL=SHARE" in capsys.readouterr().err
    assert {r["label"] for r in rows[:40]} == {"legitimate"}
    assert main(["calibrate-cascade", "--model", str(blend_folder), "--data", str(data),
                 "--mix", "legitimate=0.5,parody=0.5", "--dry-run"]) == 1
    assert "names ['parody'] but the data has no such row" in capsys.readouterr().err
    data.write_text("".join(json.dumps(r) + "\n" for r in rows[::5]), encoding="utf-8")
    assert main(["calibrate-cascade", "--model", str(blend_folder), "--data", str(data),
                 "--budget", "overall", "--mix", "legitimate=0.85,lookalike=0.08,"
                 "infringing=0.05,parody=0.02", "--target-agreement", "0.9",
                 "--min-rows", "2", "--dry-run"]) == 0
    fitted = json.loads(capsys.readouterr().out)["fitted"]
    assert fitted["budget"] == "overall" and fitted["mix"]["legitimate"] == 0.85
    assert fitted["overall_agreement"] >= 0.9


def test_calibrate_cascade_writes_thresholds(blend_folder: Path, tmp_path: Path) -> None:
    from nlp_ip.cli import main

    data = tmp_path / "val.jsonl"
    rows = [json.loads(x) for x in (ROOT / "data" / "seed" / "listings.jsonl")
            .read_text(encoding="utf-8").splitlines()[:80]]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["calibrate-cascade", "--model", str(blend_folder), "--data", str(data),
                 "--target-agreement", "0.9", "--min-rows", "2", "--enable"]) == 0
    meta = read_meta(blend_folder)
    assert meta.blend is not None and meta.blend.cascade is not None
    assert meta.blend.cascade.enabled and meta.blend.cascade.fitted["data"]["n"] == 80
    clf = ListingClassifier.from_pretrained(blend_folder)
    assert clf.cascade == bool(meta.blend.cascade.thresholds)  # enabled, if anything qualified
    assert not ListingClassifier.from_pretrained(blend_folder, cascade=False).cascade


def test_a_config_turns_the_cascade_on_at_training(tmp_path: Path, tiny_cache: Path) -> None:
    from nlp_ip_train.config import load_config
    from nlp_ip_train.run import train

    cfg = load_config(ROOT / "configs" / "tiny.yaml", [
        f"data.cache_dir={tiny_cache}", "model.blend.enabled=true",
        "model.blend.cascade.enabled=true", "model.blend.cascade.target_agreement=0.9",
        "model.blend.cascade.min_rows=2"])
    train(cfg, tmp_path / "run", root=ROOT)
    meta = read_meta(tmp_path / "run" / "model-best")
    assert meta.blend is not None and meta.blend.cascade is not None
    assert meta.blend.cascade.enabled and meta.blend.cascade.fitted["data"]["split"] == (
        "validation")
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert "cascade" in json.dumps(metrics)


@pytest.mark.anyio
async def test_server_runs_the_cascade_and_counts_skipped_listings(
        blend_folder: Path, tmp_path: Path) -> None:
    from serve_helpers import asgi_client, make_key

    from nlp_ip.serve import ServeSettings, create_app

    def change(meta: object) -> None:
        meta.blend.cascade = CascadeMeta(thresholds={"legitimate": 0.0,  # type: ignore[attr-defined]
                                                     "infringing": 0.0})

    update_meta(blend_folder, change)
    keys = tmp_path / "keys.json"
    key = make_key(keys, "moderation")
    metrics_key = make_key(keys, "scraper", ("metrics",))
    listings = _listings(12)
    expected = ListingClassifier.from_pretrained(blend_folder, backend="torch-fp32",
                                                 cascade=True).predict_proba(listings)
    app = create_app(ServeSettings(model=blend_folder, backend="torch-fp32", cascade=True,
                                   api_keys_file=keys, max_wait_ms=5))
    async with asgi_client(app, key) as client:
        assert app.state.nlp.ready, app.state.nlp.load_error
        answer = await client.post("/v1/classify", json={"listings": listings})
        info = (await client.get("/v1/model")).json()
        text = (await client.get("/metrics",
                                 headers={"Authorization": f"Bearer {metrics_key}"})).text
    assert answer.status_code == 200, answer.text
    body = answer.json()
    got = np.array([[p["probabilities"][n] for n in ("infringing", "parody", "lookalike",
                                                    "legitimate")] for p in body["predictions"]])
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert info["cascade"] is True and info["model_version"].endswith("+cascade")
    assert body["model_version"].endswith("+cascade")
    skipped = int(sum(1 for p in _tfidf_probs(blend_folder, listings).argmax(1)
                      if p in (LABEL2ID["legitimate"], LABEL2ID["infringing"])))
    assert "nlp_ip_cascade_listings_total 12.0" in text
    assert f"nlp_ip_cascade_skipped_total {float(skipped)}" in text


def test_bench_cascade_runs_side_by_side(blend_folder: Path, tmp_path: Path) -> None:
    """benchmarks/bench_cascade.py end to end on the tiny blend (smoke: figures exist)."""
    bench = _benchmark("bench_cascade")

    def change(meta: object) -> None:
        meta.blend.cascade = CascadeMeta(thresholds={"legitimate": 0.0})  # type: ignore[attr-defined]

    update_meta(blend_folder, change)
    seed = str(ROOT / "data" / "seed" / "listings.jsonl")
    out = tmp_path / "cascade.json"
    assert bench.main(["--model", str(blend_folder), "--data", seed, "--n", "60",
                       "--rounds", "1", "--backend", "torch-fp32",
                       "--quality", f"{seed}:test", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["n"] == 60 and set(result["listings_per_s"]) == {"full", "cascade"}
    assert 0.0 <= result["skipped_share"] <= 1.0 and result["label_agreement"] <= 1.0
    (quality,) = result["quality"].values()
    assert set(quality["paired_ci95_cascade_minus_full"]) >= {"macro_f1", "infringing_recall"}
    bound = result["ceiling"]
    assert bound["first_stage"] == "tfidf"
    # no first stage skips more than the rows the blend labels infringing or legitimate
    assert 0.0 <= bound["oracle_skip_share"] <= bound["blend_skippable_share"] <= 1.0
    assert set(bound["oracle_thresholds"]) <= {"infringing", "legitimate"}


# -- the distilled first stage ------------------------------------------------------------

def _seed_rows() -> list[dict]:
    return [json.loads(x) for x in (ROOT / "data" / "seed" / "listings.jsonl")
            .read_text(encoding="utf-8").splitlines()]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_fit_head_learns_soft_targets_and_never_predicts_an_absent_label() -> None:
    from scipy.sparse import csr_matrix

    from nlp_ip_train.cascade import fit_head

    rng = np.random.default_rng(0)
    n, d = 600, 40
    dense = rng.random((n, d)) * (rng.random((n, d)) < 0.2)
    truth = rng.normal(size=(4, d)) * 4
    probs = softmax(dense @ truth.T, 1.0)
    nz = np.nonzero(dense)
    order = np.lexsort((nz[1], nz[0]))
    rows, cols = nz[0][order], nz[1][order]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
    features = csr_matrix((dense[rows, cols], cols, indptr), shape=(n, d))
    coef, intercept = fit_head(features, probs, C=100.0)
    assert coef.shape == (4, d) and intercept.shape == (4,)
    fitted = softmax(dense @ coef.T + intercept, 1.0)
    assert (fitted.argmax(1) == probs.argmax(1)).mean() > 0.9
    assert np.abs(fitted - probs).mean() < 0.05
    # only two labels in the targets: scikit-learn's binary form is mapped back, and the
    # two absent labels get no probability
    two = np.zeros_like(probs)
    two[:, 1] = probs[:, :2].sum(1) > 0.5
    two[:, 3] = 1 - two[:, 1]
    coef, intercept = fit_head(features, two)
    fitted = softmax(dense @ coef.T + intercept, 1.0)
    assert fitted[:, [0, 2]].max() < 1e-6
    assert (fitted.argmax(1) == two.argmax(1)).mean() > 0.9


def test_a_distilled_head_decides_with_its_own_calibrated_probabilities(
        blend_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from nlp_ip.cli import main
    from nlp_ip.inference.cascade import HEAD_FILE, early_exits, load_head

    rows = _seed_rows()
    calibration = _write(tmp_path / "val.jsonl", rows[::4])
    unlabeled = [{k: v for k, v in r.items() if k not in ("label", "split")}
                 for i, r in enumerate(rows) if i % 4]
    distill = _write(tmp_path / "distill.jsonl", unlabeled)
    assert main(["calibrate-cascade", "--model", str(blend_folder), "--data", str(calibration),
                 "--distill", str(distill), "--target-agreement", "0.9",
                 "--min-rows", "2"]) == 0
    spec = read_meta(blend_folder).blend.cascade  # type: ignore[union-attr]
    assert spec is not None and spec.head == HEAD_FILE and spec.head_temperature > 0
    assert spec.fitted["distill"]["n"] == len(unlabeled)
    assert (blend_folder / HEAD_FILE).is_file()

    meta = read_meta(blend_folder)
    scorer = TfidfScorer.load(blend_folder)
    head = load_head(blend_folder, HEAD_FILE, scorer.n_features)
    texts = build_model_inputs(unlabeled, hints=meta.text.hints,
                               catalog_path=blend_folder / "brands.yaml")
    distilled = scorer.linear(texts, [head])[0]
    full = ListingClassifier.from_pretrained(blend_folder, backend="torch-fp32", cascade=False)
    blend = full.predict_proba(unlabeled)
    # fitted to the blend's answers on these rows, it reproduces them (the tiny blend's
    # weight is all on its TF-IDF part, so that part is the blend here; the gain over it on
    # a real blend is measured by benchmarks/bench_cascade.py)
    assert (distilled.argmax(1) == blend.argmax(1)).mean() >= 0.95

    # the engine: rows above a threshold get the head's calibrated probabilities
    cheap = softmax(distilled, spec.head_temperature)
    top_legit = cheap.argmax(1) == LABEL2ID["legitimate"]
    threshold = float(np.median(cheap.max(1)[top_legit]))

    def change(m: object) -> None:
        m.blend.cascade.thresholds = {"legitimate": threshold}  # type: ignore[attr-defined]

    update_meta(blend_folder, change)
    skipped = early_exits(distilled, spec.head_temperature, {"legitimate": threshold})
    assert skipped.any() and (~skipped).any()
    with ListingClassifier.from_pretrained(blend_folder, backend="torch-fp32",
                                           cascade=True) as clf:
        got = clf.predict_proba(unlabeled)
        assert clf.cascade_counts["skipped"] == int(skipped.sum())
    np.testing.assert_allclose(got[skipped], cheap[skipped], atol=1e-5)
    np.testing.assert_allclose(got[~skipped], blend[~skipped], atol=1e-6)

    # refitting without --distill drops the head and its file
    assert main(["calibrate-cascade", "--model", str(blend_folder), "--data", str(calibration),
                 "--target-agreement", "0.9", "--min-rows", "2"]) == 0
    assert read_meta(blend_folder).blend.cascade.head is None  # type: ignore[union-attr]
    assert not (blend_folder / HEAD_FILE).exists()


def test_distillation_rows_may_not_be_calibration_rows(
        blend_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from nlp_ip.cli import main

    rows = _seed_rows()
    calibration = _write(tmp_path / "val.jsonl", rows[:40])
    distill = _write(tmp_path / "distill.jsonl", rows[30:90])
    assert main(["calibrate-cascade", "--model", str(blend_folder), "--data", str(calibration),
                 "--distill", str(distill), "--dry-run"]) == 1
    assert "--distill: 10 of its listings are also in --data" in capsys.readouterr().err
    assert main(["calibrate-cascade", "--model", str(blend_folder), "--data", str(calibration),
                 "--distill", str(distill), "--distill-c", "0", "--dry-run"]) == 1
    assert "--distill-c must be above 0" in capsys.readouterr().err


def test_a_broken_or_misplaced_head_is_refused(blend_folder: Path) -> None:
    from pydantic import ValidationError
    from safetensors.numpy import save_file

    from nlp_ip.errors import ModelLoadError
    from nlp_ip.inference.cascade import HEAD_FILE

    with pytest.raises(ValidationError, match="must be a file name inside the model folder"):
        CascadeMeta(thresholds={"legitimate": 0.9}, head="../elsewhere.safetensors")
    save_file({"coef": np.zeros((4, 7), dtype=np.float32),
               "intercept": np.zeros(4, dtype=np.float32)}, str(blend_folder / HEAD_FILE))

    def change(m: object) -> None:
        m.blend.cascade = CascadeMeta(thresholds={"legitimate": 0.9},  # type: ignore[attr-defined]
                                      head=HEAD_FILE)

    update_meta(blend_folder, change)
    with pytest.raises(ModelLoadError, match=r"cascade_head.safetensors: cascade head of shape "
                                             r"\(4, 7\)"):
        ListingClassifier.from_pretrained(blend_folder, backend="torch-fp32", cascade=True)


def test_onnx_export_carries_the_head(blend_folder: Path, tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    from nlp_ip.exporters.onnx import export_onnx
    from nlp_ip.inference.cascade import HEAD_FILE

    n = TfidfScorer.load(blend_folder).n_features
    rng = np.random.default_rng(1)
    save_file({"coef": rng.normal(size=(4, n)).astype(np.float32),
               "intercept": np.zeros(4, dtype=np.float32)}, str(blend_folder / HEAD_FILE))

    def change(m: object) -> None:
        m.blend.cascade = CascadeMeta(thresholds={"legitimate": 0.5},  # type: ignore[attr-defined]
                                      head=HEAD_FILE, head_temperature=2.0)

    update_meta(blend_folder, change)
    out = tmp_path / "onnx"
    export_onnx(blend_folder, out)
    assert (out / HEAD_FILE).read_bytes() == (blend_folder / HEAD_FILE).read_bytes()
    listings = _listings(20)
    a = ListingClassifier.from_pretrained(blend_folder, backend="torch-fp32", cascade=True)
    b = ListingClassifier.from_pretrained(out, cascade=True)
    np.testing.assert_allclose(a.predict_proba(listings), b.predict_proba(listings), atol=2e-3)
    assert a.cascade_counts == b.cascade_counts


def test_early_exit_probe_runs(tiny_blend_run: Path, tmp_path: Path) -> None:
    """benchmarks/early_exit_probe.py end to end on the tiny blend (smoke: shares exist)."""
    probe = _benchmark("early_exit_probe")
    seed = str(ROOT / "data" / "seed" / "listings.jsonl")
    out = tmp_path / "probe.json"
    assert probe.main(["--model", str(tiny_blend_run / "model-best"),
                       "--distill", f"{seed}:seed-train", "--distill-n", "200",
                       "--data", f"{seed}:seed-validation", "--traffic", f"{seed}:test",
                       "--n", "60", "--layers", "1,2", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert set(result["layers"]) == {"1", "2"} and result["n"] == 60
    for report in result["layers"].values():
        for budget in ("skipped", "overall"):
            assert 0.0 <= report[budget]["exit_share"] <= 1.0
            assert set(report[budget]["thresholds"]) <= {"infringing", "legitimate"}
        assert 0.0 <= report["oracle_exit_share"] <= 1.0


def test_reference_probe_counts_rows_with_no_mark_or_design_referenced(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """benchmarks/reference_probe.py: a brand named or a comparison cue is a reference,
    "no logo" alone is not; moved predictions are counted as fixes and breaks."""
    probe = _benchmark("reference_probe")
    rows = [
        {"id": "a", "title": "Gucci Marmont shoulder bag with receipt", "label": "legitimate"},
        {"id": "b", "title": "Plain cotton crew-neck t-shirt, 3 pack, no logo",
         "label": "legitimate"},
        {"id": "c", "title": "Tote bag inspired by the Neverfull", "label": "lookalike"},
        {"id": "d", "title": "Soft plush squeaky toy for dogs", "label": "parody"},
    ]
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    preds = tmp_path / "predictions.jsonl"
    predicted = {"a": "legitimate", "b": "lookalike", "c": "lookalike", "d": "parody"}
    preds.write_text("".join(json.dumps({"id": k, "predicted": v}) + "\n"
                             for k, v in predicted.items()), encoding="utf-8")
    assert probe.main([f"{data}@{preds}", "--brands", str(ROOT / "data" / "brands.yaml")]) == 0
    out = capsys.readouterr().out
    assert "4 rows, 2 with no reference found" in out
    assert "legitimate 1 of 2, lookalike 0 of 1, parody 1 of 1" in out
    assert "fixes 1, breaks 1" in out
