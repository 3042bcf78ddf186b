"""How often a listing references a famous mark or design in a way the text layer finds.

The guide allows parody only where a famous mark is referenced and lookalike only where a
famous design is imitated. A rule "nothing referenced, so neither parody nor lookalike"
would help only if the text layer found the reference in (nearly) every real parody and
lookalike. This counts, per labeled file, the rows where it finds none: no brand mention
of any form (exact, alias, initials, obfuscated, pun), no parody cue, no comparison cue
("inspired by", "dupe", "style of"; the absence cues "no logo", "unbranded" do not count)
and no design element of the catalog in the text. With ``FILE@PREDICTIONS`` (an
``nlp-ip evaluate`` predictions.jsonl) it also counts what moving such rows' parody and
lookalike predictions to legitimate would fix and break.

    python benchmarks/reference_probe.py data/seed/listings.jsonl:train \\
        "data/contrast/listings.jsonl@eval/default-contrast/predictions.jsonl"

Used in docs/quality.md ("Topic twins"); diagnosis only, nothing in the package uses it.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any

from nlp_ip.brands import load_catalog
from nlp_ip.text import extract_signals_batch
from nlp_ip.text.lexicon import ABSENCE_PHRASES


def _rows(spec: str) -> list[dict[str, Any]]:
    path, _, split = spec.partition(":")
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [r for r in rows if not split or r.get("split") == split]


def referenced(rows: list[dict[str, Any]], designs: list[str]) -> list[bool]:
    fields = ("title", "description", "price", "currency", "brand")
    signals = extract_signals_batch([{k: r.get(k) for k in fields} for r in rows])
    out = []
    for row, sig in zip(rows, signals, strict=True):
        text = f"{row['title']} {row.get('description') or ''}".lower()
        out.append(bool(sig.brands)
                   or any(c.kind == "parody" and not c.negated for c in sig.cues)
                   or any(c.kind == "lookalike" and not c.negated
                          and " ".join(c.surface.lower().split()) not in ABSENCE_PHRASES
                          for c in sig.cues)
                   or any(d in text for d in designs))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+", help="FILE[:SPLIT][@PREDICTIONS]")
    parser.add_argument("--brands", default="data/brands.yaml")
    args = parser.parse_args(argv)
    catalog = load_catalog(args.brands)
    designs = sorted({d.lower() for b in catalog.brands for d in (b.design_elements or ())},
                     key=len, reverse=True)
    for spec in args.files:
        data, _, pred_path = spec.partition("@")
        rows = _rows(data)
        flags = referenced(rows, designs)
        none = [r for r, f in zip(rows, flags, strict=True) if not f]
        labels = Counter(r["label"] for r in rows)
        missed = Counter(r["label"] for r in none)
        print(f"{data}: {len(rows)} rows, {len(none)} with no reference found; by label "
              + ", ".join(f"{k} {missed[k]} of {labels[k]}" for k in sorted(labels)))
        if pred_path:
            with open(pred_path, encoding="utf-8") as f:
                pred = {p["id"]: p["predicted"] for p in map(json.loads, f)}
            moved = [r for r in none if pred.get(r["id"]) in ("parody", "lookalike")]
            fixes = sum(r["label"] == "legitimate" for r in moved)
            breaks = sum(r["label"] == pred[r["id"]] for r in moved)
            print(f"  moving their parody/lookalike predictions to legitimate: fixes {fixes}, "
                  f"breaks {breaks}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
