"""The review database: schema, decisions, append-only history, concurrency, export."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest
from review_support import LISTINGS, fill_store

from nlp_ip.errors import InvalidInputError
from nlp_ip.io import read_listings
from nlp_ip.labels import Label
from nlp_ip.review.export import export_corrections
from nlp_ip.review.store import SCHEMA_VERSION, ReviewStore, ReviewStoreError


def test_schema_is_versioned_and_in_wal_mode(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "r.sqlite")
    with store.connect() as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.count_items() == len(LISTINGS)
    with pytest.raises(ReviewStoreError, match="does not exist; build it"):
        ReviewStore(tmp_path / "missing.sqlite")


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    fill_store(path)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ReviewStoreError, match="Upgrade nlp-ip"):
        ReviewStore(path)


def test_rebuilding_does_not_duplicate_items(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    fill_store(path)
    store = fill_store(path)
    assert store.count_items() == len(LISTINGS)


def test_decision_change_keeps_history_with_audit_fields(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "r.sqlite")
    first = store.record_decision(1, "lookalike", reviewer="ana", note="no mark on goods",
                                  submission_id="s1")
    assert first.previous_label is None and not first.duplicate
    store.record_decision(1, "skip", reviewer="ben", submission_id="s2")
    second = store.record_decision(1, "infringing", reviewer="ben", note="logo in photo",
                                   submission_id="s3")
    assert second.previous_label == "lookalike"
    item = store.item(1)
    assert item is not None
    assert (item["decided_label"], item["decided_by"]) == ("infringing", "ben")
    history = store.history(1)
    assert [h["action"] for h in history] == ["lookalike", "skip", "infringing"]
    assert [h["reviewer"] for h in history] == ["ana", "ben", "ben"]
    for h in history:
        assert h["model_version"] == "test-model-v1"
        assert h["model_label"] == "infringing"
        assert h["decided_at"].endswith("+00:00")
    assert history[0]["note"] == "no mark on goods"
    [current] = store.decisions()
    assert current["label"] == "infringing" and current["history_id"] == history[-1]["id"]


def test_history_is_append_only(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "r.sqlite")
    store.record_decision(1, "parody", reviewer="ana", submission_id="s1")
    with store.connect() as conn:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE decision_history SET action = 'legitimate'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM decision_history")


def test_repeated_submission_is_idempotent(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "r.sqlite")
    a = store.record_decision(2, "parody", reviewer="ana", submission_id="same")
    b = store.record_decision(2, "parody", reviewer="ana", submission_id="same")
    assert b.duplicate and b.history_id == a.history_id
    assert len(store.history(2)) == 1


def test_bad_decisions_are_rejected(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "r.sqlite")
    with pytest.raises(InvalidInputError, match="expected one of infringing"):
        store.record_decision(1, "maybe", reviewer="ana", submission_id="x")
    with pytest.raises(InvalidInputError, match="item 999 does not exist"):
        store.record_decision(999, "parody", reviewer="ana", submission_id="y")
    with pytest.raises(InvalidInputError, match="note"):
        store.record_decision(1, "parody", reviewer="ana", note="x" * 2001, submission_id="z")


def test_parallel_writers_lose_nothing(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "r.sqlite")
    errors: list[BaseException] = []
    labels = [label.value for label in Label]

    def reviewer(r: int) -> None:
        try:
            for i in range(40):
                item = 1 + (r + i) % len(LISTINGS)
                # Every decision is sent twice: the repeat must not add a row.
                for _ in range(2):
                    store.record_decision(item, labels[i % 4], reviewer=f"r{r}",
                                          submission_id=f"r{r}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reviewer, args=(r,)) for r in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(store.history()) == 8 * 40
    assert len({h["submission_id"] for h in store.history()}) == 8 * 40


def test_queue_filters_and_paging(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "r.sqlite")
    rows, total = store.queue()
    assert total == 4 and [r["position"] for r in rows] == [0, 1, 2, 3]
    assert store.queue(label="parody")[1] == 1
    assert store.queue(brand="Gucci")[0][0]["listing_id"] == "r-1"
    assert store.queue(brand="Gu")[1] == 0  # whole brand names only
    assert store.queue(min_score=0.5)[1] == 2
    assert store.queue(min_score=0.46, max_score=0.6)[1] == 2
    store.record_decision(2, "parody", reviewer="ana", submission_id="s")
    assert store.queue(status="decided")[1] == 1
    assert store.queue(status="undecided")[1] == 3
    page, total = store.queue(offset=2, limit=1)
    assert total == 4 and page[0]["position"] == 2
    assert store.neighbours(2) == (1, 3)
    assert store.neighbours(3, label=None, brand=None, min_score=None, max_score=None,
                            status="undecided") == (1, 4)
    assert store.brands() == ["Gucci", "Louis Vuitton", "Nike"]


def test_export_round_trips_through_read_listings(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "r.sqlite")
    store.record_decision(1, "infringing", reviewer="ana", submission_id="a")
    store.record_decision(3, "legitimate", reviewer="ben", note="plain bag", submission_id="b")
    store.record_decision(3, "lookalike", reviewer="ana", note="flap design",
                          submission_id="c")
    store.record_decision(2, "skip", reviewer="ana", submission_id="d")
    out = tmp_path / "corrections.jsonl"
    assert export_corrections(store.path, out) == 2
    listings, report = read_listings(out)
    assert report.errors == []
    assert [x.id for x in listings] == ["r-1", "r-3"]
    assert [x.label for x in listings] == [Label.INFRINGING, Label.LOOKALIKE]
    assert listings[1].title == LISTINGS[2]["title"]
    assert listings[1].description == LISTINGS[2]["description"]
    assert listings[0].price == 25 and listings[0].currency == "USD"
    meta = listings[1].metadata
    assert meta["review_reviewer"] == "ana" and meta["review_note"] == "flap design"
    assert meta["review_model_label"] == "lookalike" and meta["review_overturned"] is False
    assert listings[0].metadata["review_model_version"] == "test-model-v1"


def test_a_new_review_database_is_private_and_durable(tmp_path: Path) -> None:
    """Regression: the database was created world-readable and decisions were written
    with synchronous=NORMAL."""
    import stat

    old = os.umask(0o022)
    try:
        store = ReviewStore(tmp_path / "private.sqlite", create=True)
    finally:
        os.umask(old)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    with store.connect() as conn:
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
