"""The evaluation-only sets written for issue 20: valid, apart from nlp_ip_train, read by no config.

- ``data/fresh/listings.jsonl``: 400 untouched hand-written listings (100 per label);
- ``data/contrast/listings.jsonl``: contrast groups (a base plus minimal edits);
- ``data/contrast-2/listings.jsonl``: a second contrast set, written in session 6 after the
  first had been read to design the topic twins;
- ``data/contrast-3/listings.jsonl``: a third, written in session 7 before any model was scored
  on it, after contrast-2's failures had been read to commission a training part;
- ``data/cases/litigated-2.jsonl``: 43 more litigated products.
"""

from __future__ import annotations

import json
from collections import Counter
from itertools import permutations
from pathlib import Path

import pytest

from nlp_ip.io import read_listings
from nlp_ip.labels import LABEL_NAMES
from nlp_ip_train.config import load_config
from nlp_ip_train.data import _expand
from nlp_ip_train.datagen.splits import find_leakage
from nlp_ip_train.lifecycle.config import LIFECYCLE_CONFIGS

ROOT = Path(__file__).resolve().parents[1]
FRESH = ROOT / "data" / "fresh" / "listings.jsonl"
CONTRAST = ROOT / "data" / "contrast" / "listings.jsonl"
CONTRAST_2 = ROOT / "data" / "contrast-2" / "listings.jsonl"
CONTRAST_3 = ROOT / "data" / "contrast-3" / "listings.jsonl"
CASES = [ROOT / "data" / "cases" / "cases.jsonl", ROOT / "data" / "cases" / "litigated-2.jsonl"]
EVAL_ONLY = [FRESH, CONTRAST, CONTRAST_2, CONTRAST_3, *CASES]
FIELDS = ["id", "title", "description", "price", "currency", "brand", "label", "rationale",
          "difficulty", "language", "marketplace", "split"]


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _training_sources() -> list[list[dict]]:
    seed = _rows(ROOT / "data" / "seed" / "listings.jsonl")
    extra = [r for p in sorted((ROOT / "data" / "seed" / "extra").glob("*.jsonl"))
             for r in _rows(p)]
    return [seed, extra]


def test_fresh_set_is_valid_and_balanced() -> None:
    rows = _rows(FRESH)
    assert [list(r) for r in rows] == [FIELDS] * len(rows)
    assert {r["split"] for r in rows} == {"fresh"}
    assert Counter(r["label"] for r in rows) == dict.fromkeys(LABEL_NAMES, 100)
    assert len({r["id"] for r in rows}) == len(rows)
    listings, report = read_listings(FRESH, strict=True)
    assert len(listings) == len(rows) and report.ok and report.exact_duplicates == []


@pytest.mark.parametrize("path", [CONTRAST, CONTRAST_2, CONTRAST_3],
                         ids=["contrast", "contrast-2", "contrast-3"])
def test_contrast_groups_are_minimal_pairs_covering_every_direction(path: Path) -> None:
    rows = _rows(path)
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["group"], []).append(r)
    assert len(groups) >= 80
    directions: Counter[tuple[str, str]] = Counter()
    for name, members in groups.items():
        bases = [m for m in members if m["role"] == "base"]
        edits = [m for m in members if m["role"] == "edit"]
        assert len(bases) == 1 and 1 <= len(edits) <= 3, name
        base = bases[0]
        for edit in edits:
            assert edit["label"] != base["label"], edit["id"]
            assert edit["language"] == base["language"] and edit["edit"], edit["id"]
            directions[(base["label"], edit["label"])] += 1
    assert set(directions) == set(permutations(LABEL_NAMES, 2))
    assert min(directions.values()) >= 3
    not_english = sum(1 for members in groups.values() if members[0]["language"] != "en")
    assert not_english >= 0.15 * len(groups)
    listings, report = read_listings(path, strict=True)
    # price-only edits repeat the text with another price: "conflicts" by design
    assert len(listings) == len(rows) and report.errors == []
    assert {x.metadata["group"] for x in listings} == set(groups)


def test_second_case_set_is_valid_and_new() -> None:
    first, second = (_rows(p) for p in CASES)
    assert len(second) >= 20
    assert not {r["case"] for r in first} & {r["case"] for r in second}
    listings, report = read_listings(CASES[1], strict=True)
    assert len(listings) == len(second) and report.ok
    assert all(x.metadata.get("case") and x.metadata.get("citation") for x in listings)


@pytest.mark.parametrize("path", EVAL_ONLY, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_evaluation_sets_do_not_repeat_training_rows(path: Path) -> None:
    rows = _rows(path)
    for other in _training_sources():
        leak = find_leakage(rows, other, threshold=0.5)
        assert leak.exact == [] and leak.near == []


def test_fresh_set_is_apart_from_the_other_evaluation_sets() -> None:
    fresh = _rows(FRESH)
    for other in (ROOT / "data" / "holdout" / "listings.jsonl", CONTRAST, CONTRAST_2,
                  CONTRAST_3):
        leak = find_leakage(fresh, _rows(other), threshold=0.5)
        assert leak.exact == [] and leak.near == []


def test_no_shipped_config_reads_an_evaluation_only_set() -> None:
    for path in sorted((ROOT / "configs").glob("*.yaml")):
        if path.name in LIFECYCLE_CONFIGS:  # not training configs: they read no data
            continue
        data = load_config(path).data
        named = [p for e in data.extra for _, p in _expand(e.path, ROOT.joinpath)]
        named.append(ROOT / (data.seed_file or "none"))
        if data.corpus_dir:
            named.append(ROOT / data.corpus_dir)
        for p in named:
            reserved = ("fresh", "contrast", "contrast-2", "contrast-3", "cases")
            assert not any(part in Path(p).parts for part in reserved), (path.name, p)


def _generator_strings() -> list[str]:
    """Every string the corpus generator can write: its data files, the string literals
    of its code, and the catalog fields it reads (parody names; never litigated_parodies)."""
    import ast

    import yaml

    out: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    datagen = ROOT / "nlp_ip_train" / "datagen"
    for path in sorted(datagen.rglob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    for path in sorted(datagen.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        out += [node.value for node in ast.walk(tree)
                if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    catalog = yaml.safe_load((ROOT / "data" / "brands.yaml").read_text(encoding="utf-8"))
    out += [name for brand in catalog["brands"] for name in brand.get("parody_names", [])]
    return out


def test_no_litigated_product_is_a_generator_template() -> None:
    """Neither case set reaches training as a template: no parody name the generator
    draws from, and no seller brand of a case that is not a catalogued brand, appears in
    what the generator can write (the near-duplicate test above covers direct rows)."""
    import re

    import yaml

    catalog = yaml.safe_load((ROOT / "data" / "brands.yaml").read_text(encoding="utf-8"))
    known = {n.lower() for b in catalog["brands"] for n in [b["name"], *b.get("aliases", [])]}
    parody_names = [n for b in catalog["brands"] for n in b.get("parody_names", [])]
    generator = "\n".join(_generator_strings()).lower()
    assert "litigated_parodies" not in "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "nlp_ip_train" / "datagen").rglob("*.py"))
    for path in CASES:
        for row in _rows(path):
            text = f"{row['title']} {row.get('description') or ''}".lower()
            used = [n for n in parody_names if re.search(rf"\b{re.escape(n.lower())}\b", text)]
            assert used == [], (row["id"], used)
            seller = (row.get("brand") or "").strip().lower()
            if len(seller) >= 4 and seller not in known:
                assert seller not in generator, (row["id"], row["brand"])


def test_the_topic_twins_write_no_name_or_sentence_of_a_contrast_set() -> None:
    """The twins' second families were designed after reading contrast/ rows: none of
    their invented names or sentences may come from any contrast set."""
    from nlp_ip_train.datagen.twins import WORDS

    texts = [f"{r['title']} {r.get('description') or ''}".lower()
             for path in (CONTRAST, CONTRAST_2, CONTRAST_3) for r in _rows(path)]
    for key in ("own_names", "own_subjects", "own_jokes", "ownname_notes", "plain_notes"):
        for phrase in WORDS.words(key):
            assert not any(phrase.lower().rstrip(".") in text for text in texts), (key, phrase)
