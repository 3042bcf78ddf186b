"""Legitimate families: genuine goods, generic goods, and brands named for a lawful reason.

Genuine new and pre-owned goods, generic and own-brand goods, compatibility
accessories, licensed replicas, false cue words ("replica", "mirror") and brand media.

Each builder registers itself with :class:`~nlp_ip_train.datagen.families.registry.LabelFamilies`;
its word lists and templates are in ``data/families/legitimate.yaml``.
"""

from __future__ import annotations

from nlp_ip.brands import Brand
from nlp_ip.labels import Label
from nlp_ip_train.datagen.context import Ctx, Draft
from nlp_ip_train.datagen.families.brand_needs import ANY_BRAND, in_categories
from nlp_ip_train.datagen.families.common import condition, label_words, low_price
from nlp_ip_train.datagen.families.registry import LabelFamilies
from nlp_ip_train.datagen.tables import strings
from nlp_ip_train.datagen.vocab import VOCABULARY, goods_kind, words

family = LabelFamilies(Label.LEGITIMATE)

#: The word lists and templates of these builders, with the placeholders each may use.
WORDS = label_words(
    family.label,
    {
        "gift_stories": strings(),
        "handmade_notes": strings(),
        "own_brand_goods": strings(),
        "compat_titles": strings(("acc", "target")),
        "jersey_notes": strings(),
        "merch_notes": strings(),
        "media_notes": strings(),
        "story_extras": strings(),
        "personal_notes": strings(),
        "small_items": strings(),
        "personal_extra_items": strings(),
    },
)


def _accessory(c: Ctx, b: Brand) -> str:
    accs = VOCABULARY.groups("compat_accessories").get(b.category) or ("case", "stand", "strap")
    return c.choice(accs)


@family("leg.new.retail", scenario="genuine_new", difficulty="easy", brand=ANY_BRAND)
def leg_new_retail(c: Ctx, b: Brand) -> Draft:
    goods = c.brand_goods(b)
    title = [c.product(b, with_line=0.9)]
    if c.chance(0.5):
        title.append(c.p("tag_new", "title"))
    desc = [c.p("dealer_sent", store=c.choice(words("stores")), brand=b.name)]
    if c.chance(0.4):
        desc.append(c.p("receipt_sent", store=c.choice(words("stores"))))
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


@family("leg.new.gift", scenario="genuine_new", difficulty="easy", brand=ANY_BRAND)
def leg_new_gift(c: Ctx, b: Brand) -> Draft:
    goods = c.brand_goods(b)
    title = [c.product(b)]
    desc = [
        c.choice(WORDS.words("gift_stories")),
        c.p("receipt_sent", store=c.choice(words("stores"))),
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


@family("leg.preowned.service", scenario="genuine_preowned", difficulty="easy", brand=ANY_BRAND)
def leg_preowned_service(c: Ctx, b: Brand) -> Draft:
    goods = c.brand_goods(b)
    title = [c.product(b, with_line=0.9)]
    if c.chance(0.6):
        title.append(c.p("auth_tag", "title"))
    desc = [c.p("service_sent", service=c.choice(words("services")))]
    if c.chance(0.6):
        desc.append(c.p("wear_sent", flaw=c.choice(words("flaws"))))
    return Draft(
        title,
        desc,
        c.price_genuine(b, (0.35, 0.9)),
        brand_field=b.name,
        condition="used",
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


@family("leg.preowned.receipt", scenario="genuine_preowned", difficulty="easy", brand=ANY_BRAND)
def leg_preowned_receipt(c: Ctx, b: Brand) -> Draft:
    goods = c.brand_goods(b)
    desc = [c.p("receipt_sent", store=c.choice(words("stores")))]
    if c.chance(0.6):
        desc.append(c.p("serial_sent"))
    if c.chance(0.4):
        desc.append(c.p("bought", year=c.choice(words("years"))))
    return Draft(
        [c.product(b)],
        desc,
        c.price_genuine(b, (0.35, 0.9)),
        brand_field=b.name,
        condition="used",
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


@family("leg.preowned.story", scenario="genuine_preowned", difficulty="easy", brand=ANY_BRAND)
def leg_preowned_story(c: Ctx, b: Brand) -> Draft:
    """Genuine resale told as a story: why it is sold, where it came from, what is included."""
    goods = c.brand_goods(b)
    title = [c.product(b, with_line=0.9)]
    story = c.choice(
        (
            f"Bought from the {b.name} store, "
            f"{c.choice(('box and receipt', 'receipt in my email', 'box included'))}.",
            f"Upgraded to a newer {c.line(b)}, this one is in great shape.",
            "Wiped and signed out of my account."
            if goods_kind(goods) == "electronics"
            else "Serial numbers on item and packaging agree.",
            f"Mine from new, bought {c.choice(words('years'))}, original packaging.",
            "Got it as a birthday present, the gift receipt is included.",
            "Selling on behalf of my sister, who bought it new.",
            f"Got two sizes from {b.name} online; this is the one that did not fit.",
            f"Order email from the official {b.name} shop shown in the pics.",
            "Bought at the outlet, tags still on.",
        )
    )
    desc = [story]
    if c.chance(0.5):
        desc.append(c.choice(WORDS.words("story_extras")))
    return Draft(
        title,
        desc,
        c.price_genuine(b, (0.3, 0.9)),
        brand_field=b.name,
        condition=condition(c, 0.3),
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


@family("leg.preowned.notfake", scenario="genuine_notfake", difficulty="hard", brand=ANY_BRAND)
def leg_preowned_notfake(c: Ctx, b: Brand) -> Draft:
    """Genuine resale that says 'not fake' / 'not a replica' (negated cue words)."""
    goods = c.brand_goods(b)
    title = [
        c.product(b, with_line=0.9),
        c.choice(("Not Fake", "100% Authentic", "Real", "Genuine", "Authentic not replica")),
    ]
    desc = [c.p("notfake_sent", brand=b.name)]
    desc.append(
        c.p(
            c.choice(("service_sent", "receipt_sent", "serial_sent")),
            service=c.choice(words("services")),
            store=c.choice(words("stores")),
        )
    )
    return Draft(
        title,
        desc,
        c.price_genuine(b, (0.4, 0.95)),
        brand_field=b.name,
        condition=condition(c, 0.3),
        item=f"{b.name} {goods}",
        facts=c.facts_for(goods),
    )


@family("leg.preowned.cheap", scenario="genuine_notfake", difficulty="hard", brand=ANY_BRAND)
def leg_cheap_genuine(c: Ctx, b: Brand) -> Draft:
    """Genuine but cheap: well-worn or a small item; the price alone does not decide."""
    goods = c.brand_goods(b)
    small = c.choice((*WORDS.words("small_items"), goods))
    title = [f"{c.mention(b)} {c.goods(small)}", c.p("tag_used", "title")]
    desc = [
        c.p("wear_sent", flaw=c.choice(words("flaws"))),
        c.choice(
            (
                "Genuine, from my own collection.",
                "Real one, bought at the store years ago.",
                "Authentic but well loved, hence the price.",
                "Original, just old.",
                c.p("bought", year=c.choice(words("years"))),
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


@family("leg.generic.plain", scenario="generic_goods", difficulty="easy")
def leg_generic_plain(c: Ctx) -> Draft:
    item = c.choice(words("generic_goods"))
    desc = [c.p("generic_sent")]
    if c.chance(0.5):
        desc.append(c.p("material", material=c.choice(words("materials"))))
    return Draft(
        [item],
        desc,
        low_price(c, 4, 160),
        brand_field=c.choice((None, None, "Unbranded", "Generic")),
        condition=condition(c, 0.6),
        desc_required=False,
        item=item,
        facts=c.facts_for(item),
    )


@family("leg.generic.handmade", scenario="generic_goods", difficulty="easy")
def leg_generic_handmade(c: Ctx) -> Draft:
    item = c.choice(words("generic_goods"))
    title = [f"{c.choice(('Handmade', 'Hand-crafted', 'Artisan', 'Small batch'))} {item}"]
    desc = [
        c.choice(WORDS.words("handmade_notes")),
        c.p("generic_sent"),
    ]
    return Draft(
        title,
        desc,
        low_price(c, 8, 200),
        brand_field=c.choice((None, "Handmade", c.own_brand())),
        condition="new",
        item=item,
        facts=c.facts_for(item),
    )


@family("leg.ownbrand.goods", scenario="generic_goods", difficulty="easy")
def leg_own_brand(c: Ctx) -> Draft:
    own = c.own_brand()
    goods = c.choice(WORDS.words("own_brand_goods"))
    title = [f"{own} {goods}"]
    desc = [c.p("ownbrand_sent", own=own)]
    if c.chance(0.5):
        desc.append(c.p("material", material=c.choice(words("materials"))))
    return Draft(
        title,
        desc,
        low_price(c, 15, 450),
        brand_field=own,
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


@family("leg.generic.personal", scenario="generic_goods", difficulty="easy")
def leg_generic_personal(c: Ctx) -> Draft:
    """Ordinary goods described the way private sellers do (no mark, no famous design)."""
    item = c.choice((*words("generic_goods"), *WORDS.words("personal_extra_items")))
    title = [c.choice((item, f"FREE - {item}", f"{item}, like new", f"{item} – must go"))]
    desc = [c.choice(WORDS.words("personal_notes"))]
    return Draft(
        title,
        desc,
        c.loguniform(0.5, 120) if c.chance(0.85) else 0.0,
        brand_field=None,
        condition=condition(c, 0.3),
        item=item,
        facts=c.facts_for(item),
    )


@family("leg.compat.for", scenario="compatibility", difficulty="hard", brand=ANY_BRAND)
def leg_compat_for(c: Ctx, b: Brand) -> Draft:
    """'Case for iPhone 15': a brand named for compatibility only."""
    acc = _accessory(c, b)
    target = f"{b.name} {c.line(b)}" if b.product_lines else b.name
    title = [c.choice(WORDS.words("compat_titles")).format(acc=acc, target=target)]
    desc = [c.p("compat_sent", brand=b.name, line=c.line(b))]
    if c.chance(0.6):
        desc.append(c.p("thirdparty_sent", brand=b.name))
    own = c.own_brand()
    return Draft(
        title,
        desc,
        low_price(c, 5, 70),
        brand_field=c.choice((own, own, None, "Generic")),
        condition="new",
        item=acc,
        facts=c.facts_for(acc),
    )


@family("leg.compat.replacement", scenario="compatibility", difficulty="hard", brand=ANY_BRAND)
def leg_compat_replacement(c: Ctx, b: Brand) -> Draft:
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
        low_price(c, 5, 90),
        brand_field=own,
        condition="new",
        item=acc,
        facts=c.facts_for(acc),
    )


@family(
    "leg.licensed.jersey",
    scenario="licensed_replica",
    difficulty="hard",
    brand=in_categories("sports_teams"),
)
def leg_licensed_jersey(c: Ctx, b: Brand) -> Draft:
    """Licensed 'replica jersey': the word replica is the product tier, not a fake."""
    season = c.choice(("2023/24", "2024/25", "2022-23", "home", "away", "third kit", "2024"))
    title = [
        f"{b.name} "
        f"{c.choice(('replica jersey', 'replica home shirt', 'replica kit', 'jersey replica'))} "
        f"{season}",
        c.choice(("Official", "Licensed", "Fan Edition", "Adult M", "Youth L")),
    ]
    desc = [c.p("licensed_sent")]
    if c.chance(0.5):
        desc.append(c.choice(WORDS.words("jersey_notes")))
    return Draft(
        title,
        desc,
        c.loguniform(30, 160),
        brand_field=b.name,
        condition=condition(c, 0.6),
        item="jersey",
        facts=c.facts_for("jersey"),
    )


@family(
    "leg.licensed.merch",
    scenario="licensed_replica",
    difficulty="hard",
    brand=in_categories("sports_teams", "toys", "software_games"),
)
def leg_licensed_merch(c: Ctx, b: Brand) -> Draft:
    goods = c.brand_goods(b)
    title = [
        f"Official {b.name} {c.goods(goods)}",
        c.choice(("Licensed", "Officially Licensed", "Fan Shop")),
    ]
    desc = [
        c.p("licensed_sent"),
        c.choice(WORDS.words("merch_notes")),
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


@family("leg.replica.museum", scenario="false_cue_words", difficulty="hard")
def leg_museum(c: Ctx) -> Draft:
    item = c.choice(words("museum_items"))
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


@family("leg.replica.mirror", scenario="false_cue_words", difficulty="hard")
def leg_mirror(c: Ctx) -> Draft:
    item = c.choice(words("mirror_items"))
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
        condition=condition(c, 0.6),
        desc_required=False,
        item=item,
        facts=c.facts_for("mirror"),
    )


@family("leg.media.book", scenario="brand_media", difficulty="hard", brand=ANY_BRAND)
def leg_media(c: Ctx, b: Brand) -> Draft:
    """A book, magazine or catalogue about a brand: names the mark, sells something else."""
    what = c.choice(
        (
            f"Book: The Story of {b.name}",
            f"{b.name} coffee table book",
            f"{b.name} collector's catalogue {c.choice(words('years'))}",
            f"Magazine issue featuring {b.name}",
            f"{b.name}: a history (hardcover)",
        )
    )
    desc = [c.choice(WORDS.words("media_notes"))]
    return Draft(
        [what],
        desc,
        c.loguniform(8, 90),
        brand_field=c.choice((None, b.name)),
        condition=condition(c, 0.5),
        item="book",
        facts=c.facts_for("book"),
    )
