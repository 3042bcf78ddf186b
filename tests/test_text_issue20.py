"""Text-layer changes of issue 20: doubled letters, script boundaries, product lines reported
with their parent brand, and initials never read from a quantity."""

from __future__ import annotations

import pytest

from nlp_ip.text import extract_signals
from nlp_ip.text.matching.approximate import squeeze
from nlp_ip.text.matching.guards import QUANTITY_UNITS


def _brands(text: str) -> list[tuple[str, str, bool]]:
    return [(m.brand, m.surface, m.obfuscated) for m in extract_signals(text).brands]


@pytest.mark.parametrize(("text", "brand", "surface"), [
    ("Zapatillas Niike blancas para hombre", "Nike", "Niike"),
    ("Diior saddle bag, pink", "Dior", "Diior"),
    ("Guccci belt with box", "Gucci", "Guccci"),
])
def test_letters_doubled_inside_a_name_are_a_disguise(text: str, brand: str,
                                                      surface: str) -> None:
    assert (brand, surface, True) in _brands(text)


def test_doubling_does_not_turn_ordinary_words_into_brands() -> None:
    assert squeeze("niiike") == "nike" and squeeze("book") == "bok"
    for text in ("Appple juice box, 12 pack", "Coffee mug, 12 oz", "Boook shelf, oak"):
        assert _brands(text) == [], text


def test_a_latin_name_glued_to_other_scripts_is_found() -> None:
    assert ("Pokémon", "P0kemon", True) in _brands("P0kemonカード 日本語版 30パック 未開封")
    assert [b for b, _, _ in _brands("Pokemonカード 30パック")] == ["Pokémon"]


def test_a_product_line_is_reported_with_its_parent_brand() -> None:
    mentions = extract_signals("Aventus 100ml perfume, full bottle").brands
    line = [m for m in mentions if m.match == "product_line"]
    assert line and line[0].brand == "Creed" and line[0].product_line == "Aventus"
    assert line[0].to_dict()["product_line"] == "Aventus"
    plain = [m for m in extract_signals("Creed perfume").brands]
    assert plain and all(m.product_line is None for m in plain)


def test_initials_beside_a_number_are_a_quantity_not_a_mark() -> None:
    assert _brands("CT logo makeup bag") == [("Charlotte Tilbury", "CT", False)]
    assert _brands("12 CT logo stickers") == []
    assert _brands("pack of 2 PP logo bags") == []
    assert {"ct", "pk", "ml", "oz"} <= QUANTITY_UNITS
