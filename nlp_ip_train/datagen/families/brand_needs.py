"""What brand a family needs: named rules over the catalog's brand fields.

Design elements that are themselves marks (a logo, monogram, crest, character) cannot
make a lookalike: copying them puts the mark on the goods, which is infringing. The
words that make a design element a mark are ``mark_words`` in ``vocabulary.yaml``.
"""

from __future__ import annotations

import re

from nlp_ip.brands import Brand
from nlp_ip_train.datagen.families.registry import BrandNeed
from nlp_ip_train.datagen.vocab import words

#: Categories of fashion goods (homages, and the cheap-material and monogram families).
FASHION: tuple[str, ...] = ("luxury_fashion", "sportswear", "watches", "jewelry", "eyewear")
#: Categories where a design can be imitated without the mark (trade dress lookalikes).
DESIGN_CATEGORIES: tuple[str, ...] = (
    *FASHION,
    "beauty",
    "electronics",
    "toys",
    "home_kitchen",
    "outdoor_drinkware",
)


def names_mark(design: str, brand: Brand) -> bool:
    """True when a design element spells the mark itself (its name, alias or initials)."""
    design_words = set(re.findall(r"[\w'&]+", design.casefold()))
    marks = {
        brand.name.casefold(),
        *(a.casefold() for a in brand.aliases),
        *(i.casefold() for i in brand.initials),
    }
    if any(m in design_words for m in marks):
        return True
    return any(w in design.lower() for w in words("mark_words"))


def mark_free_designs(brand: Brand) -> tuple[str, ...]:
    """The brand's design elements that a lookalike may copy (none of them is a mark)."""
    return tuple(d for d in brand.design_elements if not names_mark(d, brand))


def in_categories(*categories: str) -> BrandNeed:
    """A brand of one of ``categories``."""
    return BrandNeed(
        f"a brand in {', '.join(categories)}", lambda brand: brand.category in categories
    )


ANY_BRAND = BrandNeed("any brand", lambda brand: True)
PHYSICAL_GOODS = BrandNeed(
    "a brand of goods that can carry a printed or stamped mark (not licences, keys or accounts)",
    lambda brand: brand.category != "software_games",
)
WITH_PRODUCT_LINES = BrandNeed(
    "a brand with product lines", lambda brand: bool(brand.product_lines)
)
WITH_DESIGN_ELEMENTS = BrandNeed(
    "a brand with design elements", lambda brand: bool(brand.design_elements)
)
IMITABLE_DESIGN = BrandNeed(
    "a brand of a design category with a design element that is not a mark",
    lambda brand: bool(mark_free_designs(brand)) and brand.category in DESIGN_CATEGORIES,
)
HOMAGE_DESIGN = BrandNeed(
    "a fashion brand with a design element that is not a mark",
    lambda brand: bool(mark_free_designs(brand)) and brand.category in FASHION,
)
FASHION_BRAND = in_categories(*FASHION)
