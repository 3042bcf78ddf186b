"""Negation of cues: "not a replica", "no receipt", "receipt not included".

A cue is negated when a negator stands among the last three words before it in
its clause, or (for scripts written without spaces) right before it, or when a
post-negator is one of the first two words after it in its clause.
"""

from __future__ import annotations

import re

from nlp_ip.text import lexicon
from nlp_ip.text.matching.words import WORD_RE, skeleton_set

_CLAUSE_END_RE = re.compile(r"[.,;!?\n()\[\]|•]")


class Negation:
    """The negation check, with the negators of :mod:`nlp_ip.text.lexicon` in skeleton form."""

    __slots__ = ("negators", "post_negators")

    def __init__(self) -> None:
        self.negators = skeleton_set(lexicon.NEGATORS)
        self.post_negators = skeleton_set(lexicon.POST_NEGATORS)

    def negated(self, skeleton: str, start: int, end: int) -> bool:
        """Is the cue at ``skeleton[start:end]`` negated?"""
        before = skeleton[max(0, start - 40) : start]
        clause = _CLAUSE_END_RE.split(before)[-1]
        if any(w in self.negators for w in WORD_RE.findall(clause)[-3:]):
            return True
        if not before.isascii() and any(neg in before[-4:] for neg in lexicon.CJK_NEGATORS):
            return True
        after = _CLAUSE_END_RE.split(skeleton[end : end + 30])[0]
        return any(w in self.post_negators for w in WORD_RE.findall(after)[:2])
