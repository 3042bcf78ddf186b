"""Generator: determinism, balance, validity, diversity layers, guide consistency."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from nlp_ip.brands import load_catalog
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.schema import parse_listing
from nlp_ip_train.datagen.generator import corpus_stats, generate_corpus, write_corpus
from nlp_ip_train.datagen.obfuscate import OBFUSCATION_KINDS
from nlp_ip_train.datagen.voices import VOICE_NAMES

N = 2000


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def corpus(catalog):
    return generate_corpus(catalog, N, seed=3)


def _all(corpus):
    return [r for rows in corpus.values() for r in rows]


def _write(corpus, out: Path) -> dict[str, bytes]:
    write_corpus(corpus, out, corpus_stats(corpus))
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_same_seed_gives_identical_bytes(catalog, tmp_path):
    a = _write(generate_corpus(catalog, 400, seed=11), tmp_path / "a")
    b = _write(generate_corpus(catalog, 400, seed=11), tmp_path / "b")
    assert set(a) == {"train.jsonl", "validation.jsonl", "test.jsonl", "stats.json", "stats.md"}
    assert a == b


def test_different_seed_gives_different_corpus(catalog, tmp_path):
    a = _write(generate_corpus(catalog, 400, seed=11), tmp_path / "a")
    b = _write(generate_corpus(catalog, 400, seed=12), tmp_path / "b")
    assert a["train.jsonl"] != b["train.jsonl"]


def test_split_sizes_and_label_balance(corpus):
    assert sum(len(v) for v in corpus.values()) == N
    assert len(corpus["train"]) == int(N * 0.8)
    for split, rows in corpus.items():
        counts = Counter(r["label"] for r in rows)
        for label in LABEL_NAMES:
            assert abs(counts[label] / len(rows) - 0.25) <= 0.03, (split, label, counts)


def test_every_row_is_a_valid_listing_with_metadata(corpus):
    ids = set()
    for split, rows in corpus.items():
        for i, row in enumerate(rows):
            listing = parse_listing(row, index=i, source=split)
            assert listing.label is not None and listing.title.strip()
            meta = listing.metadata
            for key in (
                "language",
                "marketplace",
                "family",
                "obfuscation",
                "difficulty",
                "generator_version",
            ):
                assert key in meta, key
            assert meta["difficulty"] in ("easy", "hard")
            ids.add(row["id"])
    assert len(ids) == N


def test_at_least_eight_voices_each_used_by_every_label(corpus):
    rows = _all(corpus)
    assert len(VOICE_NAMES) >= 8
    assert set(r["marketplace"] for r in rows) == set(VOICE_NAMES)
    # voices are drawn independently of the label: shares agree across labels
    for voice in VOICE_NAMES:
        shares = []
        for label in LABEL_NAMES:
            of_label = [r for r in rows if r["label"] == label]
            shares.append(sum(r["marketplace"] == voice for r in of_label) / len(of_label))
        assert max(shares) - min(shares) < 0.06, (voice, shares)


def test_at_least_ten_obfuscation_kinds(corpus):
    assert len(OBFUSCATION_KINDS) >= 10
    used = Counter(r["obfuscation"] for r in _all(corpus) if r["obfuscation"])
    assert len(used) >= 10, used


def test_at_least_ten_percent_non_english(corpus):
    for split, rows in corpus.items():
        share = sum(r["language"] != "en" for r in rows) / len(rows)
        assert share >= 0.10, (split, share)
    langs = {r["language"].split("+")[-1] for r in _all(corpus)}
    assert {"es", "fr", "it", "de", "pt", "zh", "ru"} <= langs


def test_hard_cases_present_for_every_label(corpus):
    rows = _all(corpus)
    for label in LABEL_NAMES:
        hard = sum(r["difficulty"] == "hard" for r in rows if r["label"] == label)
        assert hard >= 0.25 * sum(r["label"] == label for r in rows), label


def test_cue_words_cross_labels(corpus):
    """'replica', 'inspired', 'parody', 'mirror', 'authentic' each occur under 2+ labels."""
    rows = _all(corpus)
    for word in ("replica", "inspired", "parody", "mirror", "authentic", "not affiliated"):
        labels = {r["label"] for r in rows if word in f"{r['title']} {r['description']}".lower()}
        assert len(labels) >= 2, (word, labels)


def test_lookalikes_never_use_counterfeit_vocabulary(corpus):
    pattern = re.compile(
        r"\b(1:1|aaa|super fake|mirror quality|top grade copy|pk batch|unauthorized authentic)\b",
        re.IGNORECASE,
    )
    for row in _all(corpus):
        if row["label"] == "lookalike":
            assert not pattern.search(f"{row['title']} {row['description']}"), row


def test_prices_overlap_between_labels(corpus):
    """Every label has rows priced under 30 and over 100 (USD-ish): price is never a giveaway."""
    rows = [
        r for r in _all(corpus) if r["price"] is not None and r["currency"] in ("USD", "EUR", "GBP")
    ]
    for label in LABEL_NAMES:
        prices = [r["price"] for r in rows if r["label"] == label]
        assert any(p < 30 for p in prices) and any(p > 100 for p in prices), label


def test_works_with_a_small_custom_catalog(tmp_path):
    brands = []
    for i, cat in enumerate(
        [
            "luxury_fashion",
            "sportswear",
            "watches",
            "beauty",
            "electronics",
            "jewelry",
            "eyewear",
            "luxury_fashion",
            "watches",
            "sportswear",
        ]
    ):
        brands.append(
            {
                "name": f"Testbrand{i} Maison",
                "category": cat,
                "aliases": [f"Testbrand{i}"],
                "initials": [f"T{i}"],
                "product_lines": [f"Model {i}A", f"Line{i}"],
                "design_elements": [f"striped canvas {i}", "round clasp"],
                "goods": ["handbag", "watch"],
                "price_range": {"min": 100 + i, "max": 900 + i, "currency": "USD"},
            }
        )
    path = tmp_path / "brands.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "brands": brands}), encoding="utf-8")
    corpus = generate_corpus(load_catalog(path), 200, seed=1)
    assert sum(len(v) for v in corpus.values()) == 200
    train_brands = {r["source_brand"] for r in corpus["train"]}
    test_brands = {r["source_brand"] for r in corpus["test"] if r["source_brand"]}
    assert test_brands and not (train_brands & test_brands)


def test_too_small_n_is_rejected(catalog):
    with pytest.raises(ValueError, match="at least 8"):
        generate_corpus(catalog, 4, seed=1)
