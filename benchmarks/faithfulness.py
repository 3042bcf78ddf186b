"""Are the review page's word attributions faithful to the model?

Deletion test: for each listing, delete the k words with the highest attribution
toward the predicted label and re-score; do the same with k random words
(averaged over several draws). A faithful explanation lowers the predicted
label's probability more than random deletions do, on average.

    .venv/bin/python benchmarks/faithfulness.py --model runs/default/model-best \
        --data data/seed/listings.jsonl --split test --n 300 --k 1 3 5

Prints, per method and k, the mean probability drop for top-k and for random-k
deletions, their difference with a 95% bootstrap interval, and the share of
listings where top-k beat random-k. ``--out FILE`` also writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp_ip.io import read_listings  # noqa: E402
from nlp_ip.labels import LABEL_NAMES  # noqa: E402
from nlp_ip.review.explain import (  # noqa: E402
    Explanation,
    delete_words,
    integrated_gradients,
    occlusion,
)
from nlp_ip.schema import Listing  # noqa: E402


def deletion_drops(clf: Any, listings: list[Listing], explanations: list[Explanation], k: int,
                   *, rng: np.random.Generator, random_draws: int) -> tuple[np.ndarray,
                                                                              np.ndarray]:
    """Per listing: drop of p(target) after deleting the top-k words, and after k random words."""
    variants: list[Listing] = []
    for listing, expl in zip(listings, explanations, strict=True):
        top = expl.top_words(k, positive_only=False)
        variants.append(delete_words(listing, [expl.words[i] for i in top]))
        for _ in range(random_draws):
            pick = rng.choice(len(expl.words), size=k, replace=False)
            variants.append(delete_words(listing, [expl.words[int(i)] for i in pick]))
    probs = clf.predict_proba(variants)
    per = 1 + random_draws
    top_drop = np.zeros(len(listings))
    rand_drop = np.zeros(len(listings))
    for i, expl in enumerate(explanations):
        t = LABEL_NAMES.index(expl.target)
        block = probs[i * per:(i + 1) * per, t]
        top_drop[i] = expl.base_probability - block[0]
        rand_drop[i] = float(np.mean(expl.base_probability - block[1:]))
    return top_drop, rand_drop


def bootstrap_ci(diff: np.ndarray, rng: np.random.Generator, n: int = 2000) -> tuple[float, float]:
    means = [float(rng.choice(diff, size=len(diff), replace=True).mean()) for _ in range(n)]
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="model folder")
    parser.add_argument("--data", default=str(ROOT / "data/seed/listings.jsonl"))
    parser.add_argument("--split", default="test",
                        help="keep rows whose 'split' field equals this ('' = all rows)")
    parser.add_argument("--n", type=int, default=300, help="listings to use (>= 200)")
    parser.add_argument("--k", type=int, nargs="+", default=[1, 3, 5])
    parser.add_argument("--methods", nargs="+", default=["occlusion", "integrated-gradients"],
                        choices=["occlusion", "integrated-gradients"])
    parser.add_argument("--random-draws", type=int, default=5)
    parser.add_argument("--ig-steps", type=int, default=24)
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    from nlp_ip.inference import ListingClassifier

    rows, _ = read_listings(args.data)
    if args.split:
        rows = [r for r in rows if r.metadata.get("split") == args.split]
    need = max(args.k) + 1
    rows = [r for r in rows if len(f"{r.title} {r.description}".split()) >= need]
    rng = np.random.default_rng(args.seed)
    if len(rows) > args.n:
        rows = [rows[int(i)] for i in sorted(rng.choice(len(rows), size=args.n, replace=False))]
    clf = ListingClassifier.from_pretrained(args.model, backend=args.backend,
                                            num_threads=args.threads)
    print(f"model {args.model} ({clf.model_version}, backend {clf.backend_name}); "
          f"{len(rows)} listings from {args.data} split={args.split or 'all'}")
    results: dict[str, Any] = {"model": str(args.model), "model_version": clf.model_version,
                               "backend": clf.backend_name, "n_listings": len(rows),
                               "data": str(args.data), "split": args.split, "methods": {}}
    for method in args.methods:
        if method == "integrated-gradients" and not clf.backend_name.startswith("torch"):
            print(f"skip {method}: needs a torch backend, got {clf.backend_name}")
            continue
        start = time.perf_counter()
        if method == "occlusion":
            expls = occlusion(clf.predict_proba, rows)
        else:
            expls = integrated_gradients(clf, rows, steps=args.ig_steps)
        seconds = time.perf_counter() - start
        per_method: dict[str, Any] = {"seconds": round(seconds, 1)}
        for k in args.k:
            top, rand = deletion_drops(clf, rows, expls, k, rng=rng,
                                       random_draws=args.random_draws)
            diff = top - rand
            low, high = bootstrap_ci(diff, rng)
            figures = {"top_k_drop": float(top.mean()), "random_k_drop": float(rand.mean()),
                       "difference": float(diff.mean()), "ci95": [low, high],
                       "top_beats_random": float((diff > 0).mean())}
            per_method[f"k={k}"] = figures
            print(f"{method:21s} k={k}: mean drop of p(predicted) top-k {top.mean():.4g} "
                  f"vs random-k {rand.mean():.4g} (difference {diff.mean():+.4g}, 95% CI "
                  f"[{low:+.4g}, {high:+.4g}]; top-k larger for {100 * (diff > 0).mean():.0f}% "
                  f"of listings)")
        results["methods"][method] = per_method
        print(f"{method}: attributions for {len(rows)} listings took {seconds:.1f}s")
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
