"""The one text builder: layout, hints on and off, determinism, batch == single."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp_ip.errors import InvalidInputError
from nlp_ip.schema import Listing
from nlp_ip.text import TEXT_BUILDER_VERSION, build_model_input, build_model_inputs
from nlp_ip.text.builder import format_hints
from nlp_ip.text.signals import BrandMention, Cue, PriceCheck, Signals

CATALOG = Path(__file__).parent / "text_data" / "catalog.yaml"

LISTING = {
    "id": "l1",
    "title": "G.U.C.C.I  belt 1:1",
    "description": "Comes with dust bag.\n\nNOT a replica, no receipt.",
    "price": 25,
    "currency": "USD",
    "brand": "Gucci",
}


def test_version_is_an_int() -> None:
    assert isinstance(TEXT_BUILDER_VERSION, int) and TEXT_BUILDER_VERSION >= 1


def test_layout_with_hints() -> None:
    text = build_model_input(LISTING, catalog_path=CATALOG)
    assert text.split("\n") == [
        "G.U.C.C.I belt 1:1",
        "price: 25 USD | seller brand: Gucci",
        "[hints] brand: gucci (obfuscated) | cues: counterfeit, counterfeit-negated, "
        "provenance-negated | price: far below range",
        "Comes with dust bag. NOT a replica, no receipt.",
    ]


def test_layout_without_hints_has_no_hints_line() -> None:
    text = build_model_input(LISTING, hints=False)
    assert "[hints]" not in text
    assert text.startswith("G.U.C.C.I belt 1:1\nprice: 25 USD | seller brand: Gucci\n")


def test_title_only_listing() -> None:
    assert build_model_input("plain mug", catalog_path=CATALOG) == "plain mug\n[hints] none"
    assert build_model_input("plain mug", hints=False) == "plain mug"


@pytest.mark.parametrize(
    ("price", "currency", "line"),
    [
        (59.0, "EUR", "price: 59 EUR"),
        (1350.5, None, "price: 1350.50"),
        (0.99, "GBP", "price: 0.99 GBP"),
    ],
)
def test_price_formatting(price: float, currency: str | None, line: str) -> None:
    text = build_model_input({"title": "mug", "price": price, "currency": currency}, hints=False)
    assert text.split("\n")[1] == line


def test_given_signals_are_used_as_they_are() -> None:
    signals = Signals(
        brands=(BrandMention("Rolex", "Rolx", 0, 4, "title", True, "fuzzy", "Rolex"),),
        cues=(Cue("provenance", "receipt", 5, 12, "title", negated=True),),
        price=PriceCheck("Rolex", 89, "USD", 4500, 60000, "USD", 89, 0.02, "far_below", "detected"),
    )
    text = build_model_input("Rolx receipt", signals)
    assert text.split("\n")[1] == (
        "[hints] brand: rolex (obfuscated) | cues: provenance-negated | price: far below range"
    )


def test_hints_list_cue_kinds_in_a_fixed_order() -> None:
    cues = (
        Cue("compatibility", "for", 0, 3, "title"),
        Cue("counterfeit", "replica", 4, 11, "title"),
        Cue("counterfeit", "fake", 12, 16, "title", negated=True),
        Cue("parody", "parody", 17, 23, "title"),
    )
    assert format_hints(Signals(cues=cues)) == (
        "[hints] cues: counterfeit, counterfeit-negated, parody, compatibility"
    )


def test_builder_is_deterministic_and_batch_equals_single() -> None:
    listings = [
        LISTING,
        {"title": "Rolx Submariner watch", "price": 89, "currency": "USD"},
        Listing(title="Coach leather wallet", description="Authentic, receipt included."),
        "plain mug",
    ]
    single = [build_model_input(x, catalog_path=CATALOG) for x in listings]
    batch = build_model_inputs(listings, catalog_path=CATALOG, batch_size=2)
    assert batch == single
    assert build_model_inputs(listings, catalog_path=CATALOG) == batch
    assert build_model_inputs(listings, hints=False) == [
        build_model_input(x, hints=False) for x in listings
    ]


def test_batch_reports_every_bad_listing() -> None:
    with pytest.raises(InvalidInputError) as info:
        build_model_inputs([{"title": ""}, "ok", {"title": "x", "price": -1}])
    assert {e.index for e in info.value.errors} == {0, 2}


def test_bad_listing_raises_the_documented_error() -> None:
    with pytest.raises(InvalidInputError, match="title"):
        build_model_input({"description": "no title"})
