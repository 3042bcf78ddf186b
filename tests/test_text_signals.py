"""Brand mentions, cues, price checks, the batch API, the spaCy pipeline and bad input.

Uses the small catalog ``tests/text_data/catalog.yaml`` so that expectations do
not move when the real catalog grows.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp_ip.errors import InputTooLargeError, InvalidInputError
from nlp_ip.schema import Listing
from nlp_ip.text import Signals, extract_signals, extract_signals_batch

CATALOG = Path(__file__).parent / "text_data" / "catalog.yaml"


def signals(value: Any) -> Signals:
    return extract_signals(value, catalog_path=CATALOG)


def brands(value: Any) -> list[tuple[str, str, str]]:
    return [(m.brand, m.surface, m.match) for m in signals(value).brands]


def cues(value: Any) -> list[tuple[str, str, bool]]:
    return [(c.kind, c.surface, c.negated) for c in signals(value).cues]


def assert_offsets(value: dict[str, Any] | str, result: Signals) -> None:
    fields = {"title": value} if isinstance(value, str) else value
    for item in (*result.brands, *result.cues):
        assert fields[item.field][item.start : item.end] == item.surface


# --------------------------------------------------------------------------- brands


@pytest.mark.parametrize(
    ("title", "brand", "surface", "match"),
    [
        ("Louis Vuitton Speedy bag", "Louis Vuitton", "Louis Vuitton", "name"),
        ("Vuitton wallet, used", "Louis Vuitton", "Vuitton", "alias"),
        ("LV monogram bag", "Louis Vuitton", "LV", "initials"),
        ("Neverfull GM, monogram", "Louis Vuitton", "Neverfull", "product_line"),
        ("Submariner 41 date", "Rolex", "Submariner", "product_line"),
        ("Air Jordan 1 Retro High sneakers", "Nike", "Air Jordan 1", "product_line"),
        ("Rolx Submariner watch", "Rolex", "Rolx", "fuzzy"),
        ("Guci belt, black leather", "Gucci", "Guci", "fuzzy"),
        ("Balenciga Triple S sneakers", "Balenciaga", "Balenciga", "fuzzy"),
    ],
)
def test_brand_mentions_by_kind(title: str, brand: str, surface: str, match: str) -> None:
    assert (brand, surface, match) in brands(title)


@pytest.mark.parametrize(
    ("title", "brand", "surface"),
    [
        ("G U C C I Marmont belt", "Gucci", "G U C C I"),
        ("G.U.C.C.I belt", "Gucci", "G.U.C.C.I"),
        ("C-H-A-N-E-L flap bag", "Chanel", "C-H-A-N-E-L"),
        ("Ｇｕｃｃｉ belt", "Gucci", "Ｇｕｃｃｉ"),
        ("Rоlex watch", "Rolex", "Rоlex"),  # Cyrillic о
        ("Gu\u200bcci belt", "Gucci", "Gu\u200bcci"),
        ("Gu🔥cci belt", "Gucci", "Gu🔥cci"),
        ("Ch@nel flap bag", "Chanel", "Ch@nel"),
        ("L0uis Vuitton tote", "Louis Vuitton", "L0uis Vuitton"),
        ("Bal3nciaga sneakers", "Balenciaga", "Bal3nciaga"),
        ("Car tier? no: Ro lex watch", "Rolex", "Ro lex"),
    ],
)
def test_obfuscated_mentions_are_found_and_flagged(title: str, brand: str, surface: str) -> None:
    result = signals(title)
    found = [m for m in result.brands if m.brand == brand]
    assert found, result
    assert found[0].surface == surface
    assert found[0].obfuscated
    assert_offsets(title, result)


@pytest.mark.parametrize(
    "title",
    ["LOUIS VUITTON tote", "Louis-Vuitton tote", "LouisVuitton tote", "Hermes? no, Gucci belt"],
)
def test_plain_spellings_are_not_flagged_obfuscated(title: str) -> None:
    result = signals(title)
    assert result.brands
    assert not any(m.obfuscated for m in result.brands)


@pytest.mark.parametrize(
    "title",
    [
        "Vintage coach bus model, leather seats, 1:76",
        "Coach driver from New York city",
        "Apple pie dish, ceramic",
        "Fresh apples, 5 kg box",
        "Mind the gap sticker",
        "Gap filler foam, 750ml",
        "Guess what, a bag of marbles",
        "Guess the animal card game",
        "Slip On Running Shoes Men Lightweight",
        "Put on your coat",
        "Puma plush toy, mountain lion",
        "Wall mirror with gold frame",
        "Replica of a Roman coin, bronze",
        "Tabby cat figurine",
        "Classic flap cap, wool",
        "LV",  # initials alone
        "lv bag",  # lower-case initials need another mention of the brand
    ],
)
def test_ordinary_words_are_not_brands(title: str) -> None:
    assert signals(title).brands == ()


@pytest.mark.parametrize(
    ("title", "brand"),
    [
        ("Coach leather wallet", "Coach"),
        ("Apple iPhone 13 case", "Apple"),
        ("Gap hoodie, navy, kids", "Gap"),
        ("Guess jeans, denim", "Guess"),
        ("On Cloudmonster running shoes", "On"),
        ("Puma suede sneakers", "Puma"),
    ],
)
def test_ambiguous_names_count_with_context(title: str, brand: str) -> None:
    assert brand in signals(title).brand_names


def test_stated_brand_confirms_an_ambiguous_mention() -> None:
    result = signals({"title": "coach, like new", "brand": "Coach"})
    assert result.stated_brand == "Coach"
    assert result.brand_names == ("Coach",)


def test_stated_brand_is_resolved_from_initials_and_disguises() -> None:
    assert signals({"title": "bag", "brand": "LV"}).stated_brand == "Louis Vuitton"
    assert signals({"title": "bag", "brand": "G.U.C.C.I"}).stated_brand == "Gucci"
    assert signals({"title": "bag", "brand": "Unbranded"}).stated_brand is None


def test_description_mentions_have_description_offsets() -> None:
    listing = {"title": "Leather tote", "description": "Bought at the Louis Vuitton store."}
    result = signals(listing)
    mention = result.brands[0]
    assert mention.field == "description"
    assert listing["description"][mention.start : mention.end] == "Louis Vuitton"


def test_parody_names_are_cues_not_mentions() -> None:
    result = signals("Chewy Vuiton plush dog toy purse")
    assert result.brands == ()
    assert [(c.kind, c.surface, c.brand) for c in result.cues] == [
        ("parody", "Chewy Vuiton", "Louis Vuitton")
    ]


def test_a_misspelt_brand_holding_another_word_is_a_pun_in_a_parody_listing() -> None:
    # "Balenciago" holds "ago"; the listing says "parody": a pun on Balenciaga.
    result = signals("Balenciago parody hoodie")
    assert "Balenciaga" not in result.brand_names
    assert ("parody", "Balenciaga") in [(c.kind, c.brand) for c in result.cues]
    # Without a joke in the listing the same spelling is a disguised mention.
    result = signals("Balenciago hoodie, size M")
    assert [(m.brand, m.match, m.obfuscated) for m in result.brands] == [
        ("Balenciaga", "fuzzy", True)
    ]


# --------------------------------------------------------------------------- cues


@pytest.mark.parametrize(
    ("title", "kind", "surface"),
    [
        ("Gucci belt replica", "counterfeit", "replica"),
        ("1:1 bag", "counterfeit", "1:1"),
        ("1:1 quality bag", "counterfeit", "1:1 quality"),
        ("AAA grade watch", "counterfeit", "AAA grade"),
        ("mirror quality tote", "counterfeit", "mirror quality"),
        ("Dunk Low UA batch", "counterfeit", "UA batch"),
        ("top grade copy bag", "counterfeit", "top grade copy"),
        ("same as original, factory leftover", "counterfeit", "same as original"),
        ("réplica bolso", "counterfeit", "réplica"),
        ("реплика часы", "counterfeit", "реплика"),
        ("高仿包包", "counterfeit", "高仿"),
        ("parody tee", "parody", "parody"),
        ("spoof poster", "parody", "spoof"),
        ("not affiliated with any brand", "parody", "not affiliated"),
        ("inspired tote", "lookalike", "inspired"),
        ("designer inspired tote", "lookalike", "designer inspired"),
        ("dupe for the famous bag", "lookalike", "dupe"),
        ("quilted bag, no logo", "lookalike", "no logo"),
        ("with receipt and box", "provenance", "receipt"),
        ("serial number visible", "provenance", "serial number"),
        ("authenticated by Entrupy", "provenance", "authenticated"),
        ("compatible with most phones", "compatibility", "compatible with"),
    ],
)
def test_cue_kinds(title: str, kind: str, surface: str) -> None:
    result = signals(title)
    assert (kind, surface) in [(c.kind, c.surface) for c in result.cues]
    assert_offsets(title, result)


@pytest.mark.parametrize(
    ("title", "kind", "negated"),
    [
        ("100% authentic, not a replica", "counterfeit", True),
        ("no receipt, no box", "provenance", True),
        ("receipt not included", "provenance", True),
        ("without receipt", "provenance", True),
        ("original receipt included", "provenance", False),
        ("replica, not authentic", "counterfeit", False),
    ],
)
def test_negation(title: str, kind: str, negated: bool) -> None:
    found = [c for c in signals(title).cues if c.kind == kind]
    assert found
    assert found[0].negated is negated


def test_negation_stops_at_a_comma() -> None:
    result = signals("No receipt, authenticated by Entrupy")
    flags = {c.surface: c.negated for c in result.cues}
    assert flags == {"receipt": True, "authenticated": False, "Entrupy": False}


@pytest.mark.parametrize(
    ("title", "kind", "surface"),
    [
        ("Case for iPhone 15", "compatibility", "for"),
        ("Chanel style quilted bag", "lookalike", "style"),
        ("NOT chanel, just the vibe", "lookalike", "NOT"),
    ],
)
def test_cues_that_need_a_brand_next_to_them(title: str, kind: str, surface: str) -> None:
    result = signals(title)
    found = [c for c in result.cues if c.kind == kind]
    assert found and found[0].surface == surface and found[0].brand is not None


@pytest.mark.parametrize(
    "title", ["Bag for women", "Style: casual", "aaa batteries 24 pack", "fake fur coat"]
)
def test_cue_guards(title: str) -> None:
    assert signals(title).cues == ()


def test_ua_needs_capitals() -> None:
    assert [c.surface for c in signals("Dunk UA pairs").cues] == ["UA pairs"]
    assert signals("ua").cues == ()


# --------------------------------------------------------------------------- price


@pytest.mark.parametrize(
    ("price", "currency", "verdict"),
    [
        (89, "USD", "far_below"),
        (3000, "USD", "below"),
        (5000, "EUR", "within"),
        (100_000, None, "above"),
    ],
)
def test_price_verdicts(price: float, currency: str | None, verdict: str) -> None:
    result = signals({"title": "Rolex Submariner", "price": price, "currency": currency})
    assert result.price is not None
    assert result.price.brand == "Rolex"
    assert result.price.verdict == verdict
    assert result.price.basis == "detected"
    assert result.price.currency_assumed is (currency is None)


def test_price_check_converts_currencies() -> None:
    check = signals({"title": "Rolex watch", "price": 500_000, "currency": "JPY"}).price
    assert check is not None
    assert 3000 < check.converted < 3700  # about 3,350 USD
    assert check.verdict == "below"


def test_price_check_prefers_the_stated_brand() -> None:
    check = signals({"title": "nice bag", "brand": "LV", "price": 100, "currency": "USD"}).price
    assert check is not None and check.basis == "stated" and check.brand == "Louis Vuitton"


def test_no_price_check_without_price_brand_or_known_currency() -> None:
    assert signals("Rolex Submariner").price is None
    assert signals({"title": "plain mug", "price": 10}).price is None
    assert signals({"title": "Rolex watch", "price": 10, "currency": "XAF"}).price is None


def test_compatibility_target_is_not_the_priced_brand() -> None:
    assert signals({"title": "Case for iPhone 15", "price": 9.99, "currency": "USD"}).price is None


# --------------------------------------------------------------------------- API


def test_to_dict_is_json_ready() -> None:
    result = signals({"id": "x1", "title": "G.U.C.C.I belt 1:1", "price": 25, "currency": "USD"})
    data = json.loads(json.dumps(result.to_dict()))
    assert data["id"] == "x1"
    assert data["brands"][0]["brand"] == "Gucci"
    assert data["cues"][0]["kind"] == "counterfeit"
    assert data["price"]["verdict"] == "far_below"


def test_listing_and_string_inputs_agree() -> None:
    as_string = signals("Rolx watch")
    as_listing = signals(Listing(title="Rolx watch"))
    assert as_string.brands == as_listing.brands


def test_batch_keeps_order_and_ids() -> None:
    items = [
        {"id": "a", "title": "Gucci belt"},
        Listing(id="b", title="plain mug"),
        "Rolex Submariner",
    ]
    results = list(extract_signals_batch(items, batch_size=2, catalog_path=CATALOG))
    assert [r.id for r in results] == ["a", "b", None]
    assert [r.brand_names for r in results] == [("Gucci",), (), ("Rolex",)]


def test_batch_as_tuples_carries_context() -> None:
    items = [("Gucci belt", {"row": 1}), ("plain mug", {"row": 2})]
    results = list(extract_signals_batch(items, as_tuples=True, catalog_path=CATALOG))
    assert [ctx["row"] for _, ctx in results] == [1, 2]
    assert results[0][0].brand_names == ("Gucci",)


def test_batch_results_do_not_depend_on_batch_size() -> None:
    titles = ["Gucci belt", "plain mug", "Rolx watch", "not a replica", "LV monogram bag"] * 5
    one = [r.to_dict() for r in extract_signals_batch(titles, batch_size=1, catalog_path=CATALOG)]
    big = [r.to_dict() for r in extract_signals_batch(titles, batch_size=64, catalog_path=CATALOG)]
    assert one == big


def test_batch_reports_the_position_of_a_bad_item() -> None:
    with pytest.raises(InvalidInputError, match="row 1"):
        list(extract_signals_batch(["ok", {"title": ""}], catalog_path=CATALOG))
    with pytest.raises(InvalidInputError, match="as_tuples=True"):
        list(extract_signals_batch(["not a pair"], as_tuples=True, catalog_path=CATALOG))


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        ("", InvalidInputError, "title"),
        ("   ", InvalidInputError, "blank"),
        (None, InvalidInputError, "expected a Listing"),
        (42, InvalidInputError, "expected a Listing"),
        ("x" * 1_000_001, InputTooLargeError, "limit"),
        ({"title": "t", "description": "x" * 20_001}, InputTooLargeError, "description"),
    ],
)
def test_bad_input_raises_documented_errors(value: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        signals(value)


# --------------------------------------------------------------------------- spaCy


def test_pipeline_is_a_blank_spacy_pipeline_with_registered_components() -> None:
    import spacy

    from nlp_ip.text.pipeline import PIPELINE_COMPONENTS, build_pipeline

    nlp = build_pipeline(CATALOG)
    assert nlp.pipe_names == list(PIPELINE_COMPONENTS)
    assert not any(nlp.get_pipe(name).__class__.__name__ == "Tok2Vec" for name in nlp.pipe_names)
    # The factories are registered with spaCy: a config can name them.
    other = spacy.blank("en")
    other.add_pipe("nlp_ip_normalizer")
    other.add_pipe("nlp_ip_brand_matcher", config={"catalog_path": str(CATALOG)})
    other.add_pipe("nlp_ip_cue_matcher", config={"catalog_path": str(CATALOG)})
    doc = other("Rоlex replica")
    assert [s.label_ for s in doc.spans["nlp_ip_brands"]] == ["Rolex"]
    assert [s.label_ for s in doc.spans["nlp_ip_cues"]] == ["counterfeit"]
    assert doc._.nlp_ip_brands[0].surface == "Rоlex"
    config = nlp.config
    assert config["components"]["nlp_ip_brand_matcher"]["catalog_path"] == str(CATALOG.resolve())


@pytest.mark.parametrize("tokenizer", ["listing", "spacy"])
def test_both_tokenizers_keep_the_text_and_give_the_same_signals(tokenizer: str) -> None:
    from nlp_ip.text.extract import signals_from_doc
    from nlp_ip.text.pipeline import build_pipeline, listing_doc

    nlp = build_pipeline(CATALOG, tokenizer=tokenizer)
    text = "  G.U.C.C.I belt, 1:1 (top)  quality!!\n\nNot a replica  "
    assert nlp.make_doc(text).text == text
    doc = nlp(listing_doc(nlp, "G.U.C.C.I belt, 1:1", "Not a replica"))
    result = signals_from_doc(doc)
    assert result.brand_names == ("Gucci",)
    assert [c.label for c in result.cues] == ["counterfeit", "counterfeit-negated"]


def test_unknown_tokenizer_is_a_config_error() -> None:
    from nlp_ip.errors import ConfigError
    from nlp_ip.text.pipeline import build_pipeline

    with pytest.raises(ConfigError, match="tokenizer"):
        build_pipeline(CATALOG, tokenizer="whitespace")


def test_importing_the_text_package_does_not_import_spacy() -> None:
    code = (
        "import sys, nlp_ip.text\n"
        "assert 'spacy' not in sys.modules, 'spacy imported'\n"
        "from nlp_ip.text import normalize\n"
        "normalize('x')\n"
        "assert 'spacy' not in sys.modules, 'normalize imported spacy'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- CLI


def test_cli_prints_signals(capsys: pytest.CaptureFixture[str]) -> None:
    from nlp_ip.cli import main

    code = main(
        [
            "signals",
            "G.U.C.C.I belt 1:1",
            "--price",
            "25",
            "--currency",
            "USD",
            "--catalog",
            str(CATALOG),
            "--model-input",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Gucci" in out and "obfuscated" in out and "far_below" in out
    assert "[hints] brand: gucci (obfuscated)" in out


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    from nlp_ip.cli import main

    assert main(["signals", "Rolx watch", "--json", "--catalog", str(CATALOG)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["brands"][0]["match"] == "fuzzy"


def test_cli_reports_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    from nlp_ip.cli import main

    assert main(["signals", " ", "--catalog", str(CATALOG)]) == 1
    assert "title" in capsys.readouterr().err


# --------------------------------------------------------------------------- bad input


@pytest.fixture(scope="module", autouse=True)
def _warm_pipeline() -> None:
    signals("warm up")


any_text = st.one_of(
    st.text(max_size=400),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=400),
    st.text(alphabet="GUCIguci .-_|!@$0134😀\u200b\u00ad\ud800\x00\n", max_size=400),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=any_text, description=any_text)
def test_any_text_gives_signals_or_a_documented_error_quickly(title: str, description: str) -> None:
    start = time.perf_counter()
    try:
        result = signals({"title": title, "description": description})
    except InvalidInputError:  # includes InputTooLargeError
        assert not title.strip() or len(title) > 1000
    else:
        assert_offsets({"title": title, "description": description}, result)
        json.dumps(result.to_dict())
    assert time.perf_counter() - start < 5.0


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=1_001, max_value=1_100_000))
def test_titles_over_the_limit_are_rejected_quickly(size: int) -> None:
    start = time.perf_counter()
    with pytest.raises(InputTooLargeError):
        signals("g" * size)
    assert time.perf_counter() - start < 2.0


def test_a_full_size_description_of_noise_is_processed_in_time() -> None:
    import random

    rng = random.Random(7)
    alphabet = "abcdefghij klmnop.-|!@$01😀\u200bЖα中\ud800\x00\n"
    description = "".join(rng.choice(alphabet) for _ in range(20_000))
    start = time.perf_counter()
    result = signals({"title": "noise", "description": description})
    assert time.perf_counter() - start < 5.0
    assert_offsets({"title": "noise", "description": description}, result)
