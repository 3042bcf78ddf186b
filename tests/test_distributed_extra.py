"""The Ray engine's pieces that run without Ray: install hint, input expansion, rows."""

from __future__ import annotations

import builtins
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from nlp_ip.errors import DataFormatError, MissingExtraError
from nlp_ip.inference.rows import RESULT_COLUMNS, error_row, row_id
from nlp_ip.io import RowError
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.schema import Listing


def test_without_ray_the_error_names_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_ray(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "ray" or name.startswith("ray."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    for name in [m for m in sys.modules if m == "ray" or m.startswith("ray.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(builtins, "__import__", no_ray)
    from nlp_ip.distributed import require_ray

    with pytest.raises(MissingExtraError, match=r'pip install "nlp-ip\[distributed\]"'):
        require_ray()


def test_importing_the_package_does_not_import_ray() -> None:
    import subprocess

    code = ("import sys, nlp_ip.distributed, nlp_ip.distributed.cli; "
            "print('ray' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_expand_inputs_glob_folder_and_names(tmp_path: Path) -> None:
    from nlp_ip.distributed.source import expand_inputs

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "part-1.jsonl").write_text('{"title": "x"}\n')
    (tmp_path / "b.csv").write_text("title\nx\n")
    (tmp_path / "notes.txt").write_text("not a shard")

    single = expand_inputs(tmp_path / "b.csv")
    assert [(f.fmt, f.name) for f in single] == [("csv", None)]

    folder = expand_inputs(tmp_path)
    assert [(f.fmt, f.name) for f in folder] == [("jsonl", "a/part-1.jsonl"), ("csv", "b.csv")]

    globbed = expand_inputs(str(tmp_path / "**" / "*.jsonl"))
    assert [f.name for f in globbed] == [None]


def test_expand_inputs_says_what_is_missing(tmp_path: Path) -> None:
    from nlp_ip.distributed.source import expand_inputs

    with pytest.raises(DataFormatError, match=r"matches no files; check the pattern"):
        expand_inputs(str(tmp_path / "*.jsonl"))
    with pytest.raises(DataFormatError, match=r"does not exist; give a file, a folder"):
        expand_inputs(tmp_path / "nope.jsonl")
    with pytest.raises(DataFormatError, match=r"holds no .jsonl, .csv or .parquet"):
        expand_inputs(tmp_path)


def test_block_rows_round_trip_listings_and_errors(tmp_path: Path) -> None:
    from nlp_ip.distributed.source import InputFile, decode_item, read_file_blocks

    shard = tmp_path / "s.jsonl"
    shard.write_bytes(b'{"id": "x1", "title": "Plain tote", "price": 12, "currency": "eur"}\n'
                      b"{broken\n"
                      b'{"title": "   "}\n'
                      b'{"title": "no id here", "marketplace": "etsy"}\n')
    blocks = list(read_file_blocks(InputFile(str(shard), "jsonl", "s.jsonl"), rows_per_block=3))
    assert [b.num_rows for b in blocks] == [3, 1]
    rows = [r for b in blocks for r in b.to_pylist()]
    assert [r["line"] for r in rows] == [1, 2, 3, 4]
    items = [decode_item(r["listing"], r["error"]) for r in rows]
    assert isinstance(items[0], Listing) and items[0].currency == "EUR" and items[0].id == "x1"
    assert isinstance(items[1], RowError) and "not valid JSON" in items[1].message
    assert isinstance(items[2], RowError) and items[2].field == "title"
    assert isinstance(items[3], Listing) and items[3].metadata == {"marketplace": "etsy"}
    ids = [row_id(r["line"], item, source=r["source"])
           for r, item in zip(rows, items, strict=True)]
    assert ids == ["x1", "s.jsonl:2", "s.jsonl:3", "s.jsonl:4"]


def test_error_row_has_every_column_and_the_reason() -> None:
    row = error_row("7", RowError("f.jsonl", 7, "title", "is blank"))
    assert tuple(row) == RESULT_COLUMNS
    assert row["id"] == "7" and row["error"] == "field 'title': is blank"
    assert all(row[f"prob_{name}"] is None for name in LABEL_NAMES)
    assert json.dumps(row)
