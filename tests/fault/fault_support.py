"""Helpers of the fault-injection tests (not a test module): input files, and writes that
fail the way a full disk makes them fail."""

from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "seed" / "listings.jsonl"


def write_listings(path: Path, rows: int) -> Path:
    """``rows`` seed listings with unique ids (every 97th with a blank title: an error row)."""
    seed = [json.loads(line) for line in SEED.read_text(encoding="utf-8").splitlines()]
    with path.open("w", encoding="utf-8") as handle:
        for i in range(rows):
            r = seed[i % len(seed)]
            record = {"id": f"row-{i:05d}", "title": r["title"],
                      "description": r.get("description"), "price": r.get("price"),
                      "currency": r.get("currency")}
            if i % 97 == 5:
                record["title"] = " "  # error rows are results too
            handle.write(json.dumps(record) + "\n")
    return path


def result_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a ``nlp-ip predict`` output (JSONL or Parquet)."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_table(path).to_pylist())
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def compare_results(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    """Every id of ``want`` exactly once in ``got``, with the same label, error and
    probabilities."""
    import pytest

    ids = [r["id"] for r in got]
    assert len(ids) == len(set(ids)), "an id was written twice"
    assert set(ids) == {r["id"] for r in want}, "an id is missing or foreign"
    by_id = {r["id"]: r for r in got}
    for row in want:
        other = by_id[row["id"]]
        assert other["label"] == row["label"] and other["error"] == row["error"], row["id"]
        for key, value in row.items():
            if key.startswith("prob_") and value is not None:
                assert other[key] == pytest.approx(value, abs=1e-9), (row["id"], key)


def no_space() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class FillingFile:
    """A writable file that takes ``room`` more characters (or bytes), then fails like a
    full disk: what fits is written, the rest raises ENOSPC, and so does every later write."""

    def __init__(self, handle: Any, room: int) -> None:
        self._handle = handle
        self.room = room

    def write(self, data: Any) -> int:
        if len(data) > self.room:
            self._handle.write(data[:self.room])
            self._handle.flush()
            self.room = 0
            raise no_space()
        self.room -= len(data)
        return int(self._handle.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)

    def __enter__(self) -> FillingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


def write_then_fail(path: str | os.PathLike[str], data: bytes) -> None:
    """Leave ``data`` (a partial file) at ``path``, then fail like a full disk."""
    Path(path).write_bytes(data)
    raise no_space()


def folder_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
