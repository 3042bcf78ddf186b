"""Lifecycle pieces without a model: decision merging, the config, the gate's rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nlp_ip.errors import ConfigError
from nlp_ip.labels import LABEL2ID
from nlp_ip.policy import DecisionPolicy
from nlp_ip_train.lifecycle.config import GateConfig, LifecycleConfig, load_lifecycle_config
from nlp_ip_train.lifecycle.decisions import ReviewDecision, merge_decisions, split_recent
from nlp_ip_train.lifecycle.gate import compare_set

ROOT = Path(__file__).resolve().parents[1]
HOUR = 3600.0


def decision(label: str, at: str, db: str = "a.sqlite", *, listing_id: str | None = "x-1",
             title: str = "Chewy Vuiton plush", reviewer: str = "ana") -> ReviewDecision:
    record: dict[str, Any] = {"id": listing_id, "title": title, "description": "dog toy",
                              "label": label, "review_reviewer": reviewer,
                              "review_decided_at": f"2026-12-01T{at}:00.000+00:00",
                              "review_kind": "borderline", "review_database": db}
    return ReviewDecision(record)


def test_latest_decision_wins_within_and_across_databases() -> None:
    merged = merge_decisions([], [
        decision("parody", "08:00"), decision("infringing", "09:00"),  # a correction in a
        decision("lookalike", "08:30", "b.sqlite", listing_id="x-2"),
        decision("legitimate", "09:15", "c.sqlite", listing_id="x-2"),  # outside the window
    ], window_s=0)
    assert {(d.key, d.label) for d in merged.new} == {("id:x-1", "infringing"),
                                                      ("id:x-2", "legitimate")}
    assert merged.superseded == 2 and merged.contradictions == []


def test_databases_that_disagree_at_the_same_time_are_reported_not_guessed() -> None:
    decisions = [decision("parody", "08:00", "a.sqlite"),
                 decision("infringing", "10:00", "b.sqlite", reviewer="ben")]
    within = merge_decisions([], decisions, window_s=24 * HOUR)
    assert within.new == [] and len(within.contradictions) == 1
    report = within.contradictions[0].to_dict()
    assert report["labels"] == ["infringing", "parody"]
    assert {d["database"] for d in report["decisions"]} == {"a.sqlite", "b.sqlite"}
    apart = merge_decisions([], decisions, window_s=1 * HOUR)  # 2 h apart: the later wins
    assert [d.label for d in apart.new] == ["infringing"] and apart.contradictions == []
    agree = merge_decisions([], [decision("parody", "08:00", "a.sqlite"),
                                 decision("parody", "08:01", "b.sqlite")], window_s=24 * HOUR)
    assert len(agree.new) == 1 and agree.contradictions == []


def test_listings_without_an_id_match_on_normalised_text() -> None:
    merged = merge_decisions([], [
        decision("parody", "08:00", "a.sqlite", listing_id=None, title="Chewy Vuiton plush!"),
        decision("infringing", "09:00", "b.sqlite", listing_id=None, title="chewy  VUITON plush"),
    ], window_s=0)
    assert len(merged.new) == 1 and merged.new[0].label == "infringing"


def test_decisions_already_trained_on_are_carried_and_newer_ones_replace_them() -> None:
    old = decision("parody", "08:00", listing_id="x-1")
    kept = decision("lookalike", "08:00", listing_id="x-2")
    merged = merge_decisions([old, kept], [
        old, kept,  # still in the database: the same decisions, read again
        decision("infringing", "12:00", listing_id="x-1", reviewer="ben")], window_s=0)
    assert [d.key for d in merged.carried] == ["id:x-2"]
    assert [(d.key, d.label) for d in merged.new] == [("id:x-1", "infringing")]
    assert merged.superseded == 1
    moved = decision("lookalike", "08:00", "/new/place/a.sqlite", listing_id="x-2")
    again = merge_decisions([kept], [moved], window_s=0)  # the database was moved since
    assert [d.key for d in again.carried] == ["id:x-2"] and again.new == []


def test_split_recent_holds_out_the_most_recent_share() -> None:
    decisions = [decision("parody", f"0{h}:00", listing_id=f"x-{h}") for h in range(5)]
    older, recent = split_recent(list(reversed(decisions)), 0.2)
    assert [d.key for d in recent] == ["id:x-4"] and len(older) == 4
    assert split_recent(decisions, 0.0)[1] == []
    assert [d.key for d in split_recent(decisions, 0.5)[1]] == ["id:x-2", "id:x-3", "id:x-4"]


def test_shipped_retrain_config_documents_the_defaults() -> None:
    assert load_lifecycle_config(ROOT / "configs" / "retrain.yaml") == LifecycleConfig()


def test_lifecycle_config_errors_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown key 'decisions.wieght'; did you mean "
                                          r"'weight'"):
        load_lifecycle_config(None, ["decisions.wieght=3"])
    with pytest.raises(ConfigError, match=r"data/fresh is reserved for final measurements and "
                                          r"is never scored by the gate"):
        load_lifecycle_config(None, ["gate.sets=[{name: f, path: data/fresh/listings.jsonl}]"])
    with pytest.raises(ConfigError, match=r"data/contrast is reserved"):
        load_lifecycle_config(None, [f"gate.sets=[{{name: c, path: {ROOT}/data/contrast/x}}]"])
    with pytest.raises(ConfigError, match=r"data/contrast-2 is reserved"):
        load_lifecycle_config(None, ["gate.sets=[{name: c, path: data/contrast-2/listings.jsonl}]"])
    with pytest.raises(ConfigError, match=r"gate set names must be unique; repeated: \['a'\]"):
        load_lifecycle_config(None, ["gate.sets=[{name: a, path: x}, {name: a, path: y}]"])


def _probs(labels: np.ndarray, confidence: float = 0.97) -> np.ndarray:
    out = np.full((len(labels), 4), (1 - confidence) / 3)
    out[np.arange(len(labels)), labels] = confidence
    return out


def test_gate_rules_on_known_probabilities() -> None:
    parody, infringing = LABEL2ID["parody"], LABEL2ID["infringing"]
    y = np.repeat(np.arange(4), 100)
    production = _probs(y)
    policy = DecisionPolicy()
    cfg = GateConfig(n_bootstrap=300)
    same = compare_set(y, (production, policy), (production, policy), cfg)
    assert {row["verdict"] for row in same.values()} == {"pass"}
    assert same["macro_f1"]["interval"] == [0.0, 0.0]

    flipped = production.copy()
    flipped[np.flatnonzero(y == parody)[:30]] = _probs(np.full(30, infringing))
    worse = compare_set(y, (flipped, policy), (production, policy), cfg)
    assert worse["over_enforcement_parody"]["verdict"] == "fail"
    assert worse["over_enforcement_parody"]["difference"] == pytest.approx(0.3)
    assert worse["over_enforcement_parody"]["interval"][0] > 0
    assert worse["macro_f1"]["verdict"] == "fail"
    assert worse["over_enforcement_lookalike"]["verdict"] == "pass"
    assert worse["infringing_recall"]["verdict"] == "pass"

    missed = production.copy()
    missed[np.flatnonzero(y == infringing)[:40]] = _probs(np.full(40, LABEL2ID["legitimate"]))
    assert compare_set(y, (missed, policy), (production, policy),
                       cfg)["infringing_recall"]["verdict"] == "fail"

    unsure = _probs(y, confidence=0.6)  # right on every row, but far less confident
    ece = compare_set(y, (unsure, policy), (production, policy), cfg)["ece"]
    assert ece["verdict"] == "fail" and ece["difference"] > 0.02
    small = GateConfig(n_bootstrap=300, ece_min_rows=1000)
    assert compare_set(y, (unsure, policy), (production, policy),
                       small)["ece"]["verdict"] == "not gated"
    no_lookalike = y != LABEL2ID["lookalike"]
    out = compare_set(y[no_lookalike], (production[no_lookalike], policy),
                      (production[no_lookalike], policy), cfg)
    assert out["over_enforcement_lookalike"]["verdict"] == "not measured"
