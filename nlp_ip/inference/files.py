"""Predict a whole file of listings: JSONL, CSV or Parquet in and out, streamed.

:func:`predict_file` reads the input with :func:`nlp_ip.io.iter_listings`
(bad rows arrive as :class:`~nlp_ip.io.RowError`), runs the classifier's
streaming :meth:`~nlp_ip.inference.ListingClassifier.predict_iter`, and
writes one result row per input row, in input order, with the columns of
:func:`output_columns`:

``id`` (the listing's id, or its row number in the file when it has none:
the line number for JSONL and CSV, the same number error messages use, and
the 1-based row for Parquet), ``label``, ``prob_<label>`` for each label,
``confidence``, ``decision``, ``model_version`` and ``error`` (null, or why
the row could not be classified; the other columns are then null). The rows
are built by :mod:`nlp_ip.inference.rows`, which the Ray engine shares.

Memory stays bounded whatever the file size: rows are read, predicted and
written ``chunk_size`` at a time.

Resuming (``resume=True``) reads the ids already in the output and skips
them, so an interrupted run continues where it stopped:

- JSONL and CSV are appended to; a last line cut off by the interruption is
  removed first;
- Parquet cannot be appended to, so rows are written to numbered shards in
  ``<output>.parts/`` (each one complete, written under a temporary name and
  renamed) and merged into ``<output>`` at the end; a resumed run reads the
  ids from the finished file and any shards, and merges them again.

Resume keys on ``id``: give listings unique ids (rows without an id use the
row number, which is stable as long as the input file does not change).

Every run is recorded in ``<output>.run.json`` (written atomically before the
first row): the input's sha256 and size, the model version and the options
that change the rows (``strict``), and whether the run completed. ``resume``
continues only the run recorded there and refuses, naming the difference, an
output of another input, model or options, or one without a record: the rows
of two runs are never mixed in one file. ``overwrite`` deletes the old output
(and its shards and record) before the new record is written, so a crashed
overwrite cannot leave the earlier run's rows to be resumed into the new one.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from nlp_ip.atomic import atomic_path
from nlp_ip.errors import DataFormatError, InvalidInputError
from nlp_ip.inference.rows import (
    RESULT_COLUMNS,
    error_row,
    prediction_row,
    result_arrow_schema,
    row_id,
)
from nlp_ip.io import RowError, detect_format, iter_listings

logger = logging.getLogger(__name__)

#: Rows per Parquet shard (bounded memory; a resumed run loses at most this many rows).
PARQUET_SHARD_ROWS = 8192


def output_columns() -> list[str]:
    """The result columns, in order."""
    return list(RESULT_COLUMNS)


@dataclass(frozen=True)
class PredictSummary:
    """Counts of one :func:`predict_file` run."""

    input: Path
    output: Path
    rows: int  # input rows seen
    predicted: int
    errors: int
    skipped: int  # already in the output (resume)
    seconds: float
    backend: str

    @property
    def listings_per_s(self) -> float:
        done = self.predicted + self.errors
        return done / self.seconds if self.seconds > 0 else 0.0


class _Writer(Protocol):
    def write(self, row: dict[str, Any]) -> None: ...
    def close(self, *, complete: bool) -> None: ...


def _result_row(rid: str, result: Any, row_error: RowError | None) -> dict[str, Any]:
    from nlp_ip.inference.engine import Prediction

    if isinstance(result, Prediction):
        return prediction_row(rid, result)
    row = error_row(rid, row_error if row_error is not None else result)
    row["error"] = " ".join(str(row["error"]).split())  # one line, for CSV readers
    return row


# -- CSV cells that spreadsheets would run as formulas ------------------------
#: A cell starting with one of these is quoted with a leading apostrophe (OWASP's advice
#: against CSV injection); a leading apostrophe is itself quoted, so the mapping reverses.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def csv_safe(value: Any) -> Any:
    """``value`` for a CSV cell: text that a spreadsheet would evaluate gets a leading '."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_unsafe(text: str) -> str:
    """Undo :func:`csv_safe` on a cell read back."""
    return text[1:] if text.startswith("'") else text


# -- resume: reading what is already written --------------------------------
def _drop_partial_last_line(path: Path) -> None:
    """Cut a last line that an interruption left without its newline."""
    size = path.stat().st_size
    if size == 0:
        return
    with path.open("rb+") as handle:
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return
        block = 1 << 16
        pos = size
        while pos > 0:
            start = max(0, pos - block)
            handle.seek(start)
            data = handle.read(pos - start)
            cut = data.rfind(b"\n")
            if cut >= 0:
                handle.truncate(start + cut + 1)
                logger.warning("%s: removed an incomplete last line left by an interruption",
                               path)
                return
            pos = start
        handle.truncate(0)


def _ids_jsonl(path: Path) -> Iterator[tuple[str, str | None]]:
    with path.open("r", encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataFormatError(f"{path}:{line_no}: not a result row ({exc.msg}); "
                                      "--resume needs an output written by nlp-ip predict") from exc
            yield str(record.get("id")), record.get("model_version")


def _ids_csv(path: Path) -> Iterator[tuple[str, str | None]]:
    with path.open("r", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None:
            return
        if "id" not in reader.fieldnames:
            raise DataFormatError(f"{path} has no 'id' column; --resume needs an output "
                                  "written by nlp-ip predict")
        for record in reader:
            version = csv_unsafe(record.get("model_version") or "")
            yield csv_unsafe(str(record["id"])), version or None


def _ids_parquet(path: Path) -> Iterator[tuple[str, str | None]]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for broken files
        raise DataFormatError(f"{path} is not a readable Parquet file ({exc}); delete it and "
                              "run again without --resume") from exc
    for batch in parquet.iter_batches(columns=["id", "model_version"], batch_size=65536):
        yield from zip(batch.column(0).to_pylist(), batch.column(1).to_pylist(), strict=True)


def _parts_dir(output: Path) -> Path:
    return output.with_name(output.name + ".parts")


# -- the run record: which run an output belongs to ---------------------------
RUN_RECORD_FORMAT = "nlp-ip-predict-run"


def run_record_path(output: str | Path) -> Path:
    """``<output>.run.json``: the record of the run that writes ``output``."""
    path = Path(output)
    return path.with_name(path.name + ".run.json")


def file_fingerprint(path: str | Path) -> dict[str, Any]:
    """``{"sha256": ..., "bytes": ...}`` of a file, read in 1 MiB blocks."""
    import hashlib

    digest = hashlib.sha256()
    size = 0
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return {"sha256": digest.hexdigest(), "bytes": size}


def _run_identity(source: Path, model_version: str, strict: bool) -> dict[str, Any]:
    return {"input": file_fingerprint(source), "model_version": model_version,
            "options": {"strict": strict}}


def _write_run_record(output: Path, identity: dict[str, Any], state: str) -> None:
    from nlp_ip.atomic import write_text_atomic

    record = {"format": RUN_RECORD_FORMAT, "version": 1, **identity, "state": state}
    write_text_atomic(run_record_path(output), json.dumps(record, indent=2) + "\n")


def _check_resumable(output: Path, identity: dict[str, Any], source: Path) -> None:
    """Refuse to resume ``output`` unless its record names this very run."""
    record_path = run_record_path(output)
    if not record_path.is_file():
        raise InvalidInputError(
            f"{output} has no run record ({record_path.name}), so nothing says which input, "
            "model and options wrote it; resuming could mix two runs. Pass --overwrite to "
            "replace it, or write to a new output")
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"{record_path} cannot be read ({exc}); pass --overwrite to "
                                "start the output again") from exc
    if not isinstance(record, dict) or record.get("format") != RUN_RECORD_FORMAT:
        raise InvalidInputError(f"{record_path} is not a run record of nlp-ip predict; pass "
                                "--overwrite to start the output again")
    if record.get("input") != identity["input"]:
        raise InvalidInputError(
            f"{output} was written from another input (sha256 "
            f"{str((record.get('input') or {}).get('sha256'))[:12]}..., this input {source} is "
            f"{identity['input']['sha256'][:12]}...); resume with the same input file, or "
            "write to a new output")
    if record.get("model_version") != identity["model_version"]:
        raise InvalidInputError(
            f"{output} holds results of model {record.get('model_version')!r}, but this run "
            f"uses {identity['model_version']!r}; resume with the same model, or write to a "
            "new output")
    if record.get("options") != identity["options"]:
        raise InvalidInputError(
            f"{output} was written with options {record.get('options')}, this run has "
            f"{identity['options']}; resume with the same options (e.g. --strict), or write "
            "to a new output")


def _remove_output(output: Path) -> None:
    import shutil

    output.unlink(missing_ok=True)
    if _parts_dir(output).exists():
        shutil.rmtree(_parts_dir(output))
    run_record_path(output).unlink(missing_ok=True)


def read_done_ids(output: str | Path, model_version: str) -> set[str]:
    """Ids already written to ``output`` (for resuming), checking the model version.

    Raises :class:`~nlp_ip.errors.InvalidInputError` if the rows were written
    by another model: one output file holds one model's answers.
    """
    path = Path(output)
    kind = detect_format(path)
    sources: list[tuple[Path, Any]] = []
    if kind == "parquet":
        parts = _parts_dir(path)
        if path.is_file():  # a finished merge holds every shard that may still be around
            sources.append((path, _ids_parquet))
        elif parts.is_dir():
            sources += [(p, _ids_parquet) for p in sorted(parts.glob("part-*.parquet"))]
    elif path.is_file():
        _drop_partial_last_line(path)
        sources.append((path, _ids_jsonl if kind == "jsonl" else _ids_csv))
    done: set[str] = set()
    for source, reader in sources:
        for rid, version in reader(source):
            if version is not None and version != model_version:
                raise InvalidInputError(
                    f"{source} holds results of model {version!r}, but this run uses "
                    f"{model_version!r}; resume with the same model, or write to a new output")
            done.add(rid)
    return done


# -- writers ----------------------------------------------------------------
class _JsonlWriter:
    def __init__(self, path: Path, append: bool) -> None:
        self.handle = path.open("a" if append else "w", encoding="utf-8")

    def write(self, row: dict[str, Any]) -> None:
        self.handle.write(json.dumps(row, ensure_ascii=False) + "\n")

    def close(self, *, complete: bool) -> None:
        self.handle.close()


class _CsvWriter:
    def __init__(self, path: Path, append: bool) -> None:
        new = not (append and path.is_file() and path.stat().st_size > 0)
        self.handle = path.open("a" if append else "w", encoding="utf-8", newline="")
        self.writer = csv.DictWriter(self.handle, fieldnames=output_columns(),
                                     lineterminator="\n")
        if new:
            self.writer.writeheader()

    def write(self, row: dict[str, Any]) -> None:
        self.writer.writerow({k: ("" if v is None else csv_safe(v)) for k, v in row.items()})

    def close(self, *, complete: bool) -> None:
        self.handle.close()


class _ParquetWriter:
    """Shards in ``<output>.parts/``, merged into ``<output>`` by ``close(complete=True)``."""

    def __init__(self, path: Path, append: bool, shard_rows: int = PARQUET_SHARD_ROWS) -> None:
        self.path = path
        self.shard_rows = shard_rows
        self.parts = _parts_dir(path)
        self.schema = result_arrow_schema()
        import shutil

        if self.parts.exists() and (not append or path.is_file()):
            # Not resuming, or a crash after the merge: the shards are stale or merged.
            shutil.rmtree(self.parts)
        self.parts.mkdir(parents=True, exist_ok=True)
        existing = sorted(self.parts.glob("part-*.parquet"))
        self.next_index = int(existing[-1].stem.split("-")[1]) + 1 if existing else 0
        if append and path.is_file():
            # A finished file from an earlier run becomes the first shard again.
            os.replace(path, self.parts / "part-00000-previous.parquet")
        self.buffer: list[dict[str, Any]] = []

    def write(self, row: dict[str, Any]) -> None:
        self.buffer.append(row)
        if len(self.buffer) >= self.shard_rows:
            self._flush()

    def _flush(self) -> None:
        if not self.buffer:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist(self.buffer, schema=self.schema)
        with atomic_path(self.parts / f"part-{self.next_index:05d}.parquet") as tmp:
            pq.write_table(table, tmp)
        self.next_index += 1
        self.buffer = []

    def close(self, *, complete: bool) -> None:
        self._flush()
        if not complete:
            return
        import shutil

        import pyarrow.parquet as pq

        with atomic_path(self.path) as tmp, pq.ParquetWriter(tmp, self.schema) as writer:
            for shard in sorted(self.parts.glob("part-*.parquet")):
                parquet = pq.ParquetFile(shard)
                for group in range(parquet.num_row_groups):
                    writer.write_table(parquet.read_row_group(group).cast(self.schema))
        shutil.rmtree(self.parts)


def _open_writer(path: Path, append: bool, shard_rows: int = PARQUET_SHARD_ROWS) -> _Writer:
    kind = detect_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "jsonl":
        return _JsonlWriter(path, append)
    if kind == "csv":
        return _CsvWriter(path, append)
    return _ParquetWriter(path, append, shard_rows)


def count_rows(path: str | Path) -> int | None:
    """A quick row count for the progress bar (None when it would need a full parse)."""
    file = Path(path)
    kind = detect_format(file)
    if kind == "parquet":
        import pyarrow.parquet as pq

        try:
            return int(pq.ParquetFile(file).metadata.num_rows)
        except Exception:  # unreadable: iter_listings reports it properly
            return None
    lines = 0
    with file.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            lines += block.count(b"\n")
    return max(0, lines - 1) if kind == "csv" else lines


# -- the driver -------------------------------------------------------------
def predict_file(classifier: Any, input_path: str | Path, output_path: str | Path, *,
                 resume: bool = False, overwrite: bool = False, strict: bool = False,
                 progress: bool = False, shard_rows: int | None = None) -> PredictSummary:
    """Classify every row of ``input_path`` and write one result row each to ``output_path``.

    Formats follow the suffixes (.jsonl/.ndjson, .csv, .parquet). Bad rows
    become error rows and the run goes on; ``strict=True`` stops at the first
    one instead (rows before it are kept, so ``resume=True`` continues after a
    fix). Without ``resume`` an existing output is an error unless
    ``overwrite=True``. ``shard_rows`` (Parquet only, default
    :data:`PARQUET_SHARD_ROWS`) bounds what an interrupted run has to redo.
    """
    if shard_rows is not None and shard_rows < 1:
        raise InvalidInputError(f"--shard-rows must be >= 1, got {shard_rows}")
    source = Path(input_path)
    target = Path(output_path)
    detect_format(source)
    detect_format(target)
    if source.resolve() == target.resolve():
        raise InvalidInputError(f"--output {target} is the input file; choose another path")
    exists = target.exists() or _parts_dir(target).exists()
    if exists and not resume and not overwrite:
        raise InvalidInputError(f"{target} already exists; pass --resume to continue it or "
                                "--overwrite to replace it")
    if resume and overwrite:
        raise InvalidInputError("--resume and --overwrite exclude each other: resume continues "
                                "an output, overwrite starts it again")
    version = classifier.model_version
    identity = _run_identity(source, version, strict)
    resuming = resume and exists
    if resuming:
        _check_resumable(target, identity, source)
    else:
        _remove_output(target)  # --overwrite, or a stray record: nothing old may be resumed
        _write_run_record(target, identity, "running")
    done = read_done_ids(target, version) if resuming else set()
    if done:
        logger.info("resuming: %d rows already in %s", len(done), target)
    rows = predicted = errors = skipped = 0

    def entries() -> Iterator[tuple[Any, tuple[str, RowError | None]]]:
        nonlocal rows, skipped
        for line, item in iter_listings(source, strict=strict):
            rows += 1
            rid = row_id(line, item)
            if rid in done:
                skipped += 1
                continue
            if isinstance(item, RowError):
                yield None, (rid, item)  # None fails validation: an error in its place
            else:
                yield item, (rid, None)

    from tqdm import tqdm

    total = count_rows(source) if progress else None
    bar = tqdm(total=total, initial=len(done) if total else 0, unit=" listings",
               disable=not progress, dynamic_ncols=True, smoothing=0.1)
    writer = _open_writer(target, append=resuming,
                          shard_rows=shard_rows or PARQUET_SHARD_ROWS)
    started = time.perf_counter()
    complete = False
    try:
        stream = classifier.predict_iter(entries(), skip_invalid=True, as_tuples=True)
        for result, (rid, row_error) in stream:
            row = _result_row(rid, result, row_error)
            if row["error"] is None:
                predicted += 1
            else:
                errors += 1
            writer.write(row)
            bar.update(1)
        complete = True
    finally:
        writer.close(complete=complete)
        bar.close()
    _write_run_record(target, identity, "complete")
    seconds = time.perf_counter() - started
    return PredictSummary(source, target, rows, predicted, errors, skipped, seconds,
                          classifier.backend_name)
