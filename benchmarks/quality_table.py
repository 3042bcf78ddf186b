"""One quality table from ``nlp-ip evaluate`` outputs: macro-F1 with its 95% interval per model
and set, the paired-bootstrap difference of each model against the TF-IDF baseline, and the
same on the rows not in English.

Usage::

    python benchmarks/quality_table.py --eval DIR [--out docs-table.md]

``DIR`` holds ``{model}-{set}/`` folders written by ``nlp-ip evaluate --output`` (each with
``metrics.json`` and ``predictions.jsonl``); models are ``default``, ``minilm`` (the
transformer part alone, ``--no-blend``) and ``baseline``. Languages come from the data files
(``language`` field; absent means English).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from nlp_ip.labels import LABEL2ID
from nlp_ip_train.evaluation.bootstrap import (
    batched_macro_f1,
    percentile_interval,
    resample_indices,
)

SETS = {"seed-test": ("data/seed/listings.jsonl", "test"),
        "holdout": ("data/holdout/listings.jsonl", None),
        "fresh": ("data/fresh/listings.jsonl", None),
        "contrast": ("data/contrast/listings.jsonl", None)}
MODELS = ("default", "minilm", "baseline")


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _languages(root: Path, name: str) -> dict[str, str]:
    path, split = SETS[name]
    return {r["id"]: r.get("language", "en") for r in _rows(root / path)
            if split is None or r.get("split") == split}


def _predictions(folder: Path) -> dict[str, tuple[int, int]]:
    return {r["id"]: (LABEL2ID[r["label"]], LABEL2ID[r["predicted"]])
            for r in _rows(folder / "predictions.jsonl")}


def paired(y: np.ndarray, a: np.ndarray, b: np.ndarray, n: int = 2000, seed: int = 0
           ) -> tuple[float, list[float] | None]:
    """Macro-F1(a) - macro-F1(b) and its paired percentile 95% interval."""
    diffs = [batched_macro_f1(y[idx], a[idx]) - batched_macro_f1(y[idx], b[idx])
             for idx in resample_indices(len(y), n, seed)]
    point = float(batched_macro_f1(y[None], a[None])[0] - batched_macro_f1(y[None], b[None])[0])
    return point, percentile_interval(np.concatenate(diffs), 0.95)


def single(y: np.ndarray, a: np.ndarray, n: int = 2000, seed: int = 0
           ) -> tuple[float, list[float] | None]:
    values = [batched_macro_f1(y[idx], a[idx]) for idx in resample_indices(len(y), n, seed)]
    return float(batched_macro_f1(y[None], a[None])[0]), percentile_interval(
        np.concatenate(values), 0.95)


def fmt(point: float, ci: list[float] | None, signed: bool = False) -> str:
    p = f"{point:+.3f}" if signed else f"{point:.3f}"
    return p if ci is None else (f"{p} ({ci[0]:+.3f} to {ci[1]:+.3f})" if signed
                                 else f"{p} ({ci[0]:.3f}-{ci[1]:.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval", required=True, type=Path)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    lines = ["| set | rows | model | macro-F1 (95% CI) | minus baseline (paired 95% CI) | "
             "rows not in English | macro-F1 there (95% CI) | minus baseline there |",
             "|---|---|---|---|---|---|---|---|"]
    for name in SETS:
        preds = {m: _predictions(args.eval / f"{m}-{name}") for m in MODELS
                 if (args.eval / f"{m}-{name}" / "predictions.jsonl").is_file()}
        if "baseline" not in preds:
            continue
        langs = _languages(args.root, name)
        ids = sorted(set.intersection(*(set(p) for p in preds.values())))
        y = np.array([preds["baseline"][i][0] for i in ids])
        other = np.array([langs.get(i, "en") != "en" for i in ids])
        for model, p in preds.items():
            a = np.array([p[i][1] for i in ids])
            b = np.array([preds["baseline"][i][1] for i in ids])
            row = [name, str(len(ids)), model, fmt(*single(y, a))]
            row.append("" if model == "baseline" else fmt(*paired(y, a, b), signed=True))
            row.append(str(int(other.sum())))
            if other.sum() >= 10:
                row.append(fmt(*single(y[other], a[other])))
                row.append("" if model == "baseline" else
                           fmt(*paired(y[other], a[other], b[other]), signed=True))
            else:
                row += ["", ""]
            lines.append("| " + " | ".join(row) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
