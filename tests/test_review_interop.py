"""Label Studio / Argilla interop: tasks out with pre-annotations, annotations back in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from review_support import fill_store

from nlp_ip.cli import main
from nlp_ip.errors import DataFormatError
from nlp_ip.review.interop import LABELING_CONFIG, import_annotations


def test_label_studio_round_trip(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "r.sqlite")
    tasks_file = tmp_path / "tasks.json"
    assert main(["review", "export", "--db", str(store.path), "--out", str(tasks_file),
                 "--format", "label-studio"]) == 0
    tasks = json.loads(tasks_file.read_text())
    assert len(tasks) == 4
    first = tasks[0]
    assert first["data"]["item_id"] == 1 and first["data"]["title"].startswith("G.U.C.C.I")
    [pred] = first["predictions"]
    assert pred["result"][0]["value"]["choices"] == ["infringing"]
    assert pred["model_version"] == "test-model-v1"
    assert '<Choices name="label" toName="text"' in LABELING_CONFIG
    # What Label Studio exports after annotation: the task plus its annotations.
    first["id"] = 101
    first["annotations"] = [{"id": 7, "completed_by": {"email": "ana@example.org"},
                             "result": [{"from_name": "label", "to_name": "text",
                                         "type": "choices",
                                         "value": {"choices": ["parody"]}},
                                        {"from_name": "note", "to_name": "text",
                                         "type": "textarea",
                                         "value": {"text": ["pun on the name"]}}]}]
    tasks[1]["id"] = 102
    tasks[1]["annotations"] = [{"id": 8, "was_cancelled": True, "result": []}]
    exported = tmp_path / "ls-export.json"
    exported.write_text(json.dumps(tasks))
    assert main(["review", "import", str(exported), "--db", str(store.path)]) == 0
    [h] = store.history(1)
    assert (h["action"], h["reviewer"], h["note"]) == ("parody", "label-studio:ana@example.org",
                                                      "pun on the name")
    assert h["model_label"] == "infringing" and h["model_version"] == "test-model-v1"
    assert import_annotations(store.path, exported) == (0, 1)  # idempotent
    assert len(store.history()) == 1


def test_argilla_records_and_bad_labels(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "r.sqlite")
    records = [{"id": "rec-1", "metadata": {"item_id": 2},
                "responses": {"label": [{"value": "lookalike", "user_id": "u1"}],
                              "note": [{"value": "design only", "user_id": "u1"}]}}]
    path = tmp_path / "argilla.json"
    path.write_text(json.dumps(records))
    assert import_annotations(store.path, path) == (1, 0)
    [h] = store.history(2)
    assert (h["action"], h["reviewer"], h["note"]) == ("lookalike", "argilla:u1", "design only")
    records[0]["responses"]["label"][0]["value"] = "counterfeit"
    records[0]["id"] = "rec-2"
    path.write_text(json.dumps(records))
    with pytest.raises(DataFormatError, match="expected one of infringing"):
        import_annotations(store.path, path)
    path.write_text("not json")
    with pytest.raises(DataFormatError, match="cannot read as JSON"):
        import_annotations(store.path, path)
