"""Reading listing shards into Ray Data with the same validation as ``nlp_ip.io``.

Ray's own JSON and CSV readers fail a whole file on one malformed line, and lose
line numbers. Here each file is one read task that streams it through
:func:`nlp_ip.io.iter_listings` (the reader the single-machine ``predict`` uses)
and emits blocks of rows ``(source, line, listing JSON | null, error JSON | null)``:
a bad row travels on as an error row instead of failing the read, and its
message is exactly the one the single-machine path writes.

Files may be local paths or any URI pyarrow's filesystems read (``s3://``,
``gs://``, ``hdfs://``); remote files are copied to a temporary local file by the
read task that handles them.
"""

from __future__ import annotations

import functools
import glob
import json
import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp_ip.errors import DataFormatError
from nlp_ip.io import RowError, detect_format, iter_listings
from nlp_ip.schema import Listing

logger = logging.getLogger(__name__)

_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class InputFile:
    """One shard to read."""

    path: str  # local path or URI
    fmt: str  # jsonl, csv or parquet
    name: str | None  # prefixes row-number ids when a run reads several files
    size: int | None = None


def _readable(path: str) -> bool:
    """Whether the suffix names a format ``nlp_ip.io`` reads."""
    try:
        detect_format(path)
    except DataFormatError:
        return False
    return True


def _is_uri(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def _local_candidates(path: str) -> list[str]:
    if path.startswith("file://"):
        path = path[len("file://"):]
    if any(ch in path for ch in _GLOB_CHARS):
        found = sorted(p for p in glob.glob(path, recursive=True) if os.path.isfile(p))
        if not found:
            raise DataFormatError(f"--input {path!r} matches no files; check the pattern "
                                  "(quote it so the shell does not expand it)")
        return found
    if os.path.isdir(path):
        found = sorted(str(p) for p in Path(path).rglob("*")
                       if p.is_file() and _readable(str(p)))
        if not found:
            raise DataFormatError(f"--input folder {path} holds no .jsonl, .csv or .parquet "
                                  "files")
        return found
    if not os.path.isfile(path):
        raise DataFormatError(f"--input {path} does not exist; give a file, a folder or a "
                              "quoted glob such as 'shards/*.jsonl'")
    return [path]


def _remote_candidates(uri: str) -> list[tuple[str, int | None]]:
    import pyarrow.fs as pafs

    if any(ch in uri for ch in _GLOB_CHARS):
        raise DataFormatError(f"--input {uri!r}: globs are only expanded for local paths; "
                              "give the remote folder that holds the shards instead")
    fs, root = pafs.FileSystem.from_uri(uri)
    scheme = uri.split("://", 1)[0]
    info = fs.get_file_info(root)
    if info.type == pafs.FileType.NotFound:
        raise DataFormatError(f"--input {uri} does not exist")
    if info.type == pafs.FileType.File:
        return [(uri, info.size)]
    infos = fs.get_file_info(pafs.FileSelector(root, recursive=True))
    found = sorted((f"{scheme}://{i.path}", i.size) for i in infos
                   if i.type == pafs.FileType.File
                   and _readable(i.path))
    if not found:
        raise DataFormatError(f"--input folder {uri} holds no .jsonl, .csv or .parquet files")
    return found


def expand_inputs(inputs: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], *,
                  fmt: str | None = None) -> list[InputFile]:
    """The shards named by a path, a folder, a glob or a URI (or a list of them).

    When more than one file is read, each file's path relative to their common
    folder becomes its ``name``, which prefixes row-number ids (``part-1.jsonl:12``).
    """
    specs = [inputs] if isinstance(inputs, str | os.PathLike) else list(inputs)
    found: list[tuple[str, int | None]] = []
    for spec in specs:
        text = os.fspath(spec)
        if _is_uri(text):
            found.extend(_remote_candidates(text))
        else:  # absolute: read tasks do not run in the driver's working directory
            found.extend((os.path.abspath(p), os.path.getsize(p))
                         for p in _local_candidates(text))
    unique = list(dict.fromkeys(path for path, _ in found))
    sizes = dict(found)
    if len(unique) == 1:
        path = unique[0]
        return [InputFile(path, detect_format(path, fmt), None, sizes[path])]
    common = os.path.commonpath([p.split("://", 1)[-1] for p in unique])
    files = []
    for path in unique:
        name = os.path.relpath(path.split("://", 1)[-1], common)
        files.append(InputFile(path, detect_format(path, fmt), name, sizes[path]))
    return files


def block_schema() -> Any:
    """The Arrow schema of the blocks the read tasks emit."""
    import pyarrow as pa

    return pa.schema([("source", pa.string()), ("line", pa.int64()),
                      ("listing", pa.string()), ("error", pa.string())])


def encode_item(item: Listing | RowError) -> tuple[str | None, str | None]:
    """(listing JSON, error JSON) for a block row; exactly one is set."""
    if isinstance(item, Listing):
        return json.dumps(item.to_record(), ensure_ascii=False, default=str), None
    return None, json.dumps(item.to_dict(), ensure_ascii=False)


def decode_item(listing: str | None, error: str | None) -> Listing | RowError:
    """The inverse of :func:`encode_item`."""
    if listing is not None:
        return Listing.model_validate(json.loads(listing))
    if error is None:
        raise DataFormatError("a block row carries neither a listing nor an error")
    return RowError(**json.loads(error))


def _localised(file: InputFile) -> Iterator[str]:
    """A local path for ``file``, copying remote files to a temporary file first."""
    if not _is_uri(file.path):
        yield file.path[len("file://"):] if file.path.startswith("file://") else file.path
        return
    import pyarrow.fs as pafs

    fs, remote = pafs.FileSystem.from_uri(file.path)
    suffix = os.path.splitext(remote)[1]
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        with fs.open_input_stream(remote) as stream:
            while chunk := stream.read(1 << 20):
                tmp.write(chunk)
        tmp.flush()
        yield tmp.name


def read_file_blocks(file: InputFile, rows_per_block: int) -> Iterator[Any]:
    """Stream one shard as Arrow tables of at most ``rows_per_block`` rows."""
    import pyarrow as pa

    schema = block_schema()
    columns: dict[str, list[Any]] = {name: [] for name in schema.names}

    def flush() -> Any:
        table = pa.Table.from_pydict(columns, schema=schema)
        for values in columns.values():
            values.clear()
        return table

    for local in _localised(file):
        for line, item in iter_listings(local, fmt=file.fmt):
            listing, error = encode_item(item)
            columns["source"].append(file.name)
            columns["line"].append(line)
            columns["listing"].append(listing)
            columns["error"].append(error)
            if len(columns["line"]) >= rows_per_block:
                yield flush()
    if columns["line"]:
        yield flush()


def listing_datasource(files: Sequence[InputFile], rows_per_block: int) -> Any:
    """A Ray Data datasource with one read task per shard."""
    from ray.data.block import BlockMetadata
    from ray.data.datasource import Datasource, ReadTask

    class ListingFileDatasource(Datasource):  # type: ignore[misc]
        """Listing shards read with ``nlp_ip.io``; bad rows become error rows."""

        def __init__(self) -> None:
            super().__init__()
            self.files = list(files)

        def get_name(self) -> str:
            return "ListingFiles"

        def estimate_inmemory_data_size(self) -> int | None:
            sizes = [f.size for f in self.files]
            return None if any(s is None for s in sizes) else int(sum(sizes))  # type: ignore[arg-type]

        def get_read_tasks(self, parallelism: int, per_task_row_limit: int | None = None,
                           data_context: Any = None) -> list[Any]:
            return [
                ReadTask(
                    functools.partial(read_file_blocks, file, rows_per_block),
                    BlockMetadata(num_rows=None, size_bytes=file.size, exec_stats=None,
                                  input_files=(file.path,)),
                    schema=block_schema(),
                    per_task_row_limit=per_task_row_limit,
                )
                for file in self.files
            ]

    return ListingFileDatasource()
