"""Word lists the generator draws from (data: ``data/vocabulary.yaml``).

Nothing there depends on the label: materials, colours, emoji and the like are drawn
from the same lists for every label. Lists that are label specific (authentication
services, museum pieces, pun words) are read by the families that need them.
"""

from __future__ import annotations

from nlp_ip.brands import CATEGORIES
from nlp_ip_train.datagen.tables import DataFile, Spec, mapping, record, strings

#: Kinds of goods (:func:`goods_kind`); "other" is the kind of anything unrecognised.
GOODS_KINDS: tuple[str, ...] = (
    "watch",
    "shoes",
    "bag",
    "jewelry",
    "eyewear",
    "supplement",
    "beauty",
    "electronics",
    "software",
    "toy",
    "apparel",
    "home",
    "other",
)
_RECOGNISED_KINDS = GOODS_KINDS[:-1]


def per_kind(kinds: tuple[str, ...] = GOODS_KINDS, fields: tuple[str, ...] = ()) -> Spec:
    """Schema of a mapping with a list of strings for every kind of goods in ``kinds``."""
    return mapping(strings(fields), keys=kinds, required=kinds, what="kind of goods")


VOCABULARY = DataFile(
    "vocabulary.yaml",
    record(
        {
            "materials": strings(),
            "colors": strings(),
            "years": strings(),
            "flaws": strings(),
            "services": strings(),
            "stores": strings(),
            "emoji": strings(),
            "hashtag_words": strings(),
            "cities": strings(),
            "title_filler": strings(),
            "keyword_filler": strings(),
            "generic_goods": strings(),
            "own_brand_heads": strings(),
            "own_brand_tails": strings(allow_empty=True),  # "": a name without a tail
            "museum_items": strings(),
            "mirror_items": strings(),
            "compat_accessories": mapping(strings(), keys=CATEGORIES, what="brand category"),
            "pun_words": strings(),
            "slogans": strings(("b", "p", "n")),
            "sku_prefixes": strings(),
            # checked in file order: the first kind with a keyword in the name wins
            "kind_keywords": per_kind(_RECOGNISED_KINDS),
            "kind_sizes": per_kind(),
            "kind_materials": per_kind(),
            "mark_words": strings(),
        }
    ),
)


def words(name: str) -> tuple[str, ...]:
    """The word list ``name`` of ``vocabulary.yaml`` (e.g. ``words("stores")``)."""
    return VOCABULARY.words(name)


def goods_kind(noun: str) -> str:
    """The kind of an item ('watch', 'bag', 'apparel', ...) from its name; 'other' if unknown."""
    low = f" {noun.lower()} "
    for kind, keywords in VOCABULARY.groups("kind_keywords").items():
        if any(w in low for w in keywords):
            return kind
    return "other"
