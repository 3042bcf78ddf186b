"""Conformal prediction sets (issue 20, item 4): fitting, the policy rule, the folder, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from nlp_ip.artifact import read_meta
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.numerics import softmax
from nlp_ip.policy import ConformalSets, DecisionPolicy
from nlp_ip_train.conformal import conformal_rank, fit_conformal, set_report

ROOT = Path(__file__).resolve().parents[1]


def _synthetic(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities and labels drawn from them: a calibrated model, exchangeable rows."""
    logits = rng.normal(scale=2.0, size=(n, 4))
    probs = softmax(logits)
    y = np.array([rng.choice(4, p=p) for p in probs])
    return probs, y


def test_the_threshold_is_the_kth_smallest_probability_of_the_true_label() -> None:
    # 19 rows per label, alpha 0.1: k = floor(0.1 * 20) = 2, the second smallest p(true)
    probs = np.full((76, 4), 0.01)
    y = np.repeat(np.arange(4), 19)
    for label in range(4):
        rows = np.flatnonzero(y == label)
        probs[rows, label] = np.linspace(0.30, 0.97, len(rows))[::-1]
    spec = fit_conformal(probs, y, 0.1)
    assert conformal_rank(19, 0.1) == 2
    for label, name in enumerate(LABEL_NAMES):
        assert spec.thresholds[name] == pytest.approx(np.sort(probs[y == label, label])[1])
    assert spec.fitted["always_in"] == []


def test_too_few_rows_for_alpha_put_the_label_in_every_set() -> None:
    probs = softmax(np.random.default_rng(1).normal(size=(40, 4)))
    y = np.array([0] * 10 + [1] * 10 + [2] * 10 + [3] * 10)
    spec = fit_conformal(probs, y, 0.05)  # 10 rows: floor(0.05 * 11) = 0
    assert spec.fitted["always_in"] == list(LABEL_NAMES)
    assert all(t == 0.0 for t in spec.thresholds.values())
    assert spec.sets(probs).all()


def test_coverage_per_label_holds_on_new_exchangeable_rows() -> None:
    rng = np.random.default_rng(7)
    alpha = 0.1
    coverage = []
    for _ in range(40):
        cal_p, cal_y = _synthetic(rng, 400)
        new_p, new_y = _synthetic(rng, 2000)
        spec = fit_conformal(cal_p, cal_y, alpha)
        report = set_report(spec, new_p, new_y)
        coverage.append([report["coverage_per_label"][name] for name in LABEL_NAMES])
    mean = np.mean(coverage, axis=0)
    # the guarantee is on average over calibration draws: at least 1 - alpha per label,
    # and not much more (the sets are not trivially everything)
    assert (mean >= 1 - alpha - 0.01).all(), mean
    assert (mean <= 1 - alpha + 0.05).all(), mean


def test_a_set_of_more_than_one_label_goes_to_review_and_nothing_new_is_removed() -> None:
    spec = ConformalSets(thresholds={"infringing": 0.05, "parody": 0.3, "lookalike": 0.3,
                                     "legitimate": 0.3}, alpha=0.05)
    plain = DecisionPolicy()
    policy = DecisionPolicy(conformal=spec)
    probs = np.array([
        [0.01, 0.01, 0.02, 0.96],   # one label: allow
        [0.06, 0.01, 0.02, 0.91],   # infringing also in the set: review
        [0.01, 0.01, 0.58, 0.40],   # lookalike or legitimate: review
        [0.95, 0.01, 0.03, 0.01],   # removed before any set is looked at
        [0.01, 0.25, 0.14, 0.60],   # only the top label reaches its threshold: allow
        [0.01, 0.98, 0.005, 0.005],  # parody alone: allow (never removed)
    ])
    assert list(plain.decide_codes(probs)) == ["allow", "allow", "allow", "remove", "allow",
                                               "allow"]
    assert list(policy.decide_codes(probs)) == ["allow", "review", "review", "remove",
                                                "allow", "allow"]
    assert policy.prediction_sets(probs)[:3] == [["legitimate"], ["infringing", "legitimate"],
                                                 ["lookalike", "legitimate"]]
    assert plain.prediction_sets(probs) is None
    # the rule only ever turns allow into review
    rng = np.random.default_rng(3)
    many = softmax(rng.normal(scale=3.0, size=(2000, 4)))
    before, after = plain.decide_codes(many), policy.decide_codes(many)
    changed = before != after
    assert changed.any()
    assert set(before[changed]) == {"allow"} and set(after[changed]) == {"review"}


def test_thresholds_must_name_every_label() -> None:
    with pytest.raises(ValidationError, match="missing \\['legitimate'\\]"):
        ConformalSets(thresholds={"infringing": 0.1, "parody": 0.1, "lookalike": 0.1},
                      alpha=0.05)
    with pytest.raises(ValidationError, match="must be in \\[0, 1\\]"):
        ConformalSets(thresholds={n: 1.5 for n in LABEL_NAMES}, alpha=0.05)
    with pytest.raises(ValueError, match="alpha must be in"):
        fit_conformal(np.full((4, 4), 0.25), [0, 1, 2, 3], 0.0)


def _calibration_file(tmp_path: Path) -> Path:
    rows = [json.loads(x) for x in (ROOT / "data" / "seed" / "listings.jsonl")
            .read_text(encoding="utf-8").splitlines()]
    by_label: dict[str, list[dict]] = {}
    for row in rows:
        by_label.setdefault(row["label"], []).append(row)
    chosen = [r for name in LABEL_NAMES for r in by_label[name][:25]]
    data = tmp_path / "cal.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in chosen), encoding="utf-8")
    return data


def test_calibrate_conformal_writes_the_policy_and_predictions_carry_their_set(
        tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from nlp_ip.cli import main
    from nlp_ip.inference import ListingClassifier

    data = _calibration_file(tmp_path)
    assert main(["calibrate-conformal", "--model", str(tiny_model), "--data", str(data),
                 "--alpha", "0.1", "--dry-run"]) == 0
    assert read_meta(tiny_model).policy.conformal is None
    printed = json.loads(capsys.readouterr().out)
    assert printed["on_calibration_data"]["rows"] == 100
    assert main(["calibrate-conformal", "--model", str(tiny_model), "--data", str(data),
                 "--alpha", "0.1"]) == 0
    spec = read_meta(tiny_model).policy.conformal
    assert spec is not None and spec.alpha == 0.1 and spec.fitted["data"]["n"] == 100
    with ListingClassifier.from_pretrained(tiny_model) as clf:
        preds = clf.predict([{"title": "Chewy Vuiton plush dog toy"},
                             {"title": "cotton crew-neck t-shirt, 3 pack"}])
    for pred in preds:
        assert pred.prediction_set is not None
        assert set(pred.prediction_set) <= set(LABEL_NAMES)
        single = pred.prediction_set == [pred.label]
        assert single or pred.decision in ("review", "remove")
        assert pred.to_dict()["prediction_set"] == pred.prediction_set
    assert main(["calibrate-conformal", "--model", str(tiny_model), "--remove"]) == 0
    assert read_meta(tiny_model).policy.conformal is None
    with ListingClassifier.from_pretrained(tiny_model) as clf:
        pred = clf.predict([{"title": "cotton crew-neck t-shirt, 3 pack"}])[0]
    assert pred.prediction_set is None and "prediction_set" not in pred.to_dict()


def test_calibrate_conformal_rejects_an_alpha_out_of_range(
        tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from nlp_ip.cli import main

    assert main(["calibrate-conformal", "--model", str(tiny_model), "--data",
                 str(_calibration_file(tmp_path)), "--alpha", "0.7"]) == 1
    assert "--alpha must be in (0, 0.5)" in capsys.readouterr().err


def test_a_config_fits_conformal_sets_on_seed_validation_at_training(
        tmp_path: Path, tiny_cache: Path) -> None:
    from nlp_ip_train.config import load_config
    from nlp_ip_train.run import train

    cfg = load_config(ROOT / "configs" / "tiny.yaml", [
        f"data.cache_dir={tiny_cache}", "calibration.conformal.enabled=true",
        "calibration.conformal.alpha=0.2"])
    train(cfg, tmp_path / "run", root=ROOT)
    spec = read_meta(tmp_path / "run" / "model-best").policy.conformal
    assert spec is not None and spec.alpha == 0.2
    assert spec.fitted["data"]["split"] == "seed-validation" and spec.fitted["data"]["n"] > 0
    assert spec.fitted["on_calibration_data"]["rows"] == spec.fitted["data"]["n"]
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["model-best"]["conformal"]["data"]["split"] == "seed-validation"


def test_conformal_at_training_needs_hand_written_held_out_rows(
        tmp_path: Path, tiny_cache: Path) -> None:
    from nlp_ip.errors import ConfigError
    from nlp_ip_train.config import load_config
    from nlp_ip_train.run import train

    cfg = load_config(ROOT / "configs" / "tiny.yaml", [
        f"data.cache_dir={tiny_cache}", "calibration.conformal.enabled=true",
        "data.use_seed_train=false"])
    with pytest.raises(ConfigError, match=r"calibration\.conformal needs hand-written"):
        train(cfg, tmp_path / "run", root=ROOT)
    assert not (tmp_path / "run" / "model-best").exists()
