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


def _ls_annotation(label: str) -> dict:
    return {"completed_by": 3, "result": [{"from_name": "label", "to_name": "text",
                                           "type": "choices", "value": {"choices": [label]}}]}


def test_label_studio_exports_without_ids_keep_every_annotation(tmp_path: Path) -> None:
    """Regression: tasks and annotations without ids all got the submission id
    'label-studio:None:None' and collapsed into one decision."""
    store = fill_store(tmp_path / "r.sqlite")
    tasks_file = tmp_path / "tasks.json"
    assert main(["review", "export", "--db", str(store.path), "--out", str(tasks_file),
                 "--format", "label-studio"]) == 0
    tasks = json.loads(tasks_file.read_text())[:3]
    for task, label in zip(tasks, ["parody", "lookalike", "legitimate"], strict=True):
        task.pop("id", None)
        task["annotations"] = [_ls_annotation(label)]
    path = tmp_path / "no-ids.json"
    path.write_text(json.dumps(tasks))
    assert import_annotations(store.path, path) == (3, 0)
    assert import_annotations(store.path, path) == (0, 3)  # still idempotent
    assert sorted(h["action"] for h in store.history()) == ["legitimate", "lookalike", "parody"]


def test_argilla_drafts_and_discarded_responses_are_not_decisions(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "r.sqlite")
    records = [{"id": "rec-1", "metadata": {"item_id": 1},
                "responses": {"label": [
                    {"value": "parody", "user_id": "u1", "status": "draft"},
                    {"value": "legitimate", "user_id": "u2", "status": "discarded"},
                    {"value": "lookalike", "user_id": "u3", "status": "submitted"}]}}]
    path = tmp_path / "argilla.json"
    path.write_text(json.dumps(records))
    assert import_annotations(store.path, path) == (1, 0)
    [h] = store.history(1)
    assert (h["action"], h["reviewer"]) == ("lookalike", "argilla:u3")


def test_an_imported_task_must_show_its_items_listing(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "r.sqlite")
    tasks_file = tmp_path / "tasks.json"
    assert main(["review", "export", "--db", str(store.path), "--out", str(tasks_file),
                 "--format", "label-studio"]) == 0
    tasks = json.loads(tasks_file.read_text())[:2]
    tasks[0]["id"], tasks[1]["id"] = 1, 2
    tasks[0]["annotations"] = [dict(_ls_annotation("parody"), id=10)]
    tasks[1]["annotations"] = [dict(_ls_annotation("parody"), id=11)]
    tasks[1]["data"]["title"] = "A listing this database never queued"
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(tasks))
    with pytest.raises(DataFormatError, match="belongs to another review database"):
        import_annotations(store.path, path)
    assert store.history() == []  # nothing recorded from a mismatched file
    tasks[1]["data"]["item_id"] = 999
    path.write_text(json.dumps(tasks))
    with pytest.raises(DataFormatError, match="names item 999, which this review database"):
        import_annotations(store.path, path)
