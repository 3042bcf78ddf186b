"""The brand guards as units: each named rule, what it accepts and what it rejects.

Candidates are built by hand from entries of the packaged catalog, so each test
shows one rule on its own; tests/test_text_signals.py covers the rules together.
"""

from __future__ import annotations

import pytest

from nlp_ip.brands import default_catalog_path, load_catalog
from nlp_ip.text.matching.guards import (
    ACCEPTANCE,
    GuardContext,
    accept,
    adjust_evidence,
    confirmed_by_an_accepted_mention,
    confirmed_by_another_mention,
    context_word_nearby,
    initials_beside_a_context_phrase,
    initials_beside_a_mark_word,
    initials_typed_as_a_word,
    is_parody_name,
    is_the_stated_brand,
    needs_no_evidence,
    required_evidence,
    typed_as_a_disguise,
)
from nlp_ip.text.matching.index import (
    BrandIndex,
    initials_evidence,
    name_evidence,
    product_line_evidence,
)
from nlp_ip.text.matching.records import Candidate, EntryKind, Evidence, KeyEntry, Method
from nlp_ip.text.matching.resolve import longest_first
from nlp_ip.text.matching.words import Tokens, text_words
from nlp_ip.text.normalize import normalize


@pytest.fixture(scope="module")
def index() -> BrandIndex:
    return BrandIndex(load_catalog(default_catalog_path()))


def _entry(
    index: BrandIndex, brand: str, kind: EntryKind, surface: str, *, derived: bool = False
) -> KeyEntry:
    for entry in index.entries:
        if (entry.brand, entry.kind, entry.surface, entry.derived) == (
            brand,
            kind,
            surface,
            derived,
        ):
            return entry
    raise LookupError(f"no {kind} {surface!r} of {brand} in the catalog")


def _cand(
    entry: KeyEntry,
    first: int,
    *,
    method: Method = "exact",
    evidence: Evidence | None = None,
    accepted: bool = False,
) -> Candidate:
    last = first + (1 if method in ("edit", "abbrev") else len(entry.tokens))
    evidence = entry.evidence if evidence is None else evidence
    return Candidate(first, last, entry, method, evidence, accepted)


def _ctx(
    index: BrandIndex, text: str, candidates: list[Candidate], stated: str | None = None
) -> GuardContext:
    return GuardContext.of(index, normalize(text).words, candidates, stated=stated)


# --------------------------------------------------------------------------- evidence


def test_evidence_lowered_steps_down_and_stops_at_none() -> None:
    assert Evidence.STRONG.lowered() is Evidence.WORD
    assert Evidence.WORD.lowered() is Evidence.NONE
    assert Evidence.NONE.lowered() is Evidence.NONE


def test_name_evidence(index: BrandIndex) -> None:
    vocabulary = index.vocabulary
    brands = index.brands
    assert name_evidence(brands["Gucci"], text_words("Gucci"), vocabulary) is Evidence.NONE
    # an ambiguous brand ("coach" the bus) needs a context word
    assert name_evidence(brands["Coach"], text_words("Coach"), vocabulary) is Evidence.WORD
    # a function word needs another mention of the brand
    assert name_evidence(brands["On"], text_words("On"), vocabulary) is Evidence.STRONG


def test_initials_evidence(index: BrandIndex) -> None:
    assert initials_evidence(text_words("LV"), index.vocabulary) is Evidence.WORD
    # "CC" is also cubic centimetres, carbon copy ...
    assert initials_evidence(text_words("CC"), index.vocabulary) is Evidence.STRONG


@pytest.mark.parametrize(
    ("brand", "line", "evidence"),
    [
        ("Louis Vuitton", "Neverfull", Evidence.NONE),  # names nothing else
        ("Dior", "Lady Dior", Evidence.NONE),  # holds the brand's own name
        ("Coach", "Tabby", Evidence.WORD),  # short: a context word of the brand
        ("Cartier", "Tank", Evidence.STRONG),  # an ordinary word
        ("Hermès", "Garden Party", Evidence.STRONG),  # ordinary words only
    ],
)
def test_product_line_evidence(
    index: BrandIndex, brand: str, line: str, evidence: Evidence
) -> None:
    found = product_line_evidence(index.brands[brand], line, text_words(line), index.vocabulary)
    assert found is evidence


def test_initials_typed_as_a_word(index: BrandIndex) -> None:
    lv = _cand(_entry(index, "Louis Vuitton", "initials", "LV"), 0)
    assert initials_typed_as_a_word(lv, "lv")
    assert initials_typed_as_a_word(lv, "Lv")
    assert not initials_typed_as_a_word(lv, "LV")
    assert not initials_typed_as_a_word(lv, "L.V")
    coach = _cand(_entry(index, "Coach", "name", "Coach"), 0)
    assert not initials_typed_as_a_word(coach, "coach")  # only initials


def test_typed_as_a_disguise(index: BrandIndex) -> None:
    coach = _cand(_entry(index, "Coach", "name", "Coach"), 0)
    assert typed_as_a_disguise(coach, "C.O.A.C.H")
    assert typed_as_a_disguise(coach, "cOaCh")
    assert typed_as_a_disguise(coach, "Cоach")  # Cyrillic о
    assert not typed_as_a_disguise(coach, "Coach")
    assert not typed_as_a_disguise(coach, "COACH")


def test_required_evidence(index: BrandIndex) -> None:
    coach = _cand(_entry(index, "Coach", "name", "Coach"), 0)
    assert required_evidence(coach, "Coach") is Evidence.WORD
    assert required_evidence(coach, "C.O.A.C.H") is Evidence.NONE  # a disguise: one step less
    lv = _cand(_entry(index, "Louis Vuitton", "initials", "LV"), 0)
    assert required_evidence(lv, "LV") is Evidence.WORD
    assert required_evidence(lv, "lv") is Evidence.STRONG  # typed like a word
    gucci = _cand(_entry(index, "Gucci", "name", "Gucci"), 0)
    assert required_evidence(gucci, "gUcCi") is Evidence.NONE


def test_adjust_evidence_reads_the_text_as_typed(index: BrandIndex) -> None:
    tokens = Tokens(normalize("C.O.A.C.H wallet"))
    assert tokens.words[0] == "coach"
    coach = _cand(_entry(index, "Coach", "name", "Coach"), 0)
    adjust_evidence([coach], tokens.norm, tokens.spans)
    assert coach.evidence is Evidence.NONE


# --------------------------------------------------------------------------- guards


def test_needs_no_evidence(index: BrandIndex) -> None:
    gucci = _cand(_entry(index, "Gucci", "name", "Gucci"), 0)
    coach = _cand(_entry(index, "Coach", "name", "Coach"), 0)
    assert needs_no_evidence(gucci, _ctx(index, "gucci", [gucci]))
    assert not needs_no_evidence(coach, _ctx(index, "coach", [coach]))


def test_is_parody_name(index: BrandIndex) -> None:
    parody = _cand(_entry(index, "Louis Vuitton", "parody", "Chewy Vuiton"), 0)
    name = _cand(_entry(index, "Louis Vuitton", "name", "Louis Vuitton"), 0)
    assert is_parody_name(parody, _ctx(index, "chewy vuiton", [parody]))
    assert not is_parody_name(name, _ctx(index, "louis vuitton", [name]))


def test_is_the_stated_brand(index: BrandIndex) -> None:
    coach = _cand(_entry(index, "Coach", "name", "Coach"), 0)
    assert is_the_stated_brand(coach, _ctx(index, "coach", [coach], stated="Coach"))
    assert not is_the_stated_brand(coach, _ctx(index, "coach", [coach], stated="Gucci"))
    assert not is_the_stated_brand(coach, _ctx(index, "coach", [coach]))


def test_confirmed_by_another_mention(index: BrandIndex) -> None:
    coach_entry = _entry(index, "Coach", "name", "Coach")
    # another mention of the brand, typed as another catalog string
    coach = _cand(coach_entry, 0)
    cassie = _cand(_entry(index, "Coach", "product_line", "Cassie crossbody", derived=True), 1)
    assert confirmed_by_another_mention(coach, _ctx(index, "coach cassie", [coach, cassie]))
    # the same word twice is no new evidence
    again = _cand(coach_entry, 1)
    assert not confirmed_by_another_mention(coach, _ctx(index, "coach coach", [coach, again]))
    # overlapping words cannot confirm themselves
    alias = _cand(_entry(index, "Coach", "alias", "Coach New York"), 0)
    text = "coach new york"
    assert not confirmed_by_another_mention(coach, _ctx(index, text, [coach, alias]))
    # two ordinary words do not confirm each other, unless one is misspelt
    tabby = _cand(_entry(index, "Coach", "product_line", "Tabby shoulder bag", derived=True), 1)
    assert tabby.evidence is Evidence.STRONG
    assert not confirmed_by_another_mention(coach, _ctx(index, "coach tabby", [coach, tabby]))
    misspelt = _cand(coach_entry, 0, method="edit", evidence=Evidence.WORD)
    assert confirmed_by_another_mention(misspelt, _ctx(index, "coahc tabby", [misspelt, tabby]))


def test_confirmed_by_an_accepted_mention(index: BrandIndex) -> None:
    cc = _cand(_entry(index, "Chanel", "initials", "CC"), 0)
    chanel_entry = _entry(index, "Chanel", "name", "Chanel")
    accepted = _cand(chanel_entry, 2, accepted=True)
    assert confirmed_by_an_accepted_mention(cc, _ctx(index, "cc earrings chanel", [cc, accepted]))
    pending = _cand(chanel_entry, 2)
    assert not confirmed_by_an_accepted_mention(
        cc, _ctx(index, "cc earrings chanel", [cc, pending])
    )


def test_context_word_nearby(index: BrandIndex) -> None:
    coach = _cand(_entry(index, "Coach", "name", "Coach"), 0)
    # an ordinary word needs its context word right next to it
    assert context_word_nearby(coach, _ctx(index, "coach leather wallet", [coach]))
    text = "coach bus model with leather seats"
    assert not context_word_nearby(coach, _ctx(index, text, [coach]))
    # a misspelt name looks further, and also at the words of its category
    gucci = _entry(index, "Gucci", "name", "Gucci")
    guccy = _cand(gucci, 0, method="edit", evidence=Evidence.WORD)
    text = "guccy pre owned vintage shoulder bag"
    assert context_word_nearby(guccy, _ctx(index, text, [guccy]))
    assert "birkin" in index.category_context["Gucci"]
    assert "birkin" not in index.context["Gucci"]
    assert context_word_nearby(guccy, _ctx(index, "guccy birkin", [guccy]))
    # initials also take a mark word; a name does not
    lv = _cand(_entry(index, "Louis Vuitton", "initials", "LV"), 0)
    assert context_word_nearby(lv, _ctx(index, "lv logo", [lv]))
    assert not context_word_nearby(coach, _ctx(index, "coach logo", [coach]))


def test_initials_beside_a_mark_word(index: BrandIndex) -> None:
    cc = _cand(_entry(index, "Chanel", "initials", "CC"), 0)
    assert initials_beside_a_mark_word(cc, _ctx(index, "cc logo earrings", [cc]))
    assert not initials_beside_a_mark_word(cc, _ctx(index, "cc earrings", [cc]))
    # initials that spell a function word ("ON") need more than a mark word
    on = _cand(_entry(index, "Optimum Nutrition", "initials", "ON"), 0)
    assert not initials_beside_a_mark_word(on, _ctx(index, "on logo", [on]))
    # only initials
    gucci = _cand(_entry(index, "Gucci", "name", "Gucci"), 0)
    assert not initials_beside_a_mark_word(gucci, _ctx(index, "gucci logo", [gucci]))


def test_initials_beside_a_context_phrase(index: BrandIndex) -> None:
    on = _cand(_entry(index, "Optimum Nutrition", "initials", "ON"), 0)
    assert initials_beside_a_context_phrase(on, _ctx(index, "on gold standard whey", [on]))
    assert not initials_beside_a_context_phrase(on, _ctx(index, "on sale now", [on]))
    cc = _cand(_entry(index, "Chanel", "initials", "CC"), 0)
    assert initials_beside_a_context_phrase(cc, _ctx(index, "cc boy bag", [cc]))
    assert not initials_beside_a_context_phrase(cc, _ctx(index, "cc bag", [cc]))


# --------------------------------------------------------------------------- acceptance


def test_acceptance_lists_the_rules_in_order() -> None:
    names = [[guard.__name__ for guard in guard_pass.guards] for guard_pass in ACCEPTANCE]
    assert names == [
        ["needs_no_evidence", "is_parody_name", "is_the_stated_brand"],
        ["confirmed_by_another_mention", "context_word_nearby"],
        [
            "confirmed_by_an_accepted_mention",
            "initials_beside_a_mark_word",
            "initials_beside_a_context_phrase",
        ],
    ]
    assert [sorted(p.evidence) for p in ACCEPTANCE] == [
        [Evidence.NONE, Evidence.WORD, Evidence.STRONG],
        [Evidence.WORD],
        [Evidence.STRONG],
    ]


def test_accept_lets_later_passes_see_earlier_acceptances(index: BrandIndex) -> None:
    chanel = _cand(_entry(index, "Chanel", "name", "Chanel"), 0)
    cc = _cand(_entry(index, "Chanel", "initials", "CC"), 1)
    accept([chanel, cc], _ctx(index, "chanel cc earrings", [chanel, cc]))
    assert chanel.accepted and cc.accepted
    alone = _cand(_entry(index, "Chanel", "initials", "CC"), 0)
    accept([alone], _ctx(index, "cc earrings", [alone]))
    assert not alone.accepted


def test_longest_first_keeps_the_longest_of_overlapping_candidates(index: BrandIndex) -> None:
    tokens = Tokens(normalize("louis vuitton bag"))
    name = _cand(_entry(index, "Louis Vuitton", "name", "Louis Vuitton"), 0, accepted=True)
    alias = _cand(_entry(index, "Louis Vuitton", "alias", "Vuitton"), 1, accepted=True)
    assert longest_first([alias, name], tokens.spans) == [name]
