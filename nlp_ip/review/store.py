"""The review database: one SQLite file (stdlib ``sqlite3``, WAL mode).

Tables (schema version in ``PRAGMA user_version``):

``meta``               key/value facts about the queue (model, ranking, embedding kind)
``items``              one queued listing: prediction, signals, explanation, similar examples;
                       ``kind`` is ``borderline`` (``review build``) or ``suspect`` (a labeled
                       row that ``review suspects`` found likely mislabeled; ``given_label``
                       and ``label_quality`` are set for those)
``train_examples``     labeled training listings and their embeddings (float32 blobs)
``users``, ``sessions``, ``login_attempts``   reviewers and sign-in
``decisions``          the current decision per item
``decision_history``   every submission, append-only (triggers refuse UPDATE and DELETE)

Every connection sets ``busy_timeout`` and writes go through ``BEGIN IMMEDIATE``,
so concurrent reviewers queue on the write lock instead of failing with
"database is locked". When the lock stays taken for longer than the busy timeout (another
process writing for a long time), the store raises :class:`ResourceBusyError` (the web app
answers 503 with ``Retry-After``). A submission carries a ``submission_id``; submitting the
same id again returns the first result and writes nothing (idempotent).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from nlp_ip.errors import DiskFullError, InvalidInputError, NlpIpError, ResourceBusyError
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.review.sql import MIGRATIONS as _MIGRATIONS
from nlp_ip.review.sql import SCHEMA as _SCHEMA
from nlp_ip.review.sql import SCHEMA_VERSION

logger = logging.getLogger(__name__)

SKIP = "skip"
#: What a reviewer can submit for an item.
ACTIONS: tuple[str, ...] = (*LABEL_NAMES, SKIP)
BORDERLINE = "borderline"
SUSPECT = "suspect"
#: Where a queued item came from: a borderline prediction or a likely mislabeled row.
KINDS: tuple[str, ...] = (BORDERLINE, SUSPECT)

#: Optional ``items`` columns and their value when a row does not carry them.
_ITEM_DEFAULTS: dict[str, Any] = {"kind": BORDERLINE, "given_label": None,
                                  "label_quality": None}


#: SQLite's primary result codes: another connection holds the lock; the disk is full.
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_FULL = 5, 6, 13


class ReviewStoreError(NlpIpError):
    """A review database that cannot be opened or is from another schema version."""


def _result_code(exc: sqlite3.Error) -> int | None:
    """SQLite's primary result code of an error (from its message before Python 3.11)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF
    messages = {"database is locked": _SQLITE_BUSY, "database table is locked": _SQLITE_LOCKED,
                "database or disk is full": _SQLITE_FULL}
    return next((c for m, c in messages.items() if str(exc).startswith(m)), None)


def _statements(script: str) -> Iterator[str]:
    """The complete SQL statements of ``script`` (trigger bodies stay whole)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement at the end of the schema: {pending!r}")


def utc_now() -> str:
    """The current time as an ISO 8601 UTC string with milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def to_blob(vector: np.ndarray) -> bytes:
    """A vector as a little-endian float32 blob."""
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def from_blob(blob: bytes | None) -> np.ndarray | None:
    """The float32 vector stored by :func:`to_blob` (``None`` stays ``None``)."""
    if blob is None:
        return None
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


@dataclass(frozen=True)
class DecisionResult:
    """What a submission did."""

    history_id: int
    item_id: int
    action: str
    previous_label: str | None
    duplicate: bool


class ReviewStore:
    """Access to one review database; cheap to create, one connection per call site.

    Connections are opened per operation (``connect``) so the object can be shared
    by the threads of a web server. ``busy_timeout_s`` is how long an operation waits for
    another writer's lock before :class:`ResourceBusyError`: 30 s by default (command-line
    tools), 2 s in the web app.
    """

    def __init__(self, path: str | os.PathLike[str], *, create: bool = False,
                 busy_timeout_s: float = 30.0) -> None:
        self.path = Path(path)
        self.busy_timeout_s = busy_timeout_s
        if not self.path.exists():
            if not create:
                raise ReviewStoreError(
                    f"review database {self.path} does not exist; build it with "
                    "`nlp-ip review build --model DIR --input FILE --db PATH`")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Reviewer accounts, decisions and listings: readable by the owner only. SQLite
            # gives its -wal and -shm files the permissions of the database file.
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        self._init()

    # -- connections --------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None,
                               check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        # FULL: a decision the page confirmed survives a power loss (NORMAL in WAL mode
        # may lose the last transactions)
        conn.execute("PRAGMA synchronous = FULL")
        return conn

    @contextmanager
    def _library_errors(self) -> Iterator[None]:
        """SQLite's errors that have a meaning for the caller, as the project's exceptions."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            code = _result_code(exc)
            if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
                raise ResourceBusyError(
                    f"the review database {self.path} stayed locked by another writer for "
                    f"over {self.busy_timeout_s:g} s; nothing was changed, try again shortly",
                    retry_after=max(1.0, self.busy_timeout_s)) from exc
            if code == _SQLITE_FULL:
                raise DiskFullError(
                    f"no space left on the device holding the review database {self.path}: "
                    "the change was rolled back and the database is as it was. Free space, "
                    "then submit again", self.path) from exc
            raise

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode (reads), closed afterwards."""
        with self._library_errors():
            conn = self._open()
            try:
                yield conn
            finally:
                conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A connection inside ``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back on error)."""
        with self._library_errors():
            conn = self._open()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:  # SQLite ends it itself after some errors
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            finally:
                conn.close()

    def _init(self) -> None:
        try:
            conn = self._open()
        except sqlite3.Error as exc:
            raise ReviewStoreError(f"cannot open review database {self.path}: {exc}") from exc
        try:
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                raise ReviewStoreError(f"{self.path} is not an SQLite database ({exc}); "
                                       "pass the file written by `nlp-ip review build`") from exc
            if version > SCHEMA_VERSION:
                raise ReviewStoreError(
                    f"{self.path} has review schema v{version}; this nlp-ip reads up to "
                    f"v{SCHEMA_VERSION}. Upgrade nlp-ip")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                logger.warning("%s: journal mode is %s, not WAL", self.path, mode)
            if version < SCHEMA_VERSION:
                self._migrate(conn)
        finally:
            conn.close()

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Create the schema, or upgrade an older one, in one write transaction."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another process may have migrated meanwhile.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version < SCHEMA_VERSION:
                if version > 0:  # an existing database: upgrade its tables first
                    for step in range(version, SCHEMA_VERSION):
                        for statement in _MIGRATIONS[step]:
                            conn.execute(statement)
                    logger.info("%s: review schema upgraded from v%d to v%d", self.path,
                                version, SCHEMA_VERSION)
                # one statement at a time: executescript would commit the transaction
                for statement in _statements(_SCHEMA):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -- meta ---------------------------------------------------------------
    def set_meta(self, values: dict[str, Any]) -> None:
        with self.write() as conn:
            conn.executemany("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) "
                             "DO UPDATE SET value = excluded.value",
                             [(k, json.dumps(v)) for k, v in values.items()])

    def meta(self) -> dict[str, Any]:
        with self.connect() as conn:
            return {r["key"]: json.loads(r["value"])
                    for r in conn.execute("SELECT key, value FROM meta")}

    # -- items --------------------------------------------------------------
    def next_position(self) -> int:
        with self.connect() as conn:
            row = conn.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM items").fetchone()
            return int(row[0])

    def add_items(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert queued items (dicts with the ``items`` columns); returns how many were new.

        An item whose ``text_key`` is already queued is skipped, so building twice from
        the same file does not duplicate the queue (decisions stay attached).
        """
        columns = ("position", "listing_id", "listing", "text_key", "predicted", "probs",
                   "confidence", "margin", "risk", "policy_decision", "brand", "brands",
                   "signals", "explanation", "similar", "embedding", "model_version",
                   "added_at")
        optional = tuple(_ITEM_DEFAULTS)
        for r in rows:
            kind = r.get("kind", BORDERLINE)
            if kind not in KINDS:
                raise InvalidInputError(f"kind: expected one of {', '.join(KINDS)}, "
                                        f"got {kind!r}")
        sql = (f"INSERT OR IGNORE INTO items({', '.join(columns + optional)}) "
               f"VALUES ({', '.join('?' for _ in columns + optional)})")
        with self.write() as conn:
            before = conn.total_changes
            conn.executemany(sql, [tuple(r[c] for c in columns)
                                   + tuple(r.get(c, d) for c, d in _ITEM_DEFAULTS.items())
                                   for r in rows])
            return conn.total_changes - before

    def add_train_examples(self, rows: Sequence[tuple[str | None, str, str, bytes]]) -> None:
        """Replace the stored training examples: ``(listing_id, label, listing_json, blob)``."""
        with self.write() as conn:
            conn.execute("DELETE FROM train_examples")
            conn.executemany("INSERT INTO train_examples(listing_id, label, listing, embedding) "
                             "VALUES (?, ?, ?, ?)", rows)

    def item(self, item_id: int) -> dict[str, Any] | None:
        """One item with its parsed JSON columns and current decision (or ``None``)."""
        with self.connect() as conn:
            row = conn.execute(
                "SELECT items.*, d.label AS decided_label, d.reviewer AS decided_by, "
                "d.decided_at AS decided_at, d.note AS decided_note FROM items "
                "LEFT JOIN decisions d ON d.item_id = items.id WHERE items.id = ?",
                (item_id,)).fetchone()
        return _item_dict(row) if row is not None else None

    def _filters(self, *, label: str | None = None, brand: str | None = None,
                 min_score: float | None = None, max_score: float | None = None,
                 status: str = "all", kind: str | None = None) -> tuple[str, list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if kind:
            if kind not in KINDS:
                raise InvalidInputError(f"kind: expected one of {', '.join(KINDS)}, "
                                        f"got {kind!r}")
            where.append("items.kind = ?")
            params.append(kind)
        if label:
            where.append("items.predicted = ?")
            params.append(label)
        if brand:
            where.append("items.brands LIKE ? ESCAPE '\\'")
            escaped = brand.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.append(f"%|{escaped}|%")
        if min_score is not None:
            where.append("items.confidence >= ?")
            params.append(min_score)
        if max_score is not None:
            where.append("items.confidence <= ?")
            params.append(max_score)
        if status == "undecided":
            where.append("d.item_id IS NULL")
        elif status == "decided":
            where.append("d.item_id IS NOT NULL")
        elif status != "all":
            raise InvalidInputError(f"status: expected undecided, decided or all, got {status!r}")
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        return clause, params

    def queue(self, *, label: str | None = None, brand: str | None = None,
              min_score: float | None = None, max_score: float | None = None,
              status: str = "all", kind: str | None = None, offset: int = 0, limit: int = 50
              ) -> tuple[list[dict[str, Any]], int]:
        """A page of the queue in rank order, and the number of matching items.

        ``kind`` keeps only borderline predictions or only suspected mislabels.
        """
        clause, params = self._filters(label=label, brand=brand, min_score=min_score,
                                       max_score=max_score, status=status, kind=kind)
        base = "FROM items LEFT JOIN decisions d ON d.item_id = items.id" + clause
        with self.connect() as conn:
            total = int(conn.execute(f"SELECT COUNT(*) {base}", params).fetchone()[0])
            rows = conn.execute(
                "SELECT items.id, items.position, items.listing_id, items.listing, "
                "items.predicted, items.probs, items.confidence, items.margin, items.risk, "
                "items.policy_decision, items.brand, items.model_version, items.kind, "
                "items.given_label, items.label_quality, "
                f"d.label AS decided_label, d.reviewer AS decided_by {base} "
                "ORDER BY items.position LIMIT ? OFFSET ?",
                [*params, limit, offset]).fetchall()
        return [_item_dict(r) for r in rows], total

    def neighbours(self, item_id: int, **filters: Any) -> tuple[int | None, int | None]:
        """Ids of the items before and after ``item_id`` in the filtered queue."""
        clause, params = self._filters(**filters)
        base = "FROM items LEFT JOIN decisions d ON d.item_id = items.id" + clause
        joiner = " AND " if clause else " WHERE "
        with self.connect() as conn:
            pos_row = conn.execute("SELECT position FROM items WHERE id = ?", (item_id,)).fetchone()
            if pos_row is None:
                return None, None
            pos = pos_row[0]
            prev = conn.execute(f"SELECT items.id {base}{joiner}items.position < ? "
                                "ORDER BY items.position DESC LIMIT 1", [*params, pos]).fetchone()
            nxt = conn.execute(f"SELECT items.id {base}{joiner}items.position > ? "
                               "ORDER BY items.position LIMIT 1", [*params, pos]).fetchone()
        return (prev[0] if prev else None), (nxt[0] if nxt else None)

    def brands(self) -> list[str]:
        """Every brand that appears in the queue, sorted."""
        found: set[str] = set()
        with self.connect() as conn:
            for (value,) in conn.execute("SELECT brands FROM items"):
                found.update(b for b in str(value).split("|") if b)
        return sorted(found, key=str.casefold)

    def kind_counts(self) -> dict[str, int]:
        """How many items of each kind are queued (kinds with none are left out)."""
        with self.connect() as conn:
            return {str(r[0]): int(r[1]) for r in
                    conn.execute("SELECT kind, COUNT(*) FROM items GROUP BY kind ORDER BY kind")}

    def count_items(self) -> int:
        with self.connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM items").fetchone()[0])

    # -- decisions ------------------------------------------------------------
    def record_decision(self, item_id: int, action: str, *, reviewer: str, note: str = "",
                        submission_id: str) -> DecisionResult:
        """Record a reviewer's label (or skip) for an item; idempotent per ``submission_id``.

        A label sets the item's current decision and appends to the history; a skip
        only appends to the history. The model's version, label and probabilities at
        the time are copied into the history row.
        """
        if action not in ACTIONS:
            raise InvalidInputError(f"decision: expected one of {', '.join(ACTIONS)}, "
                                    f"got {action!r}")
        if not submission_id or len(submission_id) > 100:
            raise InvalidInputError("submission_id: expected a non-empty id of at most 100 "
                                    "characters (the form sends one)")
        if len(note) > 2000:
            raise InvalidInputError(f"note: is {len(note)} characters; the limit is 2,000")
        with self.write() as conn:
            seen = conn.execute("SELECT id, item_id, action, previous_label FROM "
                                "decision_history WHERE submission_id = ?",
                                (submission_id,)).fetchone()
            if seen is not None:
                return DecisionResult(seen["id"], seen["item_id"], seen["action"],
                                      seen["previous_label"], True)
            item = conn.execute("SELECT predicted, probs, model_version FROM items "
                                "WHERE id = ?", (item_id,)).fetchone()
            if item is None:
                raise InvalidInputError(f"item {item_id} does not exist in {self.path}")
            current = conn.execute("SELECT label FROM decisions WHERE item_id = ?",
                                   (item_id,)).fetchone()
            previous = current["label"] if current is not None else None
            now = utc_now()
            cursor = conn.execute(
                "INSERT INTO decision_history(item_id, action, previous_label, reviewer, "
                "decided_at, model_version, model_label, model_probs, note, submission_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (item_id, action, previous, reviewer, now, item["model_version"],
                 item["predicted"], item["probs"], note, submission_id))
            history_id = int(cursor.lastrowid or 0)
            if action != SKIP:
                conn.execute(
                    "INSERT INTO decisions(item_id, label, reviewer, decided_at, model_version, "
                    "model_label, note, history_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(item_id) DO UPDATE SET label = excluded.label, "
                    "reviewer = excluded.reviewer, decided_at = excluded.decided_at, "
                    "model_version = excluded.model_version, "
                    "model_label = excluded.model_label, note = excluded.note, "
                    "history_id = excluded.history_id",
                    (item_id, action, reviewer, now, item["model_version"], item["predicted"],
                     note, history_id))
        return DecisionResult(history_id, item_id, action, previous, False)

    def history(self, item_id: int | None = None) -> list[dict[str, Any]]:
        """History rows, oldest first (all items, or one)."""
        sql = "SELECT * FROM decision_history"
        params: tuple[Any, ...] = ()
        if item_id is not None:
            sql += " WHERE item_id = ?"
            params = (item_id,)
        with self.connect() as conn:
            return [dict(r) for r in conn.execute(sql + " ORDER BY id", params)]

    def decisions(self) -> list[dict[str, Any]]:
        """Current decisions joined with their items, in queue order."""
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT d.*, items.listing, items.listing_id, items.probs, items.kind, "
                "items.given_label FROM decisions d "
                "JOIN items ON items.id = d.item_id ORDER BY items.position").fetchall()
        out = []
        for r in rows:
            row = dict(r)
            row["listing"] = json.loads(row["listing"])
            row["probs"] = json.loads(row["probs"])
            out.append(row)
        return out

    # -- sign-in attempts -----------------------------------------------------
    def reserve_attempt(self, key: str,
                        wait_s: Callable[[list[float], list[float], float], float]) -> float:
        """Record a sign-in attempt for ``key`` as failed, unless it has to wait.

        One write transaction, so parallel attempts cannot slip past a limit together:
        ``wait_s(failures of key, failures of the last minute (every key), now)`` (epoch
        seconds, oldest first) decides; when it is above 0 nothing is recorded and it is
        returned, else the attempt counts as a failure until :meth:`forget_attempts` clears
        ``key`` and 0.0 is returned. Attempts older than a day are forgotten.
        """
        now = time.time()
        with self.write() as conn:
            conn.execute("DELETE FROM login_attempts WHERE at < ?", (now - 86400,))
            mine = [float(r[0]) for r in conn.execute(
                "SELECT at FROM login_attempts WHERE key = ? ORDER BY at", (key,))]
            recent = [float(r[0]) for r in conn.execute(
                "SELECT at FROM login_attempts WHERE at > ? ORDER BY at", (now - 60,))]
            wait = wait_s(mine, recent, now)
            if wait <= 0:
                conn.execute("INSERT INTO login_attempts(key, at) VALUES (?, ?)", (key, now))
        return max(0.0, wait)

    def forget_attempts(self, keys: Sequence[str]) -> None:
        """Clear the recorded attempts of ``keys`` (after a successful sign-in)."""
        with self.write() as conn:
            conn.executemany("DELETE FROM login_attempts WHERE key = ?", [(k,) for k in keys])


def _item_dict(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    for key in ("listing", "probs", "signals", "explanation", "similar"):
        if key in out and isinstance(out[key], str):
            out[key] = json.loads(out[key])
    if "embedding" in out:
        out["embedding"] = from_blob(out["embedding"])
    return out
