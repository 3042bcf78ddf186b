from __future__ import annotations

import math

import pytest

from nlp_ip.errors import InputTooLargeError, InvalidInputError
from nlp_ip.labels import LABEL_NAMES, Label
from nlp_ip.schema import MAX_DESCRIPTION_CHARS, Listing, parse_listing, parse_listings


def test_label_order_is_fixed() -> None:
    assert LABEL_NAMES == ("infringing", "parody", "lookalike", "legitimate")
    assert Label.parse("PARODY") is Label.PARODY
    with pytest.raises(ValueError, match="unknown label 'fake'"):
        Label.parse("fake")


def test_minimal_listing_and_defaults() -> None:
    listing = parse_listing("Leather wallet")
    assert listing.title == "Leather wallet"
    assert listing.description == ""
    assert listing.price is None and listing.label is None and listing.id is None


def test_unknown_fields_are_kept_as_metadata() -> None:
    listing = parse_listing({"title": "Tote", "marketplace": "etsy", "language": "en"})
    assert listing.metadata == {"marketplace": "etsy", "language": "en"}
    assert listing.to_record()["marketplace"] == "etsy"


@pytest.mark.parametrize("title", ["", "   ", "\t\n"])
def test_blank_title_is_rejected_with_field_name(title: str) -> None:
    with pytest.raises(InvalidInputError, match="field 'title': is blank") as info:
        parse_listing({"title": title})
    assert info.value.errors[0].field == "title"


def test_missing_title_names_the_field() -> None:
    with pytest.raises(InvalidInputError, match="field 'title': is required"):
        parse_listing({"description": "no title here"})


@pytest.mark.parametrize(
    ("price", "message"),
    [(-1, "must be >= 0"), (math.inf, "must be finite"), (math.nan, "must be finite"),
     ("12 dollars", "is not a number"), (True, "not a boolean")],
)
def test_bad_prices(price: object, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        parse_listing({"title": "x", "price": price})


def test_price_string_and_currency_case() -> None:
    listing = parse_listing({"title": "x", "price": "59.90", "currency": "eur"})
    assert listing.price == pytest.approx(59.9)
    assert listing.currency == "EUR"


def test_unknown_currency() -> None:
    with pytest.raises(InvalidInputError, match=r"field 'currency'.*ISO 4217"):
        parse_listing({"title": "x", "currency": "dollars"})


def test_integer_id_becomes_text_and_label_parses() -> None:
    listing = parse_listing({"title": "x", "id": 42, "label": "Lookalike"})
    assert listing.id == "42"
    assert listing.label is Label.LOOKALIKE


def test_oversized_description_is_too_large_not_truncated() -> None:
    with pytest.raises(InputTooLargeError, match="the limit is 20,000"):
        parse_listing({"title": "x", "description": "a" * (MAX_DESCRIPTION_CHARS + 1)})


def test_non_string_title() -> None:
    with pytest.raises(InvalidInputError, match="field 'title': must be a string"):
        parse_listing({"title": 12})
    with pytest.raises(InvalidInputError, match="expected a Listing, a dict or a title string"):
        parse_listing(3.5)


def test_batch_errors_name_each_index() -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_listings([{"title": "ok"}, {"title": ""}, {"title": "fine", "price": -2}])
    indexes = sorted(e.index for e in info.value.errors if e.index is not None)
    assert indexes == [1, 2]
    assert "row 1" in str(info.value) and "row 2" in str(info.value)


def test_listing_is_immutable() -> None:
    listing = Listing(title="x")
    with pytest.raises(Exception, match="frozen"):
        listing.title = "y"  # type: ignore[misc]
