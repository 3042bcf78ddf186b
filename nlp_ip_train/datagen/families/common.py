"""What the builders of several labels share: their data files, conditions, prices, designs."""

from __future__ import annotations

from collections.abc import Mapping

from nlp_ip.brands import Brand
from nlp_ip.labels import Label
from nlp_ip_train.datagen.context import Ctx
from nlp_ip_train.datagen.families.brand_needs import mark_free_designs
from nlp_ip_train.datagen.obfuscate import OBFUSCATIONS
from nlp_ip_train.datagen.tables import DataFile, Spec, record


def label_words(label: Label, lists: Mapping[str, Spec]) -> DataFile:
    """``data/families/<label>.yaml``: the word lists and templates of one label's builders."""
    return DataFile(f"families/{label.value}.yaml", record(lists))


def condition(c: Ctx, p_new: float) -> str:
    """'new' with probability ``p_new``, else 'used'."""
    return "new" if c.chance(p_new) else "used"


def obfuscation_kind(c: Ctx) -> str:
    """Any obfuscation kind."""
    return c.choice(tuple(OBFUSCATIONS))


def fake_price(c: Ctx, b: Brand) -> float:
    """Counterfeits: mostly far below genuine, sometimes near it (sold as real)."""
    r = c.rng.random()
    if r < 0.55:
        return c.price_of_typical(b, 0.06, 0.4, floor=12.0)
    if r < 0.85:
        return c.price_of_min(b, 0.2, 0.6)
    return c.price_of_min(b, 0.5, 1.0)


def low_price(c: Ctx, lo: float = 8, hi: float = 80) -> float:
    """A price drawn log-uniformly between ``lo`` and ``hi`` (USD)."""
    return c.loguniform(lo, hi)


def lookalike_design(c: Ctx, b: Brand) -> str:
    """A design element of ``b`` that is not a mark (any design when it has none)."""
    designs = mark_free_designs(b)
    return c.choice(designs) if designs else c.design(b)


def logo_sentence(c: Ctx, b: Brand) -> str:
    """A sentence that says the brand's logo is on the goods."""
    return c.p("logo_sent", brand=b.name, initials=(b.initials or (b.name,))[0], design=c.design(b))
