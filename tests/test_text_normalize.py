"""The normaliser: every obfuscation kind folds, and offsets map back exactly."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp_ip.errors import InvalidInputError
from nlp_ip.text.normalize import normalize, plain_fold

WORD = re.compile(r"[^\W_]+")


def words_with_sources(text: str) -> list[tuple[str, str, str]]:
    """(folded word, skeleton word, original text it maps to) for each word."""
    norm = normalize(text)
    out = []
    for m in WORD.finditer(norm.text):
        a, b = norm.to_original(m.start(), m.end())
        out.append((m.group(), norm.skeleton[m.start() : m.end()], text[a:b]))
    return out


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Ｇｕｃｃｉ", "gucci"),  # full-width
        ("𝐆𝐮𝐜𝐜𝐢", "gucci"),  # mathematical bold
        ("Ⓖⓤⓒⓒⓘ", "gucci"),  # circled letters
        ("Gu\u200bcci", "gucci"),  # zero-width space
        ("Gu\u200dc\u2060ci", "gucci"),  # zero-width joiner, word joiner
        ("Lou\u00adis", "louis"),  # soft hyphen
        ("HERMÈS", "hermes"),  # accents and case
        ("G U C C I", "gucci"),  # letters split by spaces
        ("G.U.C.C.I", "gucci"),  # ... by dots
        ("C-H-A-N-E-L", "chanel"),  # ... by dashes
        ("G💎U💎C💎C💎I", "gucci"),  # ... by emoji
        ("Ni|<e", "nike"),  # a letter written with two characters
    ],
)
def test_obfuscations_fold_to_the_plain_name(typed: str, folded: str) -> None:
    norm = normalize(typed)
    assert norm.text == folded
    a, b = norm.to_original(0, len(norm.text))
    assert typed[a:b] == typed  # the whole disguised name maps back to all of it


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Rоlex", "rolex"),  # Cyrillic о inside a Latin word
        ("Сhanel", "chanel"),  # Cyrillic С
        ("ΚitchenAid", "kitchenaid"),  # Greek capital kappa
        ("SΜEG", "smeg"),  # Greek capital mu reads as M, not as u
    ],
)
def test_lookalike_letters_fold_inside_mixed_words(typed: str, expected: str) -> None:
    assert normalize(typed).text == expected


def test_real_cyrillic_and_greek_words_stay_in_their_script() -> None:
    norm = normalize("Реплика часов Ελληνικά")
    assert norm.text == "реплика часов ελληνικα"
    # the skeleton folds look-alikes everywhere (it is only used to look up brands)
    assert norm.skeleton.startswith("pen")


@pytest.mark.parametrize(
    ("typed", "skeleton"),
    [
        ("N1ke", "nike"),
        ("L0uis", "iouis"),  # "l" and "i" are one letter in the skeleton
        ("Bal3nciaga", "baienciaga"),
        ("0mega", "omega"),  # a leading digit in a word of letters
        ("Ch@nel", "chanei"),
        ("$upreme", "supreme"),
        ("Pok€mon", "pokemon"),
        ("Rob|ox", "robiox"),
    ],
)
def test_leet_folds_in_the_skeleton_only(typed: str, skeleton: str) -> None:
    norm = normalize(typed)
    assert norm.skeleton == skeleton
    assert len(norm.skeleton) == len(norm.text)


@pytest.mark.parametrize("text", ["40mm case", "100ml bottle", "size 7 1/4", "$59 only"])
def test_numbers_and_prices_are_not_read_as_leet(text: str) -> None:
    norm = normalize(text)
    assert norm.skeleton.split()[0] == norm.text.split()[0].replace("l", "i")


@pytest.mark.parametrize("text", ["size S M", "x l", "a b", "7 1/4 inch", "1 2 3"])
def test_ordinary_single_letters_and_numbers_are_not_joined(text: str) -> None:
    assert normalize(text).text == text.lower()


def test_a_leading_article_is_not_glued_to_a_split_name() -> None:
    assert normalize("a G U C C I bag").text == "a gucci bag"
    assert normalize("L.O.U.I.S V.U.I.T.T.O.N tote").text == "louis vuitton tote"


@pytest.mark.parametrize(
    "text",
    [
        "Gu\u200bcci L0uis Ｖｕｉｔｔｏｎ",
        "Straße ﬁne ß",  # expansions: one original character, two folded
        "C-H-A-N-E-L 💎 G U C C I",
        "Lou\u00adis V\u200bu!tton ™ ®",
        "\ud800 lone \udfff surrogates",
    ],
)
def test_every_folded_word_maps_back_into_the_original(text: str) -> None:
    for folded, _skel, source in words_with_sources(text):
        assert source  # never an empty span
        assert plain_fold(source)[0] == folded[0] or not source[0].isascii()
    norm = normalize(text)
    assert len(norm.text) == len(norm.skeleton)


def test_emoji_inside_a_word_splits_it_and_the_span_covers_the_emoji() -> None:
    text = "Gu🔥cci bag"
    norm = normalize(text)
    assert norm.text.split()[:2] == ["gu", "cci"]
    start = norm.text.index("gu")
    end = norm.text.index("cci") + 3
    a, b = norm.to_original(start, end)
    assert text[a:b] == "Gu🔥cci"


def test_identity_map_for_plain_ascii() -> None:
    norm = normalize("Plain ASCII Listing, 40mm")
    assert norm.identity
    assert norm.to_original(6, 11) == (6, 11)


def test_to_original_rejects_an_empty_or_outside_span() -> None:
    norm = normalize("abc")
    with pytest.raises(ValueError, match="outside"):
        norm.to_original(2, 2)
    with pytest.raises(ValueError, match="outside"):
        norm.to_original(0, 9)


def test_non_string_input_is_an_invalid_input_error() -> None:
    with pytest.raises(InvalidInputError, match="expected a string, got int"):
        normalize(42)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=()), max_size=300))
def test_any_text_folds_with_consistent_offsets(text: str) -> None:
    norm = normalize(text)
    assert len(norm.text) == len(norm.skeleton)
    previous_start = 0
    for m in WORD.finditer(norm.text):
        a, b = norm.to_original(m.start(), m.end())
        assert 0 <= a < b <= len(text)
        assert a >= previous_start  # the map is monotone: words keep their order
        previous_start = a
