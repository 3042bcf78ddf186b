"""Label-neutral product details and seller narratives (data: ``data/details.yaml``).

Hand-written listings are mostly *about the item*: what it is made of, how it
fits, what is in the box, why it is being sold. These sentences carry no label
and are drawn with the same probability for every label, so that a model has
to find the few words that decide the label among ordinary product text
rather than learn "short template sentence = label X".
"""

from __future__ import annotations

from nlp_ip_train.datagen.tables import LANGUAGES, DataFile, mapping, record, strings
from nlp_ip_train.datagen.vocab import per_kind

#: What the voices fill into a detail sentence (from the draft's facts).
DETAIL_FIELDS: tuple[str, ...] = ("color", "material", "size")

#: ``details.yaml``: sentences per kind of goods, reasons for selling, a few translations.
DETAILS = DataFile(
    "details.yaml",
    record(
        {
            "details": per_kind(fields=DETAIL_FIELDS),
            "reasons": strings(DETAIL_FIELDS),
            "details_i18n": mapping(strings(DETAIL_FIELDS), keys=LANGUAGES[1:], what="language"),
        }
    ),
)
