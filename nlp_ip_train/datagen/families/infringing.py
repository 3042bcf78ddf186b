"""Infringing families: the mark used on goods its owner did not make or authorise.

Counterfeit vocabulary, disguised marks, claims the listing contradicts, prices far below
genuine, keyword stuffing, failed parodies, the mark on a lookalike, jargon and
unauthorised software.

Each builder registers itself with :class:`~nlp_ip_train.datagen.families.registry.LabelFamilies`;
its word lists and templates are in ``data/families/infringing.yaml``.
"""

from __future__ import annotations

from nlp_ip.brands import Brand
from nlp_ip.labels import Label
from nlp_ip_train.datagen.context import Ctx, Draft
from nlp_ip_train.datagen.families.brand_needs import (
    ANY_BRAND,
    FASHION_BRAND,
    PHYSICAL_GOODS,
    WITH_PRODUCT_LINES,
    in_categories,
)
from nlp_ip_train.datagen.families.common import (
    condition,
    fake_price,
    label_words,
    logo_sentence,
    low_price,
    obfuscation_kind,
)
from nlp_ip_train.datagen.families.registry import LabelFamilies
from nlp_ip_train.datagen.tables import strings

family = LabelFamilies(Label.INFRINGING)

#: The word lists and templates of these builders, with the placeholders each may use.
WORDS = label_words(
    family.label,
    {
        "factory_title_tags": strings(),
        "unbranded_labels": strings(),
        "unbranded_excuses": strings(),
        "stuffing_brand_notes": strings(("own",)),
        "kidding_tags": strings(),
        "inspired_logo_tags": strings(),
        "software_key_titles": strings(("brand", "line")),
        "software_key_claims": strings(),
        "bundle_tags": strings(),
        "bundle_claims": strings(("brand",)),
        "monogram_devices": strings(),
        "monogram_titles": strings(("device", "mark")),
        "monogram_claims": strings(("mark",)),
        "wholesale_title_tags": strings(("n",)),
        "cheap_materials": strings(),
    },
)


@family(
    "inf.counterfeit.title", scenario="counterfeit_vocab", difficulty="easy", brand=PHYSICAL_GOODS
)
def inf_cf_title(c: Ctx, b: Brand) -> Draft:
    goods = c.brand_goods(b)
    title = [c.product(b), c.p("cf_tag", "title")]
    desc = [c.p("cf_sent")]
    if c.chance(0.4):
        desc.append(logo_sentence(c, b))
    return Draft(
        title,
        desc,
        fake_price(c, b),
        brand_field=b.name if c.chance(0.6) else None,
        condition=condition(c, 0.85),
        desc_required=False,
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


@family(
    "inf.counterfeit.desc", scenario="counterfeit_vocab", difficulty="hard", brand=PHYSICAL_GOODS
)
def inf_cf_desc(c: Ctx, b: Brand) -> Draft:
    """Title looks ordinary; only the description gives the copy away."""
    goods = c.brand_goods(b)
    desc = [c.p("cf_sent")]
    if c.chance(0.5):
        desc.append(c.p(c.choice(("contra_sent", "noreceipt_sent", "hint_sent"))))
    return Draft(
        [c.product(b)],
        desc,
        fake_price(c, b),
        brand_field=b.name if c.chance(0.7) else None,
        condition=condition(c, 0.85),
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


@family(
    "inf.counterfeit.factory", scenario="counterfeit_vocab", difficulty="easy", brand=PHYSICAL_GOODS
)
def inf_factory(c: Ctx, b: Brand) -> Draft:
    goods = c.brand_goods(b)
    title = [c.product(b)]
    if c.chance(0.5):
        title.append(c.choice(WORDS.words("factory_title_tags")))
    desc = [c.p("factory_sent")]
    if c.chance(0.4):
        desc.append(c.p("wholesale_sent", n=c.rng.randint(3, 50)))
    return Draft(
        title,
        desc,
        fake_price(c, b),
        brand_field=b.name if c.chance(0.5) else None,
        condition="new",
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


@family("inf.obfuscated.name", scenario="obfuscated_mark", difficulty="hard", brand=PHYSICAL_GOODS)
def inf_obf_name(c: Ctx, b: Brand) -> Draft:
    """The mark disguised to slip past filters; nothing else needed."""
    kind = obfuscation_kind(c)
    name = c.obfuscated(b.name, kind)
    goods = c.brand_goods(b)
    parts = [name]
    if b.product_lines and c.chance(0.6):
        parts.append(c.line(b))
    parts.append(c.goods(goods))
    desc = [c.p("hint_sent")] if c.chance(0.6) else [c.p("cf_sent")]
    return Draft(
        [" ".join(parts)],
        desc,
        fake_price(c, b),
        brand_field=None if c.chance(0.6) else name,
        obfuscation=kind,
        condition=condition(c, 0.8),
        desc_required=False,
        item=goods,
        facts=c.facts_for(goods),
    )


@family(
    "inf.obfuscated.counterfeit",
    scenario="obfuscated_mark",
    difficulty="easy",
    brand=PHYSICAL_GOODS,
)
def inf_obf_cf(c: Ctx, b: Brand) -> Draft:
    kind = obfuscation_kind(c)
    src = c.choice(b.aliases) if b.aliases and c.chance(0.3) else b.name
    name = c.obfuscated(src, kind)
    goods = c.brand_goods(b)
    title = [f"{name} {c.goods(goods)}", c.p("cf_tag", "title")]
    desc = [c.p("cf_sent")]
    return Draft(
        title,
        desc,
        fake_price(c, b),
        brand_field=None,
        obfuscation=kind,
        condition=condition(c, 0.9),
        desc_required=False,
        item=goods,
        facts=c.facts_for(goods),
    )


@family(
    "inf.obfuscated.line", scenario="obfuscated_mark", difficulty="hard", brand=WITH_PRODUCT_LINES
)
def inf_obf_line(c: Ctx, b: Brand) -> Draft:
    """The product line disguised ('Subm4riner'), brand only hinted."""
    kind = c.choice(
        (
            "leet",
            "dots",
            "spacing",
            "cyrillic",
            "misspelling",
            "masked",
            "zero_width",
            "greek",
            "emoji",
        )
    )
    line = c.obfuscated(c.line(b), kind)
    goods = c.brand_goods(b)
    initials = b.initials[0] if b.initials else c.obfuscated(b.name, "misspelling")
    title = [f"{line} {c.goods(goods)}"]
    if c.chance(0.5):
        title.insert(0, initials)
    desc = [c.p(c.choice(("hint_sent", "cf_sent", "jargon_sent")))]
    if c.chance(0.4):
        desc.append(c.p("logo_sent", brand=initials, initials=initials, design=c.design(b)))
    return Draft(
        title,
        desc,
        fake_price(c, b),
        brand_field=None,
        obfuscation=kind,
        condition=condition(c, 0.85),
        item=goods,
        facts=c.facts_for(goods),
    )


@family(
    "inf.contradicted.receipt", scenario="contradicted_claims", difficulty="hard", brand=ANY_BRAND
)
def inf_contra_receipt(c: Ctx, b: Brand) -> Draft:
    """Claims of the genuine article contradicted by the listing itself."""
    goods = c.brand_goods(b)
    title = [c.product(b)]
    if c.chance(0.5):
        title.append(c.p("auth_tag", "title"))
    desc = [c.p("contra_sent")]
    if c.chance(0.5):
        desc.insert(0, c.p("authclaim_sent"))
    price = c.price_of_min(b, 0.2, 0.9) if c.chance(0.6) else fake_price(c, b)
    return Draft(
        title,
        desc,
        price,
        brand_field=b.name,
        condition=condition(c, 0.6),
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


@family(
    "inf.contradicted.unbranded",
    scenario="contradicted_claims",
    difficulty="hard",
    brand=PHYSICAL_GOODS,
)
def inf_contra_unbranded(c: Ctx, b: Brand) -> Draft:
    """Logo goods sold as 'unbranded' or 'generic'."""
    goods = c.brand_goods(b)
    label = c.choice(WORDS.words("unbranded_labels"))
    title = [
        f"{c.design(b)} {c.goods(goods)}"
        if b.design_elements and c.chance(0.5)
        else f"{c.mention(b)} {c.goods(goods)}",
        f"({label})",
    ]
    desc = [
        logo_sentence(c, b),
        c.choice(WORDS.words("unbranded_excuses")),
    ]
    return Draft(
        title,
        desc,
        fake_price(c, b),
        brand_field=label,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


@family("inf.price.silent", scenario="price_far_below", difficulty="hard", brand=ANY_BRAND)
def inf_price_silent(c: Ctx, b: Brand) -> Draft:
    """No jargon at all: betrayed only by a price far below genuine and 'no receipt'."""
    goods = c.brand_goods(b)
    title = [c.product(b, with_line=0.9)]
    if c.chance(0.5):
        title.append(c.p("tag_new", "title"))
    desc = [c.p("noreceipt_sent")]
    if c.chance(0.5):
        desc.append(c.p("cond_new"))
    price = c.price_of_typical(b, 0.02, 0.15)
    return Draft(
        title,
        desc,
        price,
        brand_field=b.name if c.chance(0.8) else None,
        condition="new",
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


@family("inf.price.wholesale", scenario="price_far_below", difficulty="easy", brand=ANY_BRAND)
def inf_price_wholesale(c: Ctx, b: Brand) -> Draft:
    goods = c.brand_goods(b)
    product = c.product(b)
    pieces = c.rng.randint(2, 20)
    title = [product, c.choice(WORDS.words("wholesale_title_tags")).format(n=pieces)]
    desc = [c.p("wholesale_sent", n=c.rng.randint(5, 100))]
    if c.chance(0.4):
        desc.append(c.p("stock", n=c.rng.randint(2, 40)))
    return Draft(
        title,
        desc,
        c.price_of_typical(b, 0.02, 0.15),
        brand_field=b.name if c.chance(0.5) else None,
        condition="new",
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


@family("inf.price.authclaim", scenario="price_far_below", difficulty="hard", brand=ANY_BRAND)
def inf_price_authclaim(c: Ctx, b: Brand) -> Draft:
    """'100% authentic' at a tenth of retail, no receipt."""
    goods = c.brand_goods(b)
    title = [c.product(b, with_line=0.9), c.p("auth_tag", "title")]
    desc = [c.p("authclaim_sent"), c.p("noreceipt_sent")]
    return Draft(
        title,
        desc,
        c.price_of_typical(b, 0.03, 0.2),
        brand_field=b.name,
        condition=condition(c, 0.7),
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


@family("inf.stuffing.title", scenario="keyword_stuffing", difficulty="easy", brand=ANY_BRAND)
def inf_stuff_title(c: Ctx, b: Brand) -> Draft:
    """Famous marks in the title of goods that are none of theirs."""
    others = c.other_brands(b, c.rng.randint(1, 3))
    names = [b.name, *[o.name for o in others]]
    c.rng.shuffle(names)
    goods = c.brand_goods(b)
    sep = c.choice((" ", " / ", " ", ", "))
    title = [f"{sep.join(names)} {c.goods(goods)}"]
    desc = [c.p("generic_sent")]
    own = c.own_brand()
    if c.chance(0.7):
        desc.append(c.choice(WORDS.words("stuffing_brand_notes")).format(own=own))
    return Draft(
        title,
        desc,
        low_price(c, 6, 90),
        brand_field=c.choice((None, "Generic", "Unbranded")),
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


@family("inf.stuffing.tags", scenario="keyword_stuffing", difficulty="hard", brand=ANY_BRAND)
def inf_stuff_tags(c: Ctx, b: Brand) -> Draft:
    others = c.other_brands(b, c.rng.randint(2, 4))
    names = [b.name, *[o.name for o in others]]
    goods = c.brand_goods(b)
    title = [f"{c.goods(goods)} {c.choice(names)} {c.choice(('style', 'series', 'type', 'model'))}"]
    desc = [c.p("stuff_sent", brands=", ".join(names))]
    if c.chance(0.5):
        desc.append(" ".join("#" + n.replace(" ", "").lower() for n in names))
    return Draft(
        title,
        desc,
        low_price(c, 6, 120),
        brand_field=None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


@family("inf.parody.exact", scenario="failed_parody", difficulty="hard", brand=PHYSICAL_GOODS)
def inf_parody_exact(c: Ctx, b: Brand) -> Draft:
    """'Parody' used as a shield while the mark is copied as the brand's own."""
    goods = c.choice(("t-shirt", "hoodie", "tote", "cap", c.brand_goods(b)))
    title = [f"{c.mention(b)} {c.goods(goods)}", c.p("parody_tag", "title")]
    desc = [c.p("failed_parody_sent", brand=b.name)]
    if c.chance(0.5):
        desc.append(logo_sentence(c, b))
    return Draft(
        title,
        desc,
        c.price_of_typical(b, 0.03, 0.3),
        brand_field=b.name if c.chance(0.5) else None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


@family("inf.parody.kidding", scenario="failed_parody", difficulty="hard", brand=PHYSICAL_GOODS)
def inf_parody_kidding(c: Ctx, b: Brand) -> Draft:
    goods = c.brand_goods(b)
    jk = c.choice(WORDS.words("kidding_tags"))
    title = [f"{c.product(b)} {jk}"]
    desc = [c.p("failed_parody_sent", brand=b.name)]
    if c.chance(0.5):
        desc.append(c.p("cf_sent"))
    return Draft(
        title,
        desc,
        fake_price(c, b),
        brand_field=None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


@family(
    "inf.markon.inspired", scenario="mark_on_lookalike", difficulty="hard", brand=PHYSICAL_GOODS
)
def inf_inspired_logo(c: Ctx, b: Brand) -> Draft:
    """'Inspired' goods that carry the mark itself."""
    goods = c.brand_goods(b)
    what = c.line(b) if b.product_lines and c.chance(0.6) else c.mention(b)
    title = [
        f"{what}-inspired {c.goods(goods)}",
        c.choice(WORDS.words("inspired_logo_tags")),
    ]
    desc = [
        c.p(
            "inspired_logo_sent",
            brand=b.name,
            initials=(b.initials or (b.name,))[0],
            line=c.line(b),
        )
    ]
    return Draft(
        title,
        desc,
        c.price_of_typical(b, 0.03, 0.35),
        brand_field=None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


@family("inf.markon.dupe", scenario="mark_on_lookalike", difficulty="hard", brand=PHYSICAL_GOODS)
def inf_dupe_logo(c: Ctx, b: Brand) -> Draft:
    goods = c.brand_goods(b)
    title = [f"{c.mention(b)} {c.goods(goods)}", c.p("dupe_tag", "title")]
    desc = [logo_sentence(c, b)]
    if c.chance(0.5):
        desc.append(c.p("hype_sent"))
    return Draft(
        title,
        desc,
        c.price_of_typical(b, 0.03, 0.35),
        brand_field=None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


@family("inf.markon.compat", scenario="mark_on_lookalike", difficulty="hard", brand=FASHION_BRAND)
def inf_compat_monogram(c: Ctx, b: Brand) -> Draft:
    """A compatibility accessory that carries another house's mark: compatible, but infringing."""
    device = c.choice(WORDS.words("monogram_devices"))
    mark = c.choice(b.initials) if b.initials and c.chance(0.5) else b.name
    title = [c.choice(WORDS.words("monogram_titles")).format(device=device, mark=mark)]
    desc = [
        c.choice(WORDS.words("monogram_claims")).format(mark=mark),
        c.choice(("Supports wireless charging.", "Comes with a gold keychain.", "Shockproof.")),
    ]
    return Draft(
        title,
        desc,
        low_price(c, 5, 35),
        brand_field=c.choice((None, "Generic", c.own_brand())),
        condition="new",
        item=device,
        facts=c.facts_for("phone case"),
    )


@family("inf.jargon.title", scenario="jargon", difficulty="easy", brand=PHYSICAL_GOODS)
def inf_jargon_title(c: Ctx, b: Brand) -> Draft:
    goods = c.brand_goods(b)
    title = [c.product(b, with_line=0.9), c.p("jargon_tag", "title")]
    desc = [c.p("jargon_sent")] if c.chance(0.7) else [c.p("contact")]
    return Draft(
        title,
        desc,
        fake_price(c, b),
        brand_field=b.name if c.chance(0.4) else None,
        obfuscation="jargon",
        condition="new",
        desc_required=False,
        item=goods,
        facts=c.facts_for(goods),
    )


@family("inf.jargon.desc", scenario="jargon", difficulty="hard", brand=PHYSICAL_GOODS)
def inf_jargon_desc(c: Ctx, b: Brand) -> Draft:
    goods = c.brand_goods(b)
    desc = [c.p("jargon_sent")]
    if c.chance(0.4):
        desc.append(c.p("cf_sent"))
    return Draft(
        [c.product(b, with_line=0.9)],
        desc,
        fake_price(c, b),
        brand_field=b.name if c.chance(0.5) else None,
        obfuscation="jargon",
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


@family(
    "inf.software.key",
    scenario="unauthorized_software",
    difficulty="hard",
    brand=in_categories("software_games"),
)
def inf_software_key(c: Ctx, b: Brand) -> Draft:
    """Unauthorized licences: 'lifetime key' with an activator, shared accounts, cracked copies."""
    line = c.line(b)
    title = [c.choice(WORDS.words("software_key_titles")).format(brand=b.name, line=line)]
    desc = [c.choice(WORDS.words("software_key_claims"))]
    if c.chance(0.4):
        desc.append(
            c.choice(("Instant delivery by email.", "No refunds after delivery.", "Works forever."))
        )
    return Draft(
        title,
        desc,
        c.price_of_typical(b, 0.03, 0.3, floor=2.0),
        brand_field=b.name if c.chance(0.6) else None,
        condition="new",
        item=f"{line} key",
        facts=c.facts_for("software key"),
    )


@family(
    "inf.software.bundle",
    scenario="unauthorized_software",
    difficulty="hard",
    brand=in_categories("software_games"),
)
def inf_software_bundle(c: Ctx, b: Brand) -> Draft:
    line = c.line(b)
    title = [
        f"{line} + {c.rng.randint(20, 500)} extras bundle",
        c.choice(WORDS.words("bundle_tags")),
    ]
    desc = [c.choice(WORDS.words("bundle_claims")).format(brand=b.name)]
    return Draft(
        title,
        desc,
        c.price_of_typical(b, 0.05, 0.5),
        brand_field=None,
        condition=condition(c, 0.5),
        item=line,
        facts=c.facts_for("console"),
    )


@family(
    "inf.contradicted.material",
    scenario="contradicted_claims",
    difficulty="hard",
    brand=FASHION_BRAND,
)
def inf_cheap_material(c: Ctx, b: Brand) -> Draft:
    """Branded goods in materials the brand never uses, with the mark stamped on, at a low price."""
    goods = c.brand_goods(b)
    mark = c.choice(b.initials) if b.initials and c.chance(0.5) else b.name
    cheap = WORDS.words("cheap_materials")
    title = [c.product(b, with_line=0.8)]
    desc = [
        c.choice(
            (
                f"{c.choice(cheap).capitalize()}, {mark} marking and a serial etched on.",
                f"{c.choice(cheap).capitalize()} body with the {mark} name engraved.",
                f"{mark} stamp inside, {c.choice(cheap)}.",
                f"Stamped {b.name}, {c.choice(cheap)} body, comes in a gift box.",
                f"{c.choice(cheap).capitalize()} with the {mark} logo printed like the original.",
            )
        )
    ]
    return Draft(
        title,
        desc,
        c.price_of_typical(b, 0.02, 0.12),
        brand_field=b.name if c.chance(0.7) else None,
        condition="new",
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )
