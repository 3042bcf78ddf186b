"""``nlp-ip classify``: classify a few listings and print the answers for a person."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "classify", help="classify listings given on the command line or in a small file",
        description="Print label, confidence, decision and the signals behind them. "
                    "Example: nlp-ip classify --model runs/quick/model-best "
                    "\"G.U.C.C.I belt 1:1 mirror quality\" \"Chewy Vuiton dog toy\"",
    )
    parser.add_argument("titles", nargs="*", help="listing titles to classify")
    parser.add_argument("--model", required=True, type=Path, help="model folder")
    parser.add_argument("--input", type=Path,
                        help="a JSONL, CSV or Parquet file of listings (for large files use "
                             "`nlp-ip predict`)")
    parser.add_argument("--backend", default="auto", help="inference backend (default: auto)")
    parser.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    parser.set_defaults(func=classify_cli)


def classify_cli(args: argparse.Namespace) -> int:
    from nlp_ip.errors import InvalidInputError
    from nlp_ip.inference import ListingClassifier
    from nlp_ip.io import iter_listings
    from nlp_ip.text import extract_signals

    listings: list[Any] = list(args.titles)
    if args.input is not None:
        for line, item in iter_listings(args.input):
            if isinstance(item, Exception) or not hasattr(item, "title"):
                print(f"{args.input}:{line}: skipped: {item}", file=sys.stderr)
                continue
            listings.append(item)
    if not listings:
        raise InvalidInputError("nothing to classify: give titles as arguments or --input FILE")
    clf = ListingClassifier.from_pretrained(args.model, backend=args.backend)
    predictions = clf.predict(listings)
    if args.json:
        for prediction in predictions:
            print(json.dumps(prediction.to_dict(), ensure_ascii=False))
        return 0
    print(f"model {clf.model_version} ({clf.backend_name})")
    print(f"{'label':<11} {'conf':>5}  {'decision':<8} listing / signals")
    for raw, prediction in zip(listings, predictions, strict=True):
        signals = extract_signals(raw)
        title = raw if isinstance(raw, str) else raw.title
        print(f"{prediction.label:<11} {prediction.confidence:5.2f}  {prediction.decision:<8} "
              f"{title[:70]}")
        found = [f"brand:{b.brand}{' (obfuscated)' if b.obfuscated else ''}"
                 for b in signals.brands]
        found += [f"{c.kind}{'-negated' if getattr(c, 'negated', False) else ''}:'{c.surface}'"
                  for c in signals.cues]
        if signals.price is not None and getattr(signals.price, "verdict", None):
            found.append(f"price:{signals.price.verdict}")
        if found:
            print(f"{'':<27}{', '.join(found)[:110]}")
    return 0
