from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nlp_ip.artifact import read_meta
from nlp_ip.atomic import atomic_folder
from nlp_ip.errors import ConfigError
from nlp_ip.labels import LABEL_NAMES
from nlp_ip_train.config import load_config
from nlp_ip_train.lifecycle.config import LIFECYCLE_CONFIGS

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted(p for p in (ROOT / "configs").glob("*.yaml") if p.name not in LIFECYCLE_CONFIGS)


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_every_shipped_config_validates(path: Path) -> None:
    cfg = load_config(path)
    assert cfg.name == path.stem


def test_unknown_key_names_path_and_suggestion(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: %s\ntraining:\n  learnig_rate: 1.0e-4\n"
                   % (ROOT / "configs/tiny.yaml"))
    with pytest.raises(ConfigError, match=r"unknown key 'training.learnig_rate'; did you mean "
                                          r"'learning_rate'"):
        load_config(bad)


def test_extends_and_dotted_overrides(tmp_path: Path) -> None:
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {ROOT / 'configs/default.yaml'}\nname: child\n"
                     "training: {epochs: 5}\n")
    cfg = load_config(child, ["training.learning_rate=3e-5", "text.hints=false"])
    assert cfg.training.epochs == 5
    assert cfg.training.learning_rate == pytest.approx(3e-5)
    assert cfg.text.hints is False
    assert cfg.model.base == "minilm"  # inherited
    with pytest.raises(ConfigError, match=r"must look like section\.key=value"):
        load_config(child, ["training.epochs"])
    with pytest.raises(ConfigError, match=r"'training\.epochs'"):
        load_config(child, ["training.epochs=-1"])


def test_tiny_run_folder_reproduces_the_run(tiny_run: Path) -> None:
    for name in ("config.yaml", "run.json", "metrics.json", "metrics.jsonl"):
        assert (tiny_run / name).is_file(), name
    info = json.loads((tiny_run / "run.json").read_text())
    assert info["seed"] == 13 and info["data_fingerprint"]["files"]
    assert list((tiny_run / "tensorboard").iterdir())
    for folder in ("model-best", "model-last"):
        model = tiny_run / folder
        for name in ("model.safetensors", "config.json", "tokenizer.json", "nlp_ip.json",
                     "brands.yaml", "README.md"):
            assert (model / name).is_file(), f"{folder}/{name}"
        assert not list(model.glob("*.bin")) and not list(model.glob("*.pkl"))
        meta = read_meta(model)
        assert meta.labels == list(LABEL_NAMES)
        assert meta.temperature > 0 and meta.data_fingerprint["combined"]
        assert meta.config["name"] == "tiny"
        cal = meta.metrics["calibration"]
        assert {"ece_before", "ece_after", "temperature"} <= set(cal)
        config = json.loads((model / "config.json").read_text())
        assert config["id2label"] == {str(i): n for i, n in enumerate(LABEL_NAMES)}


def test_tiny_model_loads_in_plain_transformers_pipeline(tiny_model: Path) -> None:
    from transformers import pipeline

    classify = pipeline("text-classification", model=str(tiny_model))
    out = classify(["G.U.C.C.I belt 1:1 mirror quality", "cotton t-shirt 3 pack"])
    assert [o["label"] in LABEL_NAMES for o in out] == [True, True]


def test_tiny_model_reloads_in_the_classifier(tiny_model: Path) -> None:
    from nlp_ip.inference import ListingClassifier

    clf = ListingClassifier.from_pretrained(tiny_model, backend="torch-fp32")
    probs = clf.predict_proba(["Rolex Submariner $89 replica", {"title": "Oak bookshelf"}])
    assert probs.shape == (2, 4)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)


def test_tfidf_runtime_matches_scikit_learn() -> None:
    from nlp_ip_train.baseline import baseline_logits, fit_baseline, save_baseline
    from nlp_ip_train.config import TfidfSpec

    texts = ["LV Neverfull replica 1:1 cheap", "Neverfull inspired tote no logo",
             "Chewy Vuiton dog toy parody", "Louis Vuitton Neverfull receipt authenticated",
             "G.U.C.C.I belt AAA", "quilted chain flap bag no logo",
             "Just Don't It parody tee", "cotton crew neck t-shirt 3 pack"] * 3
    labels = [0, 2, 1, 3, 0, 2, 1, 3] * 3
    model = fit_baseline(texts, labels, [1.0] * len(texts), TfidfSpec(min_df=1), seed=0)
    import tempfile

    from nlp_ip.tfidf import TfidfScorer

    with tempfile.TemporaryDirectory() as tmp:
        save_baseline(model, Path(tmp))
        scorer = TfidfScorer.load(tmp)
        # words shorter than, as long as and longer than the n-gram sizes (a padded word
        # no longer than n counts once), repeated grams, runs of white space, no words
        probe = ["Gucci  belt replica, unseen words ÉTÉ", "tote bag inspired", "x",
                 "ab abc abcd\tabcde  tote tote tote\n bag bag", "aaaa aaaa aaa", ""]
        np.testing.assert_allclose(scorer.logits(probe), baseline_logits(model, probe),
                                   rtol=1e-9, atol=1e-9)


def test_atomic_folder_leaves_nothing_on_crash(tmp_path: Path) -> None:
    target = tmp_path / "model"
    with pytest.raises(RuntimeError), atomic_folder(target) as tmp:
        (tmp / "half.bin").write_text("x")
        raise RuntimeError("killed")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []
