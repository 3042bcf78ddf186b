"""The hold-out set (data/holdout/): valid, balanced, apart from every training source."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from nlp_ip.io import read_listings
from nlp_ip_train.config import load_config
from nlp_ip_train.data import _expand
from nlp_ip_train.datagen.splits import find_leakage
from nlp_ip_train.lifecycle.config import LIFECYCLE_CONFIGS

ROOT = Path(__file__).resolve().parents[1]
HOLDOUT = ROOT / "data" / "holdout" / "listings.jsonl"
FIELDS = ["id", "title", "description", "price", "currency", "brand", "label", "rationale",
          "difficulty", "language", "marketplace", "split"]


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_holdout_is_valid_and_balanced() -> None:
    rows = _rows(HOLDOUT)
    assert [list(r) for r in rows] == [FIELDS] * len(rows)
    assert {r["split"] for r in rows} == {"holdout"}
    assert Counter(r["label"] for r in rows) == {
        "infringing": 100, "parody": 100, "lookalike": 100, "legitimate": 100}
    assert len({r["id"] for r in rows}) == len(rows)
    listings, report = read_listings(HOLDOUT, strict=True)  # the loader every command uses
    assert len(listings) == len(rows)
    assert report.ok and report.exact_duplicates == [] and report.normalized_duplicates == []


def test_holdout_does_not_repeat_hand_written_training_rows() -> None:
    holdout = _rows(HOLDOUT)
    seed = _rows(ROOT / "data" / "seed" / "listings.jsonl")
    extra = [r for p in sorted((ROOT / "data" / "seed" / "extra").glob("*.jsonl"))
             for r in _rows(p)]
    for other in (seed, extra):
        leak = find_leakage(holdout, other, threshold=0.5)
        assert leak.exact == [] and leak.near == []


def test_no_shipped_config_reads_the_holdout() -> None:
    for path in sorted((ROOT / "configs").glob("*.yaml")):
        if path.name in LIFECYCLE_CONFIGS:  # not training configs: they read no data
            continue
        data = load_config(path).data
        named = [p for e in data.extra for _, p in _expand(e.path, ROOT.joinpath)]
        named.append(ROOT / (data.seed_file or "none"))
        if data.corpus_dir:
            named.append(ROOT / data.corpus_dir)
        assert all("holdout" not in str(p) for p in named), path.name
