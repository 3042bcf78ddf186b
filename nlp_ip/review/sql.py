"""The review database's tables (SQL), its schema version and the migrations to it.

:mod:`nlp_ip.review.store` opens the database and runs these; the tables are described
in its docstring.
"""

from __future__ import annotations

SCHEMA_VERSION = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,
    position INTEGER NOT NULL,
    listing_id TEXT,
    listing TEXT NOT NULL,
    text_key TEXT NOT NULL UNIQUE,
    predicted TEXT NOT NULL,
    probs TEXT NOT NULL,
    confidence REAL NOT NULL,
    margin REAL NOT NULL,
    risk REAL NOT NULL,
    policy_decision TEXT NOT NULL,
    brand TEXT,
    brands TEXT NOT NULL DEFAULT '',
    signals TEXT NOT NULL,
    explanation TEXT NOT NULL,
    similar TEXT NOT NULL,
    embedding BLOB,
    model_version TEXT NOT NULL,
    added_at TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'borderline',
    given_label TEXT,
    label_quality REAL
);
CREATE INDEX IF NOT EXISTS items_position ON items(position);
CREATE INDEX IF NOT EXISTS items_predicted ON items(predicted);
CREATE INDEX IF NOT EXISTS items_kind ON items(kind);
CREATE TABLE IF NOT EXISTS train_examples (
    id INTEGER PRIMARY KEY,
    listing_id TEXT,
    label TEXT NOT NULL,
    listing TEXT NOT NULL,
    embedding BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    salt BLOB NOT NULL,
    password_hash BLOB NOT NULL,
    scrypt_n INTEGER NOT NULL,
    scrypt_r INTEGER NOT NULL,
    scrypt_p INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS login_attempts (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_attempts_key ON login_attempts(key, at);
CREATE TABLE IF NOT EXISTS decisions (
    item_id INTEGER PRIMARY KEY REFERENCES items(id),
    label TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    model_version TEXT NOT NULL,
    model_label TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    history_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS decision_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id INTEGER NOT NULL REFERENCES items(id),
    action TEXT NOT NULL,
    previous_label TEXT,
    reviewer TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    model_version TEXT NOT NULL,
    model_label TEXT NOT NULL,
    model_probs TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    submission_id TEXT NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS history_item ON decision_history(item_id);
CREATE TRIGGER IF NOT EXISTS decision_history_no_update BEFORE UPDATE ON decision_history
BEGIN SELECT RAISE(ABORT, 'decision_history is append-only'); END;
CREATE TRIGGER IF NOT EXISTS decision_history_no_delete BEFORE DELETE ON decision_history
BEGIN SELECT RAISE(ABORT, 'decision_history is append-only'); END;
"""

#: Statements that bring a database of version ``v`` to ``v + 1`` (``SCHEMA`` runs
#: after them and creates whatever else is new).
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: ("ALTER TABLE items ADD COLUMN kind TEXT NOT NULL DEFAULT 'borderline'",
        "ALTER TABLE items ADD COLUMN given_label TEXT",
        "ALTER TABLE items ADD COLUMN label_quality REAL"),
}
