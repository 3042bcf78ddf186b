"""Label Studio (and Argilla) interop: queue out as tasks, annotations back as decisions.

Export writes Label Studio's JSON task import format: one task per queued item with
the listing in ``data`` and the model's prediction as a pre-annotation
(``predictions``), for the labeling config :data:`LABELING_CONFIG`.

Import reads a Label Studio JSON export (tasks with ``annotations``) or an Argilla
record export (``metadata.item_id`` and ``responses.label[].value``) and records each
annotation as a decision with the same audit fields as the web page; the reviewer is
``label-studio:<annotator>`` or ``argilla:<user>``. The submission id is derived from
the task and annotation ids (or, where an export has none, from a hash of the
annotation), so importing the same file twice records nothing new. Only submitted
annotations count (cancelled Label Studio annotations and Argilla drafts or discarded
responses do not), and every task must show the listing that the database holds under
its item id, or the import stops before recording anything.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from nlp_ip.atomic import write_text_atomic
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
    write_text_atomic(out, json.dumps(tasks, ensure_ascii=False, indent=1) + "\n")
    return len(tasks)


def _annotator(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("email") or value.get("username") or value.get("id") or "unknown")
    return str(value) if value not in (None, "") else "unknown"


def _submission_id(tool: str, record_id: Any, part_id: Any, content: Any) -> str:
    """A stable id for one annotation: the tool's own ids, or a hash of its content.

    Exports without ids used to give every annotation the same id ("...:None:None"), so all
    but the first were dropped as already imported.
    """
    if record_id not in (None, "") and part_id not in (None, ""):
        return f"{tool}:{record_id}:{part_id}"
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return f"{tool}:sha256:{hashlib.sha256(canonical.encode('utf-8')).hexdigest()[:24]}"


#: One imported decision: item id, label, reviewer, note, submission id, the listing the
#: task says it shows (id, title) for the check against the database.
_Decision = tuple[int, str, str, str, str, tuple[Any, Any] | None]


def _from_label_studio(task: dict[str, Any]) -> list[_Decision]:
    data = task.get("data") or {}
    shown = (data.get("listing_id"), data.get("title"))
    out: list[_Decision] = []
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
        sub = _submission_id("label-studio", task.get("id"), ann.get("id"),
                             {"item_id": data.get("item_id"), "annotation": ann})
        out.append((int(data["item_id"]), label,
                    f"label-studio:{_annotator(ann.get('completed_by'))}", note, sub, shown))
    return out


#: Argilla response statuses that are decisions; drafts and discarded ones are not.
_ARGILLA_DECIDED = {"submitted"}


def _from_argilla(record: dict[str, Any]) -> list[_Decision]:
    item_id = int((record.get("metadata") or {})["item_id"])
    responses = record.get("responses") or {}
    notes = {str(r.get("user_id")): str(r.get("value") or "")
             for r in responses.get("note", []) or []}
    fields = record.get("fields") or {}
    shown = ((record.get("metadata") or {}).get("listing_id"), fields.get("title"))
    out: list[_Decision] = []
    for r in responses.get("label", []) or []:
        status = r.get("status")
        if status is not None and str(status).lower() not in _ARGILLA_DECIDED:
            continue  # a draft or discarded response is not a decision
        user = str(r.get("user_id") or "unknown")
        sub = _submission_id("argilla", record.get("id"), user,
                             {"item_id": item_id, "response": r})
        out.append((item_id, str(r.get("value", "")).strip().lower(), f"argilla:{user}",
                    notes.get(user, ""), sub, shown))
    return out


def _check_item(store: ReviewStore, path: Any, sub: str, item_id: int,
                shown: tuple[Any, Any] | None) -> None:
    """The task must show the listing the database has under ``item_id``."""
    item = store.item(item_id)
    if item is None:
        raise DataFormatError(f"{path}: {sub} names item {item_id}, which this review "
                              "database does not have; import into the database it was "
                              "exported from")
    if shown is None:
        return
    listing = item["listing"]
    listing_id, title = shown
    if (listing_id is not None and listing_id != listing.get("id")) or (
            title is not None and title != listing.get("title")):
        raise DataFormatError(
            f"{path}: {sub} shows listing {listing_id!r} ({str(title)[:60]!r}) but item "
            f"{item_id} of this database is listing {listing.get('id')!r} "
            f"({str(listing.get('title'))[:60]!r}); the export belongs to another review "
            "database or queue")


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
    decisions: list[_Decision] = []
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
    for item_id, label, _, _, sub, shown in decisions:
        if label not in LABEL_NAMES:
            raise DataFormatError(f"{path}: {sub} labels item {item_id} {label!r}; expected "
                                  f"one of {', '.join(LABEL_NAMES)}")
        _check_item(store, path, sub, item_id, shown)
    recorded = duplicates = 0
    for item_id, label, reviewer, note, sub, _ in decisions:
        result = store.record_decision(item_id, label, reviewer=reviewer, note=note[:2000],
                                       submission_id=sub)
        duplicates += int(result.duplicate)
        recorded += int(not result.duplicate)
    return recorded, duplicates
