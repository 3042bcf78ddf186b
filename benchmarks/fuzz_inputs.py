"""Fuzz the input readers: files (JSONL, CSV, Parquet) and the ``/v1/classify`` body.

Usage::

    python benchmarks/fuzz_inputs.py [--cases 10000] [--readers jsonl,csv,parquet,request,http]
                                     [--seed 0]

Each reader gets ``--cases`` inputs drawn by hypothesis (a fixed seed, no shrinking):
random bytes, JSON documents with every JSON type in every field, deep nesting, huge
integers and floats, unpaired surrogates, long cells, broken quoting, corrupted Parquet
files, odd column types. An input may only end in what is documented:

- files (:func:`nlp_ip.io.read_listings`, lenient and ``strict=True``): listings and
  :class:`~nlp_ip.io.RowError` rows, or an error of the :mod:`nlp_ip.errors` hierarchy;
- ``request``: :meth:`ClassifyRequest.from_json` returns the listings or raises
  :class:`~nlp_ip.errors.InvalidInputError` (413's :class:`InputTooLargeError` included);
- ``http``: ``POST /v1/classify`` on the app (in-process, a fake classifier) answers 200,
  413 or 422, errors in the documented body shape; never 500, never an exception.

Anything else is an undocumented exception: the script prints, per reader, the cases run and
the count of undocumented exceptions with the first few, and exits 1 if there is any.
``tests/test_fuzz_inputs.py`` runs the same targets: a few hundred cases in the default
suite, 10,000 per reader under ``-m slow``.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]

#: Listing fields, and a few that are not.
FIELDS = ("id", "title", "description", "price", "currency", "brand", "label")
OTHER_FIELDS = ("marketplace", "", "listings", "__proto__", "title ", "TITLE")

# -- values -----------------------------------------------------------------------------

# (json.dumps cannot write integers of more than 4,300 digits: `raw_numbers` has those)
huge_integers = st.one_of(
    st.integers(),
    st.integers(min_value=10**11, max_value=10**14),  # around the price limit
    st.integers(min_value=1, max_value=4000).map(lambda n: 10**n - 1),  # long integers
    st.integers(min_value=1, max_value=4000).map(lambda n: -(10**n)),
)
floats = st.floats(allow_nan=True, allow_infinity=True)
texts = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "\t\n", "USD", "usd ", "EURO", "parody", "infringing",
                     "\u200b", "\x1c", "\ud800", "a\udcff", "1e400", "-1", "NaN", "9" * 5000]),
    st.integers(min_value=0, max_value=25_000).map(lambda n: "x" * n),  # past size limits
)
scalars = st.one_of(st.none(), st.booleans(), huge_integers, floats, texts)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=8), children, max_size=4)),
    max_leaves=12)
listing_dicts = st.dictionaries(
    st.one_of(st.sampled_from(FIELDS + OTHER_FIELDS), st.text(max_size=8)), json_values,
    max_size=8)
listing_items = st.one_of(listing_dicts, listing_dicts, json_values)


@st.composite
def deep_nesting(draw: st.DrawFn) -> str:
    depth = draw(st.sampled_from([10, 900, 1100, 5000, 100_000]))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}"), ('{"title":', "}")]))
    tail = closer * depth if draw(st.booleans()) else ""
    return opener * depth + draw(st.sampled_from(["1", '"x"', "[]", ""])) + tail


def json_text(value: Any) -> str:
    """JSON as Python writes it (NaN and Infinity included, surrogates escaped)."""
    return json.dumps(value)


raw_numbers = st.one_of(
    st.integers(min_value=1, max_value=12_000).map(lambda n: "9" * n),
    st.integers(min_value=1, max_value=12_000).map(lambda n: "-" + "1" * n),
    st.sampled_from(["1e400", "-1e400", "1e-400", "0." + "0" * 5000 + "1", "NaN", "-Infinity",
                     "01", "1.", ".5", "+1", "0x10", "1_000"]))


@st.composite
def json_documents(draw: st.DrawFn, wrap_listings: bool) -> bytes:
    """A JSON-ish document: usually well-formed, sometimes broken, nested or raw bytes."""
    kind = draw(st.sampled_from(["value", "value", "value", "number", "deep", "bytes",
                                 "broken", "encoding"]))
    if kind == "value":
        items = draw(st.lists(listing_items, max_size=5))
        doc: Any = {"listings": items} if wrap_listings else draw(listing_dicts)
        if wrap_listings and draw(st.integers(0, 9)) == 0:
            doc = draw(st.one_of(json_values, st.dictionaries(st.text(max_size=8), json_values)))
        return json_text(doc).encode("utf-8", "surrogatepass")
    if kind == "number":
        number = draw(raw_numbers)
        field_name = draw(st.sampled_from(FIELDS + OTHER_FIELDS))
        inner = f'{{"title": "t", "{field_name}": {number}}}'
        return (f'{{"listings": [{inner}]}}' if wrap_listings else inner).encode()
    if kind == "deep":
        inner = draw(deep_nesting())
        return (f'{{"listings": [{inner}]}}' if wrap_listings else inner).encode()
    if kind == "broken":
        text = json_text({"listings": [draw(listing_dicts)]} if wrap_listings
                         else draw(listing_dicts))
        cut = draw(st.integers(0, len(text)))
        return (text[:cut] + draw(st.text(alphabet='{}[]",:\\ ', max_size=5))).encode(
            "utf-8", "surrogatepass")
    if kind == "encoding":
        text = json_text({"listings": [{"title": draw(st.text(min_size=1, max_size=20))}]})
        codec = draw(st.sampled_from(["utf-16", "utf-32", "latin-1", "utf-8-sig"]))
        return text.encode(codec, "replace")
    return draw(st.binary(max_size=200))


# -- files ------------------------------------------------------------------------------

@st.composite
def jsonl_files(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(json_documents(wrap_listings=False), max_size=6))
    ending = draw(st.sampled_from([b"\n", b"\r\n", b"\r", b"\n\n"]))
    return ending.join(line.replace(b"\n", b" ") for line in lines)


cells = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", '"', '""', 'a,"b', "line\nbreak", "\r", "\x00", "=1+1", "1e400",
                     "9" * 5000, "-" + "9" * 400, "nan", "USD", "parody", "\ufeff"]),
    st.integers(min_value=0, max_value=200_000).map(lambda n: "d" * n),  # past csv's limit
)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=300))
    header = draw(st.lists(st.one_of(st.sampled_from(FIELDS + OTHER_FIELDS), st.text(max_size=6)),
                           max_size=7))
    rows = draw(st.lists(st.lists(cells, max_size=len(header) + 2), max_size=5))
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=draw(st.sampled_from(
        [csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])))
    if header or draw(st.booleans()):
        writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    if draw(st.integers(0, 4)) == 0:  # break the quoting or the encoding somewhere
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(['"', '\n"', ",", "\x00"])) + text[cut:]
    return text.encode("utf-8", "surrogateescape" if draw(st.booleans()) else "surrogatepass")


def _arrow_columns() -> dict[str, tuple[Any, st.SearchStrategy[Any]]]:
    """Parquet column types, and values that fit each."""
    import datetime
    import decimal

    import pyarrow as pa

    text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
    return {
        "int64": (pa.int64(), st.integers(-(2**63), 2**63 - 1)),
        "uint64": (pa.uint64(), st.integers(0, 2**64 - 1)),
        "float64": (pa.float64(), floats),
        "string": (pa.string(), st.one_of(text, st.sampled_from(["", " ", "x" * 25_000]))),
        "large_string": (pa.large_string(), text),
        "binary": (pa.binary(), st.binary(max_size=20)),
        "bool": (pa.bool_(), st.booleans()),
        "null": (pa.null(), st.none()),
        "list": (pa.list_(pa.int64()), st.lists(st.integers(-5, 5), max_size=3)),
        "struct": (pa.struct([("a", pa.int64())]), st.fixed_dictionaries(
            {"a": st.integers(-5, 5)})),
        "map": (pa.map_(pa.string(), pa.int64()), st.lists(
            st.tuples(text, st.integers(-5, 5)), max_size=2)),
        "timestamp": (pa.timestamp("us"), st.datetimes(
            min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(2200, 1, 1))),
        "date": (pa.date32(), st.dates(min_value=datetime.date(1900, 1, 1))),
        "decimal": (pa.decimal128(38, 2), st.decimals(
            min_value=decimal.Decimal("-1e30"), max_value=decimal.Decimal("1e30"), places=2,
            allow_nan=False, allow_infinity=False)),
        "dictionary": (pa.dictionary(pa.int32(), pa.string()), text),
    }


@st.composite
def parquet_files(draw: st.DrawFn) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=300))
    columns = _arrow_columns()
    names = draw(st.lists(st.one_of(st.sampled_from(FIELDS + OTHER_FIELDS), st.text(
        alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6)), max_size=6))
    rows = draw(st.integers(0, 6))
    arrays = []
    for _ in names:
        kind = draw(st.sampled_from(sorted(columns)))
        arrow_type, values = columns[kind]
        data = [draw(st.one_of(st.none(), values)) for _ in range(rows)]
        if kind == "dictionary":
            arrays.append(pa.array(data, type=pa.string()).dictionary_encode())
        else:
            arrays.append(pa.array(data, type=arrow_type))
    table = pa.Table.from_arrays(arrays, names=names) if names else pa.table({})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, row_group_size=max(1, draw(st.integers(1, 4))))
    data = bytearray(buffer.getvalue())
    if data and draw(st.integers(0, 4)) == 0:  # corrupt a few bytes: pages, footer or magic
        for _ in range(draw(st.integers(1, 4))):
            data[draw(st.integers(0, len(data) - 1))] ^= draw(st.integers(1, 255))
    if data and draw(st.integers(0, 9)) == 0:
        data = data[:draw(st.integers(0, len(data)))]
    return bytes(data)


# -- targets ----------------------------------------------------------------------------

@dataclass
class Tally:
    """Cases run and undocumented exceptions seen (by type and message), for one reader."""

    cases: int = 0
    undocumented: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def record(self, exc: BaseException, case: Any) -> None:
        key = f"{type(exc).__name__}: {str(exc)[:160]}"
        self.undocumented[key] += 1
        if key not in self.examples:
            shown = case[:300] if isinstance(case, (bytes, str)) else case
            self.examples[key] = f"{shown!r}\n{''.join(traceback.format_exception(exc)[-3:])}"

    @property
    def failures(self) -> int:
        return sum(self.undocumented.values())


def check_file(data: bytes, fmt: str, folder: Path) -> None:
    """Read ``data`` as a file, lenient and strict; raise whatever is not documented."""
    from nlp_ip.errors import NlpIpError
    from nlp_ip.io import RowError, iter_listings
    from nlp_ip.schema import Listing

    path = folder / f"fuzz.{fmt}"
    path.write_bytes(data)
    for strict in (False, True):
        try:
            for _, item in iter_listings(path, strict=strict):
                if not isinstance(item, (Listing, RowError)):
                    raise TypeError(f"the reader yielded a {type(item).__name__}")
                if isinstance(item, RowError):
                    str(item)
                    json.dumps(item.to_dict())
        except NlpIpError:
            pass


def check_request(body: bytes) -> None:
    """Parse ``body`` as ``POST /v1/classify`` does; raise whatever is not documented."""
    from nlp_ip.errors import InvalidInputError
    from nlp_ip.serve.schemas import classify_request_model

    try:
        parsed = classify_request_model(256).from_json(body)
    except InvalidInputError:
        return
    assert parsed.listings, "an empty list of listings was accepted"


class HttpTarget:
    """The app with a fake classifier, running in-process on its own event loop."""

    def __init__(self) -> None:
        sys.path.insert(0, str(ROOT / "tests"))
        from serve_helpers import FakeClassifier, make_key

        from nlp_ip.serve import ServeSettings, create_app

        self._tmp = tempfile.TemporaryDirectory(prefix="nlp-ip-fuzz-")
        keys = Path(self._tmp.name) / "keys.json"
        key = make_key(keys, "fuzz")
        self.app = create_app(ServeSettings(api_keys_file=keys, warmup=False),
                              FakeClassifier())
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        self.loop = asyncio.new_event_loop()
        self._lifespan = self.app.router.lifespan_context(self.app)
        self.loop.run_until_complete(self._lifespan.__aenter__())
        import httpx

        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app),
                                        base_url="http://fuzz")

    def check(self, body: bytes) -> None:
        """POST ``body``; raise unless the answer is documented."""
        answer = self.loop.run_until_complete(
            self.client.post("/v1/classify", content=body, headers=self.headers))
        if answer.status_code not in (200, 413, 422):
            raise AssertionError(f"HTTP {answer.status_code}: {answer.text[:300]}")
        payload = answer.json()
        if answer.status_code == 200:
            assert len(payload["predictions"]) >= 1
            return
        error = payload["error"]
        assert error["code"] in ("invalid_input", "input_too_large"), error
        assert isinstance(error["message"], str) and isinstance(error["details"], list)
        for detail in error["details"]:
            assert set(detail) == {"field", "message", "index"}, detail

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.run_until_complete(self._lifespan.__aexit__(None, None, None))
        self.loop.close()
        self._tmp.cleanup()


@contextmanager
def _target(reader: str) -> Iterator[tuple[st.SearchStrategy[bytes], Callable[[bytes], None]]]:
    if reader == "http":
        target = HttpTarget()
        try:
            yield json_documents(wrap_listings=True), target.check
        finally:
            target.close()
        return
    if reader == "request":
        yield json_documents(wrap_listings=True), check_request
        return
    files = {"jsonl": jsonl_files(), "csv": csv_files(), "parquet": parquet_files()}
    with tempfile.TemporaryDirectory(prefix="nlp-ip-fuzz-") as folder:
        yield files[reader], lambda data: check_file(data, reader, Path(folder))


READERS = ("jsonl", "csv", "parquet", "request", "http")


#: Cases per hypothesis run: a run keeps what it generated, so long runs are split.
ROUND = 500


def fuzz(reader: str, cases: int, random_seed: int = 0) -> Tally:
    """Run ``cases`` generated inputs through ``reader``; count undocumented exceptions."""
    import logging

    quiet = logging.getLogger("nlp_ip")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # bad rows are logged as warnings
    try:
        return _fuzz(reader, cases, random_seed)
    finally:
        quiet.setLevel(level)  # the caller's logging is left as it was


def _fuzz(reader: str, cases: int, random_seed: int) -> Tally:
    tally = Tally()
    with _target(reader) as (strategy, check):
        for first in range(0, cases, ROUND):

            @seed(random_seed * 1_000_003 + first)
            @settings(max_examples=min(ROUND, cases - first), database=None, deadline=None,
                      phases=[Phase.generate], suppress_health_check=list(HealthCheck))
            @given(strategy)
            def run(data: bytes) -> None:
                tally.cases += 1
                try:
                    check(data)
                except Exception as exc:  # counted, never raised: the run goes on
                    tally.record(exc, data)

            run()
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000, help="cases per reader")
    parser.add_argument("--readers", default=",".join(READERS),
                        help=f"comma-separated, of {', '.join(READERS)}")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    total = 0
    for reader in args.readers.split(","):
        started = time.perf_counter()
        tally = fuzz(reader.strip(), args.cases, args.seed)
        total += tally.failures
        print(f"{reader:8} {tally.cases:6} cases  {tally.failures:4} undocumented exceptions "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
        for key, count in tally.undocumented.most_common(5):
            print(f"    {count:5} x {key}\n        first input: {tally.examples[key]}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
