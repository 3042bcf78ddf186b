"""Parody families: a joke on a brand that nobody could take for the brand's own goods.

Pun names, satire slogans, cartoon totes, gag gifts, satirical art and visual jokes.

Each builder registers itself with :class:`~nlp_ip_train.datagen.families.registry.LabelFamilies`;
its word lists and templates are in ``data/families/parody.yaml``.
"""

from __future__ import annotations

from nlp_ip.brands import Brand
from nlp_ip.labels import Label
from nlp_ip_train.datagen.context import Ctx, Draft
from nlp_ip_train.datagen.families.brand_needs import ANY_BRAND, WITH_DESIGN_ELEMENTS
from nlp_ip_train.datagen.families.common import condition, label_words, low_price
from nlp_ip_train.datagen.families.registry import LabelFamilies
from nlp_ip_train.datagen.tables import strings
from nlp_ip_train.datagen.vocab import words

family = LabelFamilies(Label.PARODY)

#: The word lists and templates of these builders, with the placeholders each may use.
WORDS = label_words(
    family.label,
    {
        "pet_goods": strings(),
        "apparel_jokes": strings(("pun",)),
        "home_goods": strings(),
        "sketch_jokes": strings(),
        "gag_things": strings(),
        "gag_disclaimers": strings(("brand",), allow_empty=True),
        "visual_jokes": strings(("design", "obj", "pun", "brand")),
        "visual_home_goods": strings(),
        "shaped_things": strings(),
        "joke_objects": strings(),
        "audiences": strings(),
    },
)


@family("par.pun.pet", scenario="pun_name", difficulty="hard", brand=ANY_BRAND)
def par_pun_pet(c: Ctx, b: Brand) -> Draft:
    pun = c.pun(b)
    pet_goods = c.choice(WORDS.words("pet_goods"))
    title = [f"{pun} {pet_goods}"]
    desc = [c.p("pet_sent")]
    if c.chance(0.5):
        desc.append(c.p("parody_sent", brand=b.name))
    return Draft(
        title,
        desc,
        low_price(c, 6, 45),
        brand_field=c.choice((None, pun, "Handmade")),
        condition="new",
        item=f"{pun} toy",
        facts=c.facts_for("toy"),
    )


@family("par.pun.apparel", scenario="pun_name", difficulty="easy", brand=ANY_BRAND)
def par_pun_apparel(c: Ctx, b: Brand) -> Draft:
    pun = c.pun(b)
    goods = c.choice(("t-shirt", "hoodie", "tee", "sweatshirt", "cap", "socks", "tank top"))
    title = [f"{pun} {c.goods(goods)}"]
    if c.chance(0.5):
        title.append(c.p("parody_tag", "title"))
    desc = (
        [c.p("parody_sent", brand=b.name)]
        if c.chance(0.7)
        else [c.choice(WORDS.words("apparel_jokes")).format(pun=pun)]
    )
    return Draft(
        title,
        desc,
        low_price(c, 10, 90),
        brand_field=c.choice((None, None, pun)),
        condition="new",
        item=f"{pun} {goods}",
        facts=c.facts_for(goods),
    )


@family("par.pun.home", scenario="pun_name", difficulty="hard", brand=ANY_BRAND)
def par_pun_home(c: Ctx, b: Brand) -> Draft:
    pun = c.pun(b)
    goods = c.choice(WORDS.words("home_goods"))
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
        low_price(c, 5, 40),
        brand_field=None,
        condition="new",
        item=f"{pun} {goods}",
        facts=c.facts_for(goods),
    )


@family("par.slogan.tee", scenario="satire_slogan", difficulty="easy", brand=ANY_BRAND)
def par_slogan_tee(c: Ctx, b: Brand) -> Draft:
    slogan = c.choice(words("slogans")).format(b=b.name.split()[0], p=c.pun(b), n=c.line(b))
    goods = c.choice(("t-shirt", "hoodie", "crewneck", "tee"))
    title = [f'"{slogan}" {c.goods(goods)}', c.p("parody_tag", "title")]
    desc = [c.p("parody_sent", brand=b.name)]
    return Draft(
        title,
        desc,
        low_price(c, 12, 60),
        brand_field=None,
        condition="new",
        desc_required=False,
        item=f"{goods}",
        facts=c.facts_for(goods),
    )


@family("par.slogan.print", scenario="satire_slogan", difficulty="hard", brand=ANY_BRAND)
def par_slogan_print(c: Ctx, b: Brand) -> Draft:
    slogan = c.choice(words("slogans")).format(b=b.name.split()[0], p=c.pun(b), n=c.line(b))
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
        low_price(c, 3, 35),
        brand_field=None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


@family("par.tote.cartoon", scenario="cartoon_tote", difficulty="easy", brand=ANY_BRAND)
def par_tote_cartoon(c: Ctx, b: Brand) -> Draft:
    """Canvas tote printed with a cartoon of a luxury bag (the guide's cartoon-tote parody,
    in wording of its own: no litigated product's name is a template)."""
    line = c.line(b)
    title = [
        c.choice(
            (
                f"Doodle canvas tote – cartoon {c.mention(b, allow_initials=False)} print",
                f"'My dream bag is a {line}' cartoon canvas tote",
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
        low_price(c, 15, 60),
        brand_field=c.choice((None, "Doodle Totes", "Handmade")),
        condition=condition(c, 0.8),
        item="canvas tote",
        facts=c.facts_for("tote"),
    )


@family("par.tote.sketch", scenario="cartoon_tote", difficulty="hard", brand=ANY_BRAND)
def par_tote_sketch(c: Ctx, b: Brand) -> Draft:
    goods = c.choice(("tote", "pouch", "t-shirt", "tote bag", "makeup bag"))
    title = [
        f"Hand-drawn {c.choice(('designer bag', 'luxury bag', 'it-bag', c.line(b)))} illustration "
        f"{c.goods(goods)}"
    ]
    desc = [
        c.p("tote_sent", line=c.line(b), brand=b.name),
        c.choice(WORDS.words("sketch_jokes")),
    ]
    return Draft(
        title,
        desc,
        low_price(c, 10, 55),
        brand_field=None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


@family("par.gag.disclaimer", scenario="gag_gift", difficulty="easy", brand=ANY_BRAND)
def par_gag_disclaimer(c: Ctx, b: Brand) -> Draft:
    pun = c.pun(b)
    thing = c.choice(WORDS.words("gag_things"))
    title = [f"{pun} {thing}", c.choice(("Gag Gift", "Spoof", "Joke", "Novelty", "Parody"))]
    desc = [
        c.p("parody_sent", brand=b.name),
        c.choice(WORDS.words("gag_disclaimers")).format(brand=b.name),
    ]
    desc = [d for d in desc if d]
    return Draft(
        title,
        desc,
        low_price(c, 5, 60),
        brand_field=None,
        condition="new",
        desc_required=False,
        item=thing,
        facts=c.facts_for("gift"),
    )


@family("par.gag.packaging", scenario="gag_gift", difficulty="hard", brand=ANY_BRAND)
def par_gag_packaging(c: Ctx, b: Brand) -> Draft:
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
        low_price(c, 3, 25),
        brand_field=None,
        condition="new",
        item="spoof box",
        facts=c.facts_for("gift"),
    )


@family("par.art.object", scenario="satirical_art", difficulty="hard", brand=ANY_BRAND)
def par_art(c: Ctx, b: Brand) -> Draft:
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


@family("par.art.mockad", scenario="satirical_art", difficulty="hard", brand=ANY_BRAND)
def par_mock_ad(c: Ctx, b: Brand) -> Draft:
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
        low_price(c, 5, 45),
        brand_field=None,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


@family("par.visual.apparel", scenario="visual_joke", difficulty="hard", brand=WITH_DESIGN_ELEMENTS)
def par_visual_apparel(c: Ctx, b: Brand) -> Draft:
    """The mark's look redrawn as a joke ('the famous check, but made of tiny bones')."""
    pun = c.pun(b)
    obj = c.choice(WORDS.words("joke_objects"))
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
        c.choice(WORDS.words("visual_jokes")).format(design=design, obj=obj, pun=pun, brand=b.name),
        c.p("audience", who=c.choice(WORDS.words("audiences"))),
    ]
    if c.chance(0.4):
        desc.append(c.p("parody_sent", brand=b.name))
    return Draft(
        title,
        desc,
        low_price(c, 9, 90),
        brand_field=c.choice((None, pun, c.own_brand())),
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


@family("par.visual.home", scenario="visual_joke", difficulty="hard", brand=ANY_BRAND)
def par_visual_home(c: Ctx, b: Brand) -> Draft:
    pun = c.pun(b)
    obj = c.choice(WORDS.words("joke_objects"))
    goods = c.choice(WORDS.words("visual_home_goods"))
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
        c.p("audience", who=c.choice(WORDS.words("audiences"))),
    ]
    return Draft(
        title,
        desc,
        low_price(c, 5, 50),
        brand_field=c.choice((None, c.own_brand())),
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


@family("par.visual.shaped", scenario="visual_joke", difficulty="hard", brand=ANY_BRAND)
def par_shaped_object(c: Ctx, b: Brand) -> Draft:
    """A novelty object shaped like a famous product, with a punned name on it."""
    pun = c.pun(b)
    thing = c.choice(WORDS.words("shaped_things"))
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
                c.p("audience", who=c.choice(WORDS.words("audiences"))),
                c.p("parody_sent", brand=b.name),
                "Gag gift.",
                "Made us laugh, hope it makes you laugh too.",
            )
        ),
    ]
    return Draft(
        title,
        desc,
        low_price(c, 5, 55),
        brand_field=c.choice((None, pun, c.own_brand())),
        condition="new",
        item=thing,
        facts=c.facts_for("toy"),
    )
