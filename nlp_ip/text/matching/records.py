"""The records passed between the matching stages, and the evidence a mention needs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Literal


class Evidence(IntEnum):
    """What a candidate needs before it counts as a brand mention (more is harder)."""

    #: Nothing: a distinctive name ("Louis Vuitton", "Neverfull").
    NONE = 0
    #: A context word of the brand nearby, or another mention of the brand.
    WORD = 1
    #: Another accepted mention of the brand (or the seller's stated brand).
    STRONG = 2

    def lowered(self) -> Evidence:
        """One step less (never below :attr:`NONE`)."""
        return Evidence(max(self - 1, Evidence.NONE))


#: What a catalog string is.
EntryKind = Literal["name", "alias", "initials", "product_line", "parody"]
#: How a candidate was found: typed as in the catalog, split up or run together,
#: within a small edit distance, shortened, or with letters doubled ("Niike", "Diior").
Method = Literal["exact", "joined", "edit", "abbrev", "doubled"]
#: The ``match`` of a brand mention: the catalog kind, or "fuzzy" for approximate ones.
MatchKind = Literal["name", "alias", "initials", "product_line", "fuzzy"]

#: ``match`` kinds of a brand mention.
MATCH_KINDS: tuple[MatchKind, ...] = ("name", "alias", "initials", "product_line", "fuzzy")

#: Methods that found a misspelt or shortened word, not the catalog's letters.
APPROXIMATE_METHODS: frozenset[Method] = frozenset({"edit", "abbrev", "doubled"})


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One catalog string, ready for matching."""

    brand: str
    kind: EntryKind
    surface: str  # as written in the catalog
    tokens: tuple[str, ...]  # skeleton words
    plain: tuple[str, ...]  # plainly folded words (for the obfuscated flag)
    evidence: Evidence
    #: A product line with its trailing goods words removed ("Tabby" of "Tabby shoulder bag").
    derived: bool = False
    #: Folded words (no leet): what vocabulary checks read.
    words: tuple[str, ...] = ()


@dataclass(slots=True)
class Candidate:
    """Catalog string ``entry`` found at words ``[first, last)`` of a text."""

    first: int
    last: int
    entry: KeyEntry
    method: Method
    evidence: Evidence
    accepted: bool = False

    @property
    def approximate(self) -> bool:
        """True when found by edit distance or as an abbreviation."""
        return self.method in APPROXIMATE_METHODS


@dataclass(frozen=True, slots=True)
class RawMention:
    """A brand mention in folded-text offsets (see :class:`NormalizedText`)."""

    start: int
    end: int
    brand: str
    match: MatchKind
    method: Method
    catalog_form: str
    plain: tuple[str, ...]
    #: The catalog product line named, when the mention is one ("Neverfull"); the parent
    #: brand is ``brand``.
    product_line: str | None = None


@dataclass(frozen=True, slots=True)
class RawCue:
    """A cue in folded-text offsets."""

    start: int
    end: int
    kind: str
    phrase: str
    negated: bool = False
    brand: str | None = None
