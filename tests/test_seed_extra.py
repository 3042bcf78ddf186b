"""The second hand-written set (data/seed/extra/): valid, train-only, and apart from seed-test."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from nlp_ip.errors import ConfigError
from nlp_ip.io import read_listings
from nlp_ip_train.config import load_config
from nlp_ip_train.data import _expand
from nlp_ip_train.datagen.splits import find_leakage

ROOT = Path(__file__).resolve().parents[1]
EXTRA = sorted((ROOT / "data" / "seed" / "extra").glob("*.jsonl"))
#: Labels per file: 30 each, except the plain part (session 7), written to add brand-free
#: legitimate listings with a smaller set of branded counterparts on the same goods.
BALANCED = {"infringing": 30, "parody": 30, "lookalike": 30, "legitimate": 30}
LABELS_PER_FILE = {"part-i.jsonl": {"legitimate": 100, "infringing": 20, "parody": 20,
                                    "lookalike": 20}}
FIELDS = ["id", "title", "description", "price", "currency", "brand", "label", "rationale",
          "difficulty", "language", "marketplace", "split"]


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_extra_files_are_valid_balanced_and_train_only() -> None:
    assert len(EXTRA) >= 4
    ids: Counter[str] = Counter()
    for path in EXTRA:
        rows = _rows(path)
        assert [list(r) for r in rows] == [FIELDS] * len(rows), path.name
        assert {r["split"] for r in rows} == {"train"}
        assert Counter(r["label"] for r in rows) == LABELS_PER_FILE.get(path.name, BALANCED)
        ids.update(r["id"] for r in rows)
        listings, report = read_listings(path, strict=True)  # the loader every command uses
        assert len(listings) == len(rows)
        assert report.ok and report.exact_duplicates == [] and report.normalized_duplicates == []
    assert max(ids.values()) == 1


def test_extra_rows_do_not_duplicate_seed_test() -> None:
    seed = _rows(ROOT / "data" / "seed" / "listings.jsonl")
    test = [r for r in seed if r["split"] == "test"]
    extra = [r for path in EXTRA for r in _rows(path)]
    # far below the corpus' own near-duplicate bar (0.9): measured maximum 0.44
    leak = find_leakage(test, extra, threshold=0.6)
    assert leak.exact == [] and leak.near == []


def test_default_and_quick_configs_train_on_every_extra_file() -> None:
    for name in ("default", "quick"):
        cfg = load_config(ROOT / "configs" / f"{name}.yaml")
        named = [path for e in cfg.data.extra for _, path in _expand(e.path, ROOT.joinpath)]
        assert sorted(named) == EXTRA, name
    default = load_config(ROOT / "configs" / "default.yaml")
    assert all(e.repeat == default.data.seed_train_repeat for e in default.data.extra)


def test_extra_glob_expands_sorted_and_a_miss_is_an_error(tmp_path: Path) -> None:
    for name in ("b.jsonl", "a.jsonl", "c.txt"):
        (tmp_path / name).write_text("")
    got = _expand("*.jsonl", tmp_path.joinpath)
    assert [name for name, _ in got] == ["a.jsonl", "b.jsonl"]
    assert _expand("c.txt", tmp_path.joinpath) == [("c.txt", tmp_path / "c.txt")]
    with pytest.raises(ConfigError, match="matches no file"):
        _expand("none-*.jsonl", tmp_path.joinpath)
