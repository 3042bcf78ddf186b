"""Scenario families: the independent ways each label is realised.

A *scenario* is one phenomenon of the labeling guide (counterfeit vocabulary,
a failed parody, a compatibility accessory...). Each scenario has two or more
*families*: different realisations of it (where the cue sits, which words carry
it, what goods it is on). Splits hold out whole families, so the test split
measures whether a model learned the phenomenon rather than a template.

Each family writes a :class:`~nlp_ip_train.datagen.context.Draft` only: label
bearing content. Style (voice, casing, emoji, length, price format) is added
later by :mod:`nlp_ip_train.datagen.voices`, identically for every label.

One module per label (:mod:`.infringing`, :mod:`.parody`, :mod:`.lookalike`,
:mod:`.legitimate`) defines its builders and registers each one, with its metadata,
through the decorator of :mod:`.registry`; importing this package registers them all.
Bulk word lists and templates are data (``data/families/<label>.yaml``); a choice whose
variants make random draws while they are built (``f"{c.line(b)} sculpture"``) stays in
code, since turning it into a template would change the order of draws.
"""

from __future__ import annotations

from nlp_ip.labels import Label
from nlp_ip_train.datagen.families import infringing, legitimate, lookalike, parody
from nlp_ip_train.datagen.families.registry import REGISTRY, BrandNeed, Family

#: Every family module, one per label (importing them registers their families).
LABEL_MODULES = {
    Label.INFRINGING: infringing,
    Label.PARODY: parody,
    Label.LOOKALIKE: lookalike,
    Label.LEGITIMATE: legitimate,
}

#: Every family, by label, in registration order (the order of the samplers' draws).
FAMILIES: tuple[Family, ...] = REGISTRY.families()


def families_by_label() -> dict[Label, list[Family]]:
    """Families grouped by label, in registry order."""
    out: dict[Label, list[Family]] = {label: [] for label in Label}
    for fam in FAMILIES:
        out[fam.label].append(fam)
    return out


__all__ = ["FAMILIES", "LABEL_MODULES", "BrandNeed", "Family", "families_by_label"]
