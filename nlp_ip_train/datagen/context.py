"""What a family needs while it writes one listing: randomness, language, brand helpers.

A :class:`Draft` is the label-bearing content of a listing (title segments,
cue sentences, price, stated brand); a voice later renders it in a
marketplace's style. Families never choose style, voices never choose content.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from nlp_ip.brands import Brand
from nlp_ip_train.datagen.obfuscate import obfuscate
from nlp_ip_train.datagen.phrases import goods_names, phrase_bank
from nlp_ip_train.datagen.puns import pun_name
from nlp_ip_train.datagen.vocab import VOCABULARY, goods_kind, words


class _Fill(dict[str, Any]):
    """str.format_map mapping that leaves unknown placeholders visible."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass
class Draft:
    """The content of one listing before a voice renders it."""

    #: Title segments: the first is the product phrase, the rest are cue tags.
    title: list[str]
    #: Cue sentences that carry the label; the voice adds neutral ones around them.
    desc: list[str]
    #: Price in USD before the voice converts it (None: the family has no opinion).
    price: float | None
    #: Brand as the seller states it in the brand field.
    brand_field: str | None = None
    obfuscation: str | None = None
    #: "new", "used" or None (the voice then says nothing about condition).
    condition: str | None = None
    #: False when the title alone carries the label, so the voice may leave the description empty.
    desc_required: bool = True
    #: A short noun phrase for the item, used by voice frames ("Selling my {item}").
    item: str = ""
    facts: dict[str, str] = field(default_factory=dict)


@dataclass
class Ctx:
    """Per-row generation context."""

    rng: random.Random
    lang_title: str
    lang_desc: str
    #: Other brands of the same split (for keyword stuffing).
    split_brands: tuple[Brand, ...] = ()

    # ------------------------------------------------------------------ text
    def p(self, key: str, where: str = "desc", **fmt: Any) -> str:
        """A phrase for ``key`` in the row's language for ``where`` (title/desc)."""
        lang = self.lang_title if where == "title" else self.lang_desc
        bank = phrase_bank()[key]
        variants = bank.get(lang) or bank["en"]
        # code-mixing: a foreign row sometimes keeps an English phrase
        if lang != "en" and self.rng.random() < 0.15:
            variants = bank["en"]
        text = self.rng.choice(variants)
        return text.format_map(_Fill(fmt)) if fmt else text

    def goods(self, noun: str, where: str = "title") -> str:
        lang = self.lang_title if where == "title" else self.lang_desc
        if lang == "en":
            return noun
        return goods_names().get(noun, {}).get(lang, noun)

    def choice(self, seq: Any) -> Any:
        return self.rng.choice(seq)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    # ----------------------------------------------------------- brand helpers
    def mention(self, brand: Brand, *, allow_initials: bool = True) -> str:
        """How a seller writes the brand plainly: name, alias or initials."""
        r = self.rng.random()
        if allow_initials and brand.initials and r < 0.2:
            return self.rng.choice(brand.initials)
        if brand.aliases and r < 0.4:
            return self.rng.choice(brand.aliases)
        return brand.name

    def line(self, brand: Brand) -> str:
        """A product line, or the brand's first kind of goods when it has none."""
        if brand.product_lines:
            return self.rng.choice(brand.product_lines)
        return brand.name

    def brand_goods(self, brand: Brand) -> str:
        return self.rng.choice(brand.goods)

    def design(self, brand: Brand) -> str:
        if brand.design_elements:
            return self.rng.choice(brand.design_elements)
        return self.rng.choice(("signature shape", "classic silhouette", "iconic look"))

    def product(self, brand: Brand, *, with_line: float = 0.75, where: str = "title") -> str:
        """'Louis Vuitton Neverfull tote', 'Rolex Submariner', 'Coach wallet'."""
        parts = [self.mention(brand)]
        if brand.product_lines and self.chance(with_line):
            line = self.line(brand)
            if line.casefold() != brand.name.casefold():
                parts.append(line)
        # a line name usually implies the goods ("Submariner"); adding a noun risks a mismatch
        if len(parts) == 1 or self.chance(0.35):
            parts.append(self.goods(self.brand_goods(brand), where))
        return " ".join(parts)

    def obfuscated(self, name: str, kind: str) -> str:
        return obfuscate(name, kind, self.rng)

    def pun(self, brand: Brand) -> str:
        return pun_name(brand.name, brand.parody_names, self.rng)

    def other_brands(self, brand: Brand, k: int) -> list[Brand]:
        pool = [b for b in self.split_brands if b.name != brand.name]
        same = [b for b in pool if b.category == brand.category]
        src = same if len(same) >= k else pool
        return self.rng.sample(src, k=min(k, len(src)))

    def own_brand(self) -> str:
        head = self.rng.choice(words("own_brand_heads"))
        tail = self.rng.choice(words("own_brand_tails"))
        return f"{head} {tail}".strip()

    # ------------------------------------------------------------------ prices
    def loguniform(self, lo: float, hi: float) -> float:
        lo, hi = max(lo, 0.5), max(hi, lo + 0.5)
        return math.exp(self.rng.uniform(math.log(lo), math.log(hi)))

    def price_genuine(self, brand: Brand, factor: tuple[float, float] = (1.0, 1.0)) -> float:
        pr = brand.price_range
        base = self.loguniform(max(pr.min, 1.0), max(pr.max, pr.min + 1.0))
        return base * self.rng.uniform(*factor) / _rate(pr.currency)

    def price_of_min(self, brand: Brand, lo: float, hi: float, floor: float = 6.0) -> float:
        """A price as a fraction of the brand's lowest genuine price (for fakes)."""
        pr = brand.price_range
        base = max(pr.min, 1.0) / _rate(pr.currency)
        return max(floor * self.rng.uniform(1.0, 1.6), base * self.rng.uniform(lo, hi))

    def price_of_typical(self, brand: Brand, lo: float, hi: float, floor: float = 8.0) -> float:
        """A price as a fraction of a typical genuine price (geometric mean of the range)."""
        pr = brand.price_range
        typical = math.sqrt(max(pr.min, 1.0) * max(pr.max, 1.0)) / _rate(pr.currency)
        return max(floor * self.rng.uniform(1.0, 1.8), typical * self.rng.uniform(lo, hi))

    def facts_for(self, goods: str) -> dict[str, str]:
        """Colour, material and size that fit the kind of ``goods``."""
        kind = goods_kind(goods)
        return {
            "color": self.rng.choice(words("colors")),
            "material": self.rng.choice(VOCABULARY.groups("kind_materials")[kind]),
            "size": self.rng.choice(VOCABULARY.groups("kind_sizes")[kind]),
            "goods": goods,
        }


#: Rough conversion rates (units per USD) used for prices.
RATES: dict[str, float] = {
    "USD": 1.0,
    "EUR": 0.92,
    "GBP": 0.79,
    "CAD": 1.36,
    "AUD": 1.5,
    "CNY": 7.2,
    "RUB": 90.0,
    "BRL": 5.0,
    "MXN": 17.0,
    "JPY": 150.0,
    "KRW": 1350.0,
    "TRY": 32.0,
    "CHF": 0.9,
    "HKD": 7.8,
    "SEK": 10.5,
    "PLN": 4.0,
}


def _rate(currency: str) -> float:
    return RATES.get(currency.upper(), 1.0)
