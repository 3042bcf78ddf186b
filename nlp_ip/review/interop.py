"""Label Studio (and Argilla) interop: queue out as tasks, annotations back as decisions.

Export writes Label Studio's JSON task import format: one task per queued item with
the listing in ``data`` and the model's prediction as a pre-annotation
(``predictions``), for the labeling config :data:`LABELING_CONFIG`.

Import reads a Label Studio JSON export (tasks with ``annotations``) or an Argilla
record export (``metadata.item_id`` and ``responses.label[].value``) and records each
annotation as a decision with the same audit fields as the web page; the reviewer is
``label-studio:<annotator>`` or ``argilla:<user>``. The submission id is derived from
the task and annotation ids, so importing the same file twice records nothing new.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from nlp_ip.errors import DataFormatError
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.review.store import ReviewStore

#: The Label Studio labeling config the exported tasks are made for.
LABELING_CONFIG = """<View>
  <Header value="$title"/>
  <Text name="text" value="$text"/>
  <Choices name="label" toName="text" choice="single" showInline="true">
    <Choice value="infringing"/><Choice value="parody"/>
    <Choice value="lookalike"/><Choice value="legitimate"/>
  </Choices>
  <TextArea name="note" toName="text" placeholder="note (optional)"/>
</View>
"""


def label_studio_tasks(store: ReviewStore) -> list[dict[str, Any]]:
    """Tasks with the model's prediction as pre-annotation, in queue order."""
    rows, _ = store.queue(limit=1_000_000)
    tasks = []
    for row in rows:
        listing = row["listing"]
        text = listing["title"] + ("\n\n" + listing["description"]
                                   if listing.get("description") else "")
        tasks.append({
            "data": {"text": text, "title": listing["title"],
                     "description": listing.get("description", ""),
                     "price": listing.get("price"), "currency": listing.get("currency"),
                     "brand": listing.get("brand"), "listing_id": listing.get("id"),
                     "item_id": row["id"]},
            "predictions": [{
                "model_version": row["model_version"],
                "score": round(float(row["confidence"]), 6),
                "result": [{"from_name": "label", "to_name": "text", "type": "choices",
                            "value": {"choices": [row["predicted"]]}}],
            }],
        })
    return tasks


def export_label_studio(db_path: str | os.PathLike[str], out: str | os.PathLike[str]) -> int:
    """Write the queue as a Label Studio task file; returns the task count."""
    tasks = label_studio_tasks(ReviewStore(db_path))
    Path(out).write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n",
                         encoding="utf-8")
    return len(tasks)


def _annotator(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("email") or value.get("username") or value.get("id") or "unknown")
    return str(value) if value not in (None, "") else "unknown"


def _from_label_studio(task: dict[str, Any]) -> list[tuple[int, str, str, str, str]]:
    data = task.get("data") or {}
    out = []
    for ann in task.get("annotations") or []:
        if ann.get("was_cancelled"):
            continue
        label, note = None, ""
        for result in ann.get("result") or []:
            value = result.get("value") or {}
            if result.get("type") == "choices" and value.get("choices"):
                label = str(value["choices"][0]).strip().lower()
            elif result.get("type") == "textarea" and value.get("text"):
                note = " ".join(str(t) for t in value["text"])
        if label is None:
            continue
        sub = f"label-studio:{task.get('id')}:{ann.get('id')}"
        out.append((int(data["item_id"]), label,
                    f"label-studio:{_annotator(ann.get('completed_by'))}", note, sub))
    return out


def _from_argilla(record: dict[str, Any]) -> list[tuple[int, str, str, str, str]]:
    item_id = int((record.get("metadata") or {})["item_id"])
    responses = record.get("responses") or {}
    notes = {str(r.get("user_id")): str(r.get("value") or "")
             for r in responses.get("note", []) or []}
    out = []
    for r in responses.get("label", []) or []:
        user = str(r.get("user_id") or "unknown")
        out.append((item_id, str(r.get("value", "")).strip().lower(), f"argilla:{user}",
                    notes.get(user, ""), f"argilla:{record.get('id')}:{user}"))
    return out


def import_annotations(db_path: str | os.PathLike[str], path: str | os.PathLike[str]
                       ) -> tuple[int, int]:
    """Record the annotations of a Label Studio or Argilla export as decisions.

    Returns ``(recorded, already_imported)``. Labels outside the four are an error
    naming the task.
    """
    store = ReviewStore(db_path)
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataFormatError(f"{path}: cannot read as JSON ({exc}); export JSON from "
                              "Label Studio (JSON, not JSON-MIN) or Argilla") from exc
    records = raw if isinstance(raw, list) else raw.get("records", raw.get("tasks", []))
    decisions: list[tuple[int, str, str, str, str]] = []
    for n, record in enumerate(records):
        try:
            if "annotations" in record:
                decisions.extend(_from_label_studio(record))
            elif "responses" in record:
                decisions.extend(_from_argilla(record))
        except (KeyError, TypeError, ValueError) as exc:
            raise DataFormatError(f"{path}: record {n} has no item id ({exc}); import only "
                                  "tasks exported by `nlp-ip review export --format "
                                  "label-studio`") from exc
    for item_id, label, _, _, sub in decisions:
        if label not in LABEL_NAMES:
            raise DataFormatError(f"{path}: {sub} labels item {item_id} {label!r}; expected "
                                  f"one of {', '.join(LABEL_NAMES)}")
    recorded = duplicates = 0
    for item_id, label, reviewer, note, sub in decisions:
        result = store.record_decision(item_id, label, reviewer=reviewer, note=note[:2000],
                                       submission_id=sub)
        duplicates += int(result.duplicate)
        recorded += int(not result.duplicate)
    return recorded, duplicates
