"""Throughput of the text layer on one core: listings/s for signals + model inputs.

Usage::

    .venv/bin/python benchmarks/bench_text.py                 # fixtures + seed listings
    .venv/bin/python benchmarks/bench_text.py --data FILE.jsonl --n 20000
    taskset -c 0 .venv/bin/python benchmarks/bench_text.py    # or --pin 0

Runs in one process (the text layer is single-threaded: no torch here). The
listings are read from ``tests/fixtures/*.jsonl`` and ``data/seed/parts/*.jsonl``
(or ``--data``), warmed up once (pipeline build, caches), then processed in
shuffled rounds up to ``--n`` listings. Reports the whole layer
(``build_model_inputs`` with hints, which runs ``extract_signals_batch``) and a
breakdown: normalise, spaCy tokenise, match (the pipeline components), build.
The target is 5,000 listings/s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCES = [
    ROOT / "tests" / "fixtures" / "obfuscated_mentions.jsonl",
    ROOT / "tests" / "fixtures" / "brand_free.jsonl",
    *sorted((ROOT / "data" / "seed" / "parts").glob("*.jsonl")),
]
TARGET = 5_000
FIELDS = ("id", "title", "description", "price", "currency", "brand")


def load_listings(paths: list[Path]) -> list[dict[str, object]]:
    """Listing dicts from JSON Lines files (``text`` is read as the title)."""
    out: list[dict[str, object]] = []
    for path in paths:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if "title" not in row and "text" in row:
                row = {"title": row["text"]}
            out.append({k: row[k] for k in FIELDS if k in row and row[k] is not None})
    return out


#: The clock: CPU time of this (single-threaded) process, which is what one
#: dedicated core would take even when other jobs share the machine; --wall
#: switches to wall-clock time.
CLOCK = time.process_time


def _timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = CLOCK()
    result = fn(*args, **kwargs)
    return CLOCK() - start, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, action="append", help="JSON Lines listings")
    parser.add_argument("--n", type=int, default=20_000, help="listings to time (default 20000)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--pin", type=int, default=None, help="pin the process to this CPU")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--wall", action="store_true", help="time with the wall clock")
    args = parser.parse_args(argv)
    global CLOCK
    if args.wall:
        CLOCK = time.perf_counter
    print(f"clock: {'wall' if args.wall else 'process CPU time'}")

    if args.pin is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.pin})
    sys.path.insert(0, str(ROOT))
    from nlp_ip.schema import parse_listings
    from nlp_ip.text import build_model_inputs, extract_signals_batch, get_pipeline
    from nlp_ip.text.normalize import normalize
    from nlp_ip.text.pipeline import FIELD_SEPARATOR, listing_doc

    base = load_listings(args.data or DEFAULT_SOURCES)
    if not base:
        print("no listings found; pass --data FILE.jsonl", file=sys.stderr)
        return 2
    listings = parse_listings(base)
    chars = sum(len(x.title) + len(x.description) for x in listings) / len(listings)
    print(f"{len(listings)} distinct listings, {chars:.0f} characters on average")

    build_s, nlp = _timed(get_pipeline)
    cold_s, _ = _timed(lambda: list(extract_signals_batch(listings, batch_size=args.batch_size)))
    print(
        f"pipeline build {build_s:.2f} s; "
        f"first (cold) pass {len(listings) / cold_s:,.0f} listings/s"
    )

    rng = random.Random(args.seed)
    stream: list[Any] = []
    while len(stream) < args.n:
        chunk = list(listings)
        rng.shuffle(chunk)
        stream.extend(chunk)
    stream = stream[: args.n]
    texts = [
        x.title + FIELD_SEPARATOR + x.description if x.description else x.title for x in stream
    ]

    t_norm, _ = _timed(lambda: [normalize(t) for t in texts])
    t_tok, _ = _timed(lambda: [nlp.make_doc(t) for t in texts])
    docs = [
        listing_doc(nlp, x.title, x.description, price=x.price, currency=x.currency, brand=x.brand)
        for x in stream
    ]
    t_pipe, _ = _timed(lambda: list(nlp.pipe(docs, batch_size=args.batch_size)))
    t_signals, _ = _timed(lambda: list(extract_signals_batch(stream, batch_size=args.batch_size)))
    t_plain, _ = _timed(build_model_inputs, stream, hints=False)
    t_layer, _ = _timed(build_model_inputs, stream, hints=True, batch_size=args.batch_size)

    n = len(stream)
    rate = n / t_layer
    print(
        f"\nwhole layer (build_model_inputs, hints on): {rate:,.0f} listings/s "
        f"({t_layer / n * 1e6:.0f} us per listing, {n} listings)"
    )
    print(f"  extract_signals_batch alone:   {n / t_signals:,.0f} listings/s")
    print("breakdown (us per listing):")
    print(f"  normalise            {t_norm / n * 1e6:7.1f}")
    print(f"  spaCy tokenise       {t_tok / n * 1e6:7.1f}")
    print(
        f"  match (components)   {(t_pipe - t_norm) / n * 1e6:7.1f}   "
        f"(nlp.pipe over tokenised docs {t_pipe / n * 1e6:.1f}, normalise included)"
    )
    print(f"  parse + build text   {t_plain / n * 1e6:7.1f}")
    print(f"target {TARGET:,} listings/s: {'met' if rate >= TARGET else 'NOT met'}")
    return 0 if rate >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
