"""Topic twins (``data.generate.twins``): one label's goods and words under another label.

In the regular families the goods and the incidental words go with the label: every plush
dog toy, fridge magnet and cartoon tote is a parody, and most "unbranded" and "no logo" rows
are lookalikes. A model can then keep the topic's label after the fact that decides it is
gone. The twins put those goods and words where the labeling guide puts them when the
decisive fact is absent or different:

- ``twin.leg.novelty``: the parody families' goods with a joke or a drawing of the seller's
  own that names and imitates no brand: legitimate (a joke is parody only when it is on a
  famous mark);
- ``twin.leg.unbranded``: the lookalike families' goods, "no logo" and "unbranded", with no
  famous design or design signature: legitimate (plain unbranded goods);
- ``twin.inf.merch``: the parody families' goods with a brand's mark reproduced as is and
  no joke: infringing (the mark on goods the brand did not make);
- ``twin.leg.ownname``: the parody families' shapes (a name, then the goods; a playful
  sentence) with a name the seller made up, derived from no brand, and no disclaimer:
  legitimate;
- ``twin.inf.shield``: the parody families' goods and disclaimers ("parody", "not
  affiliated with ...") while the goods carry the brand's own mark, named as is:
  infringing (the guide's parody defence that fails).

Only the train split gets twins; each replaces a regular row of its own label, so the split
stays label-balanced. Rows carry ``family`` ``twin.*`` and their own scenario, so the fact
targets know what each one writes. 0 (the default) writes none and leaves every corpus
byte-identical.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nlp_ip.brands import Brand
from nlp_ip.labels import Label
from nlp_ip_train.datagen.context import Ctx, Draft
from nlp_ip_train.datagen.families.brand_needs import IMITABLE_DESIGN, PHYSICAL_GOODS, BrandNeed
from nlp_ip_train.datagen.families.common import condition, logo_sentence, low_price
from nlp_ip_train.datagen.tables import DataFile, record, strings
from nlp_ip_train.datagen.vocab import words

#: The most a split's train rows may be twins.
MAX_SHARE = 0.3

WORDS = DataFile(
    "families/twins.yaml",
    record(
        {
            "novelty_goods": strings(),
            "own_subjects": strings(),
            "own_jokes": strings(),
            "plain_notes": strings(),
            "merch_marks": strings(("brand",)),
            "merch_notes": strings(("brand",)),
            "own_names": strings(),
            "ownname_notes": strings(),
        }
    ),
)


@dataclass(frozen=True)
class Twin:
    """One twin family: what it writes and the label the guide gives it."""

    id: str
    label: Label
    scenario: str
    difficulty: str
    builder: Callable[[Ctx, Brand | None], Draft]
    #: Which brands it draws (None: it names and imitates none).
    needs: BrandNeed | None = None


def _novelty(c: Ctx, _: Brand | None) -> Draft:
    goods = c.choice(WORDS.words("novelty_goods"))
    subject = c.choice(WORDS.words("own_subjects"))
    title = [f"{c.goods(goods)} with {subject}"]
    if c.chance(0.3):
        title.append(c.choice(("funny gift", "gag gift", "novelty", "handmade")))
    return Draft(
        title,
        [c.choice(WORDS.words("own_jokes"))],
        low_price(c, 5, 45),
        brand_field=c.choice((None, None, "Handmade", c.own_brand())),
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


def _unbranded(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None  # only its kind of goods is used; the brand is never named
    goods = c.brand_goods(b)
    material = c.choice(words("materials"))
    title = [f"{material} {c.goods(goods)}"]
    if c.chance(0.6):
        title.append(c.p("nologo_tag", "title"))
    desc = [c.p("material", material=material), c.choice(WORDS.words("plain_notes"))]
    if c.chance(0.6):
        desc.append(c.p("nologo_sent"))
    return Draft(
        title,
        desc,
        low_price(c, 9, 160),
        brand_field=c.choice((None, None, "Unbranded", c.own_brand())),
        condition=condition(c, 0.8),
        item=goods,
        facts=c.facts_for(goods),
    )


def _merch(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    goods = c.choice(WORDS.words("novelty_goods"))
    mark = c.choice(WORDS.words("merch_marks")).format(brand=c.mention(b))
    desc = [c.choice(WORDS.words("merch_notes")).format(brand=b.name)]
    return Draft(
        [f"{mark} {c.goods(goods)}"],
        desc,
        low_price(c, 6, 60),
        brand_field=c.choice((None, b.name, "Handmade", "Custom")),
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


def _ownname(c: Ctx, _: Brand | None) -> Draft:
    name = c.choice(WORDS.words("own_names"))
    goods = c.choice(WORDS.words("novelty_goods"))
    title = [f"{name} {c.goods(goods)}"]
    if c.chance(0.4):
        title.append(c.choice(("funny gift", "novelty", "cute gift", "handmade")))
    desc = [c.choice(WORDS.words("ownname_notes"))]
    if c.chance(0.5):
        desc.append(c.choice(WORDS.words("own_jokes")))
    return Draft(
        title,
        desc,
        low_price(c, 5, 60),
        brand_field=c.choice((None, None, name, "Handmade")),
        condition="new",
        item=f"{name} {goods}",
        facts=c.facts_for(goods),
    )


def _shield(c: Ctx, b: Brand | None) -> Draft:
    assert b is not None
    goods = c.choice(WORDS.words("novelty_goods"))
    title = [f"{c.mention(b)} {c.goods(goods)}"]
    if c.chance(0.6):
        title.append(c.p("parody_tag", "title"))
    desc = [logo_sentence(c, b), c.p("parody_sent", brand=b.name)]
    if c.chance(0.5):
        desc.reverse()
    return Draft(
        title,
        desc,
        low_price(c, 6, 60),
        brand_field=c.choice((None, None, b.name)),
        condition="new",
        item=goods,
        facts=c.facts_for(goods),
    )


TWINS: tuple[Twin, ...] = (
    Twin("twin.leg.novelty", Label.LEGITIMATE, "plain_novelty", "hard", _novelty),
    Twin("twin.leg.unbranded", Label.LEGITIMATE, "plain_unbranded", "hard", _unbranded,
         IMITABLE_DESIGN),
    Twin("twin.inf.merch", Label.INFRINGING, "mark_on_merch", "hard", _merch, PHYSICAL_GOODS),
    Twin("twin.leg.ownname", Label.LEGITIMATE, "plain_novelty", "hard", _ownname),
    Twin("twin.inf.shield", Label.INFRINGING, "failed_parody", "hard", _shield, PHYSICAL_GOODS),
)


def twin_quotas(n_twins: int) -> dict[str, int]:
    """How many rows each twin family writes: ``n_twins`` shared as evenly as possible."""
    base, extra = divmod(n_twins, len(TWINS))
    return {t.id: base + (1 if i < extra else 0) for i, t in enumerate(TWINS)}


def label_shares(n_twins: int) -> dict[Label, int]:
    """How many of each label's rows are twins."""
    out: dict[Label, int] = {}
    quotas = twin_quotas(n_twins)
    for twin in TWINS:
        out[twin.label] = out.get(twin.label, 0) + quotas[twin.id]
    return out
