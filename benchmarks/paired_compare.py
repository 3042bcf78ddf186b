"""Compare two models on the same labeled sets, paired: B minus A with bootstrap intervals.

Reads the ``predictions.jsonl`` that ``nlp-ip evaluate`` writes for each model and set,
and prints, per set: macro-F1 of A and B and the paired-bootstrap interval of B - A
(rows resampled together); for a contrast set (rows with a ``group`` field in the data
file) also contrast consistency (share of groups with every member right) with its paired
interval over groups, and accuracy per edit direction.

    python benchmarks/paired_compare.py [--where language!=en] \\
        --set contrast=data/contrast/listings.jsonl:eval/A-contrast:eval/B-contrast \\
        --set holdout=data/holdout/listings.jsonl:eval/A-holdout:eval/B-holdout

Used for issue 20's keep-or-drop decisions (docs/quality.md, "Minimal pairs").
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from nlp_ip.labels import LABEL_NAMES
from nlp_ip_train.evaluation.bootstrap import (
    batched_macro_f1,
    percentile_interval,
    resample_indices,
)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _keep(row: dict[str, Any], where: str | None) -> bool:
    """``FIELD=VALUE`` or ``FIELD!=VALUE`` on a data row (None keeps every row)."""
    if not where:
        return True
    negate = "!=" in where
    field, _, value = where.partition("!=" if negate else "=")
    return (str(row.get(field)) == value) != negate


def compare_set(data: Path, eval_a: Path, eval_b: Path, *, n_boot: int = 2000,
                seed: int = 0, where: str | None = None) -> dict[str, Any]:
    """Paired comparison of two evaluations of the same data file (rows ``where`` holds)."""
    rows = {str(r["id"]): r for r in _jsonl(data) if _keep(r, where)}
    pred_a = {str(r["id"]): r["predicted"] for r in _jsonl(eval_a / "predictions.jsonl")}
    pred_b = {str(r["id"]): r["predicted"] for r in _jsonl(eval_b / "predictions.jsonl")}
    ids = [i for i in pred_a if i in pred_b and i in rows]
    if not ids:
        raise SystemExit(f"{eval_a} and {eval_b} share no row id of {data}")
    index = {name: k for k, name in enumerate(LABEL_NAMES)}
    y = np.array([index[rows[i]["label"]] for i in ids])
    a = np.array([index[pred_a[i]] for i in ids])
    b = np.array([index[pred_b[i]] for i in ids])
    # the project's own macro-F1 and resampling (nlp_ip_train.evaluation.bootstrap)
    diffs = np.concatenate([batched_macro_f1(y[idx], b[idx]) - batched_macro_f1(y[idx], a[idx])
                            for idx in resample_indices(len(ids), n_boot, seed)])
    f1_a = float(batched_macro_f1(y[None], a[None])[0])
    f1_b = float(batched_macro_f1(y[None], b[None])[0])
    out: dict[str, Any] = {
        "rows": len(ids), "macro_f1_a": f1_a, "macro_f1_b": f1_b, "macro_f1_diff": f1_b - f1_a,
        "macro_f1_diff_ci95": percentile_interval(diffs, 0.95),
    }
    # groups are resampled from the same stream, after the rows (as the figures in
    # docs/quality.md were made)
    rng = np.random.default_rng(seed)
    rng.integers(0, len(ids), size=(n_boot, len(ids)))
    groups: dict[str, list[int]] = defaultdict(list)
    for k, i in enumerate(ids):
        if rows[i].get("group"):
            groups[str(rows[i]["group"])].append(k)
    if groups:
        keys = sorted(groups)
        ok_a = np.array([all(a[k] == y[k] for k in groups[g]) for g in keys], dtype=float)
        ok_b = np.array([all(b[k] == y[k] for k in groups[g]) for g in keys], dtype=float)
        gdiffs = []
        for _ in range(n_boot):
            s = rng.integers(0, len(keys), len(keys))
            gdiffs.append(float(ok_b[s].mean() - ok_a[s].mean()))
        directions: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for g in keys:
            base = next((k for k in groups[g] if rows[ids[k]].get("role") == "base"), None)
            if base is None:
                continue
            for k in groups[g]:
                if k == base:
                    continue
                name = f"{rows[ids[base]]['label']}->{rows[ids[k]]['label']}"
                directions[name][0] += 1
                directions[name][1] += int(a[k] == y[k])
                directions[name][2] += int(b[k] == y[k])
        out.update({
            "groups": len(keys), "consistency_a": float(ok_a.mean()),
            "consistency_b": float(ok_b.mean()),
            "consistency_diff_ci95": percentile_interval(np.array(gdiffs), 0.95),
            "directions": {k: {"n": v[0], "right_a": v[1], "right_b": v[2]}
                           for k, v in sorted(directions.items())},
        })
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", action="append", required=True, metavar="NAME=DATA:EVAL_A:EVAL_B",
                        help="a set name, its data file and the two evaluation folders")
    parser.add_argument("--where", default=None, metavar="FIELD=VALUE|FIELD!=VALUE",
                        help="only data rows whose field matches, e.g. language!=en")
    parser.add_argument("--bootstrap", type=int, default=2000)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    print("| set | rows | macro-F1 A | macro-F1 B | B - A (paired 95% CI) | consistency A | "
          "consistency B | B - A (paired 95% CI) |")
    print("|---|---|---|---|---|---|---|---|")
    for spec in args.set:
        name, _, paths = spec.partition("=")
        data, eval_a, eval_b = paths.split(":")
        r = compare_set(Path(data), Path(eval_a), Path(eval_b), n_boot=args.bootstrap,
                        where=args.where)
        results[name] = r
        lo, hi = r["macro_f1_diff_ci95"]
        cons = ("| - | - | - |" if "groups" not in r else
                f"| {r['consistency_a']:.3f} | {r['consistency_b']:.3f} | "
                f"{r['consistency_b'] - r['consistency_a']:+.3f} "
                f"({r['consistency_diff_ci95'][0]:+.3f} to {r['consistency_diff_ci95'][1]:+.3f}) |")
        print(f"| {name} | {r['rows']} | {r['macro_f1_a']:.3f} | {r['macro_f1_b']:.3f} | "
              f"{r['macro_f1_diff']:+.3f} ({lo:+.3f} to {hi:+.3f}) {cons}")
    for name, r in results.items():
        if r.get("directions"):
            print(f"\n{name}: edits right, A -> B")
            for direction, v in r["directions"].items():
                print(f"  {direction:26s} {v['right_a']:3d} -> {v['right_b']:3d} of {v['n']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
