"""``nlp-ip predict`` on JSONL, CSV and Parquet: one row per input, error rows, --resume."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from nlp_ip.artifact import read_meta
from nlp_ip.cli import main
from nlp_ip.inference import ListingClassifier
from nlp_ip.inference.files import (
    PARQUET_SHARD_ROWS,
    _parts_dir,
    output_columns,
    predict_file,
    read_done_ids,
    run_record_path,
)
from nlp_ip.labels import LABEL_NAMES

GOOD = [
    {"id": "a1", "title": "G.U.C.C.I belt 1:1 mirror quality", "price": 25, "currency": "USD"},
    {"title": "Chewy Vuiton plush dog toy", "description": "parody squeaker toy"},
    {"id": "a3", "title": "Quilted chain flap bag", "description": "no logo, inspired look"},
    {"title": "Case for iPhone 15", "brand": "Spigen"},
    {"id": "a5", "title": "Oak bookshelf, five shelves"},
]


def _rows(path: Path) -> list[dict[str, Any]]:
    suffix = path.suffix
    if suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    if suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:  # CSV has no types: bring them back for comparison
            for key, value in row.items():
                if value == "":
                    row[key] = None
                elif key.startswith("prob_") or key == "confidence":
                    row[key] = float(value)
        return rows
    return pq.read_table(path).to_pylist()


def _assert_same_rows(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    """Equal rows; probabilities to 1e-6 (rows may have been batched differently)."""
    assert [r["id"] for r in got] == [r["id"] for r in want]
    for a, b in zip(got, want, strict=True):
        for key, value in b.items():
            if isinstance(value, float):
                assert a[key] == pytest.approx(value, abs=1e-6), (b["id"], key)
            else:
                assert a[key] == value, (b["id"], key)


def _write_input(path: Path, records: list[dict[str, Any]]) -> Path:
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    elif path.suffix == ".csv":
        fields = ["id", "title", "description", "price", "currency", "brand"]
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            for r in records:
                writer.writerow({k: r.get(k, "") for k in fields})
    else:
        table = pa.Table.from_pylist([{"id": r.get("id"), "title": r.get("title"),
                                       "description": r.get("description"),
                                       "price": r.get("price"), "currency": r.get("currency"),
                                       "brand": r.get("brand")}
                                      for r in records])
        pq.write_table(table, path)
    return path


def _predict(model: Path, source: Path, target: Path, *extra: str) -> int:
    return main(["predict", "--model", str(model), "--input", str(source), "--output",
                 str(target), "--backend", "torch-fp32", "--no-progress", *extra])


@pytest.fixture(scope="module")
def model(tiny_run: Path) -> Path:
    return tiny_run / "model-best"


@pytest.fixture(scope="module")
def clf(model: Path) -> ListingClassifier:
    return ListingClassifier.from_pretrained(model, backend="torch-fp32")


@pytest.mark.parametrize(("src", "dst"), [("jsonl", "csv"), ("csv", "parquet"),
                                          ("parquet", "jsonl")])
def test_one_result_row_per_input_in_every_format(model: Path, clf: ListingClassifier,
                                                  tmp_path: Path, src: str, dst: str) -> None:
    source = _write_input(tmp_path / f"in.{src}", GOOD)
    target = tmp_path / f"out.{dst}"
    assert _predict(model, source, target) == 0
    rows = _rows(target)
    assert list(rows[0]) == output_columns()
    first_line = 2 if src == "csv" else 1  # the id of a row without one is its line number
    assert [r["id"] for r in rows] == [
        str(g["id"]) if "id" in g else str(first_line + i) for i, g in enumerate(GOOD)]
    expected = clf.predict(GOOD)
    for row, want in zip(rows, expected, strict=True):
        assert row["error"] is None
        assert row["label"] == want.label and row["decision"] == want.decision
        assert row["model_version"] == clf.model_version
        probs = [row[f"prob_{name}"] for name in LABEL_NAMES]
        assert sum(probs) == pytest.approx(1.0, abs=1e-9)
        assert probs == pytest.approx(list(want.probabilities.values()), abs=1e-6)
        assert row["confidence"] == pytest.approx(max(probs))


def test_bad_rows_become_error_rows_and_nothing_else_is_lost(model: Path, clf: ListingClassifier,
                                                             tmp_path: Path) -> None:
    lines = [json.dumps(GOOD[0]).encode(),
             json.dumps({"id": "blank", "title": "   "}).encode(),
             json.dumps(GOOD[2]).encode(),
             json.dumps({"id": "number", "title": 42}).encode(),
             b'{"id": "latin1", "title": "caf\xe9 au lait mug"}',
             json.dumps({"id": "huge", "title": "Bag", "description": "x" * 1_000_001}).encode(),
             json.dumps({"id": "long", "title": "Bag", "description": "x" * 25_000}).encode(),
             b"{not json",
             json.dumps(GOOD[4]).encode()]
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    target = tmp_path / "out.jsonl"
    assert _predict(model, source, target) == 0
    rows = _rows(target)
    assert [r["id"] for r in rows] == ["a1", "blank", "a3", "number", "5", "6", "long", "8",
                                       "a5"]
    errors = {r["id"]: r["error"] for r in rows if r["error"]}
    assert set(errors) == {"blank", "number", "5", "6", "long", "8"}
    assert "field 'title': is blank" in errors["blank"]
    assert "must be a string, got int" in errors["number"]
    assert "invalid UTF-8" in errors["5"]
    assert "bytes; the limit is 1,000,000" in errors["6"]
    assert "the limit is 20,000" in errors["long"]
    assert "not valid JSON" in errors["8"]
    for row in rows:
        if row["error"]:
            assert row["label"] is None and row["prob_infringing"] is None
    good = [r for r in rows if not r["error"]]
    expected = clf.predict_proba([GOOD[0], GOOD[2], GOOD[4]])
    for row, want in zip(good, expected, strict=True):
        assert [row[f"prob_{n}"] for n in LABEL_NAMES] == pytest.approx(list(want), abs=1e-6)


def test_strict_stops_at_the_first_bad_row(model: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    source = _write_input(tmp_path / "in.jsonl", [GOOD[0], {"title": ""}, GOOD[1]])
    assert _predict(model, source, tmp_path / "out.jsonl", "--strict") == 1
    err = capsys.readouterr().err
    assert "in.jsonl:2: field 'title': is blank" in err and "drop --strict" in err


def test_existing_output_needs_resume_or_overwrite(model: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    source = _write_input(tmp_path / "in.jsonl", GOOD[:2])
    target = tmp_path / "out.jsonl"
    assert _predict(model, source, target) == 0
    assert _predict(model, source, target) == 1
    assert "pass --resume to continue it or --overwrite" in capsys.readouterr().err
    assert _predict(model, source, target, "--overwrite") == 0
    assert len(_rows(target)) == 2


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_resume_after_an_interruption_mid_line(model: Path, tmp_path: Path, fmt: str) -> None:
    records = [dict(g, id=f"r{i}-{j}") for j in range(4) for i, g in enumerate(GOOD)]
    records.insert(7, {"id": "bad", "title": " "})
    source = _write_input(tmp_path / "in.jsonl", records)
    full = tmp_path / f"full.{fmt}"
    assert _predict(model, source, full) == 0
    text = full.read_text(encoding="utf-8").splitlines(keepends=True)
    keep = 9 if fmt == "jsonl" else 10  # CSV has a header line
    partial = tmp_path / f"partial.{fmt}"
    partial.write_text("".join(text[:keep]) + text[keep][:12], encoding="utf-8")  # cut mid-line
    # the record an interrupted run of the same input and model leaves beside its output
    shutil.copyfile(run_record_path(full), run_record_path(partial))
    assert _predict(model, source, partial, "--resume") == 0
    _assert_same_rows(_rows(partial), _rows(full))
    # resuming a finished output adds nothing
    assert _predict(model, source, partial, "--resume") == 0
    _assert_same_rows(_rows(partial), _rows(full))


def test_resume_parquet_from_shards_and_from_a_finished_file(
        model: Path, clf: ListingClassifier, tmp_path: Path) -> None:
    records = [dict(g, id=f"r{i}-{j}") for j in range(3) for i, g in enumerate(GOOD)]
    source = _write_input(tmp_path / "in.jsonl", records)
    full = tmp_path / "full.parquet"
    assert _predict(model, source, full) == 0
    assert not _parts_dir(full).exists()
    expected = _rows(full)
    assert len(expected) == len(records)
    # An interrupted run leaves complete shards and no final file.
    target = tmp_path / "out.parquet"
    parts = _parts_dir(target)
    parts.mkdir()
    shutil.copyfile(run_record_path(full), run_record_path(target))
    pq.write_table(pa.Table.from_pylist(expected[:6]).cast(pq.read_schema(full)),
                   parts / "part-00000.parquet")
    (parts / "part-00001.parquet.tmp").write_bytes(b"half a shard")  # never renamed: ignored
    assert read_done_ids(target, clf.model_version) == {r["id"] for r in expected[:6]}
    assert _predict(model, source, target, "--resume") == 0
    assert not parts.exists()
    _assert_same_rows(_rows(target), expected)
    # A finished file resumed with the same input adds nothing.
    assert _predict(model, source, target, "--resume") == 0
    _assert_same_rows(_rows(target), expected)
    assert json.loads(run_record_path(target).read_text())["state"] == "complete"
    assert PARQUET_SHARD_ROWS >= 1024


def test_resume_refuses_rows_of_another_model(model: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    source = _write_input(tmp_path / "in.jsonl", GOOD)
    target = tmp_path / "out.jsonl"
    assert _predict(model, source, target) == 0
    record = json.loads(run_record_path(target).read_text())
    run_record_path(target).write_text(json.dumps(dict(record, model_version="other-model")))
    assert _predict(model, source, target, "--resume") == 1
    assert "holds results of model 'other-model'" in capsys.readouterr().err
    # rows of another model are refused even where the record was edited to match
    target.write_text(json.dumps({"id": "a1", "model_version": "other-model"}) + "\n")
    run_record_path(target).write_text(json.dumps(record))
    assert _predict(model, source, target, "--resume") == 1
    assert "holds results of model 'other-model'" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_resume_refuses_an_output_of_another_input(model: Path, tmp_path: Path, fmt: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: A then B with --resume exited 0 with A's rows and B's in one file."""
    first = _write_input(tmp_path / "a.jsonl", [dict(g, id=f"a{i}") for i, g in enumerate(GOOD)])
    second = _write_input(tmp_path / "b.jsonl", [dict(g, id=f"b{i}") for i, g in enumerate(GOOD)])
    target = tmp_path / f"o.{fmt}"
    assert _predict(model, first, target) == 0
    before = _rows(target)
    assert _predict(model, second, target, "--resume") == 1
    err = capsys.readouterr().err
    assert f"{target} was written from another input" in err and "same input file" in err
    assert _rows(target) == before
    assert _predict(model, first, target, "--resume", "--strict") == 1
    assert "written with options {'strict': False}" in capsys.readouterr().err


def test_resume_refuses_an_output_without_a_run_record(model: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    source = _write_input(tmp_path / "in.jsonl", GOOD)
    target = tmp_path / "out.jsonl"
    target.write_text(json.dumps({"id": "a1", "model_version": "x"}) + "\n")
    assert _predict(model, source, target, "--resume") == 1
    assert "has no run record (out.jsonl.run.json)" in capsys.readouterr().err
    assert _predict(model, source, target, "--resume", "--overwrite") == 1
    assert "exclude each other" in capsys.readouterr().err


def test_a_crashed_overwrite_leaves_nothing_of_the_old_run_to_resume(
        model: Path, clf: ListingClassifier, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: a crashed --overwrite left the old finished Parquet file, and --resume
    then took its ids and merged its rows into the new run."""
    old_input = _write_input(tmp_path / "old.jsonl", [dict(g, id=f"x{i}")
                                                      for i, g in enumerate(GOOD)])
    records = [dict(g, id=f"n{i}-{j}") for j in range(3) for i, g in enumerate(GOOD)]
    new_input = _write_input(tmp_path / "new.jsonl", records)
    target = tmp_path / "out.parquet"
    assert _predict(model, old_input, target) == 0
    reference = tmp_path / "reference.parquet"
    assert _predict(model, new_input, reference) == 0
    real = ListingClassifier.predict_iter

    def crash_after_seven(self: ListingClassifier, *args: Any, **kwargs: Any) -> Any:
        for i, item in enumerate(real(self, *args, **kwargs)):
            if i == 7:
                raise RuntimeError("killed")
            yield item

    monkeypatch.setattr(ListingClassifier, "predict_iter", crash_after_seven)
    with pytest.raises(RuntimeError, match="killed"):
        predict_file(clf, new_input, target, overwrite=True, shard_rows=3)
    assert not target.exists()  # the old run's output is gone, its rows cannot come back
    monkeypatch.setattr(ListingClassifier, "predict_iter", real)
    predict_file(clf, new_input, target, resume=True)
    got = _rows(target)
    assert sorted(r["id"] for r in got) == sorted(r["id"] for r in _rows(reference))
    _assert_same_rows(sorted(got, key=lambda r: r["id"]),
                      sorted(_rows(reference), key=lambda r: r["id"]))


def test_predict_file_reports_counts(clf: ListingClassifier, tmp_path: Path) -> None:
    source = _write_input(tmp_path / "in.jsonl", [*GOOD, {"title": ""}])
    summary = predict_file(clf, source, tmp_path / "out.parquet")
    assert (summary.rows, summary.predicted, summary.errors, summary.skipped) == (6, 5, 1, 0)
    assert summary.listings_per_s > 0 and summary.backend == "torch-fp32"


def test_csv_output_cannot_run_as_a_spreadsheet_formula(model: Path, tmp_path: Path) -> None:
    """Regression: ids such as =HYPERLINK(...) were written as they are, and spreadsheets
    ran them."""
    hostile = [{"id": '=HYPERLINK("http://x.test","click")', "title": "Oak shelf"},
               {"id": "+1+1", "title": "Linen shirt"}, {"id": "@SUM(A1)", "title": "Mug"},
               {"id": "'quoted", "title": "Lamp"}, {"id": "plain", "title": "Rug"}]
    source = _write_input(tmp_path / "in.jsonl", hostile)
    target = tmp_path / "out.csv"
    assert _predict(model, source, target) == 0
    with target.open(encoding="utf-8", newline="") as handle:
        cells = [row["id"] for row in csv.DictReader(handle)]
    assert cells == ["'" + h["id"] for h in hostile[:4]] + ["plain"]
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    # resume reads the ids back as they were given: nothing is done twice
    assert read_done_ids(target, read_meta(model).model_version) == {h["id"] for h in hostile}
    assert _predict(model, source, target, "--resume") == 0
    assert len(_rows(target)) == len(hostile)
