"""nlp-ip retrain end to end on the tiny config: review databases -> a registered candidate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from review_support import fill_store

import nlp_ip.cli
from nlp_ip.cli import main
from nlp_ip.registry import Registry
from nlp_ip.review.store import SUSPECT, ReviewStore, utc_now
from nlp_ip_train.lifecycle.config import GateConfig, GateSet, load_lifecycle_config
from nlp_ip_train.lifecycle.gate import gate_version
from nlp_ip_train.lifecycle.retrain import retrain

ROOT = Path(__file__).resolve().parents[1]


def add_suspect(store: ReviewStore, listing: dict[str, Any], given_label: str) -> int:
    """Queue a corpus row as a suspected mislabel (what `review suspects --db` does)."""
    store.add_items([{
        "position": store.next_position(), "listing_id": listing["id"],
        "listing": json.dumps({**listing, "label": given_label}),
        "text_key": f"{SUSPECT}:{listing['id']}", "predicted": "parody",
        "probs": json.dumps({"infringing": 0.2, "parody": 0.7, "lookalike": 0.05,
                             "legitimate": 0.05}),
        "confidence": 0.7, "margin": 0.5, "risk": 0.2, "policy_decision": "", "brand": None,
        "brands": "", "signals": "{}", "explanation": "{}", "similar": "[]", "embedding": None,
        "model_version": "cv5-tfidf-seed0", "added_at": utc_now(), "kind": SUSPECT,
        "given_label": given_label, "label_quality": 0.1}])
    row = next(r for r in store.queue(kind=SUSPECT)[0] if r["listing_id"] == listing["id"])
    return int(row["id"])


def decide(store: ReviewStore, item: int, label: str, who: str) -> None:
    store.record_decision(item, label, reviewer=who, submission_id=f"{store.path.name}-{item}-"
                                                                    f"{label}-{utc_now()}")


def test_retrain_registers_a_candidate_from_reviewer_decisions(
        tiny_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NLP_IP_BACKEND", "torch-fp32")  # skip the fp32/bf16 speed probe
    registry = Registry(tmp_path / "registry", create=True)
    registry.register(tiny_run / "model-best", name="clf", by="ana")
    registry.promote("clf", "v1", by="ana")

    db_a, db_b = tmp_path / "team-a.sqlite", tmp_path / "team-b.sqlite"
    a, b = fill_store(db_a), fill_store(db_b)  # items 1-4: listings r-1 .. r-4
    suspect = add_suspect(a, {"id": "seed-p-9", "title": "Timmy Holedigger pet cologne",
                              "description": "a spoof of a famous perfume"}, "infringing")
    decide(a, 1, "legitimate", "ana")
    decide(a, 1, "infringing", "ana")  # a correction: the latest decision wins
    decide(a, 2, "parody", "ana")
    decide(a, 4, "legitimate", "ana")
    decide(a, suspect, "parody", "ana")  # the corpus said infringing: relabeled
    decide(b, 2, "infringing", "ben")  # contradicts team a on r-2, minutes apart
    decide(b, 3, "lookalike", "ben")  # the most recent decision: held out

    cfg = load_lifecycle_config(ROOT / "configs" / "retrain.yaml", [
        f"registry={registry.root}", "name=clf", "holdout.fraction=0.25",
        "training.overrides=[training.max_steps=4]"])
    result = retrain(cfg, databases=[str(db_a), str(db_b)], output=tmp_path / "run",
                     by="ana", root=ROOT)

    record = result.record
    assert (record.name, record.version, record.parent) == ("clf", "v2", "v1")
    assert registry.stage("clf") == "v1"  # a candidate, not promoted
    fingerprint = record.data_fingerprint["review_decisions"]
    assert fingerprint["new"] == 4 and fingerprint["held_out"] == 1
    assert fingerprint["contradictions"] == 1 and fingerprint["rows"] == 3
    assert fingerprint["databases"] == [str(db_a.resolve()), str(db_b.resolve())]
    assert fingerprint["file"] in record.data_fingerprint["files"]  # trained on it
    # warm start from the production weights, decisions added as weighted extra data
    assert record.config["model"]["base"] == str(registry.model_path("clf", "v1").resolve())
    assert record.config["data"]["extra"][-1] == {"path": fingerprint["file"], "weight": 2.0,
                                                  "repeat": 1}
    assert record.lineage["base_model"] == {"kind": "tiny", "base": "minilm"}
    # the database already keeps one current decision per item: nothing else to supersede
    assert record.lineage["retrain"]["decisions"]["superseded"] == 0

    def rows(name: str) -> dict[str, dict[str, Any]]:
        path = registry.data_file("clf", "v2", name)
        assert path is not None, name
        return {r.get("id") or r["listing"]: r for r in
                map(json.loads, path.read_text(encoding="utf-8").splitlines())}

    trained = rows("decisions.jsonl")
    assert {k: r["label"] for k, r in trained.items()} == {
        "r-1": "infringing", "r-4": "legitimate", "seed-p-9": "parody"}
    assert trained["seed-p-9"]["review_kind"] == "suspect"
    assert trained["seed-p-9"]["review_given_label"] == "infringing"
    held_out = rows("recent-decisions.jsonl")
    assert list(held_out) == ["r-3"] and held_out["r-3"]["label"] == "lookalike"
    contradictions = rows("contradictions.jsonl")
    assert contradictions["id:r-2"]["labels"] == ["infringing", "parody"]
    assert (result.run_dir / "retrain.json").is_file()
    assert (result.run_dir / "contradictions.jsonl").is_file()

    # the gate scores the held-out slice (a small frozen set keeps this quick)
    gate_cfg = GateConfig(sets=[GateSet(name="cases", path="data/cases/cases.jsonl")],
                          n_bootstrap=100)
    report = gate_version(registry, "clf", "v2", gate_cfg, root=ROOT)
    recent = next(s for s in report["sets"] if s["name"] == "recent-decisions")
    assert recent["n"] == 1 and recent["label_counts"]["lookalike"] == 1

    # Round two, through the CLI, from v2: its decisions are carried over, the held-out
    # one comes back as new, and a later correction replaces a carried decision.
    registry.promote("clf", "v2", force=True, reason="test: tiny models", by="ana")
    decide(a, 4, "infringing", "ana")
    monkeypatch.setitem(nlp_ip.cli.BUILTIN_COMMANDS, "retrain",
                        "nlp_ip_train.lifecycle.cli:register_retrain")
    monkeypatch.chdir(ROOT)
    config = tmp_path / "retrain.yaml"
    config.write_text(f"extends: {ROOT / 'configs' / 'retrain.yaml'}\nregistry: "
                      f"{registry.root}\nname: clf\nholdout: {{fraction: 0}}\n"
                      "training: {init_from: base}\n", encoding="utf-8")
    assert main(["retrain", "--config", str(config), "--db", str(db_a), "--db", str(db_b),
                 "--output", str(tmp_path / "run2"), "--train-set", "model.kind=tfidf",
                 "--by", "ben"]) == 0
    out = capsys.readouterr()
    assert "registered clf v3" in out.out and "parent v2" in out.out
    assert ("2 new (2 trained, 0 held out for the gate), 2 carried over, 1 superseded, "
            "1 contradicting") in out.out
    assert "contradicting decisions (left out)" in out.err
    third = registry.record("clf", "v3")
    assert third.registered_by == "ben" and third.config["model"]["kind"] == "tfidf"
    extra = [e["path"] for e in third.config["data"]["extra"]]
    assert fingerprint["file"] not in extra  # the previous decisions file is replaced
    assert sum(p.endswith("decisions.jsonl") for p in extra) == 1
    labels = {r["id"]: r["label"] for r in map(json.loads, (
        registry.data_file("clf", "v3", "decisions.jsonl") or Path("-")).read_text(
        ).splitlines())}
    assert labels == {"r-1": "infringing", "r-3": "lookalike", "r-4": "infringing",
                      "seed-p-9": "parody"}
