"""Write minimal pairs with the brands of a held-out split, as an evaluation file.

The generator puts minimal pairs (``data.generate.pairs``) only in train; this writes
``--n`` pairs from the brands that the ``--split`` split (validation or test) holds out of
train, in the contrast set's format (``group``, ``role`` base/edit), so ``nlp-ip evaluate``
reports their consistency. It measures whether a model learned the generated pairs, not
whether it generalises to pairs people write (``data/contrast/`` does that).

    python benchmarks/generated_pairs.py --split validation --n 120 --out eval/pairs.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from nlp_ip.brands import load_catalog
from nlp_ip_train.datagen.generator import _SplitSampler, make_pair_rows
from nlp_ip_train.datagen.splits import plan_splits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("validation", "test"), default="validation")
    parser.add_argument("--n", type=int, default=120, help="pairs to write")
    parser.add_argument("--seed", type=int, default=13, help="the corpus seed (brand plan)")
    parser.add_argument("--brands", default="data/brands.yaml")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    plan = plan_splits(load_catalog(args.brands), args.seed, None)
    sampler = _SplitSampler(plan, args.split)
    rows = []
    for k in range(args.n):
        for j, row in enumerate(make_pair_rows(sampler, k, random.Random(f"probe:{k}"))):
            row.update(id=f"gp-{k:03d}-{j}", group=f"gp-{k:03d}", role="base" if j == 0 else "edit")
            rows.append(row)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                        encoding="utf-8")
    print(f"wrote {len(rows)} rows ({args.n} pairs, {args.split} brands) to {args.out}")


if __name__ == "__main__":
    main()
