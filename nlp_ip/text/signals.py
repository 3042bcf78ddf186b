"""The result types of the text layer: brand mentions, cues, the price check.

All of them are frozen dataclasses with a JSON-ready ``to_dict()``. Offsets are
**per field**: ``start``/``end`` index the field named by ``field`` ("title" or
"description"), in the text exactly as given (before any normalisation), so
``getattr(listing, mention.field)[mention.start:mention.end] == mention.surface``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from nlp_ip.brands import Brand
from nlp_ip.text.lexicon import CUE_KINDS

__all__ = [
    "FAR_BELOW_RATIO",
    "PRICE_VERDICTS",
    "USD_PER_UNIT",
    "BrandMention",
    "Cue",
    "PriceCheck",
    "Signals",
    "check_price",
]

#: A price below this fraction of the low end of the genuine range is "far_below".
FAR_BELOW_RATIO = 0.3

#: Verdicts of :class:`PriceCheck`, cheapest first.
PRICE_VERDICTS: tuple[str, ...] = ("far_below", "below", "within", "above")

#: Rough US dollars per unit of each currency (2024-2025 levels). Only used to
#: place a price against a brand's genuine range, whose bands are wide; a
#: currency missing here gives no price check rather than a wrong one.
USD_PER_UNIT: dict[str, float] = {
    "USD": 1.0,
    "EUR": 1.08,
    "GBP": 1.27,
    "CHF": 1.13,
    "CAD": 0.73,
    "AUD": 0.66,
    "NZD": 0.60,
    "JPY": 0.0067,
    "CNY": 0.14,
    "HKD": 0.128,
    "TWD": 0.031,
    "KRW": 0.00073,
    "SGD": 0.74,
    "INR": 0.012,
    "IDR": 0.000062,
    "MYR": 0.22,
    "THB": 0.028,
    "PHP": 0.017,
    "VND": 0.000039,
    "AED": 0.272,
    "SAR": 0.267,
    "QAR": 0.275,
    "KWD": 3.25,
    "ILS": 0.27,
    "TRY": 0.030,
    "RUB": 0.011,
    "UAH": 0.024,
    "PLN": 0.25,
    "CZK": 0.043,
    "HUF": 0.0027,
    "RON": 0.22,
    "BGN": 0.55,
    "SEK": 0.095,
    "NOK": 0.093,
    "DKK": 0.145,
    "ISK": 0.0072,
    "BRL": 0.18,
    "MXN": 0.055,
    "ARS": 0.001,
    "CLP": 0.0011,
    "COP": 0.00025,
    "PEN": 0.27,
    "ZAR": 0.054,
    "NGN": 0.00065,
    "EGP": 0.020,
    "KES": 0.0077,
    "MAD": 0.10,
    "PKR": 0.0036,
    "BDT": 0.0084,
    "LKR": 0.0033,
    "KZT": 0.002,
}


@dataclass(frozen=True, slots=True)
class BrandMention:
    """A brand named in the listing.

    ``match`` says how it was recognised: ``name``, ``alias``, ``initials``
    (only with context), ``product_line`` (e.g. "Neverfull" -> Louis Vuitton) or
    ``fuzzy`` (a misspelling or abbreviation, e.g. "Rolx"). ``obfuscated`` is
    True when the typed form disguises the name (look-alike letters, leet,
    split letters, emoji or zero-width characters inside, misspelling).
    ``form`` is the catalog string that matched. ``product_line`` names the catalog
    product line when the mention is one (also when it was misspelt or disguised); the
    mention's ``brand`` is then the line's parent brand, so both are reported.
    """

    brand: str
    surface: str
    start: int
    end: int
    field: str
    obfuscated: bool
    match: str
    form: str
    product_line: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Cue:
    """A red or green flag in the text.

    ``kind`` is one of :data:`~nlp_ip.text.lexicon.CUE_KINDS`. ``negated`` is
    True when the listing denies it ("not a replica", "no receipt", "receipt
    not included"): the kind is kept and the flag set, so a reader (or the
    model hints, which write ``provenance-negated``) sees both. ``brand`` is set
    when the cue refers to a brand: a parody name ("Chewy Vuiton"), or a cue
    that only counts next to a brand ("for iPhone", "Chanel style").
    ``phrase`` is the lexicon entry that matched.
    """

    kind: str
    surface: str
    start: int
    end: int
    field: str
    negated: bool = False
    brand: str | None = None
    phrase: str = ""

    @property
    def label(self) -> str:
        """``kind``, or ``kind-negated`` when negated."""
        return f"{self.kind}-negated" if self.negated else self.kind

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class PriceCheck:
    """A price placed against the brand's genuine price range.

    ``converted`` is the price in ``range_currency`` (rough rates, see
    :data:`USD_PER_UNIT`); ``ratio`` is ``converted / range_min`` (against
    ``range_max`` when the range starts at 0). ``basis`` says where the brand
    came from: ``stated`` (the seller's brand field) or ``detected`` (the first
    brand mention). ``currency_assumed`` is True when the listing gave no
    currency and the range's was assumed.
    """

    brand: str
    price: float
    currency: str
    range_min: float
    range_max: float
    range_currency: str
    converted: float
    ratio: float
    verdict: str
    basis: str
    currency_assumed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Signals:
    """Everything the text layer found in one listing.

    ``brands`` and ``cues`` are in text order, title first. ``stated_brand`` is
    the canonical brand the seller's brand field names, if it names one.
    ``id`` is the listing's id (None for a plain string).
    """

    brands: tuple[BrandMention, ...] = ()
    cues: tuple[Cue, ...] = ()
    price: PriceCheck | None = None
    stated_brand: str | None = None
    id: str | None = None

    @property
    def brand_names(self) -> tuple[str, ...]:
        """Canonical brands mentioned, each once, in order of first mention."""
        return tuple(dict.fromkeys(m.brand for m in self.brands))

    @property
    def obfuscated_brands(self) -> frozenset[str]:
        """Brands that were written in a disguised form at least once."""
        return frozenset(m.brand for m in self.brands if m.obfuscated)

    @property
    def cue_labels(self) -> tuple[str, ...]:
        """Cue kinds present, in :data:`CUE_KINDS` order, ``kind-negated`` after ``kind``."""
        present = {c.label for c in self.cues}
        out = []
        for kind in CUE_KINDS:
            for label in (kind, f"{kind}-negated"):
                if label in present:
                    out.append(label)
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "stated_brand": self.stated_brand,
            "brands": [m.to_dict() for m in self.brands],
            "cues": [c.to_dict() for c in self.cues],
            "price": self.price.to_dict() if self.price is not None else None,
        }


def check_price(
    brand: Brand,
    price: float,
    currency: str | None,
    *,
    basis: str,
    far_below_ratio: float = FAR_BELOW_RATIO,
) -> PriceCheck | None:
    """Place ``price`` against ``brand``'s genuine range; None for an unknown currency."""
    rng = brand.price_range
    assumed = currency is None
    currency = (currency or rng.currency).upper()
    if currency == rng.currency:
        converted = float(price)
    else:
        have = USD_PER_UNIT.get(currency)
        want = USD_PER_UNIT.get(rng.currency)
        if have is None or want is None:
            return None
        converted = float(price) * have / want
    if rng.min > 0:
        ratio = converted / rng.min
    else:
        ratio = converted / rng.max
    if converted > rng.max:
        verdict = "above"
    elif converted >= rng.min:
        verdict = "within"
    elif rng.min > 0 and ratio < far_below_ratio:
        verdict = "far_below"
    else:
        verdict = "below"
    return PriceCheck(
        brand=brand.name,
        price=float(price),
        currency=currency,
        range_min=rng.min,
        range_max=rng.max,
        range_currency=rng.currency,
        converted=round(converted, 2),
        ratio=round(ratio, 4),
        verdict=verdict,
        basis=basis,
        currency_assumed=assumed,
    )
