"""Fact heads (issue 20, item 3): targets, the guide-order combination, training, serving."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nlp_ip.facts import (
    FACTS,
    guide_probs,
    label_scores,
    torch_guide_log_probs,
    torch_label_scores,
)
from nlp_ip.labels import LABEL_NAMES
from nlp_ip_train.facts import BY_LABEL, BY_SCENARIO, fact_targets

ROOT = Path(__file__).resolve().parents[1]
BIG = 30.0  # a logit that makes a fact certain


def _facts(**held: bool) -> np.ndarray:
    """One row of fact logits: the named facts certain (True) or certainly absent (False),
    the others certainly absent."""
    row = np.full(len(FACTS), -BIG)
    for name, value in held.items():
        row[FACTS.index(name)] = BIG if value else -BIG
    return row


@pytest.mark.parametrize(("held", "label"), [
    ({"mark_on_goods": True}, "infringing"),
    # a failed parody: the joke is signalled but the mark is on the goods as its own
    ({"mark_on_goods": True, "joke_signalled": True}, "infringing"),
    ({"mark_on_goods": True, "genuine_goods": True}, "legitimate"),
    ({"joke_signalled": True, "design_imitated": True}, "parody"),
    ({"design_imitated": True}, "lookalike"),
    # a compatibility accessory: the brand named, nothing imitated
    ({"reference_only": True}, "legitimate"),
    # jargon alone decides nothing: only the decisive facts enter the guide order
    ({"counterfeit_jargon": True}, "legitimate"),
])
def test_the_guide_order_gives_the_guides_label(held: dict[str, bool], label: str) -> None:
    probs = guide_probs(_facts(**held)[None, :])
    assert LABEL_NAMES[int(probs.argmax())] == label
    assert probs.max() > 0.999


def test_guide_probs_are_a_distribution_and_torch_agrees() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=3.0, size=(200, len(FACTS)))
    probs = guide_probs(logits)
    assert np.allclose(probs.sum(axis=1), 1.0) and (probs >= 0).all()
    in_torch = torch_guide_log_probs(torch.tensor(logits)).exp().numpy()
    assert np.allclose(in_torch, probs, atol=1e-5)
    raw = rng.normal(size=(50, len(LABEL_NAMES) + len(FACTS)))
    for weight in (0.0, 0.3, 1.0):
        assert np.allclose(torch_label_scores(torch.tensor(raw), weight).numpy(),
                           label_scores(raw, weight), atol=1e-4)
    with pytest.raises(ValueError, match="outputs 12 columns"):
        label_scores(raw[:, :4], 0.5)


def _decide(known: dict[str, float]) -> str | None:
    """The guide's order over known facts; None where a fact it needs is unknown."""
    def get(name: str) -> float | None:
        return known.get(name)

    mark = get("mark_on_goods")
    if mark is None:
        return None
    if mark:
        genuine = get("genuine_goods")
        if genuine is None:
            return None
        if not genuine:
            return "infringing"
    joke = get("joke_signalled")
    if joke is None:
        return None
    if joke:
        return "parody"
    design = get("design_imitated")
    if design is None:
        return None
    return "lookalike" if design else "legitimate"


def test_every_generator_scenario_has_facts_that_agree_with_its_label() -> None:
    from nlp_ip_train.datagen.families import families_by_label
    from nlp_ip_train.datagen.twins import TWINS

    decided = 0
    writers = {label: list(families) for label, families in families_by_label().items()}
    for twin in TWINS:  # the topic twins (data.generate.twins) write rows too
        writers[twin.label].append(twin)
    for label, families in writers.items():
        for fam in families:
            assert fam.scenario in BY_SCENARIO, (
                f"{fam.id}: scenario {fam.scenario!r} has no facts in nlp_ip_train.facts")
            for name, value in BY_SCENARIO[fam.scenario].items():
                assert name in FACTS
                assert BY_LABEL[label.value].get(name, value) == value, (
                    f"{fam.id}: scenario says {name}={value}, its label says otherwise")
            targets, mask = fact_targets(label.value, {"scenario": fam.scenario})
            known = {FACTS[i]: targets[i] for i in range(len(FACTS)) if mask[i]}
            verdict = _decide(known)
            if verdict is not None:  # where the known facts decide, they decide its label
                decided += 1
                assert verdict == label.value, fam.id
                row = np.where(np.asarray(targets) > 0, BIG, -BIG)[None, :]
                assert LABEL_NAMES[int(guide_probs(row).argmax())] == label.value, fam.id
    assert decided >= 40  # most families: every decisive fact is known


def test_targets_come_from_the_label_and_the_scenario() -> None:
    targets, mask = fact_targets("infringing")
    known = {FACTS[i]: targets[i] for i in range(len(FACTS)) if mask[i]}
    assert known == {"mark_on_goods": 1.0, "genuine_goods": 0.0}
    targets, mask = fact_targets("legitimate", {"scenario": "compatibility"})
    known = {FACTS[i]: targets[i] for i in range(len(FACTS)) if mask[i]}
    assert known["reference_only"] == 1.0 and known["mark_on_goods"] == 0.0
    assert known["joke_signalled"] == 0.0
    # a hand-written row (no scenario) and a minimal pair know only what the label says
    assert fact_targets("parody", {"scenario": "minimal_pair"}) == fact_targets("parody")
    with pytest.raises(ValueError, match="unknown label"):
        fact_targets("fake")


def _train_tiny(tmp_path: Path, cache: Path, *overrides: str) -> tuple[Any, Path]:
    """configs/tiny.yaml with ``overrides``, trained into ``tmp_path/run``: (config, model-best)."""
    from nlp_ip_train.config import load_config
    from nlp_ip_train.run import train

    cfg = load_config(ROOT / "configs" / "tiny.yaml", [f"data.cache_dir={cache}", *overrides])
    train(cfg, tmp_path / "run", root=ROOT)
    return cfg, tmp_path / "run" / "model-best"


def test_a_fact_head_model_trains_serves_and_reports_its_facts(tmp_path: Path,
                                                               tiny_cache: Path) -> None:
    from nlp_ip.artifact import read_meta
    from nlp_ip.errors import InvalidInputError
    from nlp_ip.inference import ListingClassifier

    cfg, folder = _train_tiny(tmp_path, tiny_cache, "model.fact_heads.enabled=true",
                              "model.blend.enabled=true")
    meta = read_meta(folder)
    assert meta.facts is not None and meta.facts.names == list(FACTS)
    assert meta.facts.weight in cfg.model.fact_heads.weights
    config = json.loads((folder / "config.json").read_text())
    assert len(config["id2label"]) == len(LABEL_NAMES) + len(FACTS)
    fitted = meta.metrics["fact_heads"]
    assert set(fitted["validation_log_loss"]) == {f"{w:g}" for w in cfg.model.fact_heads.weights}
    listings = [{"title": "Chewy Vuiton plush dog toy"},
                {"title": "LV Neverfull 1:1 replica, free shipping", "price": 59}]
    with ListingClassifier.from_pretrained(folder, backend="torch-fp32") as clf:
        probs = clf.predict_proba(listings)
        facts = clf.predict_facts(listings)
        raw_backend = clf.backend.inner  # the blend's transformer part: the fact wrapper
        assert type(raw_backend).__name__ == "FactsBackend"
    assert probs.shape == (2, len(LABEL_NAMES)) and np.allclose(probs.sum(axis=1), 1.0)
    assert list(facts) == list(FACTS)
    assert all(v.shape == (2,) and ((v > 0) & (v < 1)).all() for v in facts.values())
    # without fact heads there are no facts to give
    _, plain = _train_tiny(tmp_path / "plain", tiny_cache)
    with ListingClassifier.from_pretrained(plain) as clf:
        with pytest.raises(InvalidInputError, match="no fact heads"):
            clf.predict_facts(listings)


def test_a_fact_head_folder_exports_to_onnx_with_the_same_answers(tmp_path: Path,
                                                                   tiny_cache: Path) -> None:
    from nlp_ip.cli import main
    from nlp_ip.inference import ListingClassifier

    _, folder = _train_tiny(tmp_path, tiny_cache, "model.fact_heads.enabled=true",
                            "model.fact_heads.weights=[0.5]")
    assert main(["export", "--model", str(folder), "--format", "onnx", "--output",
                 str(tmp_path / "onnx")]) == 0
    listings = [{"title": "Chewy Vuiton plush dog toy"},
                {"title": "Case compatible with AirPods Pro 2"}]
    with ListingClassifier.from_pretrained(folder, backend="torch-fp32") as clf:
        expected = clf.predict_proba(listings)
    with ListingClassifier.from_pretrained(tmp_path / "onnx") as clf:
        got = clf.predict_proba(listings)
        facts = clf.predict_facts(listings)
    assert np.allclose(got, expected, atol=1e-4)
    assert set(facts) == set(FACTS)
