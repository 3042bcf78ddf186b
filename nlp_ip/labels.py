"""The four labels, defined once.

Order is fixed (it is the column order of every probability array and of the
model head): infringing, parody, lookalike, legitimate.
"""

from __future__ import annotations

from enum import Enum


class Label(str, Enum):
    """What a listing is, per ``shared/labeling-guide.md``."""

    INFRINGING = "infringing"
    PARODY = "parody"
    LOOKALIKE = "lookalike"
    LEGITIMATE = "legitimate"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, value: object) -> Label:
        """Return the label for ``value`` (a Label or its name, any case)."""
        if isinstance(value, Label):
            return value
        if isinstance(value, str):
            key = value.strip().lower()
            for label in cls:
                if label.value == key:
                    return label
        expected = ", ".join(label.value for label in cls)
        raise ValueError(f"unknown label {value!r}; expected one of: {expected}")


LABELS: tuple[Label, ...] = tuple(Label)
LABEL_NAMES: tuple[str, ...] = tuple(label.value for label in LABELS)
LABEL2ID: dict[str, int] = {name: i for i, name in enumerate(LABEL_NAMES)}
ID2LABEL: dict[int, str] = dict(enumerate(LABEL_NAMES))

#: Labels that a decision policy may never remove automatically.
NEVER_AUTO_REMOVE: frozenset[Label] = frozenset({Label.PARODY, Label.LOOKALIKE})
