"""``nlp-ip signals``: show the brands, cues and price check the text layer finds."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from nlp_ip.errors import FieldError, InvalidInputError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``signals`` command."""
    parser = subparsers.add_parser(
        "signals",
        help="show brand mentions, cues and the price check of a listing",
        description=(
            "Show what the text layer finds in a listing: brand mentions (also disguised "
            "ones), counterfeit/parody/lookalike/provenance/compatibility cues, and the "
            "price against the brand's genuine range. Offsets are per field."
        ),
    )
    parser.add_argument("title", help="the listing title (use '-' to read it from stdin)")
    parser.add_argument("--description", default="", help="the listing description")
    parser.add_argument("--price", type=float, default=None, help="the price (a number)")
    parser.add_argument("--currency", default=None, help="ISO 4217 code of the price, e.g. USD")
    parser.add_argument("--brand", default=None, help="the brand the seller states")
    parser.add_argument("--catalog", default=None, help="brand catalog YAML (default: packaged)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--model-input", action="store_true", help="also print the model input text"
    )
    parser.set_defaults(func=run_signals)


def _listing(args: argparse.Namespace) -> dict[str, Any]:
    title = sys.stdin.read() if args.title == "-" else args.title
    if args.price is not None and args.price != args.price:  # NaN
        err = FieldError("price", "must be a number, got NaN")
        raise InvalidInputError(str(err), [err])
    return {
        "title": title,
        "description": args.description,
        "price": args.price,
        "currency": args.currency,
        "brand": args.brand,
    }


def format_signals(signals: Any) -> str:
    """A plain-text report of :class:`~nlp_ip.text.signals.Signals` for a person."""
    out = []
    if signals.stated_brand:
        out.append(f"stated brand: {signals.stated_brand}")
    if signals.brands:
        out.append("brands:")
        for m in signals.brands:
            how = m.match + (", obfuscated" if m.obfuscated else "")
            out.append(f"  {m.brand:<22} {m.surface!r:<28} {m.field}[{m.start}:{m.end}]  {how}")
    else:
        out.append("brands: none")
    if signals.cues:
        out.append("cues:")
        for c in signals.cues:
            extra = f"  ({c.brand})" if c.brand else ""
            out.append(f"  {c.label:<24} {c.surface!r:<28} {c.field}[{c.start}:{c.end}]{extra}")
    else:
        out.append("cues: none")
    p = signals.price
    if p is not None:
        assumed = " (currency assumed)" if p.currency_assumed else ""
        out.append(
            f"price: {p.price:g} {p.currency}{assumed} for {p.brand} ({p.basis}); genuine "
            f"{p.range_min:g}-{p.range_max:g} {p.range_currency}: {p.verdict} "
            f"(ratio {p.ratio:.2f})"
        )
    else:
        out.append("price: no check (no price, no known brand, or unknown currency)")
    return "\n".join(out)


def run_signals(args: argparse.Namespace) -> int:
    """Handler of ``nlp-ip signals``."""
    from nlp_ip.text import build_model_input, extract_signals

    listing = _listing(args)
    signals = extract_signals(listing, catalog_path=args.catalog)
    model_input = (
        build_model_input(listing, signals, catalog_path=args.catalog) if args.model_input else None
    )
    if args.json:
        payload = signals.to_dict()
        if model_input is not None:
            payload["model_input"] = model_input
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(format_signals(signals))
        if model_input is not None:
            print("model input:")
            print(model_input)
    return 0
