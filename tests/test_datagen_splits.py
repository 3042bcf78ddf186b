"""Splits hold out brands and families; the leakage check finds exact and near duplicates."""

from __future__ import annotations

import pytest

from nlp_ip.brands import load_catalog
from nlp_ip_train.datagen.generator import generate_corpus
from nlp_ip_train.datagen.splits import (
    find_leakage,
    group_overlap,
    leakage_report,
    normalize_text,
    plan_splits,
    text_hash,
)


@pytest.fixture(scope="module")
def corpus():
    return generate_corpus(load_catalog(), 2000, seed=5)


def test_plan_holds_out_brands_and_families():
    catalog = load_catalog()
    plan = plan_splits(catalog, seed=1)
    names = {s: {b.name for b in v} for s, v in plan.brands.items()}
    fams = {s: {f.id for f in v} for s, v in plan.families.items()}
    assert not names["train"] & names["test"] and not names["train"] & names["validation"]
    assert not fams["train"] & fams["test"] and not fams["train"] & fams["validation"]
    n = len(catalog.brands)
    assert 0.10 <= len(names["test"]) / n <= 0.20
    total = sum(len(v) for v in fams.values())
    assert 0.12 <= len(fams["test"]) / total <= 0.28
    # every scenario keeps a training family
    train_scen = {(f.label, f.scenario) for f in plan.families["train"]}
    for split in ("validation", "test"):
        for fam in plan.families[split]:
            assert (fam.label, fam.scenario) in train_scen, fam.id


def test_generated_splits_share_no_brand_or_family(corpus):
    overlap = group_overlap(corpus)
    for split in ("validation", "test"):
        assert overlap[split]["brands_shared_with_train"] == []
        assert overlap[split]["families_shared_with_train"] == []
        assert overlap[split]["n_families"] > 0


def test_generated_splits_do_not_leak(corpus):
    report = leakage_report(corpus)
    assert report["clean"], report["pairs"]


def test_normalisation_ignores_case_width_spacing_and_zero_width():
    assert normalize_text("ＧＵＣＣＩ  Bag!!", "") == normalize_text("gucci bag", "")
    assert text_hash("G\u200bucci - bag", "") == text_hash("gucci bag", "")
    assert text_hash("gucci bag", "") != text_hash("prada bag", "")


def test_leakage_check_finds_exact_and_near_duplicates():
    base = {
        "title": "Vintage leather satchel with brass buckle and long strap",
        "description": "Bought in Florence in 2015, lovely patina, fits an A4 notebook. No pets.",
    }
    other = [
        {
            "title": base["title"].upper() + "!!",
            "description": base["description"],
        },  # exact after normalising
        {
            "title": base["title"],
            "description": base["description"].replace("2015", "2016"),
        },  # near
        {"title": "Completely different ceramic mug", "description": "Dishwasher safe, 350 ml."},
    ]
    res = find_leakage([base], other)
    assert [j for _, j in res.exact] == [0]
    assert [j for _, j, _s in res.near] == [1]
    assert not res.clean


def test_leakage_check_runs_against_seed_rows(corpus):
    seed = [
        dict(corpus["train"][0]),
        {"title": "hand-written listing", "description": "nothing alike"},
    ]
    report = leakage_report({"train": corpus["train"], "test": corpus["test"]}, seed)
    assert report["pairs"]["train~seed_test"]["exact_overlap"] == 1
    assert not report["clean"]


def test_generator_keeps_seed_rows_out(corpus):
    seed_row = dict(corpus["test"][0])
    again = generate_corpus(load_catalog(), 2000, seed=5, seed_rows=[seed_row])
    keys = {normalize_text(r["title"], r["description"]) for rows in again.values() for r in rows}
    assert normalize_text(seed_row["title"], seed_row["description"]) not in keys
