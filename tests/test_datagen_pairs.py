"""Minimal pairs in the generated corpus (issue 20, item 2): one listing written twice with the
fact that decides its label toggled, train split only, label-balanced, deterministic."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from nlp_ip.brands import load_catalog
from nlp_ip.cli import main as cli_main
from nlp_ip.labels import LABELS
from nlp_ip_train.config import GenerateSpec
from nlp_ip_train.data import ensure_corpus
from nlp_ip_train.datagen.context import RATES
from nlp_ip_train.datagen.generator import generate_corpus
from nlp_ip_train.datagen.pairs import COSTLY_GOODS, EDITS, MIN_WORD_OVERLAP, word_overlap

ROOT = Path(__file__).resolve().parents[1]
BRANDS = ROOT / "data" / "brands.yaml"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(BRANDS)


@pytest.fixture(scope="module")
def corpus(catalog):
    return generate_corpus(catalog, 1200, 7, pairs=0.3)


def groups_of(rows):
    out = defaultdict(list)
    for row in rows:
        if row.get("pair_group"):
            out[row["pair_group"]].append(row)
    return out


def test_every_label_direction_has_an_edit_and_each_label_is_written_equally_often():
    directions = {(e.labels[0], e.labels[1]) for e in EDITS}
    assert directions == {(a, b) for a in LABELS for b in LABELS if a != b}
    per_label = Counter(label for e in EDITS for label in e.labels)
    assert len(set(per_label.values())) == 1, per_label


def test_pairs_are_train_only_two_rows_each_with_the_labels_of_their_edit(corpus):
    train = corpus["train"]
    groups = groups_of(train)
    assert len(groups) == int(len(train) * 0.3) // 2
    edits = {e.name: e for e in EDITS}
    for rows in groups.values():
        assert len(rows) == 2
        a, b = sorted(rows, key=lambda r: r["id"])
        edit = edits[a["pair_edit"]]
        assert b["pair_edit"] == edit.name and a["family"] == f"pair.{edit.name}"
        assert {a["label"], b["label"]} == {label.value for label in edit.labels}
        assert a["source_brand"] == b["source_brand"] and a["language"] == b["language"]
        assert a["marketplace"] == b["marketplace"]
        assert word_overlap(a, b) >= MIN_WORD_OVERLAP
    assert not groups_of(corpus["validation"]) and not groups_of(corpus["test"])
    # pairs keep the train split label-balanced
    counts = Counter(r["label"] for r in train)
    assert max(counts.values()) - min(counts.values()) <= len(EDITS), counts


def test_the_price_edit_changes_only_the_price_and_only_where_a_tenth_is_implausible(
        corpus, catalog):
    brands = {b.name: b for b in catalog.brands}
    pairs = [rows for rows in groups_of(corpus["train"]).values()
             if rows[0]["pair_edit"] == "price_plausible_vs_impossible"]
    assert pairs
    for rows in pairs:
        genuine = next(r for r in rows if r["label"] == "legitimate")
        fake = next(r for r in rows if r["label"] == "infringing")
        brand = brands[genuine["source_brand"]]
        assert COSTLY_GOODS(brand)
        assert genuine["currency"] == fake["currency"] and fake["price"] < genuine["price"]
        lowest = brand.price_range.min / RATES.get(brand.price_range.currency, 1.0)
        fake_usd = fake["price"] / RATES.get(fake["currency"], 1.0)
        assert fake_usd <= 0.12 * lowest + 8, (fake, brand.price_range)


def test_same_seed_same_pairs_and_no_pairs_leaves_the_corpus_as_it_was(catalog):
    again = generate_corpus(catalog, 400, 3, pairs=0.3)
    assert again == generate_corpus(catalog, 400, 3, pairs=0.3)
    plain = generate_corpus(catalog, 400, 3)
    assert plain == generate_corpus(catalog, 400, 3, pairs=0.0)
    assert not any("pair_group" in r for split in plain.values() for r in split)
    assert again["validation"] != plain["validation"] or again["train"] != plain["train"]


def test_pairs_share_is_checked(catalog, tmp_path):
    with pytest.raises(ValueError, match=r"pairs must be between 0 and 0\.5"):
        generate_corpus(catalog, 400, 3, pairs=0.6)
    with pytest.raises(ValueError):
        GenerateSpec(n=400, pairs=0.7)
    assert cli_main(["data", "generate", "--n", "400", "--pairs", "0.9", "--no-audit",
                     "--out", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists()
    assert cli_main(["data", "generate", "--n", "240", "--pairs", "0.25", "--no-audit",
                     "--seed-listings", str(tmp_path / "none.jsonl"),
                     "--out", str(tmp_path / "y")]) == 0
    train = (tmp_path / "y" / "train.jsonl").read_text(encoding="utf-8")
    assert train.count('"pair_group"') == 2 * (int(192 * 0.25) // 2)


def test_a_config_with_pairs_gets_its_own_cached_corpus(tmp_path):
    seed = ROOT / "data" / "seed" / "listings.jsonl"
    plain = ensure_corpus(GenerateSpec(n=200, seed=2), str(BRANDS), str(tmp_path), seed)
    paired = ensure_corpus(GenerateSpec(n=200, seed=2, pairs=0.2), str(BRANDS),
                           str(tmp_path), seed)
    assert plain != paired and "-p0.2-" in paired.name
    rows = [json.loads(line) for line in (paired / "train.jsonl").read_text().splitlines()]
    assert sum(1 for r in rows if r.get("pair_group")) == 2 * (int(len(rows) * 0.2) // 2)
    plain_rows = (plain / "train.jsonl").read_text()
    assert "pair_group" not in plain_rows


def test_capping_train_rows_keeps_or_drops_each_pair_whole(corpus):
    import random

    from nlp_ip.schema import Listing
    from nlp_ip_train.data import Example, _stratified_sample

    rows = [Example(Listing.model_validate(r), 1.0, "generated") for r in corpus["train"]]
    seed_rows = [Example(Listing.model_validate(corpus["test"][0]), 1.0, "seed")]
    picked = _stratified_sample(rows + seed_rows, 300, random.Random(0))
    assert seed_rows[0] in picked and abs(len(picked) - 300) <= 4
    members = Counter(x.listing.metadata["pair_group"] for x in picked
                      if x.listing.metadata.get("pair_group"))
    assert members and set(members.values()) == {2}
    # pairs keep about their share of the generated rows (30%)
    assert abs(2 * len(members) - 0.3 * 299) <= 4
