"""The cascade on a realistic traffic mix: throughput, agreement and quality, side by side.

Usage::

    nlp-ip calibrate-cascade --model runs/default-int8 \\
        --data CORPUS/validation.jsonl data/seed/listings.jsonl:seed-validation
    python benchmarks/bench_cascade.py --model runs/default-int8 \\
        --data CORPUS/test.jsonl data/seed/listings.jsonl:test data/holdout/listings.jsonl \\
        --n 5000 --rounds 3 --json cascade.json

Traffic: ``--n`` listings drawn (seeded, with replacement) from the labeled rows of
``--data`` so that labels follow ``--mix`` (default 85% legitimate, 8% lookalike, 5%
infringing, 2% parody: most marketplace traffic is ordinary goods). The same folder
is loaded twice in this process, with the full blend (``cascade=False``) and with the
cascade (``cascade=True``; the folder needs thresholds from ``nlp-ip
calibrate-cascade``), on the same backend and threads, and reports:

- ``listings_per_s``: end to end from listings (text building included), the best of
  ``--rounds`` runs of each, taken round-robin (this machine is noisy), and the ratio;
- ``label_agreement`` and ``decision_agreement`` of the cascade with the full blend on
  the traffic, and the share of listings the TF-IDF part decided alone;
- ``ceiling``: how far any first stage of this kind could go on this traffic: the share
  the full blend labels infringing or legitimate (the only labels that may skip), and the
  share the folder's first stage (TF-IDF part, or its distilled head) would skip with
  thresholds fitted on the traffic itself at the same agreement target, overall budget
  (an upper bound that uses the answers it is scored on, never a result);
- on each ``--quality`` set (default seed-test and the hold-out set): macro-F1,
  infringing recall (remove + review) and over-enforcement (share of non-infringing
  listings removed) with and without the cascade, and the paired bootstrap 95%
  interval of each difference (cascade minus full).

The CPU kind is printed first: every figure belongs to it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MIX = "legitimate=0.85,lookalike=0.08,infringing=0.05,parody=0.02"


def traffic(data: Sequence[str], n: int, mix: dict[str, float], seed: int) -> list[Any]:
    """``n`` labeled listings from ``data`` whose labels follow ``mix``."""
    from nlp_ip_train.evaluation.data import load_labeled

    pools: dict[str, list[Any]] = {}
    for listing in load_labeled(list(data)):
        pools.setdefault(listing.label.value, []).append(listing)
    rng = np.random.default_rng(seed)
    labels = list(mix)
    missing = [label for label in labels if not pools.get(label)]
    if missing:
        raise SystemExit(f"no rows labeled {missing} in --data")
    counts = rng.multinomial(n, [mix[label] for label in labels])
    rows: list[Any] = []
    for label, count in zip(labels, counts, strict=True):
        pool = pools[label]
        rows += [pool[i] for i in rng.integers(0, len(pool), size=count)]
    order = rng.permutation(len(rows))
    return [rows[i] for i in order]


def report_result(result: dict[str, Any], path: Path | None) -> None:
    """Print ``result`` as JSON, and write it to ``path`` when given."""
    text = json.dumps(result, indent=2)
    print(text)
    if path is not None:
        path.write_text(text + "\n", encoding="utf-8")


def _quality(y: np.ndarray, probs: np.ndarray, policy: Any) -> tuple[np.ndarray, np.ndarray]:
    return probs.argmax(1), np.asarray(policy.decide_codes(probs), dtype=object)


def _summary(y: np.ndarray, pred: np.ndarray, dec: np.ndarray) -> dict[str, float]:
    """Macro-F1, infringing recall (remove + review) and over-enforcement of one model."""
    from nlp_ip.labels import LABEL2ID, Label
    from nlp_ip_train.metrics import macro_f1

    infringing = y == LABEL2ID[Label.INFRINGING.value]
    return {"macro_f1": round(float(macro_f1(y, pred)), 4),
            "infringing_recall": round(float(np.isin(dec[infringing],
                                                     ["remove", "review"]).mean()), 4),
            "over_enforcement": round(float((dec[~infringing] == "remove").mean()), 4)}


def ceiling(folder: Path, meta: Any, rows: Sequence[Any], blend: np.ndarray) -> dict[str, Any]:
    """Upper bounds of the cascade on this traffic (see the module's docstring)."""
    from nlp_ip.inference.cascade import early_exits, load_head
    from nlp_ip.labels import LABEL2ID
    from nlp_ip.text import build_model_inputs
    from nlp_ip.tfidf import TfidfScorer
    from nlp_ip_train.cascade import fit_cascade

    spec = meta.blend.cascade
    scorer = TfidfScorer.load(folder)
    catalog = folder / "brands.yaml"
    texts = build_model_inputs(list(rows), hints=meta.text.hints,
                               catalog_path=catalog if catalog.is_file() else None)
    if spec is not None and spec.head:
        logits = scorer.linear(texts, [load_head(folder, spec.head, scorer.n_features)])[0]
        temperature, stage = spec.head_temperature, "distilled head"
    else:
        logits, temperature, stage = scorer.logits(texts), meta.blend.tfidf_temperature, "tfidf"
    target = spec.target_agreement if spec is not None else 0.995
    oracle = fit_cascade(logits, temperature, blend, meta.policy, target_agreement=target,
                         budget="overall")
    skip = early_exits(logits, temperature, oracle.thresholds)
    labels = blend.argmax(1)
    return {"first_stage": stage,
            "blend_skippable_share": round(float(np.isin(
                labels, [LABEL2ID["infringing"], LABEL2ID["legitimate"]]).mean()), 4),
            "first_stage_label_agreement": round(float(
                (logits.argmax(1) == labels).mean()), 4),
            "oracle_thresholds": {k: round(v, 4) for k, v in oracle.thresholds.items()},
            "oracle_skip_share": round(float(skip.mean()), 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--data", nargs="+", required=True,
                        help="labeled files the traffic is drawn from (FILE or FILE:SPLIT)")
    parser.add_argument("--quality", nargs="*",
                        default=[str(ROOT / "data/seed/listings.jsonl:test"),
                                 str(ROOT / "data/holdout/listings.jsonl")])
    parser.add_argument("--mix", default=DEFAULT_MIX)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    from nlp_ip.doctor import environment_report
    from nlp_ip.inference import ListingClassifier
    from nlp_ip_train.evaluation.bootstrap import paired_differences
    from nlp_ip_train.evaluation.data import label_ids, load_labeled

    env = environment_report()
    print(f"CPU: {env['cpu']['model']}; instructions {', '.join(env['cpu']['instruction_sets'])}"
          f"; int8 kernel {env['int8']['name']}; {env['threads']['usable_cores']} cores",
          file=sys.stderr)
    mix = {k: float(v) for k, v in (part.split("=") for part in args.mix.split(","))}
    rows = traffic(args.data, args.n, mix, args.seed)
    full = ListingClassifier.from_pretrained(args.model, backend=args.backend, cascade=False)
    fast = ListingClassifier.from_pretrained(args.model, backend=args.backend, cascade=True)
    for clf in (full, fast):
        clf.predict_proba(rows[:64])  # warm-up
    best = {"full": float("inf"), "cascade": float("inf")}
    outputs: dict[str, np.ndarray] = {}
    for _ in range(args.rounds):
        for name, clf in (("full", full), ("cascade", fast)):
            clf.cascade_counts.update(listings=0, skipped=0)
            start = time.perf_counter()
            outputs[name] = clf.predict_proba(rows)
            best[name] = min(best[name], time.perf_counter() - start)
    skipped = fast.cascade_counts["skipped"] / max(1, fast.cascade_counts["listings"])
    policy = full.meta.policy
    dec_full = np.asarray(policy.decide_codes(outputs["full"]), dtype=object)
    dec_fast = np.asarray(policy.decide_codes(outputs["cascade"]), dtype=object)
    result: dict[str, Any] = {
        "cpu": env["cpu"], "int8": env["int8"], "backend": full.backend_name,
        "model_version": full.meta.model_version, "n": len(rows), "mix": mix,
        "rounds": args.rounds,
        "listings_per_s": {k: round(len(rows) / v, 1) for k, v in best.items()},
        "speedup": round(best["full"] / best["cascade"], 3),
        "skipped_share": round(skipped, 4),
        "label_agreement": round(float((outputs["full"].argmax(1)
                                        == outputs["cascade"].argmax(1)).mean()), 5),
        "decision_agreement": round(float((dec_full == dec_fast).mean()), 5),
        "quality": {},
    }
    result["ceiling"] = ceiling(args.model, full.meta, rows, outputs["full"])
    for spec in args.quality:
        listings = load_labeled([spec])
        y = label_ids(listings)
        pred_full, dec_a = _quality(y, full.predict_proba(listings), policy)
        pred_fast, dec_b = _quality(y, fast.predict_proba(listings), policy)

        result["quality"][spec] = {
            "n": len(listings), "full": _summary(y, pred_full, dec_a),
            "cascade": _summary(y, pred_fast, dec_b),
            "paired_ci95_cascade_minus_full": paired_differences(
                y, (pred_fast, dec_b), (pred_full, dec_a), seed=args.seed)}
    report_result(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
