"""Minimal pairs: one listing written twice, with the one fact that decides its label toggled.

Families teach each phenomenon of the labeling guide on its own, so a model can learn
that a topic ("a monogram tote", "a pun tee") goes with a label instead of the fact that
decides it. A minimal pair shows the same goods, words, voice and price twice and changes
only the decisive fact: the mark on the goods or "no logo", provenance or counterfeit
jargon, a pun or the exact mark, a plausible or an impossible price, the joke signalled or
removed, a famous design imitated or not. Issue 20, item 2.

Each :class:`PairEdit` writes two :class:`~nlp_ip_train.datagen.context.Draft` objects from one
brand and one random stream; :func:`make_pair` renders both in the same voice from the same
random state, so the neutral parts the voice adds (tags, shipping lines, price format) are
the same in both rows wherever the drafts allow.

Pairs are training data only: the generator adds them to the train split when
``data.generate.pairs`` is above 0 (``configs/*.yaml``); validation and test keep
families held out of train, and the hand-written contrast sets (``data/contrast/``) are
never read here.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nlp_ip.brands import Brand
from nlp_ip.labels import Label
from nlp_ip_train.datagen.context import RATES, Ctx, Draft
from nlp_ip_train.datagen.families.brand_needs import IMITABLE_DESIGN, PHYSICAL_GOODS, BrandNeed
from nlp_ip_train.datagen.families.common import (
    logo_sentence,
    lookalike_design,
    low_price,
)
from nlp_ip_train.datagen.vocab import words

PairBuilder = Callable[[Ctx, Brand], tuple[Draft, Draft]]

APPAREL = ("t-shirt", "hoodie", "tote", "cap", "sweatshirt", "mug")


@dataclass(frozen=True)
class PairEdit:
    """One kind of minimal edit: the label of each side and how both sides are written."""

    name: str
    #: Label of the first and of the second draft.
    labels: tuple[Label, Label]
    needs: BrandNeed
    build: PairBuilder
    #: What changes, in the labeling guide's terms (for the data card and reports).
    fact: str


def _same(d: Draft, **changes: Any) -> Draft:
    """A copy of ``d`` with ``changes``; lists are copied so the twins never share them."""
    copies: dict[str, Any] = {"title": list(d.title), "desc": list(d.desc),
                              "facts": dict(d.facts)}
    return dataclasses.replace(d, **{**copies, **changes})


# --------------------------------------------------------------- infringing / legitimate
def jargon_vs_provenance(c: Ctx, b: Brand) -> tuple[Draft, Draft]:
    """The same branded goods at a price near genuine: counterfeit jargon vs provenance."""
    goods = c.brand_goods(b)
    product = c.product(b, with_line=0.8)
    price = c.price_genuine(b, (0.6, 0.95))
    fake = Draft(
        [product, c.p("jargon_tag", "title")], [c.p("jargon_sent")], price,
        brand_field=None, obfuscation="jargon", condition="new", item=goods,
        facts=c.facts_for(goods),
    )
    provenance = c.p("receipt_sent", store=c.choice(words("stores")))
    genuine = _same(fake, title=[product], desc=[provenance], brand_field=b.name,
                    obfuscation=None)
    return fake, genuine


def plausible_vs_impossible_price(c: Ctx, b: Brand) -> tuple[Draft, Draft]:
    """A genuine-sounding listing, word for word, at a genuine and at an impossible price."""
    goods = c.brand_goods(b)
    desc = [c.p("dealer_sent", store=c.choice(words("stores")), brand=b.name)]
    if c.chance(0.5):
        desc.append(c.p("serial_sent"))
    genuine = Draft(
        [c.product(b, with_line=0.9), c.p("tag_new", "title")], desc, c.price_genuine(b),
        brand_field=b.name, condition="new", item=f"{b.name} {goods}", facts=c.facts_for(goods),
    )
    return genuine, _same(genuine, price=c.price_of_min(b, 0.02, 0.1, floor=4.0))


def _lowest_genuine_usd(b: Brand) -> float:
    return max(b.price_range.min, 1.0) / RATES.get(b.price_range.currency.upper(), 1.0)


#: Brands whose cheapest genuine item costs enough that a tenth of it is no plausible
#: price: only for them is the price alone the decisive fact (a $9 bottle at $7 is a sale).
COSTLY_GOODS = BrandNeed(
    "a brand of physical goods whose cheapest genuine item costs at least $150",
    lambda b: PHYSICAL_GOODS(b) and _lowest_genuine_usd(b) >= 150.0,
)


# ---------------------------------------------------------------- infringing / lookalike
def design_without_or_with_mark(c: Ctx, b: Brand) -> tuple[Draft, Draft]:
    """A famous design imitated: 'no logo' vs the brand's logo on the goods."""
    goods = c.brand_goods(b)
    design = lookalike_design(c, b)
    lookalike = Draft(
        [f"{design}-style {c.goods(goods)}"],
        [c.p("style_sent", design=design), c.p("nologo_sent")],
        low_price(c, 12, 160), brand_field=None, condition="new", item=goods,
        facts=c.facts_for(goods),
    )
    marked = _same(lookalike, desc=[lookalike.desc[0], logo_sentence(c, b)])
    return lookalike, marked


def dupe_with_or_without_mark(c: Ctx, b: Brand) -> tuple[Draft, Draft]:
    """'Dupe for X': the brand named as a comparison only vs its mark on the goods."""
    goods = c.brand_goods(b)
    target = f"{c.mention(b, allow_initials=False)} {c.line(b)}" if b.product_lines else b.name
    title = [c.choice((f"{target} dupe {c.goods(goods)}", f"Dupe for {target}"))]
    compare = c.p("compare_sent", brand=b.name, line=c.line(b))
    marked = Draft(
        title, [compare, logo_sentence(c, b)], c.price_of_typical(b, 0.04, 0.3),
        brand_field=None, condition="new", item=goods, facts=c.facts_for(goods),
    )
    return marked, _same(marked, desc=[compare, c.p("nologo_sent")])


# ------------------------------------------------------------------- infringing / parody
def pun_vs_exact_mark(c: Ctx, b: Brand) -> tuple[Draft, Draft]:
    """The joke carried by a pun on the mark vs the exact mark reproduced as the brand's own."""
    goods = c.choice(APPAREL)
    pun = c.pun(b)
    price = low_price(c, 12, 60)
    parody = Draft(
        [f"{pun} {c.goods(goods)}", c.p("parody_tag", "title")],
        [c.p("parody_sent", brand=b.name)], price, brand_field=None, condition="new",
        item=f"{pun} {goods}", facts=c.facts_for(goods),
    )
    mark = c.mention(b, allow_initials=False)
    failed = _same(parody, title=[f"{mark} {c.goods(goods)}", parody.title[1]],
                   desc=[c.p("failed_parody_sent", brand=b.name)], item=f"{mark} {goods}")
    return parody, failed


# ---------------------------------------------------------------- lookalike / legitimate
def design_imitated_or_not(c: Ctx, b: Brand) -> tuple[Draft, Draft]:
    """The same unbranded goods with and without a famous design's signature."""
    goods = c.brand_goods(b)
    material = c.choice(words("materials"))
    design = lookalike_design(c, b)
    price = low_price(c, 10, 140)
    lookalike = Draft(
        [f"{material} {c.goods(goods)} with {design}"],
        [c.p("style_sent", design=design), c.p("material", material=material)], price,
        brand_field=None, condition="new", item=goods, facts=c.facts_for(goods),
    )
    plain = _same(lookalike, title=[f"{material} {c.goods(goods)}"],
                  desc=[c.p("generic_sent"), lookalike.desc[1]])
    return lookalike, plain


def none_or_compared(c: Ctx, b: Brand) -> tuple[Draft, Draft]:
    """The seller's own unbranded goods vs the same goods sold as a dupe of the brand."""
    goods = c.brand_goods(b)
    own = c.own_brand()
    target = f"{b.name} {c.line(b)}" if b.product_lines else b.name
    legit = Draft(
        [f"{own} {c.goods(goods)}"], [c.p("generic_sent")], low_price(c, 8, 70),
        brand_field=own, condition="new", item=goods, facts=c.facts_for(goods),
    )
    lookalike = _same(legit, title=[f"{own} {c.goods(goods)}", f"{target} dupe"],
                      desc=[c.p("compare_sent", brand=b.name, line=c.line(b))])
    return legit, lookalike


# ------------------------------------------------------------------- parody / legitimate
def joke_signalled_or_removed(c: Ctx, b: Brand) -> tuple[Draft, Draft]:
    """A pun on a famous mark with its joke, vs the same goods with the seller's own name."""
    goods = c.choice(APPAREL)
    pun = c.pun(b)
    own = c.own_brand()
    price = low_price(c, 10, 60)
    parody = Draft(
        [f"{pun} {c.goods(goods)}"], [c.p("parody_sent", brand=b.name)], price,
        brand_field=None, condition="new", item=f"{pun} {goods}", facts=c.facts_for(goods),
    )
    plain = _same(parody, title=[f"{own} {c.goods(goods)}"], desc=[c.p("generic_sent")],
                  brand_field=own, item=f"{own} {goods}")
    return parody, plain


# -------------------------------------------------------------------- parody / lookalike
def joke_or_imitation(c: Ctx, b: Brand) -> tuple[Draft, Draft]:
    """A famous design copied as a style vs turned into a signalled joke."""
    goods = c.brand_goods(b)
    design = lookalike_design(c, b)
    lookalike = Draft(
        [f"{design}-style {c.goods(goods)}"],
        [c.p("style_sent", design=design), c.p("nologo_sent")], low_price(c, 10, 120),
        brand_field=None, condition="new", item=goods, facts=c.facts_for(goods),
    )
    pun = c.pun(b)
    parody = _same(lookalike, title=[f"{pun} {c.goods(goods)}", c.p("parody_tag", "title")],
                   desc=[c.p("parody_sent", brand=b.name)], item=f"{pun} {goods}")
    return lookalike, parody


def reproduced_vs_transformed(c: Ctx, b: Brand) -> tuple[Draft, Draft]:
    """A punned title over the brand's real logo vs the same listing signalling the joke."""
    goods = c.choice(APPAREL)
    pun = c.pun(b)
    parody = Draft(
        [f"{pun} {c.goods(goods)}", c.p("parody_tag", "title")],
        [c.p("parody_sent", brand=b.name)], low_price(c, 12, 60), brand_field=None,
        condition="new", item=f"{pun} {goods}", facts=c.facts_for(goods),
    )
    return _same(parody, desc=[logo_sentence(c, b)]), parody


def licensed_vs_pun(c: Ctx, b: Brand) -> tuple[Draft, Draft]:
    """The brand's own licensed merchandise vs a pun on the mark (unofficial satire)."""
    goods = c.choice(APPAREL)
    pun = c.pun(b)
    parody = Draft(
        [f"{pun} {c.goods(goods)}"], [c.p("parody_sent", brand=b.name)], low_price(c, 15, 60),
        brand_field=None, condition="new", item=f"{pun} {goods}", facts=c.facts_for(goods),
    )
    mark = c.mention(b, allow_initials=False)
    licensed = _same(parody, title=[f"{mark} {c.goods(goods)}"], desc=[c.p("licensed_sent")],
                     brand_field=b.name, item=f"{mark} {goods}")
    return licensed, parody


def joke_vs_comparison(c: Ctx, b: Brand) -> tuple[Draft, Draft]:
    """A pun on the brand as a joke vs the brand named as the look an unbranded item copies."""
    goods = c.brand_goods(b)
    pun = c.pun(b)
    parody = Draft(
        [f"{pun} {c.goods(goods)}", c.p("parody_tag", "title")],
        [c.p("parody_sent", brand=b.name)], low_price(c, 10, 90), brand_field=None,
        condition="new", item=f"{pun} {goods}", facts=c.facts_for(goods),
    )
    lookalike = _same(parody, title=[f"{b.name} dupe {c.goods(goods)}", c.p("nologo_tag", "title")],
                      desc=[c.p("compare_sent", brand=b.name, line=c.line(b))], item=goods)
    return parody, lookalike


INF, PAR, LOOK, LEG = Label.INFRINGING, Label.PARODY, Label.LOOKALIKE, Label.LEGITIMATE

#: Every edit, in a fixed order. The generator cycles through it; over one cycle each label
#: is written six times (a test checks), so pairs keep the corpus label-balanced.
EDITS: tuple[PairEdit, ...] = (
    PairEdit("jargon_vs_provenance", (INF, LEG), PHYSICAL_GOODS, jargon_vs_provenance,
             "counterfeit jargon vs provenance (receipt, store)"),
    PairEdit("price_plausible_vs_impossible", (LEG, INF), COSTLY_GOODS,
             plausible_vs_impossible_price, "a genuine price vs one no genuine item sells at"),
    PairEdit("design_no_mark_vs_mark", (LOOK, INF), IMITABLE_DESIGN, design_without_or_with_mark,
             "no logo vs the brand's logo on the goods"),
    PairEdit("dupe_mark_vs_no_mark", (INF, LOOK), PHYSICAL_GOODS, dupe_with_or_without_mark,
             "the mark on a dupe vs the brand named as a comparison only"),
    PairEdit("pun_vs_exact_mark", (PAR, INF), PHYSICAL_GOODS, pun_vs_exact_mark,
             "a pun on the mark vs the exact mark as the brand's own"),
    PairEdit("design_imitated_vs_plain", (LOOK, LEG), IMITABLE_DESIGN, design_imitated_or_not,
             "a famous design's signature vs none"),
    PairEdit("none_vs_compared", (LEG, LOOK), PHYSICAL_GOODS, none_or_compared,
             "no brand named vs the brand named as the look the goods copy"),
    PairEdit("joke_vs_no_joke", (PAR, LEG), PHYSICAL_GOODS, joke_signalled_or_removed,
             "the joke signalled vs removed"),
    PairEdit("imitation_vs_joke", (LOOK, PAR), IMITABLE_DESIGN, joke_or_imitation,
             "a design copied as a style vs turned into a signalled joke"),
    PairEdit("logo_vs_joke", (INF, PAR), PHYSICAL_GOODS, reproduced_vs_transformed,
             "the real logo on the goods vs the mark transformed with the joke signalled"),
    PairEdit("licensed_vs_pun", (LEG, PAR), PHYSICAL_GOODS, licensed_vs_pun,
             "the brand's own licensed merchandise vs an unofficial pun"),
    PairEdit("joke_vs_comparison", (PAR, LOOK), PHYSICAL_GOODS, joke_vs_comparison,
             "a pun on the brand as a joke vs the brand named as the look copied"),
)


#: Rendered twins must share at least this share of their words (title and description),
#: else the pair is drawn again: a voice's random choices can drift apart once the two
#: drafts differ, and a pair that differs everywhere teaches nothing about the one fact.
MIN_WORD_OVERLAP = 0.6


def word_overlap(a: dict[str, Any], b: dict[str, Any]) -> float:
    """Jaccard overlap of the lower-cased words of two rows' title and description."""
    def bag(row: dict[str, Any]) -> set[str]:
        return set(re.findall(r"\w+", f"{row['title']} {row['description']}".casefold()))
    x, y = bag(a), bag(b)
    return len(x & y) / max(1, len(x | y))


def pair_edit(index: int, brands: tuple[Brand, ...]) -> PairEdit | None:
    """The ``index``-th edit in cycle order that some brand of ``brands`` can take."""
    for step in range(len(EDITS)):
        edit = EDITS[(index + step) % len(EDITS)]
        if any(edit.needs(b) for b in brands):
            return edit
    return None


def make_pair(
    edit: PairEdit,
    brands: tuple[Brand, ...],
    rng: random.Random,
    render_row: Callable[[Draft, Ctx, Any, Label], dict[str, Any]],
    languages: tuple[str, str],
    voice: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both rows of one pair of ``edit``: one brand, one language, one voice, one random state.

    ``render_row(draft, ctx, voice, label)`` turns a draft into a corpus row (the
    generator's own renderer, so pairs look like every other row).
    """
    brand = rng.choice([b for b in brands if edit.needs(b)])
    ctx = Ctx(rng=rng, lang_title=languages[0], lang_desc=languages[1], split_brands=brands)
    first, second = edit.build(ctx, brand)
    state = rng.getstate()
    row_a = render_row(first, ctx, voice, edit.labels[0])
    rng.setstate(state)
    row_b = render_row(second, ctx, voice, edit.labels[1])
    for row in (row_a, row_b):
        row["source_brand"] = brand.name
    return row_a, row_b
