"""Scenario families: the independent ways each label is realised.

A *scenario* is one phenomenon of the labeling guide (counterfeit vocabulary,
a failed parody, a compatibility accessory...). Each scenario has two or more
*families*: different realisations of it (where the cue sits, which words carry
it, what goods it is on). Splits hold out whole families, so the test split
measures whether a model learned the phenomenon rather than a template.

Each family writes a :class:`~training.datagen.context.Draft` only: label
bearing content. Style (voice, casing, emoji, length, price format) is added
later by :mod:`training.datagen.voices`, identically for every label.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from nlp_ip.brands import Brand
from nlp_ip.labels import Label
from training.datagen import vocab
from training.datagen.context import Ctx, Draft
from training.datagen.obfuscate import OBFUSCATIONS

Build = Callable[[Ctx, "Brand | None"], Draft]
Needs = Callable[[Brand], bool]


@dataclass(frozen=True)
class Family:
    """One realisation of a scenario of one label."""

    id: str
    label: Label
    scenario: str
    difficulty: str  # "easy" or "hard"
    build: Build
    #: Which brands the family can use; None: the family needs no brand.
    needs: Needs | None = None

    @property
    def branded(self) -> bool:
        return self.needs is not None


def _any(_: Brand) -> bool:
    return True


def _physical(b: Brand) -> bool:
    """Goods that can carry a printed or stamped mark (not licences, keys or accounts)."""
    return b.category != "software_games"


def _has_lines(b: Brand) -> bool:
    return bool(b.product_lines)


def _has_design(b: Brand) -> bool:
    return bool(b.design_elements)


def _cat(*cats: str) -> Needs:
    def needs(b: Brand) -> bool:
        return b.category in cats

    return needs


def _not_cat(*cats: str) -> Needs:
    def needs(b: Brand) -> bool:
        return b.category not in cats

    return needs


_FASHION = ("luxury_fashion", "sportswear", "watches", "jewelry", "eyewear")
#: Categories where a design can be imitated without the mark (trade dress lookalikes).
_DESIGN_CATS = (*_FASHION, "beauty", "electronics", "toys", "home_kitchen", "outdoor_drinkware")


#: Design elements that are themselves marks (a logo, monogram, crest, character) cannot make a
#: lookalike: copying them puts the mark on the goods, which is infringing.
_MARK_WORDS = (
    "logo",
    "monogram",
    "crest",
    "script",
    "emblem",
    "wordmark",
    "lettering",
    "character",
    "initial",
    "name",
    "badge",
    "mascot",
    "symbol",
    "plumber",
    "mouse",
)


def _names_mark(design: str, b: Brand) -> bool:
    """True when a design element spells the mark itself (its name, alias or initials)."""
    words = set(re.findall(r"[\w'&]+", design.casefold()))
    marks = {
        b.name.casefold(),
        *(a.casefold() for a in b.aliases),
        *(i.casefold() for i in b.initials),
    }
    if any(m in words for m in marks):
        return True
    return any(w in design.lower() for w in _MARK_WORDS)


def mark_free_designs(b: Brand) -> tuple[str, ...]:
    return tuple(d for d in b.design_elements if not _names_mark(d, b))


def mark_designs(b: Brand) -> tuple[str, ...]:
    return tuple(d for d in b.design_elements if _names_mark(d, b))


def _design(b: Brand) -> bool:
    return bool(mark_free_designs(b)) and b.category in _DESIGN_CATS


def _homage(b: Brand) -> bool:
    return bool(mark_free_designs(b)) and b.category in _FASHION


def _lookdesign(c: Ctx, b: Brand) -> str:
    designs = mark_free_designs(b)
    return c.choice(designs) if designs else c.design(b)


# -------------------------------------------------------------------- helpers


def _goods_of(c: Ctx, b: Brand) -> str:
    return c.brand_goods(b)


def _cond(c: Ctx, p_new: float) -> str:
    return "new" if c.chance(p_new) else "used"


def _obf_kind(c: Ctx) -> str:
    return c.choice(tuple(OBFUSCATIONS))


def _fake_price(c: Ctx, b: Brand) -> float:
    """Counterfeits: mostly far below genuine, sometimes near it (sold as real)."""
    r = c.rng.random()
    if r < 0.55:
        return c.price_of_typical(b, 0.06, 0.4, floor=12.0)
    if r < 0.85:
        return c.price_of_min(b, 0.2, 0.6)
    return c.price_of_min(b, 0.5, 1.0)


def _low_price(c: Ctx, lo: float = 8, hi: float = 80) -> float:
    return c.loguniform(lo, hi)


# ================================================================ infringing


def inf_cf_title(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    goods = _goods_of(c, b)
    title = [c.product(b), c.p("cf_tag", "title")]
    desc = [c.p("cf_sent")]
    if c.chance(0.4):
        desc.append(
            c.p(
                "logo_sent", brand=b.name, initials=(b.initials or (b.name,))[0], design=c.design(b)
            )
        )
    return Draft(
        title,
        desc,
        _fake_price(c, b),
        brand_field=b.name if c.chance(0.6) else None,
        condition=_cond(c, 0.85),
        desc_required=False,
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


def inf_cf_desc(c: Ctx, b: Brand | None) -> Draft:
    """Title looks ordinary; only the description gives the copy away."""
    assert b is not None
    goods = _goods_of(c, b)
    desc = [c.p("cf_sent")]
    if c.chance(0.5):
        desc.append(c.p(c.choice(("contra_sent", "noreceipt_sent", "hint_sent"))))
    return Draft(
        [c.product(b)],
        desc,
        _fake_price(c, b),
        brand_field=b.name if c.chance(0.7) else None,
        condition=_cond(c, 0.85),
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


def inf_factory(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    goods = _goods_of(c, b)
    title = [c.product(b)]
    if c.chance(0.5):
        title.append(
            c.choice(("Factory Leftover", "Original Quality", "Overrun Stock", "Same Factory"))
        )
    desc = [c.p("factory_sent")]
    if c.chance(0.4):
        desc.append(c.p("wholesale_sent", n=c.rng.randint(3, 50)))
    return Draft(
        title,
        desc,
        _fake_price(c, b),
        brand_field=b.name if c.chance(0.5) else None,
        condition="new",
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


def inf_obf_name(c: Ctx, b: Brand | None) -> Draft:
    """The mark disguised to slip past filters; nothing else needed."""
    assert b is not None
    kind = _obf_kind(c)
    name = c.obfuscated(b.name, kind)
    goods = _goods_of(c, b)
    parts = [name]
    if b.product_lines and c.chance(0.6):
        parts.append(c.line(b))
    parts.append(c.goods(goods))
    desc = [c.p("hint_sent")] if c.chance(0.6) else [c.p("cf_sent")]
    return Draft(
        [" ".join(parts)],
        desc,
        _fake_price(c, b),
        brand_field=None if c.chance(0.6) else name,
        obfuscation=kind,
        condition=_cond(c, 0.8),
        desc_required=False,
        item=goods,
        facts=c.facts_for(goods),
    )


def inf_obf_cf(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    kind = _obf_kind(c)
    src = c.choice(b.aliases) if b.aliases and c.chance(0.3) else b.name
    name = c.obfuscated(src, kind)
    goods = _goods_of(c, b)
    title = [f"{name} {c.goods(goods)}", c.p("cf_tag", "title")]
    desc = [c.p("cf_sent")]
    return Draft(
        title,
        desc,
        _fake_price(c, b),
        brand_field=None,
        obfuscation=kind,
        condition=_cond(c, 0.9),
        desc_required=False,
        item=goods,
        facts=c.facts_for(goods),
    )


def inf_obf_line(c: Ctx, b: Brand | None) -> Draft:
    """The product line disguised ('Subm4riner'), brand only hinted."""
    assert b is not None
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
    goods = _goods_of(c, b)
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
        _fake_price(c, b),
        brand_field=None,
        obfuscation=kind,
        condition=_cond(c, 0.85),
        item=goods,
        facts=c.facts_for(goods),
    )


def inf_contra_receipt(c: Ctx, b: Brand | None) -> Draft:
    """Claims of the genuine article contradicted by the listing itself."""
    assert b is not None
    goods = _goods_of(c, b)
    title = [c.product(b)]
    if c.chance(0.5):
        title.append(c.p("auth_tag", "title"))
    desc = [c.p("contra_sent")]
    if c.chance(0.5):
        desc.insert(0, c.p("authclaim_sent"))
    price = c.price_of_min(b, 0.2, 0.9) if c.chance(0.6) else _fake_price(c, b)
    return Draft(
        title,
        desc,
        price,
        brand_field=b.name,
        condition=_cond(c, 0.6),
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


def inf_contra_unbranded(c: Ctx, b: Brand | None) -> Draft:
    """Logo goods sold as 'unbranded' or 'generic'."""
    assert b is not None
    goods = _goods_of(c, b)
    label = c.choice(("Unbranded", "Generic", "No Brand", "Unbrand"))
    title = [
        f"{c.design(b)} {c.goods(goods)}"
        if b.design_elements and c.chance(0.5)
        else f"{c.mention(b)} {c.goods(goods)}",
        f"({label})",
    ]
    desc = [
        c.p("logo_sent", brand=b.name, initials=(b.initials or (b.name,))[0], design=c.design(b)),
        c.choice(
            (
                "Listed as unbranded because of site rules.",
                "Sold as generic, logo as pictured.",
                "Marked unbranded to avoid takedown.",
                "Brand field says generic, you can see the logo.",
            )
        ),
    ]
    return Draft(
        title,
        desc,
        _fake_price(c, b),
        brand_field=label,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


def inf_price_silent(c: Ctx, b: Brand | None) -> Draft:
    """No jargon at all: betrayed only by a price far below genuine and 'no receipt'."""
    assert b is not None
    goods = _goods_of(c, b)
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


def inf_price_wholesale(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    goods = _goods_of(c, b)
    title = [
        c.product(b),
        c.choice(
            (
                "Wholesale",
                "Lot",
                "Bulk",
                f"{c.rng.randint(2, 20)} pcs",
                "Dropship",
                "Reseller Price",
            )
        ),
    ]
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


def inf_price_authclaim(c: Ctx, b: Brand | None) -> Draft:
    """'100% authentic' at a tenth of retail, no receipt."""
    assert b is not None
    goods = _goods_of(c, b)
    title = [c.product(b, with_line=0.9), c.p("auth_tag", "title")]
    desc = [c.p("authclaim_sent"), c.p("noreceipt_sent")]
    return Draft(
        title,
        desc,
        c.price_of_typical(b, 0.03, 0.2),
        brand_field=b.name,
        condition=_cond(c, 0.7),
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


def inf_stuff_title(c: Ctx, b: Brand | None) -> Draft:
    """Famous marks in the title of goods that are none of theirs."""
    assert b is not None
    others = c.other_brands(b, c.rng.randint(1, 3))
    names = [b.name, *[o.name for o in others]]
    c.rng.shuffle(names)
    goods = _goods_of(c, b)
    sep = c.choice((" ", " / ", " ", ", "))
    title = [f"{sep.join(names)} {c.goods(goods)}"]
    desc = [c.p("generic_sent")]
    own = c.own_brand()
    if c.chance(0.7):
        desc.append(
            c.choice(
                (
                    "No-name product.",
                    "Brand: unbranded.",
                    "Generic item.",
                    "Brand names for search only.",
                    "Factory direct, no brand.",
                    f"{own} brand.",
                    f"Made by {own}.",
                    f"Brand: {own}.",
                )
            )
        )
    return Draft(
        title,
        desc,
        _low_price(c, 6, 90),
        brand_field=c.choice((None, "Generic", "Unbranded")),
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


def inf_stuff_tags(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    others = c.other_brands(b, c.rng.randint(2, 4))
    names = [b.name, *[o.name for o in others]]
    goods = _goods_of(c, b)
    title = [f"{c.goods(goods)} {c.choice(names)} {c.choice(('style', 'series', 'type', 'model'))}"]
    desc = [c.p("stuff_sent", brands=", ".join(names))]
    if c.chance(0.5):
        desc.append(" ".join("#" + n.replace(" ", "").lower() for n in names))
    return Draft(
        title,
        desc,
        _low_price(c, 6, 120),
        brand_field=None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


def inf_parody_exact(c: Ctx, b: Brand | None) -> Draft:
    """'Parody' used as a shield while the mark is copied as the brand's own."""
    assert b is not None
    goods = c.choice(("t-shirt", "hoodie", "tote", "cap", _goods_of(c, b)))
    title = [f"{c.mention(b)} {c.goods(goods)}", c.p("parody_tag", "title")]
    desc = [c.p("failed_parody_sent", brand=b.name)]
    if c.chance(0.5):
        desc.append(
            c.p(
                "logo_sent", brand=b.name, initials=(b.initials or (b.name,))[0], design=c.design(b)
            )
        )
    return Draft(
        title,
        desc,
        c.price_of_typical(b, 0.03, 0.3),
        brand_field=b.name if c.chance(0.5) else None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


def inf_parody_kidding(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    goods = _goods_of(c, b)
    jk = c.choice(("just kidding lol", "jk", "(joke)", "lol", "😂 parody", "haha", "for fun"))
    title = [f"{c.product(b)} {jk}"]
    desc = [c.p("failed_parody_sent", brand=b.name)]
    if c.chance(0.5):
        desc.append(c.p("cf_sent"))
    return Draft(
        title,
        desc,
        _fake_price(c, b),
        brand_field=None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


def inf_inspired_logo(c: Ctx, b: Brand | None) -> Draft:
    """'Inspired' goods that carry the mark itself."""
    assert b is not None
    goods = _goods_of(c, b)
    what = c.line(b) if b.product_lines and c.chance(0.6) else c.mention(b)
    title = [
        f"{what}-inspired {c.goods(goods)}",
        c.choice(("with logo", "logo print", "monogram", "full logo", "logo hardware")),
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


def inf_dupe_logo(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    goods = _goods_of(c, b)
    title = [f"{c.mention(b)} {c.goods(goods)}", c.p("dupe_tag", "title")]
    desc = [
        c.p("logo_sent", brand=b.name, initials=(b.initials or (b.name,))[0], design=c.design(b))
    ]
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


def inf_jargon_title(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    goods = _goods_of(c, b)
    title = [c.product(b, with_line=0.9), c.p("jargon_tag", "title")]
    desc = [c.p("jargon_sent")] if c.chance(0.7) else [c.p("contact")]
    return Draft(
        title,
        desc,
        _fake_price(c, b),
        brand_field=b.name if c.chance(0.4) else None,
        obfuscation="jargon",
        condition="new",
        desc_required=False,
        item=goods,
        facts=c.facts_for(goods),
    )


def inf_jargon_desc(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    goods = _goods_of(c, b)
    desc = [c.p("jargon_sent")]
    if c.chance(0.4):
        desc.append(c.p("cf_sent"))
    return Draft(
        [c.product(b, with_line=0.9)],
        desc,
        _fake_price(c, b),
        brand_field=b.name if c.chance(0.5) else None,
        obfuscation="jargon",
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


# ===================================================================== parody


def _pet_goods(c: Ctx) -> str:
    return c.choice(
        (
            "plush dog toy",
            "squeaky dog toy",
            "pet cologne",
            "cat toy",
            "dog bandana",
            "chew toy purse",
            "dog bed",
            "pet perfume",
        )
    )


def par_pun_pet(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    pun = c.pun(b)
    title = [f"{pun} {_pet_goods(c)}"]
    desc = [c.p("pet_sent")]
    if c.chance(0.5):
        desc.append(c.p("parody_sent", brand=b.name))
    return Draft(
        title,
        desc,
        _low_price(c, 6, 45),
        brand_field=c.choice((None, pun, "Handmade")),
        condition="new",
        item=f"{pun} toy",
        facts=c.facts_for("toy"),
    )


def par_pun_apparel(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    pun = c.pun(b)
    goods = c.choice(("t-shirt", "hoodie", "tee", "sweatshirt", "cap", "socks", "tank top"))
    title = [f"{pun} {c.goods(goods)}"]
    if c.chance(0.5):
        title.append(c.p("parody_tag", "title"))
    desc = (
        [c.p("parody_sent", brand=b.name)]
        if c.chance(0.7)
        else [
            c.choice(
                (
                    "Funny twist on a famous logo.",
                    "Screen printed by hand, made you look twice.",
                    f"Say it out loud: {pun}.",
                    "For people with a sense of humour about fashion.",
                )
            )
        ]
    )
    return Draft(
        title,
        desc,
        _low_price(c, 10, 90),
        brand_field=c.choice((None, None, pun)),
        condition="new",
        item=f"{pun} {goods}",
        facts=c.facts_for(goods),
    )


def par_pun_home(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    pun = c.pun(b)
    goods = c.choice(
        (
            "mug",
            "candle",
            "air freshener",
            "fridge magnet",
            "doormat",
            "tea towel",
            "greeting card",
            "enamel pin",
        )
    )
    title = [f"{pun} {c.goods(goods)}"]
    desc = [
        c.choice(
            (
                f"A punny gift for anyone obsessed with {b.name}.",
                "The perfect joke for your friend who loves designer stuff.",
                c.p("parody_sent", brand=b.name),
                "Makes everyone laugh at the office.",
            )
        )
    ]
    return Draft(
        title,
        desc,
        _low_price(c, 5, 40),
        brand_field=None,
        condition="new",
        item=f"{pun} {goods}",
        facts=c.facts_for(goods),
    )


def par_slogan_tee(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    slogan = c.choice(vocab.words("slogans")).format(b=b.name.split()[0], p=c.pun(b), n=c.line(b))
    goods = c.choice(("t-shirt", "hoodie", "crewneck", "tee"))
    title = [f'"{slogan}" {c.goods(goods)}', c.p("parody_tag", "title")]
    desc = [c.p("parody_sent", brand=b.name)]
    return Draft(
        title,
        desc,
        _low_price(c, 12, 60),
        brand_field=None,
        condition="new",
        desc_required=False,
        item=f"{goods}",
        facts=c.facts_for(goods),
    )


def par_slogan_print(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    slogan = c.choice(vocab.words("slogans")).format(b=b.name.split()[0], p=c.pun(b), n=c.line(b))
    goods = c.choice(("sticker", "poster", "art print", "bumper sticker", "enamel pin", "patch"))
    title = [f"{slogan} {c.goods(goods)}"]
    desc = [
        c.choice(
            (
                "Satirical design poking fun at logo culture.",
                c.p("parody_sent", brand=b.name),
                "Mock slogan, obviously not the real brand.",
                "A joke for the fashion crowd.",
            )
        )
    ]
    return Draft(
        title,
        desc,
        _low_price(c, 3, 35),
        brand_field=None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


def par_tote_cartoon(c: Ctx, b: Brand | None) -> Draft:
    """'My Other Bag'-style canvas tote printed with a cartoon of a luxury bag."""
    assert b is not None
    line = c.line(b)
    title = [
        c.choice(
            (
                f"My Other Bag canvas tote – cartoon {c.mention(b, allow_initials=False)} print",
                f"'My other bag is a {line}' canvas tote",
                f"Canvas tote with cartoon drawing of a {line}",
                f"Cartoon {line} print cotton shopper",
            )
        )
    ]
    desc = [c.p("tote_sent", line=line, brand=b.name)]
    if c.chance(0.5):
        desc.append(c.p("parody_sent", brand=b.name))
    return Draft(
        title,
        desc,
        _low_price(c, 15, 60),
        brand_field=c.choice((None, "My Other Bag", "Handmade")),
        condition=_cond(c, 0.8),
        item="canvas tote",
        facts=c.facts_for("tote"),
    )


def par_tote_sketch(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    goods = c.choice(("tote", "pouch", "t-shirt", "tote bag", "makeup bag"))
    title = [
        f"Hand-drawn {c.choice(('designer bag', 'luxury bag', 'it-bag', c.line(b)))} illustration "
        f"{c.goods(goods)}"
    ]
    desc = [
        c.p("tote_sent", line=c.line(b), brand=b.name),
        c.choice(
            (
                "Inspired by the iconic bag, but it's a doodle, not the real thing.",
                "It's a drawing of a fancy bag, on a very un-fancy bag.",
                "'Fake' designer bag, the joke is in the print.",
                "The cartoon is the joke; the bag is plain canvas.",
            )
        ),
    ]
    return Draft(
        title,
        desc,
        _low_price(c, 10, 55),
        brand_field=None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


def par_gag_disclaimer(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    pun = c.pun(b)
    thing = c.choice(
        (
            "luxury rock",
            "designer potato",
            "fancy brick",
            "premium air in a jar",
            "limited-edition paperclip",
            "'couture' paper bag",
            "toilet roll cover",
            "spoof shopping bag",
            "gift box of socks",
        )
    )
    title = [f"{pun} {thing}", c.choice(("Gag Gift", "Spoof", "Joke", "Novelty", "Parody"))]
    desc = [
        c.p("parody_sent", brand=b.name),
        c.choice(
            (
                "Not affiliated, obviously.",
                f"Not affiliated with {b.name}.",
                "No trademark was harmed.",
                "",
            )
        ),
    ]
    desc = [d for d in desc if d]
    return Draft(
        title,
        desc,
        _low_price(c, 5, 60),
        brand_field=None,
        condition="new",
        desc_required=False,
        item=thing,
        facts=c.facts_for("gift"),
    )


def par_gag_packaging(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    pun = c.pun(b)
    box = c.choice(("candy bar", "snack box", "cereal box", "juice carton", "soap bar", "matchbox"))
    title = [f"{pun} spoof {box}"]
    desc = [
        c.choice(
            (
                f"Packaging mocks the {b.name} look; inside is just candy.",
                "Spoof packaging for laughs, the brand has nothing to do with it.",
                c.p("parody_sent", brand=b.name),
            )
        )
    ]
    return Draft(
        title,
        desc,
        _low_price(c, 3, 25),
        brand_field=None,
        condition="new",
        item="spoof box",
        facts=c.facts_for("gift"),
    )


def par_art(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    what = c.choice(
        (
            f"{c.line(b)} sculpture",
            f"melting {c.line(b)}",
            f"{b.name} satire canvas",
            f"oversized {c.line(b)} made of cardboard",
            f"{c.pun(b)} pop-art painting",
        )
    )
    title = [f"{what}", c.choice(("satirical art", "parody artwork", "original art", "pop art"))]
    desc = [
        c.p("art_sent", n=c.rng.randint(5, 50)),
        c.choice(("Not affiliated with the brand.", "Parody / commentary.", "")),
    ]
    desc = [d for d in desc if d]
    return Draft(
        title,
        desc,
        c.loguniform(80, 2500),
        brand_field=c.choice((None, "Original Artist")),
        condition="new",
        item="artwork",
        facts=c.facts_for("art"),
    )


def par_mock_ad(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    pun = c.pun(b)
    goods = c.choice(("poster", "postcard", "framed print", "fridge magnet"))
    title = [f"'{pun}' fake ad {c.goods(goods)}"]
    desc = [
        c.choice(
            (
                "A mock advertisement in the style of a luxury campaign, obviously a joke.",
                "Fake ad, real laughs: a spoof of glossy designer campaigns.",
                c.p("parody_sent", brand=b.name),
            )
        )
    ]
    return Draft(
        title,
        desc,
        _low_price(c, 5, 45),
        brand_field=None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


# ================================================================== lookalike


def look_design_plain(c: Ctx, b: Brand | None) -> Draft:
    """A design signature with no mark and no brand named."""
    assert b is not None
    goods = _goods_of(c, b)
    title = [f"{_lookdesign(c, b)} {c.goods(goods)}"]
    desc = [c.p("style_sent", design=_lookdesign(c, b))]
    if c.chance(0.5):
        desc.append(c.p("nologo_sent"))
    return Draft(
        title,
        desc,
        _low_price(c, 9, 160),
        brand_field=c.choice((None, None, "Unbranded")),
        condition=_cond(c, 0.8),
        desc_required=False,
        item=goods,
        facts=c.facts_for(goods),
    )


def look_design_material(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    goods = _goods_of(c, b)
    material = c.choice(vocab.words("materials"))
    title = [f"{material} {c.goods(goods)} with {_lookdesign(c, b)}", c.p("nologo_tag", "title")]
    desc = [c.p("material", material=material), c.p("nologo_sent")]
    return Draft(
        title,
        desc,
        _low_price(c, 10, 170),
        brand_field=c.choice((None, c.own_brand())),
        condition="new",
        desc_required=False,
        item=goods,
        facts=c.facts_for(goods),
    )


def look_design_style(c: Ctx, b: Brand | None) -> Draft:
    """'H-buckle-style belt with plain buckle'."""
    assert b is not None
    goods = _goods_of(c, b)
    title = [f"{_lookdesign(c, b)}-style {c.goods(goods)}"]
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
        _low_price(c, 10, 220),
        brand_field=None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


def look_dupe_title(c: Ctx, b: Brand | None) -> Draft:
    """'Dupe for X', brand named only as a comparison; goods unbranded."""
    assert b is not None
    goods = _goods_of(c, b)
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
        _low_price(c, 9, 160),
        brand_field=c.choice((None, "Unbranded", c.own_brand())),
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


def look_compare_desc(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    goods = _goods_of(c, b)
    title = [
        f"{_lookdesign(c, b)} {c.goods(goods)}"
        if b.design_elements
        else f"{c.p('dupe_tag', 'title')} {c.goods(goods)}"
    ]
    desc = [c.p("compare_sent", brand=b.name, line=c.line(b)), c.p("nologo_sent")]
    return Draft(
        title,
        desc,
        _low_price(c, 9, 160),
        brand_field=c.choice((None, "Unbranded")),
        condition=_cond(c, 0.8),
        item=goods,
        facts=c.facts_for(goods),
    )


def look_notaff(c: Ctx, b: Brand | None) -> Draft:
    """'Similar to X ... not X, not affiliated, no logo' (hard against infringing and legit)."""
    assert b is not None
    goods = _goods_of(c, b)
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
        _low_price(c, 9, 160),
        brand_field=None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


def look_perfume_impression(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    line = c.line(b)
    title = [
        c.choice(
            (
                f"Inspired by {b.name} {line}",
                f"{line} impression",
                f"Our version of {line}",
                f"Alternative to {b.name} {line}",
            )
        )
        + " "
        + c.choice(("eau de parfum 50ml", "perfume oil", "body mist", "30ml spray", "EDP"))
    ]
    desc = [c.p("perfume_sent", brand=b.name, line=line)]
    if c.chance(0.5):
        desc.append(c.p("notaff_sent", brand=b.name))
    return Draft(
        title,
        desc,
        _low_price(c, 10, 75),
        brand_field=c.choice((None, c.own_brand())),
        condition="new",
        item="perfume",
        facts=c.facts_for("perfume"),
    )


def look_perfume_number(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
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
        c.choice(
            (
                "Not affiliated with the original house.",
                "Own formula, our own bottle.",
                "Name of the original used for comparison only.",
            )
        ),
    ]
    return Draft(
        title,
        desc,
        _low_price(c, 9, 90),
        brand_field=own,
        condition="new",
        item="fragrance",
        facts=c.facts_for("perfume"),
    )


def look_hype(c: Ctx, b: Brand | None) -> Draft:
    """Lookalike written with hype words (no mark, no counterfeit claim)."""
    assert b is not None
    goods = _goods_of(c, b)
    title = [
        f"{_lookdesign(c, b)} {c.goods(goods)}",
        c.choice(
            ("Luxury Look", "Viral", "Quiet Luxury", "Old Money Style", "High End Look", "Premium")
        ),
    ]
    desc = [c.p("hype_sent"), c.p("nologo_sent")]
    return Draft(
        title,
        desc,
        _low_price(c, 10, 170),
        brand_field=None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


def look_homage(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    goods = _goods_of(c, b)
    title = [f"{_lookdesign(c, b)} homage {c.goods(goods)}"]
    desc = [
        c.choice(
            (
                "Homage design, no branding on dial or case.",
                "Homage piece with its own sterile dial.",
                "An homage to a classic design; no logos.",
            )
        ),
        c.p("style_sent", design=_lookdesign(c, b)),
    ]
    return Draft(
        title,
        desc,
        c.loguniform(25, 450),
        brand_field=c.choice((None, c.own_brand())),
        condition=_cond(c, 0.8),
        item=goods,
        facts=c.facts_for(goods),
    )


def look_not_replica(c: Ctx, b: Brand | None) -> Draft:
    """A lookalike that rejects counterfeit words ('not a replica, no logo')."""
    assert b is not None
    goods = _goods_of(c, b)
    title = [
        f"{_lookdesign(c, b)} {c.goods(goods)}",
        c.choice(("not a replica", "no logo", "style only")),
    ]
    desc = [
        c.choice(
            (
                "This is not a replica and has no logo, it is just a similar style.",
                "No fake logos here: an unbranded bag with the same vibe.",
                "Not a copy of any brand, simply a similar shape.",
            )
        ),
        c.p("nologo_sent"),
    ]
    return Draft(
        title,
        desc,
        _low_price(c, 10, 170),
        brand_field=None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


# ================================================================= legitimate


def leg_new_retail(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    goods = _goods_of(c, b)
    title = [c.product(b, with_line=0.9)]
    if c.chance(0.5):
        title.append(c.p("tag_new", "title"))
    desc = [c.p("dealer_sent", store=c.choice(vocab.words("stores")), brand=b.name)]
    if c.chance(0.4):
        desc.append(c.p("receipt_sent", store=c.choice(vocab.words("stores"))))
    return Draft(
        title,
        desc,
        c.price_genuine(b),
        brand_field=b.name,
        condition="new",
        desc_required=False,
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


def leg_new_gift(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    goods = _goods_of(c, b)
    title = [c.product(b)]
    desc = [
        c.choice(
            (
                "Unwanted gift, never used.",
                "Received as a present, wrong size.",
                "Duplicate gift, still in the shopping bag.",
                "Bought for my partner, they already had one.",
            )
        ),
        c.p("receipt_sent", store=c.choice(vocab.words("stores"))),
    ]
    return Draft(
        title,
        desc,
        c.price_genuine(b, (0.6, 0.95)),
        brand_field=b.name,
        condition="new",
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


def leg_preowned_service(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    goods = _goods_of(c, b)
    title = [c.product(b, with_line=0.9)]
    if c.chance(0.6):
        title.append(c.p("auth_tag", "title"))
    desc = [c.p("service_sent", service=c.choice(vocab.words("services")))]
    if c.chance(0.6):
        desc.append(c.p("wear_sent", flaw=c.choice(vocab.words("flaws"))))
    return Draft(
        title,
        desc,
        c.price_genuine(b, (0.35, 0.9)),
        brand_field=b.name,
        condition="used",
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


def leg_preowned_receipt(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    goods = _goods_of(c, b)
    desc = [c.p("receipt_sent", store=c.choice(vocab.words("stores")))]
    if c.chance(0.6):
        desc.append(c.p("serial_sent"))
    if c.chance(0.4):
        desc.append(c.p("bought", year=c.choice(vocab.words("years"))))
    return Draft(
        [c.product(b)],
        desc,
        c.price_genuine(b, (0.35, 0.9)),
        brand_field=b.name,
        condition="used",
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


def leg_preowned_notfake(c: Ctx, b: Brand | None) -> Draft:
    """Genuine resale that says 'not fake' / 'not a replica' (negated cue words)."""
    assert b is not None
    goods = _goods_of(c, b)
    title = [
        c.product(b, with_line=0.9),
        c.choice(("Not Fake", "100% Authentic", "Real", "Genuine", "Authentic not replica")),
    ]
    desc = [c.p("notfake_sent", brand=b.name)]
    desc.append(
        c.p(
            c.choice(("service_sent", "receipt_sent", "serial_sent")),
            service=c.choice(vocab.words("services")),
            store=c.choice(vocab.words("stores")),
        )
    )
    return Draft(
        title,
        desc,
        c.price_genuine(b, (0.4, 0.95)),
        brand_field=b.name,
        condition=_cond(c, 0.3),
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


def leg_cheap_genuine(c: Ctx, b: Brand | None) -> Draft:
    """Genuine but cheap: well-worn or a small item; the price alone does not decide."""
    assert b is not None
    goods = _goods_of(c, b)
    small = c.choice(
        (
            "keychain",
            "card holder",
            "dust bag",
            "socks",
            "key pouch",
            "sample vial",
            "shopping bag",
            "hair clip",
            "lanyard",
            "coin purse",
            goods,
        )
    )
    title = [f"{c.mention(b)} {c.goods(small)}", c.p("tag_used", "title")]
    desc = [
        c.p("wear_sent", flaw=c.choice(vocab.words("flaws"))),
        c.choice(
            (
                "Genuine, from my own collection.",
                "Real one, bought at the store years ago.",
                "Authentic but well loved, hence the price.",
                "Original, just old.",
                c.p("bought", year=c.choice(vocab.words("years"))),
            )
        ),
    ]
    price = c.price_of_min(b, 0.05, 0.35, floor=5.0)
    return Draft(
        title,
        desc,
        price,
        brand_field=b.name,
        condition="used",
        item=f"{b.name} {small}",
        facts=c.facts_for(small),
    )


def leg_generic_plain(c: Ctx, b: Brand | None) -> Draft:
    item = c.choice(vocab.words("generic_goods"))
    desc = [c.p("generic_sent")]
    if c.chance(0.5):
        desc.append(c.p("material", material=c.choice(vocab.words("materials"))))
    return Draft(
        [item],
        desc,
        _low_price(c, 4, 160),
        brand_field=c.choice((None, None, "Unbranded", "Generic")),
        condition=_cond(c, 0.6),
        desc_required=False,
        item=item,
        facts=c.facts_for(item),
    )


def leg_generic_handmade(c: Ctx, b: Brand | None) -> Draft:
    item = c.choice(vocab.words("generic_goods"))
    title = [f"{c.choice(('Handmade', 'Hand-crafted', 'Artisan', 'Small batch'))} {item}"]
    desc = [
        c.choice(
            (
                "Inspired by nature, every piece is a little different.",
                "Made in my home studio.",
                "Inspired by the colours of the coast.",
                "Each one is hand finished.",
                "Made to order, allow a few days.",
            )
        ),
        c.p("generic_sent"),
    ]
    return Draft(
        title,
        desc,
        _low_price(c, 8, 200),
        brand_field=c.choice((None, "Handmade", c.own_brand())),
        condition="new",
        item=item,
        facts=c.facts_for(item),
    )


def leg_own_brand(c: Ctx, b: Brand | None) -> Draft:
    own = c.own_brand()
    goods = c.choice(
        (
            "leather wallet",
            "tote bag",
            "sneakers",
            "watch",
            "sunglasses",
            "candle",
            "hoodie",
            "necklace",
            "backpack",
            "water bottle",
            "face serum",
            "card holder",
        )
    )
    title = [f"{own} {goods}"]
    desc = [c.p("ownbrand_sent", own=own)]
    if c.chance(0.5):
        desc.append(c.p("material", material=c.choice(vocab.words("materials"))))
    return Draft(
        title,
        desc,
        _low_price(c, 15, 450),
        brand_field=own,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


def _accessory(c: Ctx, b: Brand) -> str:
    accs = vocab.VOCABULARY.groups("compat_accessories").get(b.category) or (
        "case",
        "stand",
        "strap",
    )
    return c.choice(accs)


def leg_compat_for(c: Ctx, b: Brand | None) -> Draft:
    """'Case for iPhone 15': a brand named for compatibility only."""
    assert b is not None
    acc = _accessory(c, b)
    target = f"{b.name} {c.line(b)}" if b.product_lines else b.name
    title = [
        c.choice(
            (
                f"{acc} for {target}",
                f"{acc} compatible with {target}",
                f"{target} compatible {acc}",
                f"{acc} fits {target}",
            )
        )
    ]
    desc = [c.p("compat_sent", brand=b.name, line=c.line(b))]
    if c.chance(0.6):
        desc.append(c.p("thirdparty_sent", brand=b.name))
    own = c.own_brand()
    return Draft(
        title,
        desc,
        _low_price(c, 5, 70),
        brand_field=c.choice((own, own, None, "Generic")),
        condition="new",
        item=acc,
        facts=c.facts_for(acc),
    )


def leg_compat_replacement(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    acc = _accessory(c, b)
    own = c.own_brand()
    title = [f"{own} {acc}", f"for {c.line(b)}"]
    desc = [
        c.choice(
            (
                f"Replacement {acc} that fits the {b.name} {c.line(b)}.",
                f"Made to fit the {c.line(b)}; {b.name} itself is not included.",
                c.p("compat_sent", brand=b.name, line=c.line(b)),
            )
        ),
        c.p("thirdparty_sent", brand=b.name),
    ]
    return Draft(
        title,
        desc,
        _low_price(c, 5, 90),
        brand_field=own,
        condition="new",
        item=acc,
        facts=c.facts_for(acc),
    )


def leg_licensed_jersey(c: Ctx, b: Brand | None) -> Draft:
    """Licensed 'replica jersey': the word replica is the product tier, not a fake."""
    assert b is not None
    season = c.choice(("2023/24", "2024/25", "2022-23", "home", "away", "third kit", "2024"))
    title = [
        f"{b.name} "
        f"{c.choice(('replica jersey', 'replica home shirt', 'replica kit', 'jersey replica'))} "
        f"{season}",
        c.choice(("Official", "Licensed", "Fan Edition", "Adult M", "Youth L")),
    ]
    desc = [c.p("licensed_sent")]
    if c.chance(0.5):
        desc.append(
            c.choice(
                (
                    "Replica = fan version, not the player authentic cut.",
                    "Bought from the club shop.",
                    "Official hologram tag attached.",
                )
            )
        )
    return Draft(
        title,
        desc,
        c.loguniform(30, 160),
        brand_field=b.name,
        condition=_cond(c, 0.6),
        item="jersey",
        facts=c.facts_for("jersey"),
    )


def leg_licensed_merch(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    goods = _goods_of(c, b)
    title = [
        f"Official {b.name} {c.goods(goods)}",
        c.choice(("Licensed", "Officially Licensed", "Fan Shop")),
    ]
    desc = [
        c.p("licensed_sent"),
        c.choice(
            (
                "Replica-style collector edition, sold by the official store.",
                "With the licence hologram.",
                "Authentic licensed merch.",
            )
        ),
    ]
    return Draft(
        title,
        desc,
        c.price_genuine(b, (0.5, 1.0)),
        brand_field=b.name,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


def leg_museum(c: Ctx, b: Brand | None) -> Draft:
    item = c.choice(vocab.words("museum_items"))
    title = [item]
    desc = [c.p("museum_sent")]
    if c.chance(0.5):
        desc.append(
            c.p(
                "measure",
                w=c.rng.randint(8, 60),
                h=c.rng.randint(8, 80),
                d=c.rng.randint(3, 30),
                wi=c.rng.randint(4, 24),
            )
        )
    return Draft(
        title,
        desc,
        c.loguniform(12, 400),
        brand_field=c.choice((None, "Museum Shop", c.own_brand())),
        condition="new",
        desc_required=False,
        item=item,
        facts=c.facts_for("model"),
    )


def leg_mirror(c: Ctx, b: Brand | None) -> Draft:
    item = c.choice(vocab.words("mirror_items"))
    title = [item]
    if c.chance(0.4):
        title.append(
            c.choice(("mirror quality glass", "high quality", "1:1 scale drawing included"))
            if c.chance(0.3)
            else c.choice(("bevelled", "large", "antique style"))
        )
    desc = [c.p("mirror_sent")]
    return Draft(
        title,
        desc,
        c.loguniform(15, 450),
        brand_field=c.choice((None, c.own_brand())),
        condition=_cond(c, 0.6),
        desc_required=False,
        item=item,
        facts=c.facts_for("mirror"),
    )


def leg_media(c: Ctx, b: Brand | None) -> Draft:
    """A book, magazine or catalogue about a brand: names the mark, sells something else."""
    assert b is not None
    what = c.choice(
        (
            f"Book: The Story of {b.name}",
            f"{b.name} coffee table book",
            f"{b.name} collector's catalogue {c.choice(vocab.words('years'))}",
            f"Magazine issue featuring {b.name}",
            f"{b.name}: a history (hardcover)",
        )
    )
    desc = [
        c.choice(
            (
                "Hardcover, like new.",
                "Lots of photos of the archive pieces.",
                "Great reference for collectors.",
                "Published by the brand, first edition.",
            )
        )
    ]
    return Draft(
        [what],
        desc,
        c.loguniform(8, 90),
        brand_field=c.choice((None, b.name)),
        condition=_cond(c, 0.5),
        item="book",
        facts=c.facts_for("book"),
    )


# ------------------------------------------------------------ added in 1.1


def inf_software_key(c: Ctx, b: Brand | None) -> Draft:
    """Unauthorized licences: 'lifetime key' with an activator, shared accounts, cracked copies."""
    assert b is not None
    line = c.line(b)
    title = [
        c.choice(
            (
                f"{b.name} {line} lifetime key",
                f"{line} activation key – lifetime",
                f"{b.name} {line} full version",
                f"{line} account (shared)",
                f"{b.name} {line} key 1 PC",
            )
        )
    ]
    desc = [
        c.choice(
            (
                "Should activation fail, a patch tool is included.",
                "Cracked version, no subscription needed.",
                "Shared account, do not change the password.",
                "Lifetime, one-time payment, works offline with the included patch.",
                "Key from a volume licence, resold, activation by phone.",
                "Full version pre-activated, just install and use.",
                "Unlocked with a loader, 100% working.",
            )
        )
    ]
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


def inf_software_bundle(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    line = c.line(b)
    title = [
        f"{line} + {c.rng.randint(20, 500)} extras bundle",
        c.choice(("modded", "unlocked", "jailbroken", "all DLC", "cracked")),
    ]
    desc = [
        c.choice(
            (
                f"Modded {b.name} with hundreds of copied games loaded.",
                "Copies of the games on a memory card, plays like the originals.",
                "Unofficial copies, cannot go online.",
                "Flashed firmware, runs backups of every game.",
            )
        )
    ]
    return Draft(
        title,
        desc,
        c.price_of_typical(b, 0.05, 0.5),
        brand_field=None,
        condition=_cond(c, 0.5),
        item=line,
        facts=c.facts_for("console"),
    )


_CHEAP = (
    "18k gold plated stainless steel",
    "PU leather",
    "quartz movement",
    "zinc alloy",
    "plastic lenses",
    "faux leather",
    "gold-tone alloy",
    "rhinestones",
    "polyester",
    "synthetic fabric",
)


def inf_cheap_material(c: Ctx, b: Brand | None) -> Draft:
    """Branded goods in materials the brand never uses, with the mark stamped on, at a low price."""
    assert b is not None
    goods = _goods_of(c, b)
    mark = c.choice(b.initials) if b.initials and c.chance(0.5) else b.name
    title = [c.product(b, with_line=0.8)]
    desc = [
        c.choice(
            (
                f"{c.choice(_CHEAP).capitalize()}, {mark} marking and a serial etched on.",
                f"{c.choice(_CHEAP).capitalize()} body with the {mark} name engraved.",
                f"{mark} stamp inside, {c.choice(_CHEAP)}.",
                f"Stamped {b.name}, {c.choice(_CHEAP)} body, comes in a gift box.",
                f"{c.choice(_CHEAP).capitalize()} with the {mark} logo printed like the original.",
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


_JOKE_OBJECTS = (
    "bread",
    "little teapots",
    "donuts",
    "fish skeletons",
    "cheese slices",
    "pizza slices",
    "tacos",
    "sleeping cats",
    "coffee beans",
    "rubber ducks",
    "potatoes",
    "rubber chickens",
    "noodles",
)
_AUDIENCES = (
    "dog lover",
    "cat mom",
    "pasta fiend",
    "tired parent",
    "retired uncle",
    "office prankster",
    "coffee addict",
    "sneakerhead",
    "fashion snob friend",
    "new dad",
    "gym bro",
    "couch potato",
)


def par_visual_apparel(c: Ctx, b: Brand | None) -> Draft:
    """The mark's look redrawn as a joke ('the famous check, but made of tiny bones')."""
    assert b is not None
    pun = c.pun(b)
    obj = c.choice(_JOKE_OBJECTS)
    goods = c.choice(
        ("tee", "hoodie", "sweatshirt", "tote", "dog coat", "pillow", "tank top", "onesie")
    )
    design = c.design(b)
    title = [
        c.choice(
            (
                f"{pun.upper()} {goods}",
                f"{pun} {goods} – {design} but it's {obj}",
                f"{goods} '{pun}'",
            )
        )
    ]
    desc = [
        c.choice(
            (
                f"The famous {design}, except it's made of {obj}.",
                f"Looks like the {design} at first glance; look closer, it's {obj}.",
                f"{pun}, not {b.name}.",
                f"Our {design} is {obj}. Say the name out loud.",
            )
        ),
        c.p("audience", who=c.choice(_AUDIENCES)),
    ]
    if c.chance(0.4):
        desc.append(c.p("parody_sent", brand=b.name))
    return Draft(
        title,
        desc,
        _low_price(c, 9, 90),
        brand_field=c.choice((None, pun, c.own_brand())),
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


def par_visual_home(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    pun = c.pun(b)
    obj = c.choice(_JOKE_OBJECTS)
    goods = c.choice(
        (
            "candle",
            "soap bar",
            "tin sign",
            "chore chart",
            "cocktail glass",
            "wooden toy",
            "throw pillow",
            "greeting card",
            "apron",
            "phone stand",
            "bookmark",
        )
    )
    title = [f"{pun} {goods}"]
    desc = [
        c.choice(
            (
                f"Label reads {pun.upper()}, with {obj} where the logo would be.",
                f"In the style of the {b.name} look, but everything is {obj}.",
                f"{pun}: smells like {obj}.",
                f"Spoof label, {obj} instead of the real thing.",
            )
        ),
        c.p("audience", who=c.choice(_AUDIENCES)),
    ]
    return Draft(
        title,
        desc,
        _low_price(c, 5, 50),
        brand_field=c.choice((None, c.own_brand())),
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


def look_style_of(c: Ctx, b: Brand | None) -> Draft:
    """'Cast-iron pot, façon Le Creuset': the brand as a comparison, goods under their own name."""
    assert b is not None
    goods = _goods_of(c, b)
    own = c.own_brand()
    title = [f"{c.goods(goods)}, {_lookdesign(c, b)}", c.p("style_of", "title", brand=b.name)]
    desc = [c.p("ownname_sent", own=own, brand=b.name)]
    if c.chance(0.5):
        desc.append(c.p("compare_sent", brand=b.name, line=c.line(b)))
    return Draft(
        title,
        desc,
        _low_price(c, 9, 170),
        brand_field=c.choice((own, None, "Other")),
        condition=_cond(c, 0.7),
        item=goods,
        facts=c.facts_for(goods),
    )


_CLASSICS = (
    ("lounge chair with ottoman, moulded plywood and black leather", "chair"),
    ("egg chair, swivel base, wool upholstery", "chair"),
    ("tulip dining table, white marble-look top", "table"),
    ("cross-frame leather lounge chair, polished steel", "chair"),
    ("wire side chair, chrome finish", "chair"),
    ("cantilever tubular steel chair with cane seat", "chair"),
    ("arc floor lamp with marble base", "lamp"),
    ("wishbone chair, oak with paper cord seat", "chair"),
    ("shell armchair, fibreglass look, eiffel legs", "chair"),
    ("coconut chair, 1950s style", "chair"),
    ("pendant lamp with layered artichoke leaves", "lamp"),
)


def look_design_classic(c: Ctx, b: Brand | None) -> Draft:
    """Famous furniture designs sold as 'replica' with no mark: a design lookalike."""
    item, _kind = c.choice(_CLASSICS)
    title = [
        item,
        c.choice(
            ("replica", "reproduction", "mid-century style", "inspired design", "classic design")
        ),
    ]
    desc = [
        c.choice(
            (
                "Reproduction of the iconic design, not the licensed original, no maker's marks.",
                "Replica of a famous mid-century design; unbranded and sold as such.",
                "Inspired by the original, made by an independent workshop, no labels.",
                "Faithful reproduction, not produced by the original manufacturer.",
            )
        ),
        c.choice(
            (
                "Assembly required.",
                "Heavy and sturdy.",
                "Colour as pictured.",
                "Delivery available.",
            )
        ),
    ]
    return Draft(
        title,
        desc,
        c.loguniform(25, 450),
        brand_field=c.choice((None, c.own_brand())),
        condition=_cond(c, 0.7),
        item=item,
        facts=c.facts_for("chair"),
    )


def leg_preowned_story(c: Ctx, b: Brand | None) -> Draft:
    """Genuine resale told as a story: why it is sold, where it came from, what is included."""
    assert b is not None
    goods = _goods_of(c, b)
    title = [c.product(b, with_line=0.9)]
    story = c.choice(
        (
            f"Bought from the {b.name} store, "
            f"{c.choice(('box and receipt', 'receipt in my email', 'box included'))}.",
            f"Upgraded to a newer {c.line(b)}, this one is in great shape.",
            "Wiped and signed out of my account."
            if vocab.goods_kind(goods) == "electronics"
            else "Serial numbers on item and packaging agree.",
            f"Mine from new, bought {c.choice(vocab.words('years'))}, original packaging.",
            "Got it as a birthday present, the gift receipt is included.",
            "Selling on behalf of my sister, who bought it new.",
            f"Got two sizes from {b.name} online; this is the one that did not fit.",
            f"Order email from the official {b.name} shop shown in the pics.",
            "Bought at the outlet, tags still on.",
        )
    )
    desc = [story]
    if c.chance(0.5):
        desc.append(
            c.choice(
                (
                    "Happy to meet at a store to verify.",
                    "Check the photos for the serial number.",
                    "Registered the warranty, can transfer.",
                    "Original tags still attached.",
                )
            )
        )
    return Draft(
        title,
        desc,
        c.price_genuine(b, (0.3, 0.9)),
        brand_field=b.name,
        condition=_cond(c, 0.3),
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


def par_shaped_object(c: Ctx, b: Brand | None) -> Draft:
    """A novelty object shaped like a famous product, with a punned name on it."""
    assert b is not None
    pun = c.pun(b)
    thing = c.choice(
        (
            "pencil case",
            "desk lamp",
            "cushion",
            "cat toy",
            "dog chew toy",
            "ice cube tray",
            "bottle opener",
            "cookie cutter",
            "piggy bank",
            "keyring",
            "soap",
            "bath bomb",
        )
    )
    what = c.line(b) if b.product_lines and c.chance(0.6) else f"{b.name} {c.brand_goods(b)}"
    title = [
        c.choice((f"{pun} {thing}", f"{pun} – {what}-shaped {thing}", f"{what} {thing} '{pun}'"))
    ]
    desc = [
        c.choice(
            (
                f"{thing.capitalize()} shaped like the {what}, {pun.upper()} printed on the side.",
                f"Looks like a {what}, but it's a {thing}.",
                f"Shaped like the famous {what}. Does not do what the real one does.",
                f"{pun} engraved where the logo would be; it's a {thing}.",
            )
        ),
        c.choice(
            (
                c.p("audience", who=c.choice(_AUDIENCES)),
                c.p("parody_sent", brand=b.name),
                "Gag gift.",
                "Made us laugh, hope it makes you laugh too.",
            )
        ),
    ]
    return Draft(
        title,
        desc,
        _low_price(c, 5, 55),
        brand_field=c.choice((None, pun, c.own_brand())),
        condition="new",
        item=thing,
        facts=c.facts_for("toy"),
    )


def leg_generic_personal(c: Ctx, b: Brand | None) -> Draft:
    """Ordinary goods described the way private sellers do (no mark, no famous design)."""
    item = c.choice(
        (
            *vocab.words("generic_goods"),
            "balance bike",
            "bookshelf",
            "office chair",
            "crib mattress",
            "garden table and 2 chairs",
            "box of paperbacks",
            "winter coat",
            "knitted throw",
            "sewing machine",
            "guitar stand",
        )
    )
    title = [c.choice((item, f"FREE - {item}", f"{item}, like new", f"{item} – must go"))]
    desc = [
        c.choice(
            (
                "Can't find any brand name on it.",
                "My own work, many evenings of knitting.",
                "First to collect gets it.",
                "Kids outgrew it.",
                "Bought at a local shop years ago.",
                "Works fine, just don't need it anymore.",
                "Gentle wash only.",
                "Some wear from normal use.",
                "Cash on pickup, first come first served.",
            )
        )
    ]
    return Draft(
        title,
        desc,
        c.loguniform(0.5, 120) if c.chance(0.85) else 0.0,
        brand_field=None,
        condition=_cond(c, 0.3),
        item=item,
        facts=c.facts_for(item),
    )


def inf_compat_monogram(c: Ctx, b: Brand | None) -> Draft:
    """A compatibility accessory that carries another house's mark: compatible, but infringing."""
    assert b is not None
    device = c.choice(
        (
            "AirPods Pro 2 case",
            "iPhone 15 case",
            "Apple Watch band",
            "Galaxy S24 case",
            "phone strap",
            "Kindle cover",
            "card holder phone case",
        )
    )
    mark = c.choice(b.initials) if b.initials and c.chance(0.5) else b.name
    title = [
        c.choice(
            (
                f"{device} {mark} monogram",
                f"Compatible with {device}, {mark} logo print",
                f"Luxury {mark} style {device} with logo",
            )
        )
    ]
    desc = [
        c.choice(
            (
                f"Printed with the classic {mark} monogram pattern.",
                f"{mark} logo on the back, looks designer.",
                f"Fits perfectly, full {mark} logo print.",
            )
        ),
        c.choice(("Supports wireless charging.", "Comes with a gold keychain.", "Shockproof.")),
    ]
    return Draft(
        title,
        desc,
        _low_price(c, 5, 35),
        brand_field=c.choice((None, "Generic", c.own_brand())),
        condition="new",
        item=device,
        facts=c.facts_for("phone case"),
    )


# ============================================================== the registry

_I, _P, _L, _G = Label.INFRINGING, Label.PARODY, Label.LOOKALIKE, Label.LEGITIMATE

FAMILIES: tuple[Family, ...] = (
    # infringing
    Family("inf.counterfeit.title", _I, "counterfeit_vocab", "easy", inf_cf_title, _physical),
    Family("inf.counterfeit.desc", _I, "counterfeit_vocab", "hard", inf_cf_desc, _physical),
    Family("inf.counterfeit.factory", _I, "counterfeit_vocab", "easy", inf_factory, _physical),
    Family("inf.obfuscated.name", _I, "obfuscated_mark", "hard", inf_obf_name, _physical),
    Family("inf.obfuscated.counterfeit", _I, "obfuscated_mark", "easy", inf_obf_cf, _physical),
    Family("inf.obfuscated.line", _I, "obfuscated_mark", "hard", inf_obf_line, _has_lines),
    Family("inf.contradicted.receipt", _I, "contradicted_claims", "hard", inf_contra_receipt, _any),
    Family(
        "inf.contradicted.unbranded",
        _I,
        "contradicted_claims",
        "hard",
        inf_contra_unbranded,
        _physical,
    ),
    Family("inf.price.silent", _I, "price_far_below", "hard", inf_price_silent, _any),
    Family("inf.price.wholesale", _I, "price_far_below", "easy", inf_price_wholesale, _any),
    Family("inf.price.authclaim", _I, "price_far_below", "hard", inf_price_authclaim, _any),
    Family("inf.stuffing.title", _I, "keyword_stuffing", "easy", inf_stuff_title, _any),
    Family("inf.stuffing.tags", _I, "keyword_stuffing", "hard", inf_stuff_tags, _any),
    Family("inf.parody.exact", _I, "failed_parody", "hard", inf_parody_exact, _physical),
    Family("inf.parody.kidding", _I, "failed_parody", "hard", inf_parody_kidding, _physical),
    Family("inf.markon.inspired", _I, "mark_on_lookalike", "hard", inf_inspired_logo, _physical),
    Family("inf.markon.dupe", _I, "mark_on_lookalike", "hard", inf_dupe_logo, _physical),
    Family(
        "inf.markon.compat", _I, "mark_on_lookalike", "hard", inf_compat_monogram, _cat(*_FASHION)
    ),
    Family("inf.jargon.title", _I, "jargon", "easy", inf_jargon_title, _physical),
    Family("inf.jargon.desc", _I, "jargon", "hard", inf_jargon_desc, _physical),
    Family(
        "inf.software.key",
        _I,
        "unauthorized_software",
        "hard",
        inf_software_key,
        _cat("software_games"),
    ),
    Family(
        "inf.software.bundle",
        _I,
        "unauthorized_software",
        "hard",
        inf_software_bundle,
        _cat("software_games"),
    ),
    Family(
        "inf.contradicted.material",
        _I,
        "contradicted_claims",
        "hard",
        inf_cheap_material,
        _cat(*_FASHION),
    ),
    # parody
    Family("par.pun.pet", _P, "pun_name", "hard", par_pun_pet, _any),
    Family("par.pun.apparel", _P, "pun_name", "easy", par_pun_apparel, _any),
    Family("par.pun.home", _P, "pun_name", "hard", par_pun_home, _any),
    Family("par.slogan.tee", _P, "satire_slogan", "easy", par_slogan_tee, _any),
    Family("par.slogan.print", _P, "satire_slogan", "hard", par_slogan_print, _any),
    Family("par.tote.cartoon", _P, "cartoon_tote", "easy", par_tote_cartoon, _any),
    Family("par.tote.sketch", _P, "cartoon_tote", "hard", par_tote_sketch, _any),
    Family("par.gag.disclaimer", _P, "gag_gift", "easy", par_gag_disclaimer, _any),
    Family("par.gag.packaging", _P, "gag_gift", "hard", par_gag_packaging, _any),
    Family("par.art.object", _P, "satirical_art", "hard", par_art, _any),
    Family("par.art.mockad", _P, "satirical_art", "hard", par_mock_ad, _any),
    Family("par.visual.apparel", _P, "visual_joke", "hard", par_visual_apparel, _has_design),
    Family("par.visual.home", _P, "visual_joke", "hard", par_visual_home, _any),
    Family("par.visual.shaped", _P, "visual_joke", "hard", par_shaped_object, _any),
    # lookalike
    Family("look.design.plain", _L, "design_no_mark", "hard", look_design_plain, _design),
    Family("look.design.material", _L, "design_no_mark", "easy", look_design_material, _design),
    Family("look.design.style", _L, "design_no_mark", "easy", look_design_style, _design),
    Family("look.dupe.title", _L, "dupe_comparison", "hard", look_dupe_title, _any),
    Family("look.dupe.desc", _L, "dupe_comparison", "hard", look_compare_desc, _any),
    Family("look.dupe.notaffiliated", _L, "dupe_comparison", "hard", look_notaff, _any),
    Family(
        "look.perfume.impression",
        _L,
        "fragrance_impression",
        "hard",
        look_perfume_impression,
        _cat("beauty"),
    ),
    Family(
        "look.perfume.number",
        _L,
        "fragrance_impression",
        "hard",
        look_perfume_number,
        _cat("beauty"),
    ),
    Family("look.hype.vibes", _L, "hype_lookalike", "hard", look_hype, _design),
    Family("look.hype.notreplica", _L, "hype_lookalike", "hard", look_not_replica, _design),
    Family("look.homage.design", _L, "homage", "hard", look_homage, _homage),
    Family("look.dupe.styleof", _L, "dupe_comparison", "hard", look_style_of, _design),
    Family("look.classic.furniture", _L, "design_classic", "hard", look_design_classic),
    # legitimate
    Family("leg.new.retail", _G, "genuine_new", "easy", leg_new_retail, _any),
    Family("leg.new.gift", _G, "genuine_new", "easy", leg_new_gift, _any),
    Family("leg.preowned.service", _G, "genuine_preowned", "easy", leg_preowned_service, _any),
    Family("leg.preowned.receipt", _G, "genuine_preowned", "easy", leg_preowned_receipt, _any),
    Family("leg.preowned.story", _G, "genuine_preowned", "easy", leg_preowned_story, _any),
    Family("leg.preowned.notfake", _G, "genuine_notfake", "hard", leg_preowned_notfake, _any),
    Family("leg.preowned.cheap", _G, "genuine_notfake", "hard", leg_cheap_genuine, _any),
    Family("leg.generic.plain", _G, "generic_goods", "easy", leg_generic_plain),
    Family("leg.generic.handmade", _G, "generic_goods", "easy", leg_generic_handmade),
    Family("leg.ownbrand.goods", _G, "generic_goods", "easy", leg_own_brand),
    Family("leg.generic.personal", _G, "generic_goods", "easy", leg_generic_personal),
    Family("leg.compat.for", _G, "compatibility", "hard", leg_compat_for, _any),
    Family("leg.compat.replacement", _G, "compatibility", "hard", leg_compat_replacement, _any),
    Family(
        "leg.licensed.jersey",
        _G,
        "licensed_replica",
        "hard",
        leg_licensed_jersey,
        _cat("sports_teams"),
    ),
    Family(
        "leg.licensed.merch",
        _G,
        "licensed_replica",
        "hard",
        leg_licensed_merch,
        _cat("sports_teams", "toys", "software_games"),
    ),
    Family("leg.replica.museum", _G, "false_cue_words", "hard", leg_museum),
    Family("leg.replica.mirror", _G, "false_cue_words", "hard", leg_mirror),
    Family("leg.media.book", _G, "brand_media", "hard", leg_media, _any),
)


def families_by_label() -> dict[Label, list[Family]]:
    """Families grouped by label, in registry order."""
    out: dict[Label, list[Family]] = {label: [] for label in Label}
    for fam in FAMILIES:
        out[fam.label].append(fam)
    return out
