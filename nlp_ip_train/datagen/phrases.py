"""Phrase banks, keyed by meaning and language (data: ``data/phrases.yaml``).

A key maps a language code to variants; :meth:`~nlp_ip_train.datagen.context.Ctx.p` falls
back to English when a language has no variant, which also produces the code-mixed
listings real sellers write ("replica 1:1, envío gratis"). :data:`PHRASE_FIELDS` is the
contract between the file and the code: the keys the code asks for and the placeholders
every caller of each key fills. ``data/goods_names.yaml`` translates goods nouns.
"""

from __future__ import annotations

from nlp_ip_train.datagen.tables import LANGUAGES, DataFile, mapping, record, strings, text

#: What the voices fill into every neutral sentence they add.
_NEUTRAL = ("color", "material", "size", "w", "h", "d", "wi", "n")

#: Phrase key -> the placeholders every caller of that key fills (a template may use no other).
PHRASE_FIELDS: dict[str, tuple[str, ...]] = {
    # neutral sentences
    "cond_new": (),
    "cond_used": (),
    "ship": _NEUTRAL,
    "pay": _NEUTRAL,
    "contact": (),
    "home": _NEUTRAL,
    "returns": _NEUTRAL,
    "bundle": _NEUTRAL,
    "gift": _NEUTRAL,
    "photos": _NEUTRAL,
    "measure": ("w", "h", "d", "wi"),
    "material": ("material",),
    "color": _NEUTRAL,
    "size": _NEUTRAL,
    "bought": ("year",),
    "stock": ("n",),
    # title tags
    "tag_new": (),
    "tag_used": (),
    "tag_misc": (),
    # counterfeit vocabulary
    "cf_tag": (),
    "cf_sent": (),
    "factory_sent": (),
    "jargon_tag": (),
    "jargon_sent": (),
    "contra_sent": (),
    "authclaim_sent": (),
    "noreceipt_sent": (),
    "wholesale_sent": ("n",),
    "logo_sent": ("brand", "initials", "design"),
    "hint_sent": (),
    "failed_parody_sent": ("brand",),
    "inspired_logo_sent": ("brand", "initials", "line"),
    "stuff_sent": ("brands",),
    # parody
    "parody_tag": (),
    "parody_sent": ("brand",),
    "pet_sent": (),
    "tote_sent": ("line", "brand"),
    "art_sent": ("n",),
    # lookalike
    "nologo_tag": (),
    "nologo_sent": (),
    "dupe_tag": (),
    "compare_sent": ("brand", "line"),
    "notaff_sent": ("brand",),
    "perfume_sent": ("brand", "line"),
    "hype_sent": (),
    "style_sent": ("design",),
    # legitimate
    "auth_tag": (),
    "service_sent": ("service",),
    "receipt_sent": ("store",),
    "serial_sent": (),
    "notfake_sent": ("brand",),
    "dealer_sent": ("store", "brand"),
    "wear_sent": ("flaw",),
    "compat_sent": ("brand", "line"),
    "thirdparty_sent": ("brand",),
    "licensed_sent": (),
    "museum_sent": (),
    "generic_sent": (),
    "ownbrand_sent": ("own",),
    "mirror_sent": (),
    "style_of": ("brand",),
    "ownname_sent": ("own", "brand"),
    "audience": ("who",),
    # voice frames
    "intro": ("item",),
    "pickup": ("city",),
    "price_line": ("price",),
}

#: ``phrases.yaml``: phrase key -> language -> variants (English required: the fallback).
PHRASES = DataFile(
    "phrases.yaml",
    record(
        {
            key: mapping(strings(fields), keys=LANGUAGES, required=("en",), what="language")
            for key, fields in PHRASE_FIELDS.items()
        }
    ),
)

#: ``goods_names.yaml``: goods noun -> language -> how sellers write it.
GOODS_NAMES = DataFile(
    "goods_names.yaml",
    mapping(mapping(text(), keys=LANGUAGES, what="language"), what="goods noun"),
)


def phrase_bank() -> dict[str, dict[str, tuple[str, ...]]]:
    """Phrase key -> language -> variants, checked (read once)."""
    bank: dict[str, dict[str, tuple[str, ...]]] = PHRASES.content
    return bank


def goods_names() -> dict[str, dict[str, str]]:
    """Goods noun -> language -> translation, checked (read once)."""
    names: dict[str, dict[str, str]] = GOODS_NAMES.content
    return names
