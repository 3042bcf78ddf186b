from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from nlp_ip.errors import DataFormatError, InvalidInputError
from nlp_ip.io import RowError, iter_listings, read_listings, validate_file, write_jsonl
from nlp_ip.schema import parse_listing


def _jsonl(path: Path, lines: list[str | bytes]) -> Path:
    with path.open("wb") as handle:
        for line in lines:
            handle.write(line if isinstance(line, bytes) else line.encode("utf-8"))
            handle.write(b"\n")
    return path


def test_bad_rows_are_reported_and_skipped(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "x.jsonl", [
        json.dumps({"id": "a", "title": "Good bag", "label": "legitimate"}),
        json.dumps({"id": "b", "title": "  ", "label": "infringing"}),
        "{not json",
        b'{"title": "caf\xe9"}',  # latin-1 byte: invalid UTF-8
        json.dumps({"id": "e", "title": "Good tee", "price": -3}),
        json.dumps([1, 2]),
        json.dumps({"id": "g", "title": "Another good one", "label": "parody"}),
    ])
    listings, report = read_listings(path)
    assert [listing.id for listing in listings] == ["a", "g"]
    by_line = {e.line: e for e in report.errors}
    assert set(by_line) == {2, 3, 4, 5, 6}
    assert by_line[2].field == "title" and "blank" in by_line[2].message
    assert by_line[2].id == "b"
    assert "not valid JSON" in by_line[3].message
    assert "invalid UTF-8" in by_line[4].message
    assert by_line[5].field == "price"
    assert "expected a JSON object" in by_line[6].message
    assert str(by_line[5]).startswith(f"{path}:5: field 'price'")


def test_strict_mode_makes_the_first_bad_row_fatal(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "x.jsonl", [json.dumps({"title": "ok"}), json.dumps({"title": ""})])
    with pytest.raises(InvalidInputError, match=r"x.jsonl:2: field 'title'.*strict mode"):
        read_listings(path, strict=True)


def test_csv_reads_prices_metadata_and_reports_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        "id,title,description,price,currency,brand,label,marketplace\n"
        "1,Neverfull MM authenticated,receipt included,1350,USD,Louis Vuitton,legitimate,ebay\n"
        "2,,missing title,10,USD,,infringing,ebay\n"
        '3,"Tote, canvas",,,,,lookalike,etsy\n',
        encoding="utf-8",
    )
    listings, report = read_listings(path)
    assert [x.id for x in listings] == ["1", "3"]
    assert listings[0].price == 1350 and listings[0].metadata == {"marketplace": "ebay"}
    assert listings[1].title == "Tote, canvas" and listings[1].price is None
    assert [(e.line, e.field) for e in report.errors] == [(3, "title")]


def test_csv_with_invalid_utf8_loses_only_that_row(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"title,label\nok one,parody\nbad \xff row,parody\nok two,parody\n")
    listings, report = read_listings(path)
    assert [x.title for x in listings] == ["ok one", "ok two"]
    assert report.errors[0].line == 3 and "UTF-8" in report.errors[0].message


def test_parquet_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    table = pa.table({"title": ["A", "", "C"], "price": [1.0, 2.0, None],
                      "language": ["en", "fr", "de"]})
    pq.write_table(table, path)
    rows = list(iter_listings(path))
    assert [line for line, _ in rows] == [1, 2, 3]
    assert isinstance(rows[1][1], RowError)
    good = rows[2][1]
    assert not isinstance(good, RowError) and good.metadata == {"language": "de"}


def test_duplicates_conflicts_and_label_counts(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    write_jsonl(path, [
        {"id": "1", "title": "Gucci belt GG", "label": "legitimate"},
        {"id": "2", "title": "Gucci belt GG", "label": "legitimate"},
        {"id": "3", "title": "GUCCI  belt, gg!", "label": "infringing"},
        {"id": "3", "title": "Plain mug", "label": "legitimate"},
    ])
    report = validate_file(path)
    assert report.exact_duplicates == [(2, 1)]
    assert report.normalized_duplicates == [(3, 1)]
    assert report.label_conflicts == [(3, 1)]
    assert report.duplicate_ids == [(4, "3")]
    assert report.label_counts == {"legitimate": 3, "infringing": 1}
    assert not report.ok
    text = report.format()
    assert "conflicting labels" in text and "duplicate ids" in text


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="cannot tell the format"):
        list(iter_listings(tmp_path / "x.txt"))
    with pytest.raises(DataFormatError, match="does not exist"):
        list(iter_listings(tmp_path / "missing.jsonl"))


def test_huge_integers_are_reported_rows_not_crashes(tmp_path: Path) -> None:
    """Regression: a 400-digit price raised OverflowError and a 5,000-digit one ValueError,
    stopping predict, review build, training and Ray on that row; integer ids skipped the
    200-character limit."""
    path = tmp_path / "huge.jsonl"
    path.write_text(
        '{"title": "a", "price": 1' + "0" * 400 + "}\n"
        '{"title": "b", "price": 1' + "0" * 5000 + "}\n"
        '{"title": "c", "id": 1' + "0" * 300 + "}\n"
        '{"title": "d", "price": 1e300}\n'
        '{"title": "kept", "price": 12, "id": 7}\n', encoding="utf-8")
    listings, report = read_listings(path)
    assert [x.title for x in listings] == ["kept"] and listings[0].id == "7"
    messages = [str(e) for e in report.errors]
    assert len(messages) == 4
    assert "huge.jsonl:1: field 'price': is too large (an integer of about 401" in messages[0]
    assert "huge.jsonl:2: field 'price': is an integer of 5,001 digits" in messages[1]
    assert "huge.jsonl:3: field 'id': is an integer of about 300 digits" in messages[2]
    assert "huge.jsonl:4: field 'price': is too large (1e+300)" in messages[3]
    with pytest.raises(InvalidInputError, match="price"):
        read_listings(path, strict=True)


def test_huge_integers_in_the_python_api_are_field_errors() -> None:
    with pytest.raises(InvalidInputError, match="field 'price': is too large"):
        parse_listing({"title": "x", "price": 10**400})
    with pytest.raises(InvalidInputError, match="field 'id': is an integer of about"):
        parse_listing({"title": "x", "id": 10**5000})


def test_deeply_nested_jsonl_line_is_a_row_error(tmp_path: Path) -> None:
    """Regression (found by benchmarks/fuzz_inputs.py): a line nested deeper than Python's
    recursion limit raised RecursionError out of the reader."""
    path = _jsonl(tmp_path / "deep.jsonl", ['{"title": ' + "[" * 100_000 + "]" * 100_000 + "}",
                                            json.dumps({"title": "kept"})])
    listings, report = read_listings(path)
    assert [x.title for x in listings] == ["kept"]
    assert "deep.jsonl:1: field 'row': is nested too deeply" in str(report.errors[0])


def test_csv_cell_over_the_csv_modules_limit_is_a_data_format_error(tmp_path: Path) -> None:
    """Regression (found by benchmarks/fuzz_inputs.py): a cell of more than 131,072
    characters raised the csv module's own error."""
    path = tmp_path / "long.csv"
    path.write_text("title,description\nfine,ok\nlong," + "d" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"long.csv:3: .*131,072 characters"):
        read_listings(path)


def test_every_one_byte_corruption_of_a_parquet_file_is_a_data_format_error(
        tmp_path: Path) -> None:
    """Regression (found by benchmarks/fuzz_inputs.py): a Parquet file whose footer reads but
    whose pages are corrupt raised pyarrow's OSError or ArrowInvalid while rows were read."""
    source = tmp_path / "ok.parquet"
    pq.write_table(pa.table({"title": pa.array(["bag", "belt", "bag"]).dictionary_encode(),
                             "price": [1.5, None, 3.0]}), source)
    data = source.read_bytes()
    broken = tmp_path / "broken.parquet"
    outcomes = set()
    for position in range(len(data)):
        for flip in (0xFF,):
            corrupted = bytearray(data)
            corrupted[position] ^= flip
            broken.write_bytes(bytes(corrupted))
            try:
                read_listings(broken)
                outcomes.add("read")
            except DataFormatError:
                outcomes.add("refused")
    assert outcomes == {"read", "refused"}
