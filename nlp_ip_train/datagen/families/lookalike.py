"""Lookalike families: a design imitated without the mark, the brand named at most as a comparison.

Designs without the mark, dupes and comparisons, fragrance impressions, hype
lookalikes, homages and design classics.

Each builder registers itself with :class:`~nlp_ip_train.datagen.families.registry.LabelFamilies`;
its word lists and templates are in ``data/families/lookalike.yaml``.
"""

from __future__ import annotations

from nlp_ip.brands import Brand
from nlp_ip.labels import Label
from nlp_ip_train.datagen.context import Ctx, Draft
from nlp_ip_train.datagen.families.brand_needs import (
    ANY_BRAND,
    HOMAGE_DESIGN,
    IMITABLE_DESIGN,
    in_categories,
)
from nlp_ip_train.datagen.families.common import condition, label_words, lookalike_design, low_price
from nlp_ip_train.datagen.families.registry import LabelFamilies
from nlp_ip_train.datagen.tables import strings
from nlp_ip_train.datagen.vocab import words

family = LabelFamilies(Label.LOOKALIKE)

#: The word lists and templates of these builders, with the placeholders each may use.
WORDS = label_words(
    family.label,
    {
        "impression_titles": strings(("brand", "line")),
        "number_disclaimers": strings(),
        "hype_tags": strings(),
        "homage_notes": strings(),
        "not_replica_notes": strings(),
        "classic_tags": strings(),
        "classic_notes": strings(),
        "classic_extras": strings(),
        "design_classics": strings(),
    },
)


@family("look.design.plain", scenario="design_no_mark", difficulty="hard", brand=IMITABLE_DESIGN)
def look_design_plain(c: Ctx, b: Brand) -> Draft:
    """A design signature with no mark and no brand named."""
    goods = c.brand_goods(b)
    title = [f"{lookalike_design(c, b)} {c.goods(goods)}"]
    desc = [c.p("style_sent", design=lookalike_design(c, b))]
    if c.chance(0.5):
        desc.append(c.p("nologo_sent"))
    return Draft(
        title,
        desc,
        low_price(c, 9, 160),
        brand_field=c.choice((None, None, "Unbranded")),
        condition=condition(c, 0.8),
        desc_required=False,
        item=goods,
        facts=c.facts_for(goods),
    )


@family("look.design.material", scenario="design_no_mark", difficulty="easy", brand=IMITABLE_DESIGN)
def look_design_material(c: Ctx, b: Brand) -> Draft:
    goods = c.brand_goods(b)
    material = c.choice(words("materials"))
    title = [
        f"{material} {c.goods(goods)} with {lookalike_design(c, b)}",
        c.p("nologo_tag", "title"),
    ]
    desc = [c.p("material", material=material), c.p("nologo_sent")]
    return Draft(
        title,
        desc,
        low_price(c, 10, 170),
        brand_field=c.choice((None, c.own_brand())),
        condition="new",
        desc_required=False,
        item=goods,
        facts=c.facts_for(goods),
    )


@family("look.design.style", scenario="design_no_mark", difficulty="easy", brand=IMITABLE_DESIGN)
def look_design_style(c: Ctx, b: Brand) -> Draft:
    """'H-buckle-style belt with plain buckle'."""
    goods = c.brand_goods(b)
    title = [f"{lookalike_design(c, b)}-style {c.goods(goods)}"]
    desc = [
        c.choice(
            (
                "Plain hardware, no engraving.",
                "Simple design, no brand.",
                c.p("nologo_sent"),
                "Classic look, nothing printed on it.",
            )
        )
    ]
    return Draft(
        title,
        desc,
        low_price(c, 10, 220),
        brand_field=None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


@family("look.dupe.title", scenario="dupe_comparison", difficulty="hard", brand=ANY_BRAND)
def look_dupe_title(c: Ctx, b: Brand) -> Draft:
    """'Dupe for X', brand named only as a comparison; goods unbranded."""
    goods = c.brand_goods(b)
    target = f"{c.mention(b, allow_initials=False)} {c.line(b)}" if b.product_lines else b.name
    title = [
        c.choice(
            (
                f"{target} dupe {c.goods(goods)}",
                f"Dupe for {target}",
                f"{c.goods(goods)} – {target} dupe",
                f"{c.line(b)} dupe",
            )
        ),
        c.p("nologo_tag", "title"),
    ]
    desc = [c.p("compare_sent", brand=b.name, line=c.line(b))]
    if c.chance(0.7):
        desc.append(c.p(c.choice(("notaff_sent", "nologo_sent")), brand=b.name))
    return Draft(
        title,
        desc,
        low_price(c, 9, 160),
        brand_field=c.choice((None, "Unbranded", c.own_brand())),
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


@family("look.dupe.desc", scenario="dupe_comparison", difficulty="hard", brand=ANY_BRAND)
def look_compare_desc(c: Ctx, b: Brand) -> Draft:
    goods = c.brand_goods(b)
    title = [
        f"{lookalike_design(c, b)} {c.goods(goods)}"
        if b.design_elements
        else f"{c.p('dupe_tag', 'title')} {c.goods(goods)}"
    ]
    desc = [c.p("compare_sent", brand=b.name, line=c.line(b)), c.p("nologo_sent")]
    return Draft(
        title,
        desc,
        low_price(c, 9, 160),
        brand_field=c.choice((None, "Unbranded")),
        condition=condition(c, 0.8),
        item=goods,
        facts=c.facts_for(goods),
    )


@family("look.dupe.notaffiliated", scenario="dupe_comparison", difficulty="hard", brand=ANY_BRAND)
def look_notaff(c: Ctx, b: Brand) -> Draft:
    """'Similar to X ... not X, not affiliated, no logo' (hard against infringing and legit)."""
    goods = c.brand_goods(b)
    title = [
        c.choice(
            (
                f"Similar to {b.name} {c.goods(goods)}",
                f"{c.goods(goods)} like {c.line(b)}",
                f"{b.name} style {c.goods(goods)}",
                f"{c.line(b)} look {c.goods(goods)}",
            )
        )
    ]
    desc = [c.p("notaff_sent", brand=b.name)]
    if c.chance(0.6):
        desc.append(c.p("nologo_sent"))
    return Draft(
        title,
        desc,
        low_price(c, 9, 160),
        brand_field=None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


@family(
    "look.perfume.impression",
    scenario="fragrance_impression",
    difficulty="hard",
    brand=in_categories("beauty"),
)
def look_perfume_impression(c: Ctx, b: Brand) -> Draft:
    line = c.line(b)
    title = [
        c.choice(WORDS.words("impression_titles")).format(brand=b.name, line=line)
        + " "
        + c.choice(("eau de parfum 50ml", "perfume oil", "body mist", "30ml spray", "EDP"))
    ]
    desc = [c.p("perfume_sent", brand=b.name, line=line)]
    if c.chance(0.5):
        desc.append(c.p("notaff_sent", brand=b.name))
    return Draft(
        title,
        desc,
        low_price(c, 10, 75),
        brand_field=c.choice((None, c.own_brand())),
        condition="new",
        item="perfume",
        facts=c.facts_for("perfume"),
    )


@family(
    "look.perfume.number",
    scenario="fragrance_impression",
    difficulty="hard",
    brand=in_categories("beauty"),
)
def look_perfume_number(c: Ctx, b: Brand) -> Draft:
    own = c.own_brand()
    title = [
        f"{own} No. {c.rng.randint(1, 400)} "
        f"{c.choice(('Eau de Parfum', 'extrait', 'scent', 'fragrance'))}"
    ]
    desc = [
        c.choice(
            (
                f"Smells like {c.line(b)}.",
                f"Our take on {b.name} {c.line(b)}.",
                c.p("perfume_sent", brand=b.name, line=c.line(b)),
            )
        ),
        c.choice(WORDS.words("number_disclaimers")),
    ]
    return Draft(
        title,
        desc,
        low_price(c, 9, 90),
        brand_field=own,
        condition="new",
        item="fragrance",
        facts=c.facts_for("perfume"),
    )


@family("look.hype.vibes", scenario="hype_lookalike", difficulty="hard", brand=IMITABLE_DESIGN)
def look_hype(c: Ctx, b: Brand) -> Draft:
    """Lookalike written with hype words (no mark, no counterfeit claim)."""
    goods = c.brand_goods(b)
    title = [
        f"{lookalike_design(c, b)} {c.goods(goods)}",
        c.choice(WORDS.words("hype_tags")),
    ]
    desc = [c.p("hype_sent"), c.p("nologo_sent")]
    return Draft(
        title,
        desc,
        low_price(c, 10, 170),
        brand_field=None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


@family("look.hype.notreplica", scenario="hype_lookalike", difficulty="hard", brand=IMITABLE_DESIGN)
def look_not_replica(c: Ctx, b: Brand) -> Draft:
    """A lookalike that rejects counterfeit words ('not a replica, no logo')."""
    goods = c.brand_goods(b)
    title = [
        f"{lookalike_design(c, b)} {c.goods(goods)}",
        c.choice(("not a replica", "no logo", "style only")),
    ]
    desc = [
        c.choice(WORDS.words("not_replica_notes")),
        c.p("nologo_sent"),
    ]
    return Draft(
        title,
        desc,
        low_price(c, 10, 170),
        brand_field=None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


@family("look.homage.design", scenario="homage", difficulty="hard", brand=HOMAGE_DESIGN)
def look_homage(c: Ctx, b: Brand) -> Draft:
    goods = c.brand_goods(b)
    title = [f"{lookalike_design(c, b)} homage {c.goods(goods)}"]
    desc = [
        c.choice(WORDS.words("homage_notes")),
        c.p("style_sent", design=lookalike_design(c, b)),
    ]
    return Draft(
        title,
        desc,
        c.loguniform(25, 450),
        brand_field=c.choice((None, c.own_brand())),
        condition=condition(c, 0.8),
        item=goods,
        facts=c.facts_for(goods),
    )


@family("look.dupe.styleof", scenario="dupe_comparison", difficulty="hard", brand=IMITABLE_DESIGN)
def look_style_of(c: Ctx, b: Brand) -> Draft:
    """'Cast-iron pot, façon Le Creuset': the brand as a comparison, goods under their own name."""
    goods = c.brand_goods(b)
    own = c.own_brand()
    title = [f"{c.goods(goods)}, {lookalike_design(c, b)}", c.p("style_of", "title", brand=b.name)]
    desc = [c.p("ownname_sent", own=own, brand=b.name)]
    if c.chance(0.5):
        desc.append(c.p("compare_sent", brand=b.name, line=c.line(b)))
    return Draft(
        title,
        desc,
        low_price(c, 9, 170),
        brand_field=c.choice((own, None, "Other")),
        condition=condition(c, 0.7),
        item=goods,
        facts=c.facts_for(goods),
    )


@family("look.classic.furniture", scenario="design_classic", difficulty="hard")
def look_design_classic(c: Ctx) -> Draft:
    """Famous furniture designs sold as 'replica' with no mark: a design lookalike."""
    item = c.choice(WORDS.words("design_classics"))
    title = [
        item,
        c.choice(WORDS.words("classic_tags")),
    ]
    desc = [
        c.choice(WORDS.words("classic_notes")),
        c.choice(WORDS.words("classic_extras")),
    ]
    return Draft(
        title,
        desc,
        c.loguniform(25, 450),
        brand_field=c.choice((None, c.own_brand())),
        condition=condition(c, 0.7),
        item=item,
        facts=c.facts_for("chair"),
    )
