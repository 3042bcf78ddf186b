"""The whole loop on real (tiny) models, the way its users drive it (issue 17, must reach):

review queue -> decisions through the HTTP workbench -> ``nlp-ip retrain`` -> ``nlp-ip gate``
-> ``nlp-ip models promote`` -> a running server switches versions while a client sends
requests continuously: no failed request, every answer from one version, the old one
before the switch and the new one after it.

Production is configs/tiny.yaml as a TF-IDF model (it learns in seconds; the tiny BERT
learns nothing, so its candidate would be indistinguishable).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from review_support import PASSWORD
from serve_helpers import asgi_client, assert_one_clean_switch, make_key, swap_under_requests

import nlp_ip.cli
from nlp_ip.cli import main
from nlp_ip.registry import Registry

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from nlp_ip.review.app import create_review_app
from nlp_ip.review.auth import add_user
from nlp_ip.review.store import ReviewStore
from nlp_ip.serve import ServeSettings, create_app

ROOT = Path(__file__).resolve().parents[1]
SECRET = "lifecycle-e2e-secret-of-32-bytes"
LISTINGS = ["G.U.C.C.I belt 1:1 mirror quality", "Chewy Vuiton plush dog toy",
            {"title": "Quilted chain flap bag", "description": "no logo, inspired style"},
            "Nike Dunk Low, receipt included"]


def _decisions_source(path: Path, n: int = 16) -> dict[str, str]:
    """``n`` labeled seed training rows (4 per label) as the listings reviewers will see."""
    rows, per_label = [], {}
    for line in (ROOT / "data/seed/listings.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("split", "train") != "train" or per_label.get(row["label"], 0) >= n // 4:
            continue
        per_label[row["label"]] = per_label.get(row["label"], 0) + 1
        rows.append(row)
    path.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "label"}) + "\n"
                            for r in rows), encoding="utf-8")
    return {r["id"]: r["label"] for r in rows}


def _decide_through_the_workbench(db: Path, truth: dict[str, str]) -> int:
    """Sign in and label every queued item with its true label, as a reviewer's browser does."""
    app = create_review_app(db, secret=SECRET)
    decided = 0
    with TestClient(app, follow_redirects=False) as client:
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        signed_in = client.post("/login", data={"username": "ana", "password": PASSWORD,
                                                "csrf_token": token})
        assert signed_in.status_code == 303, signed_in.text
        store = ReviewStore(db)
        for row in store.queue(limit=1000)[0]:
            item = client.get(f"/items/{row['id']}")
            assert item.status_code == 200
            csrf = item.text.split('name="csrf_token" value="')[1].split('"')[0]
            submission = item.text.split('name="submission_id" value="')[1].split('"')[0]
            answer = client.post(f"/items/{row['id']}/decision",
                                 data={"decision": truth[row["listing_id"]], "csrf_token": csrf,
                                       "submission_id": submission},
                                 headers={"Accept": "application/json"})
            assert answer.status_code == 200, answer.text
            assert answer.json()["duplicate"] is False
            decided += 1
    return decided


@pytest.mark.anyio
async def test_review_retrain_gate_promote_and_hot_swap(
        tmp_path: Path, tiny_cache: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from nlp_ip_train.config import load_config
    from nlp_ip_train.run import train

    monkeypatch.setitem(nlp_ip.cli.BUILTIN_COMMANDS, "gate",
                        "nlp_ip_train.lifecycle.cli:register_gate")
    monkeypatch.setitem(nlp_ip.cli.BUILTIN_COMMANDS, "retrain",
                        "nlp_ip_train.lifecycle.cli:register_retrain")
    monkeypatch.chdir(ROOT)  # configs and gate sets are repository paths

    # production v1
    cfg = load_config(ROOT / "configs/tiny.yaml", [f"data.cache_dir={tiny_cache}",
                                                    "model.kind=tfidf"])
    production = train(cfg, tmp_path / "run-v1", root=ROOT).model_best
    registry = Registry(tmp_path / "registry", create=True)
    assert main(["models", "register", str(production), "--name", "clf",
                 "--registry", str(registry.root)]) == 0
    assert main(["models", "promote", "clf", "v1", "--registry", str(registry.root)]) == 0

    # a review queue scored by production, decided through the workbench
    listings = tmp_path / "to-review.jsonl"
    truth = _decisions_source(listings)
    db = tmp_path / "review.sqlite"
    assert main(["review", "build", "--model", str(registry.model_path("clf", "v1")),
                 "--input", str(listings), "--db", str(db), "--max-margin", "1.0",
                 "--backend", "auto"]) == 0
    add_user(ReviewStore(db), "ana", PASSWORD)
    assert _decide_through_the_workbench(db, truth) == len(truth)

    # retrain -> candidate v2; gate it against production; promote
    assert main(["retrain", "--config", "configs/retrain.yaml", "--set",
                 f"registry={registry.root}", "--set", "name=clf", "--set",
                 "training.init_from=base", "--db", str(db),
                 "--output", str(tmp_path / "run-v2"), "--by", "ana"]) == 0
    out = capsys.readouterr().out
    assert "registered clf v2" in out and "parent v1" in out
    record = registry.record("clf", "v2")
    fingerprint = record.data_fingerprint["review_decisions"]
    assert fingerprint["new"] == len(truth)
    assert fingerprint["rows"] + fingerprint["held_out"] == len(truth)
    trained = {r["id"]: r["label"] for r in map(json.loads, (
        registry.data_file("clf", "v2", "decisions.jsonl") or Path("-")).read_text(
        encoding="utf-8").splitlines())}
    assert trained and all(truth[k] == label for k, label in trained.items())

    assert main(["gate", "v2", "--registry", str(registry.root), "--name", "clf",
                 "--set", "gate.n_bootstrap=200"]) == 0, capsys.readouterr().err
    assert "gate PASSED" in capsys.readouterr().out
    old_version = registry.record("clf", "v1").model_version
    new_version = record.model_version
    assert old_version != new_version

    # a server follows the production stage while a client sends requests
    keys = tmp_path / "keys.json"
    key = make_key(keys, "tool")
    app = create_app(ServeSettings(model=Path("clf"), registry=registry.root,
                                   registry_poll_s=0.2, backend="auto", api_keys_file=keys,
                                   max_wait_ms=2))
    async with asgi_client(app, key) as client:
        assert app.state.nlp.ready, app.state.nlp.load_error

        def promote() -> None:  # the gate passed: no --force needed
            assert main(["models", "promote", "clf", "v2", "--registry", str(registry.root),
                         "--by", "ana"]) == 0

        seen, before = await swap_under_requests(client, LISTINGS, promote, new_version)
        info = (await client.get("/v1/model")).json()
    assert_one_clean_switch(seen, before, old_version, new_version)
    assert info["model_version"] == new_version
    assert registry.stage("clf") == "v2"
