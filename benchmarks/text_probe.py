"""Brand-mention recall and false matches of the text layer on a hand-written probe.

    python benchmarks/text_probe.py [--probe tests/fixtures/probe-2026-12] [--show]

A positive row counts as found when a mention of its catalog brand overlaps the
row's ``surface`` span (for ``product_line`` rows: a mention of the parent brand,
and separately whether the product line itself is reported). A brand-free row
counts as a false match when any brand mention is found in it. Prints recall per
kind and the false-match rate, and with ``--show`` every miss and false match.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def evaluate(probe: Path) -> dict[str, Any]:
    from nlp_ip.text import extract_signals_batch

    positives = read(probe / "obfuscated.jsonl")
    negatives = read(probe / "brand_free.jsonl")
    catalog = ROOT / "data" / "brands.yaml"
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    lines_found = 0
    misses = []
    results = extract_signals_batch([r["text"] for r in positives], catalog_path=catalog)
    for row, result in zip(positives, results, strict=True):
        start = row["text"].find(row["surface"])
        end = start + len(row["surface"])
        total[row["kind"]] += 1
        hits = [m for m in result.brands
                if m.brand == row["brand"] and m.start < end and start < m.end]
        if hits:
            found[row["kind"]] += 1
        else:
            misses.append((row["id"], row["kind"], row["brand"], row["surface"],
                           [(m.brand, m.surface) for m in result.brands]))
        if row["kind"] == "product_line" and any(
                getattr(m, "product_line", None) == row.get("product_line") for m in hits):
            lines_found += 1
    false = []
    results = extract_signals_batch([r["text"] for r in negatives], catalog_path=catalog)
    for row, result in zip(negatives, results, strict=True):
        if result.brands:
            false.append((row["id"], [(m.brand, m.surface) for m in result.brands],
                          row.get("trap")))
    return {"recall": {k: f"{found[k]}/{total[k]}" for k in sorted(total)},
            "recall_all": sum(found.values()) / sum(total.values()),
            "product_lines_reported": f"{lines_found}/{total['product_line']}",
            "false_matches": f"{len(false)}/{len(negatives)}",
            "misses": misses, "false": false}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probe", type=Path, default=ROOT / "tests" / "fixtures" /
                        "probe-2026-12")
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    out = evaluate(args.probe)
    for key in ("recall", "recall_all", "product_lines_reported", "false_matches"):
        print(f"{key}: {out[key]}")
    if args.show:
        for miss in out["misses"]:
            print("MISS", *miss)
        for hit in out["false"]:
            print("FALSE", *hit)


if __name__ == "__main__":
    main()
