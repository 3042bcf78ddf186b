"""The workbench shows which model predicted each item and marks the decisions the
production model was trained on (issue 17, item 5)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from review_support import PASSWORD, fill_store

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from nlp_ip.artifact import update_meta
from nlp_ip.registry import Registry
from nlp_ip.review.app import create_review_app
from nlp_ip.review.auth import add_user
from nlp_ip.review.export import correction_records

SECRET = "learned-test-secret-of-32-bytes!"


def _sign_in(client: TestClient) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post("/login", data={"username": "ana", "password": PASSWORD,
                                         "csrf_token": token})
    assert answer.status_code == 303, answer.text


def test_queue_marks_decisions_the_production_model_learned(tiny_model: Path,
                                                            tmp_path: Path) -> None:
    store = fill_store(tmp_path / "review.sqlite")
    add_user(store, "ana", PASSWORD)
    first, second = (row["id"] for row in store.queue(limit=2)[0])
    store.record_decision(first, "parody", reviewer="ana", submission_id="s1")
    store.record_decision(second, "legitimate", reviewer="ana", submission_id="s2")
    # production was trained on the first decision only (as nlp-ip retrain stores it)
    learned = [r for r in correction_records(store) if r["label"] == "parody"]
    decisions = tmp_path / "decisions.jsonl"
    decisions.write_text("".join(json.dumps(r) + "\n" for r in learned), encoding="utf-8")
    model = tmp_path / "prod-model"
    shutil.copytree(tiny_model, model)
    update_meta(model, lambda m: setattr(m, "model_version", "prod-7"))
    registry = Registry(tmp_path / "registry", create=True)
    registry.register(model, name="listings", data_files={"decisions.jsonl": decisions})
    registry.promote("listings", "v1", stage="production", by="test")

    app = create_review_app(store.path, secret=SECRET, registry=registry.root,
                            model_name="listings")
    with TestClient(app, follow_redirects=False) as client:
        _sign_in(client)
        queue = client.get("/queue").text
        item = client.get(f"/items/{first}").text
        other = client.get(f"/items/{second}").text
    assert "Production model: prod-7 (v1)" in queue
    assert queue.count('title="the production model was trained on this decision"') == 1
    assert "test-model-v1" in queue  # the model that predicted each item
    assert "learned by prod-7" in item and "predicted by model test-model-v1" in item
    assert "learned by" not in other
    # a decision changed since training is no longer the learned one
    store.record_decision(first, "infringing", reviewer="ana", submission_id="s3")
    with TestClient(app, follow_redirects=False) as client:
        _sign_in(client)
        assert 'title="the production model was trained on this decision"' not in client.get(
            "/queue").text


def test_registry_and_model_go_together(tmp_path: Path) -> None:
    from nlp_ip.errors import InvalidInputError

    store = fill_store(tmp_path / "review.sqlite")
    with pytest.raises(InvalidInputError, match="both --registry DIR and --model NAME"):
        create_review_app(store.path, secret=SECRET, registry=tmp_path)
