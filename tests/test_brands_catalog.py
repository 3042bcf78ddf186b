"""The shipped brand catalog (data/brands.yaml) loads and meets its coverage rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from nlp_ip.brands import CATEGORIES, BrandCatalog, load_catalog
from nlp_ip.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent
CATALOG_PATH = REPO / "data" / "brands.yaml"
FIXTURE = REPO / "tests" / "fixtures" / "obfuscated_mentions.jsonl"


@pytest.fixture(scope="module")
def catalog() -> BrandCatalog:
    return load_catalog(CATALOG_PATH)


def test_catalog_loads_with_enough_brands(catalog: BrandCatalog) -> None:
    assert len(catalog.brands) >= 150


def test_categories_are_covered(catalog: BrandCatalog) -> None:
    grouped = catalog.by_category()
    well_covered = [c for c in CATEGORIES if len(grouped[c]) >= 8]
    assert len(well_covered) >= 12, {c: len(grouped[c]) for c in CATEGORIES}


def test_every_brand_has_goods_and_a_valid_price(catalog: BrandCatalog) -> None:
    for brand in catalog.brands:
        assert brand.goods, brand.name
        assert all(g.strip() for g in brand.goods), brand.name
        price = brand.price_range
        assert 0 <= price.min < price.max, brand.name
        assert price.currency == "USD", brand.name


@pytest.mark.parametrize("name", ["Coach", "Apple", "Gap", "Guess", "On"])
def test_ordinary_word_brands_are_ambiguous_with_context(catalog: BrandCatalog, name: str) -> None:
    brand = catalog.get(name)
    assert brand is not None, f"{name} missing from the catalog"
    assert brand.ambiguous is True
    assert brand.context_words


def test_ambiguous_names_and_initials_come_with_context_words(catalog: BrandCatalog) -> None:
    lacking = [
        b.name for b in catalog.brands if (b.ambiguous or b.initials) and not b.context_words
    ]
    assert lacking == []


def test_parody_names_differ_from_the_mark(catalog: BrandCatalog) -> None:
    for brand in catalog.brands:
        own = {brand.name.casefold(), *(a.casefold() for a in brand.aliases)}
        for parody in brand.parody_names:
            assert parody.casefold() not in own, (brand.name, parody)


def test_fixture_brands_use_canonical_names(catalog: BrandCatalog) -> None:
    if not FIXTURE.is_file():
        pytest.skip("tests/fixtures/obfuscated_mentions.jsonl not present")
    named = {
        json.loads(line)["brand"]
        for line in FIXTURE.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    unmatched = sorted(n for n in named if (b := catalog.get(n)) is None or b.name != n)
    assert unmatched == []


def _write_catalog(path: Path, brands: list[dict[str, object]]) -> Path:
    path.write_text(yaml.safe_dump({"version": 1, "brands": brands}), encoding="utf-8")
    return path


def _brand(name: str, category: str = "watches") -> dict[str, object]:
    return {
        "name": name,
        "category": category,
        "goods": ["watch"],
        "price_range": {"min": 10, "max": 20, "currency": "USD"},
    }


def test_unknown_category_raises_config_error(tmp_path: Path) -> None:
    path = _write_catalog(tmp_path / "brands.yaml", [_brand("Acme", category="groceries")])
    with pytest.raises(ConfigError, match="category 'groceries' is unknown"):
        load_catalog(path)


def test_duplicate_name_raises_config_error(tmp_path: Path) -> None:
    path = _write_catalog(tmp_path / "brands.yaml", [_brand("Acme"), _brand("ACME")])
    with pytest.raises(ConfigError, match="listed twice"):
        load_catalog(path)


def test_numeric_list_item_raises_config_error(tmp_path: Path) -> None:
    # An unquoted "501" in YAML is an int; the catalog must reject it, not coerce it.
    brand = _brand("Acme")
    brand["product_lines"] = [501]
    path = _write_catalog(tmp_path / "brands.yaml", [brand])
    with pytest.raises(ConfigError, match="product_lines"):
        load_catalog(path)
