"""Brand and cue matching on normalised text: the engine behind the spaCy components.

Everything here is plain Python over :class:`~nlp_ip.text.normalize.NormalizedText`
(no spaCy); the components in :mod:`nlp_ip.text.pipeline` call it, matching first
and writing their annotations after. Matching works on the words of the folded
text, with dictionary and set look-ups (C speed) on the common path; per-word work
in Python runs only for words that could start a brand name or a cue.

The stages, one module each:

``index``
    the catalog's names, aliases, initials, product lines and parody names as
    skeleton words, each with the :class:`Evidence` it needs to count;
``approximate``
    misspellings and abbreviations of brand words ("rolx", "balenc");
``candidates``
    where catalog strings may be typed in a text: exactly, split up, misspelt;
``guards``
    the named rules that accept a candidate: a context word of the brand nearby,
    another mention of the brand, the seller's stated brand (see ``ACCEPTANCE``);
``resolve``
    overlapping candidates to mentions, and a seller's brand field to a brand;
``puns``, ``cues``, ``negation``
    misspelt brands that are jokes, cue phrases and their guards, negated cues;
``obfuscation``
    whether a mention was typed as a disguise.

:class:`SignalMatcher` ties them together for one catalog.
"""

from __future__ import annotations

from nlp_ip.text.matching.approximate import osa_distance
from nlp_ip.text.matching.guards import ACCEPTANCE, GuardContext, GuardPass
from nlp_ip.text.matching.matcher import SignalMatcher
from nlp_ip.text.matching.obfuscation import mention_is_obfuscated, typed_obfuscation
from nlp_ip.text.matching.records import (
    MATCH_KINDS,
    Candidate,
    EntryKind,
    Evidence,
    KeyEntry,
    MatchKind,
    Method,
    RawCue,
    RawMention,
)
from nlp_ip.text.matching.resolve import longest_first
from nlp_ip.text.matching.words import WORD_RE, Tokens, load_vocabulary

__all__ = [
    "ACCEPTANCE",
    "MATCH_KINDS",
    "WORD_RE",
    "Candidate",
    "EntryKind",
    "Evidence",
    "GuardContext",
    "GuardPass",
    "KeyEntry",
    "MatchKind",
    "Method",
    "RawCue",
    "RawMention",
    "SignalMatcher",
    "Tokens",
    "load_vocabulary",
    "longest_first",
    "mention_is_obfuscated",
    "osa_distance",
    "typed_obfuscation",
]
