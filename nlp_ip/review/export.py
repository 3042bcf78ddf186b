"""Reviewer decisions as labeled listings, ready for training.

``export_corrections`` writes one JSON line per decided item in the ``Listing``
schema with ``label`` set to the reviewer's decision (skips are not exported).
The audit fields travel as metadata columns prefixed ``review_``, which the
schema keeps and training ignores; ``review_kind`` says whether the item was a
borderline prediction or a suspected mislabel (``review_given_label``: the
corpus label the reviewer checked). Include the file in a training config with
a weight::

    data:
      extra:
        - {path: corrections.jsonl, weight: 2.0}
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from nlp_ip.atomic import atomic_path
from nlp_ip.io import write_jsonl
from nlp_ip.review.store import SUSPECT, ReviewStore
from nlp_ip.schema import parse_listing


def correction_records(store: ReviewStore) -> Iterator[dict[str, Any]]:
    """Labeled listing records for the current decisions, in queue order."""
    for row in store.decisions():
        record = dict(row["listing"])
        record = {k: v for k, v in record.items() if not str(k).startswith("review_")}
        record["label"] = row["label"]
        record.update({
            "review_reviewer": row["reviewer"], "review_decided_at": row["decided_at"],
            "review_model_label": row["model_label"],
            "review_model_version": row["model_version"], "review_note": row["note"],
            "review_overturned": row["label"] != row["model_label"],
            "review_kind": row["kind"],
        })
        if row["kind"] == SUSPECT:  # the corpus label the reviewer checked
            record["review_given_label"] = row["given_label"]
        # Fails loudly if a stored listing no longer matches the schema.
        yield parse_listing(record).to_record()


def export_corrections(db_path: str | os.PathLike[str], out: str | os.PathLike[str]) -> int:
    """Write the decisions of ``db_path`` to ``out`` (JSONL); returns the row count."""
    store = ReviewStore(db_path)
    with atomic_path(out) as tmp:
        count = write_jsonl(tmp, correction_records(store))
    return count
