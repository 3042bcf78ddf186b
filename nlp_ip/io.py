"""Reading listings from JSONL, CSV and Parquet files.

Files are streamed row by row (Parquet in record batches), so a file of any
size is read in bounded memory. A bad row never loses the others: it becomes a
:class:`RowError` naming the file, line, field and fix, and reading goes on,
unless ``strict=True`` asks for the first bad row to be fatal.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlp_ip.errors import DataFormatError, InvalidInputError
from nlp_ip.schema import Listing, load_json, parse_listing

logger = logging.getLogger(__name__)

FORMATS = ("jsonl", "csv", "parquet")
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv",
             ".parquet": "parquet", ".pq": "parquet"}
#: A single line/row above this many bytes is reported as an error, not parsed.
MAX_ROW_BYTES = 1_000_000


@dataclass(frozen=True)
class RowError:
    """A row that could not be read as a listing; reading continues past it."""

    source: str
    line: int  # 1-based line (JSONL, CSV) or row (Parquet) number
    field: str
    message: str
    id: str | None = None

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: field '{self.field}': {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "line": self.line, "field": self.field,
                "message": self.message, "id": self.id}


def detect_format(path: str | Path, fmt: str | None = None) -> str:
    """The file format from ``fmt`` or the file suffix."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise DataFormatError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIXES:
        raise DataFormatError(
            f"cannot tell the format of {path} from its suffix {suffix!r}; "
            f"name it .jsonl, .csv or .parquet, or pass the format explicitly"
        )
    return _SUFFIXES[suffix]


def _iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    source = str(path)
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            if len(raw) > MAX_ROW_BYTES:
                yield line_no, RowError(source, line_no, "row",
                                        f"line is {len(raw):,} bytes; the limit is "
                                        f"{MAX_ROW_BYTES:,}. Split or shorten it")
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield line_no, RowError(source, line_no, "row",
                                        f"invalid UTF-8 at byte {exc.start}; re-encode the "
                                        "file as UTF-8")
                continue
            try:
                record = load_json(text)
            except json.JSONDecodeError as exc:
                yield line_no, RowError(source, line_no, "row",
                                        f"not valid JSON ({exc.msg} at column {exc.colno}); "
                                        "each line must be one JSON object")
                continue
            except InvalidInputError as exc:  # an integer of more than 4,300 digits
                first = exc.errors[0]
                yield line_no, RowError(source, line_no, first.field, first.message)
                continue
            except RecursionError:
                yield line_no, RowError(source, line_no, "row",
                                        "is nested too deeply; a listing is one flat JSON "
                                        "object")
                continue
            if not isinstance(record, dict):
                yield line_no, RowError(source, line_no, "row",
                                        f"expected a JSON object, found {type(record).__name__}")
                continue
            yield line_no, record


def _csv_records(path: Path, reader: csv.DictReader[str]) -> Iterator[dict[str | Any, Any]]:
    """The reader's records; the csv module's own errors (a cell over its 131,072-character
    limit, ...) as :class:`DataFormatError`: past one, the rows that follow cannot be told
    apart reliably."""
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DataFormatError(
                f"{path}:{reader.line_num + 1}: not readable as CSV ({exc}); a cell may hold at "
                f"most {csv.field_size_limit():,} characters and needs balanced quotes. Fix "
                "or remove that row") from None
        yield record


def _iter_csv(path: Path) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    source = str(path)
    with path.open("r", encoding="utf-8", errors="surrogateescape", newline="") as handle:
        reader = csv.DictReader(handle)
        try:
            fieldnames = reader.fieldnames
        except csv.Error as exc:
            raise DataFormatError(f"{path}:1: the header is not readable as CSV ({exc})") \
                from None
        if fieldnames is None:
            return
        for record in _csv_records(path, reader):
            line_no = reader.line_num
            bad = [k for k, v in record.items() if isinstance(v, str) and _has_surrogate(v)]
            if bad:
                yield line_no, RowError(source, line_no, str(bad[0]),
                                        "invalid UTF-8; re-encode the file as UTF-8")
                continue
            if None in record:
                yield line_no, RowError(source, line_no, "row",
                                        "more cells than header columns; quote cells that "
                                        "contain commas")
                continue
            yield line_no, {k: (v if v != "" else None) for k, v in record.items()}


def _has_surrogate(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _iter_parquet(path: Path) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for broken files
        raise DataFormatError(f"{path} is not a readable Parquet file: {exc}") from exc
    row_no = 0
    batches = parquet.iter_batches(batch_size=4096)
    while True:
        try:  # pages are read and decoded here: a corrupt one fails only now
            batch = next(batches, None)
            records = batch.to_pylist() if batch is not None else None
        except Exception as exc:
            raise DataFormatError(f"{path} is not a readable Parquet file: {exc} (after row "
                                  f"{row_no}); write it again or drop the broken row "
                                  "group") from exc
        if records is None:
            return
        for record in records:
            row_no += 1
            yield row_no, record


def iter_records(
    path: str | Path, *, fmt: str | None = None
) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    """Raw records of a file, streamed, as ``(line, dict | RowError)``."""
    file = Path(path)
    kind = detect_format(file, fmt)
    if not file.is_file():
        raise DataFormatError(f"{file} does not exist or is not a file")
    if kind == "jsonl":
        return _iter_jsonl(file)
    if kind == "csv":
        return _iter_csv(file)
    return _iter_parquet(file)


def listing_or_error(record: dict[str, Any], *, line: int, source: str) -> Listing | RowError:
    """One raw record as a :class:`Listing`, or the :class:`RowError` that says why it is not.

    The one place where a record (a file row, a DataFrame row) becomes a listing or an
    error row: ``nlp-ip predict``, Ray and the MLflow flavour report bad rows alike.
    """
    try:
        return parse_listing(record, index=line, source=source)
    except InvalidInputError as exc:
        first = exc.errors[0] if exc.errors else None
        record_id = record.get("id")
        return RowError(source, line, first.field if first else "row",
                        "; ".join(e.message for e in exc.errors) or str(exc),
                        str(record_id) if record_id is not None else None)


def iter_listings(
    path: str | Path, *, fmt: str | None = None, strict: bool = False
) -> Iterator[tuple[int, Listing | RowError]]:
    """Listings of a file, streamed, as ``(line, Listing | RowError)``.

    With ``strict=True`` the first bad row raises :class:`InvalidInputError`.
    """
    source = str(path)
    for line_no, record in iter_records(path, fmt=fmt):
        if isinstance(record, dict):
            item = listing_or_error(record, line=line_no, source=source)
            if isinstance(item, Listing):
                yield line_no, item
                continue
            error = item
        else:
            error = record
        if strict:
            raise InvalidInputError(f"{error} (strict mode: fix the row or drop --strict)")
        logger.warning("skipping bad row: %s", error)
        yield line_no, error


def listing_key(record: Mapping[str, Any]) -> str:
    """The identity of a listing across files and databases: its id, else its normalised
    text (what retraining deduplicates reviewer decisions by)."""
    listing_id = record.get("id")
    if listing_id not in (None, ""):
        return f"id:{listing_id}"
    return "text:" + normalized_text_key(str(record.get("title", "")),
                                         str(record.get("description") or ""))


def normalized_text_key(title: str, description: str = "") -> str:
    """A hash of the text that ignores case, Unicode width forms, spacing and punctuation."""
    text = unicodedata.normalize("NFKC", f"{title} {description}").casefold()
    text = re.sub(r"[\W_]+", " ", text).strip()
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def exact_text_key(title: str, description: str = "") -> str:
    return hashlib.sha1(f"{title}\x00{description}".encode()).hexdigest()


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class LoadReport:
    """What reading a file found: counts, bad rows, duplicates and label conflicts."""

    source: str
    n_rows: int = 0
    n_valid: int = 0
    errors: list[RowError] = field(default_factory=list)
    label_counts: Counter[str] = field(default_factory=Counter)
    exact_duplicates: list[tuple[int, int]] = field(default_factory=list)  # (line, first line)
    normalized_duplicates: list[tuple[int, int]] = field(default_factory=list)
    label_conflicts: list[tuple[int, int]] = field(default_factory=list)
    duplicate_ids: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.label_conflicts and not self.duplicate_ids

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "rows": self.n_rows,
            "valid": self.n_valid,
            "errors": [e.to_dict() for e in self.errors],
            "label_counts": dict(self.label_counts),
            "exact_duplicates": self.exact_duplicates,
            "normalized_duplicates": self.normalized_duplicates,
            "label_conflicts": self.label_conflicts,
            "duplicate_ids": self.duplicate_ids,
        }

    def format(self, max_items: int = 20) -> str:
        """A human-readable report."""
        lines = [f"{self.source}: {self.n_rows} rows, {self.n_valid} valid, "
                 f"{len(self.errors)} bad"]
        if self.label_counts:
            total = sum(self.label_counts.values())
            lines.append("labels:")
            for label, count in sorted(self.label_counts.items()):
                lines.append(f"  {label:<12} {count:>8}  {count / total:6.1%}")
        for title, items in (
            ("bad rows", [str(e) for e in self.errors]),
            ("exact duplicates (line = first line)",
             [f"line {a} = line {b}" for a, b in self.exact_duplicates]),
            ("duplicates after normalising text",
             [f"line {a} ~ line {b}" for a, b in self.normalized_duplicates]),
            ("conflicting labels for the same text",
             [f"line {a} vs line {b}" for a, b in self.label_conflicts]),
            ("duplicate ids", [f"line {a}: id {i!r}" for a, i in self.duplicate_ids]),
        ):
            if items:
                lines.append(f"{title}: {len(items)}")
                lines.extend(f"  {item}" for item in items[:max_items])
                if len(items) > max_items:
                    lines.append(f"  ... and {len(items) - max_items} more")
        return "\n".join(lines)


def _audit(rows: Iterable[tuple[int, Listing | RowError]], source: str,
           keep: list[Listing] | None) -> LoadReport:
    report = LoadReport(source=source)
    first_exact: dict[str, int] = {}
    first_norm: dict[str, tuple[int, str | None]] = {}
    first_id: dict[str, int] = {}
    labels_by_norm: dict[str, dict[str | None, int]] = defaultdict(dict)
    for line_no, item in rows:
        report.n_rows += 1
        if isinstance(item, RowError):
            report.errors.append(item)
            continue
        report.n_valid += 1
        if keep is not None:
            keep.append(item)
        label = item.label.value if item.label is not None else None
        if label is not None:
            report.label_counts[label] += 1
        if item.id is not None:
            if item.id in first_id:
                report.duplicate_ids.append((line_no, item.id))
            else:
                first_id[item.id] = line_no
        exact = exact_text_key(item.title, item.description)
        norm = normalized_text_key(item.title, item.description)
        if exact in first_exact:
            report.exact_duplicates.append((line_no, first_exact[exact]))
        else:
            first_exact[exact] = line_no
            if norm in first_norm:
                report.normalized_duplicates.append((line_no, first_norm[norm][0]))
        first_norm.setdefault(norm, (line_no, label))
        seen = labels_by_norm[norm]
        if label is not None and seen and label not in seen:
            other_line = next(iter(seen.values()))
            report.label_conflicts.append((line_no, other_line))
        if label is not None:
            seen.setdefault(label, line_no)
    return report


def read_listings(
    path: str | Path, *, fmt: str | None = None, strict: bool = False
) -> tuple[list[Listing], LoadReport]:
    """All valid listings of a file and the report of what was skipped or duplicated."""
    listings: list[Listing] = []
    report = _audit(iter_listings(path, fmt=fmt, strict=strict), str(path), listings)
    return listings, report


def validate_file(path: str | Path, *, fmt: str | None = None, strict: bool = False) -> LoadReport:
    """Check a file without keeping its rows: bad rows, duplicates, conflicts, labels."""
    return _audit(iter_listings(path, fmt=fmt, strict=strict), str(path), None)


def write_jsonl(path: str | Path, records: Iterable[dict[str, Any] | Listing]) -> int:
    """Write records as JSON Lines (UTF-8, one object per line); returns the count."""
    count = 0
    with Path(path).open("w", encoding="utf-8") as handle:
        for record in records:
            data = record.to_record() if isinstance(record, Listing) else record
            handle.write(json.dumps(data, ensure_ascii=False) + "\n")
            count += 1
    return count

