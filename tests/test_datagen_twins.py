"""Topic twins in the generated corpus (issue 20): the parody and lookalike families' goods
and words under the label the guide gives them without the decisive fact; train split only,
label-balanced, each family's rows true to what it claims to write."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from nlp_ip.brands import load_catalog
from nlp_ip.cli import main as cli_main
from nlp_ip_train.config import GenerateSpec
from nlp_ip_train.datagen.generator import generate_corpus
from nlp_ip_train.datagen.twins import TWINS, WORDS, label_shares, twin_quotas

ROOT = Path(__file__).resolve().parents[1]
BRANDS = ROOT / "data" / "brands.yaml"
SHARE = 0.2


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(BRANDS)


@pytest.fixture(scope="module")
def corpus(catalog):
    return generate_corpus(catalog, 1200, 7, twins=SHARE)


@pytest.fixture(scope="module")
def plain(catalog):
    return generate_corpus(catalog, 1200, 7)


def _text(row) -> str:
    return f"{row['title']} {row['description']}".casefold()


def _names(brand) -> list[str]:
    return [n for n in (brand.name, *brand.aliases) if len(n) >= 4]


def test_quotas_share_the_rows_evenly_and_sum_up():
    assert sum(twin_quotas(10).values()) == 10
    assert max(twin_quotas(10).values()) - min(twin_quotas(10).values()) <= 1
    assert sum(label_shares(10).values()) == 10


def test_twins_are_train_only_and_every_split_stays_label_balanced(corpus):
    train = corpus["train"]
    twins = Counter(r["family"] for r in train if r["family"].startswith("twin."))
    assert twins == twin_quotas(int(len(train) * SHARE))
    labels = Counter(r["label"] for r in train)
    assert len(set(labels.values())) == 1, labels
    for split in ("validation", "test"):
        assert not [r for r in corpus[split] if r["family"].startswith("twin.")]
    ids = {t.id: t for t in TWINS}
    for row in train:
        if row["family"] in ids:
            twin = ids[row["family"]]
            assert row["label"] == twin.label.value and row["scenario"] == twin.scenario


def test_legitimate_twins_name_no_brand_and_merch_twins_carry_their_brands_mark(corpus, catalog):
    brands = {b.name: b for b in catalog.brands}
    every_name = [n.casefold() for b in catalog.brands for n in _names(b)]
    seen = Counter()
    for row in corpus["train"]:
        family = row["family"]
        if family in ("twin.leg.novelty", "twin.leg.unbranded", "twin.leg.ownname"):
            text = _text(row)
            named = [n for n in every_name if re.search(rf"\b{re.escape(n)}\b", text)]
            assert not named, (family, row["title"], named)
            seen[family] += 1
        elif family == "twin.inf.merch":
            brand = brands[row["source_brand"]]
            text = _text(row)
            names = [n.casefold() for n in (brand.name, *brand.aliases, *brand.initials)]
            assert any(n in text for n in names), row["title"]
            assert not re.search(r"\b(parody|spoof|joke|funny|replica)\b", text), row["title"]
            seen[family] += 1
        elif family == "twin.inf.shield":  # a parody's words, the brand's own mark
            brand = brands[row["source_brand"]]
            assert brand.name.casefold() in _text(row)
            seen[family] += 1
    assert set(seen) == {t.id for t in TWINS}


def test_novelty_twins_use_the_parody_goods_and_jokes_of_their_own(corpus):
    goods = [g.casefold() for g in WORDS.words("novelty_goods")]
    novelty = [r for r in corpus["train"] if r["family"] == "twin.leg.novelty"]
    assert novelty
    in_english = [r for r in novelty if r["language"] == "en"]
    assert sum(any(g in _text(r) for g in goods) for r in in_english) == len(in_english)


def test_no_twins_leaves_the_corpus_as_it_was(corpus, plain):
    assert generate_corpus(load_catalog(BRANDS), 1200, 7, twins=0.0) == plain
    # the regular rows of a twin corpus are the plain corpus's rows less the replaced ones
    plain_titles = {r["title"] for r in plain["train"]}
    regular = [r for r in corpus["train"] if not r["family"].startswith("twin.")]
    assert sum(r["title"] in plain_titles for r in regular) >= 0.95 * len(regular)
    assert corpus["test"] == plain["test"]


def test_the_share_is_checked(catalog):
    with pytest.raises(ValueError, match=r"twins must be between 0 and 0\.3"):
        generate_corpus(catalog, 400, 7, twins=0.35)
    with pytest.raises(ValueError, match=r"pairs \+ twins at most 0\.5"):
        generate_corpus(catalog, 400, 7, twins=0.3, pairs=0.3)
    with pytest.raises(ValueError):
        GenerateSpec(twins=0.4)


def test_cli_writes_twins_and_refuses_a_bad_share(tmp_path, capsys):
    out = tmp_path / "corpus"
    assert cli_main(["data", "generate", "--out", str(out), "--n", "400", "--seed", "3",
                     "--twins", "0.15", "--no-audit"]) == 0
    train = (out / "train.jsonl").read_text(encoding="utf-8")
    assert train.count('"family": "twin.') == int(320 * 0.15)
    assert cli_main(["data", "generate", "--out", str(tmp_path / "x"), "--n", "400",
                     "--twins", "0.6"]) == 2
    assert "--twins must be between 0 and 0.3" in capsys.readouterr().err


def test_cli_rebuilds_the_corpus_a_config_trains_on(tmp_path):
    """`nlp-ip data generate --n N --seed S [--twins T]` writes the same splits as the
    training cache for `data.generate: {n: N, seed: S, twins: T}` (the CLI's default
    hold-out shares once differed from training's by a rounding: 0.15 * 2 / 3)."""
    from nlp_ip_train.data import ensure_corpus

    seed = ROOT / "data" / "seed" / "listings.jsonl"
    for twins in (0.0, 0.2):
        out = tmp_path / f"cli-{twins}"
        assert cli_main(["data", "generate", "--out", str(out), "--n", "400", "--seed", "5",
                         "--twins", str(twins), "--no-audit"]) == 0
        cached = ensure_corpus(GenerateSpec(n=400, seed=5, twins=twins), str(BRANDS),
                               str(tmp_path / "cache"), seed)
        for split in ("train", "validation", "test"):
            assert (out / f"{split}.jsonl").read_bytes() == (
                cached / f"{split}.jsonl").read_bytes(), (twins, split)
