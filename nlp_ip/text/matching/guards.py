"""Guards: which brand candidates count as mentions.

A candidate arrives with the :class:`~nlp_ip.text.matching.records.Evidence` its
catalog string needs (see :mod:`nlp_ip.text.matching.index`). Two steps decide:

1. **How it was typed** moves that need (:func:`required_evidence`): initials typed
   like a word ("lv") need :attr:`~Evidence.STRONG` evidence; a disguise
   ("S.t.a.n.l.e.y", "Аpple" with a Cyrillic А) needs one step less, because
   nobody disguises an ordinary word.
2. **Acceptance** runs the passes of :data:`ACCEPTANCE` in order. Each pass looks
   at the candidates not yet accepted whose evidence it covers; the first of its
   guards that holds accepts the candidate. Later passes see what earlier passes
   accepted (a :attr:`~Evidence.STRONG` candidate needs an *accepted* mention).

Every guard is a plain function ``(candidate, context) -> bool``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from nlp_ip.text.matching.index import BrandIndex
from nlp_ip.text.matching.obfuscation import typed_obfuscation
from nlp_ip.text.matching.records import Candidate, Evidence
from nlp_ip.text.normalize import NormalizedText

#: Words on each side of a candidate where a context word confirms it.
DEFAULT_WINDOW = 6
#: The window for a single ordinary word ("coach", "apple", "LV").
NARROW_WINDOW = 2
#: Words on each side of initials where a mark word ("logo") confirms them.
MARK_WORD_WINDOW = 2
#: Words on each side of initials where a context phrase of the brand confirms them.
PHRASE_WINDOW = 4


@dataclass(slots=True)
class GuardContext:
    """What the guards read about one text."""

    index: BrandIndex
    #: The text's skeleton words.
    words: list[str]
    #: Every candidate of the text, by brand.
    by_brand: dict[str, list[Candidate]]
    #: The canonical brand the seller named in the brand field, if any.
    stated: str | None = None
    window: int = DEFAULT_WINDOW

    @classmethod
    def of(
        cls,
        index: BrandIndex,
        words: list[str],
        candidates: list[Candidate],
        *,
        stated: str | None = None,
        window: int = DEFAULT_WINDOW,
    ) -> GuardContext:
        """The context of ``candidates`` found in ``words``."""
        by_brand: dict[str, list[Candidate]] = {}
        for cand in candidates:
            by_brand.setdefault(cand.entry.brand, []).append(cand)
        return cls(index, words, by_brand, stated, window)


Guard = Callable[[Candidate, GuardContext], bool]


# --------------------------------------------------------------------------- how it was typed


def initials_typed_as_a_word(cand: Candidate, typed: str) -> bool:
    """Initials typed neither in capitals nor as in the catalog ("lv", "Cc")."""
    if cand.entry.kind != "initials":
        return False
    letters = "".join(c for c in typed if c.isalpha())
    catalog = "".join(c for c in cand.entry.surface if c.isalpha())
    return not (letters.isupper() or letters == catalog)


def typed_as_a_disguise(cand: Candidate, typed: str) -> bool:
    """Typed as a disguise of the catalog form (see :func:`typed_obfuscation`)."""
    return typed_obfuscation(typed, cand.entry.surface)


def required_evidence(cand: Candidate, typed: str) -> Evidence:
    """The evidence ``cand`` needs, given that it was typed as ``typed``."""
    evidence = cand.evidence
    if evidence == Evidence.NONE:
        return evidence
    if initials_typed_as_a_word(cand, typed):
        evidence = Evidence.STRONG
    if typed_as_a_disguise(cand, typed):
        # Nobody writes an ordinary word as "S.t.a.n.l.e.y", "Аpple" (Cyrillic А)
        # or "Di🌸or": the disguise itself says a mark is meant.
        evidence = evidence.lowered()
    return evidence


def adjust_evidence(
    candidates: list[Candidate], norm: NormalizedText, spans: list[tuple[int, int]]
) -> None:
    """Set each candidate's evidence to what it needs as typed (:func:`required_evidence`)."""
    original = norm.original
    for cand in candidates:
        if cand.evidence == Evidence.NONE:
            continue
        a, b = norm.to_original(spans[cand.first][0], spans[cand.last - 1][1])
        cand.evidence = required_evidence(cand, original[a:b])


# --------------------------------------------------------------------------- guards


def needs_no_evidence(cand: Candidate, ctx: GuardContext) -> bool:
    """A distinctive name ("Louis Vuitton", "Neverfull") counts alone."""
    return cand.evidence == Evidence.NONE


def is_parody_name(cand: Candidate, ctx: GuardContext) -> bool:
    """A catalog parody name ("Chewy Vuiton") counts alone; it becomes a parody cue."""
    return cand.entry.kind == "parody"


def is_the_stated_brand(cand: Candidate, ctx: GuardContext) -> bool:
    """The seller's brand field names the candidate's brand."""
    return cand.entry.brand == ctx.stated


def _other_mentions(cand: Candidate, ctx: GuardContext) -> Iterator[Candidate]:
    """Candidates of the same brand on other words, typed as another catalog string."""
    for other in ctx.by_brand[cand.entry.brand]:
        if other is cand or other.entry.kind == "parody":
            continue
        if other.entry.tokens == cand.entry.tokens:
            continue  # "coach ... coach": the same word twice is no new evidence
        if other.first < cand.last and cand.first < other.last:
            continue  # overlapping: the same words cannot confirm themselves
        yield other


def confirmed_by_another_mention(cand: Candidate, ctx: GuardContext) -> bool:
    """Another mention of the brand, accepted or not ("Tabby ... Coach")."""
    for other in _other_mentions(cand, ctx):
        if other.evidence == Evidence.STRONG and not other.accepted and not cand.approximate:
            # Two ordinary words ("coach", "tabby") do not confirm each other, but a
            # misspelt name does confirm an ordinary-word product line ("Addidas
            # Superstar"): nobody misspells a brand by chance next to its product.
            continue
        return True
    return False


def confirmed_by_an_accepted_mention(cand: Candidate, ctx: GuardContext) -> bool:
    """An accepted mention of the brand elsewhere in the text."""
    return any(other.accepted for other in _other_mentions(cand, ctx))


def _is_ordinary_word(cand: Candidate, ctx: GuardContext) -> bool:
    """A single word typed as in the catalog that reads as an ordinary word."""
    entry = cand.entry
    return (
        len(entry.tokens) == 1
        and cand.method == "exact"
        and (
            ctx.index.brands[entry.brand].ambiguous
            or len(entry.tokens[0]) <= 2
            or ctx.index.vocabulary.is_common(entry.words[0] if entry.words else "")
        )
    )


def context_word_nearby(cand: Candidate, ctx: GuardContext) -> bool:
    """A context word of the brand within the window on either side."""
    index = ctx.index
    brand = cand.entry.brand
    context = (index.category_context if cand.approximate else index.context)[brand]
    if cand.entry.kind == "initials":
        context = context | index.generic_context
    window = ctx.window
    if _is_ordinary_word(cand, ctx):
        # An ordinary word ("coach", "apple", "LV") is a brand only with a
        # context word right next to it: "Coach leather wallet", not
        # "coach bus model, leather seats".
        window = NARROW_WINDOW
    words = ctx.words
    lo = max(0, cand.first - window)
    hi = cand.last + window
    return any(w in context for w in words[lo : cand.first]) or any(
        w in context for w in words[cand.last : hi]
    )


def initials_beside_a_mark_word(cand: Candidate, ctx: GuardContext) -> bool:
    """Initials next to a mark word ("CC logo", "GG monogram"), unless they spell a word."""
    if cand.entry.kind != "initials":
        return False
    if "".join(cand.entry.tokens) in ctx.index.vocabulary.stop_skeleton:
        return False
    words = ctx.words
    lo = max(0, cand.first - MARK_WORD_WINDOW)
    near = words[lo : cand.first] + words[cand.last : cand.last + MARK_WORD_WINDOW]
    return any(w in ctx.index.generic_context for w in near)


def initials_beside_a_context_phrase(cand: Candidate, ctx: GuardContext) -> bool:
    """Initials next to one of the brand's context phrases ("ON Gold Standard")."""
    if cand.entry.kind != "initials":
        return False
    phrases = ctx.index.context_phrases.get(cand.entry.brand)
    if not phrases:
        return False
    words = ctx.words
    lo = max(0, cand.first - PHRASE_WINDOW)
    before = words[lo : cand.first]
    after = words[cand.last : cand.last + PHRASE_WINDOW]
    window = " " + " ".join([*before, "|", *after]) + " "
    return any(f" {phrase} " in window for phrase in phrases)


# --------------------------------------------------------------------------- vetoes

#: Unit, size, count and pack abbreviations that equal some brand's initials ("CT",
#: "PP", "CL", "MS"...): beside a number they are a quantity, never a mark.
QUANTITY_UNITS = frozenset("""
    pcs pc pk pack ct ea oz fl ml cl dl l lb lbs kg g mg mm cm m km in ft yd gb tb mb kb
    mah v w kw hz khz ghz a ma db pp pe ss xs s xl xxl xxxl xxs sz ft2 m2 qt gal pt
""".split())


def _is_number(word: str) -> bool:
    return any(ch.isdigit() for ch in word) and all(ch.isdigit() or ch in "x" for ch in word)


def initials_read_as_a_quantity(cand: Candidate, ctx: GuardContext) -> bool:
    """Initials that are a unit or count beside a number ("12 CT", "75 cl", "2 PK")."""
    if cand.entry.kind != "initials":
        return False
    typed = "".join(cand.entry.tokens)
    words = ctx.words
    beside = words[max(0, cand.first - 1) : cand.first] + words[cand.last : cand.last + 1]
    return any(_is_number(w) for w in beside) and (
        typed in QUANTITY_UNITS or typed.replace("i", "l") in QUANTITY_UNITS)


#: Rules that keep a candidate out whatever accepts it, checked first.
VETOES: tuple[Guard, ...] = (initials_read_as_a_quantity,)


# --------------------------------------------------------------------------- acceptance


@dataclass(frozen=True, slots=True)
class GuardPass:
    """One pass of acceptance: candidates needing ``evidence``, tried on ``guards`` in order."""

    evidence: frozenset[Evidence]
    guards: tuple[Guard, ...]


#: The acceptance rules, in the order they run.
ACCEPTANCE: tuple[GuardPass, ...] = (
    GuardPass(
        frozenset(Evidence),
        (needs_no_evidence, is_parody_name, is_the_stated_brand),
    ),
    GuardPass(
        frozenset({Evidence.WORD}),
        (confirmed_by_another_mention, context_word_nearby),
    ),
    GuardPass(
        frozenset({Evidence.STRONG}),
        (
            confirmed_by_an_accepted_mention,
            initials_beside_a_mark_word,
            initials_beside_a_context_phrase,
        ),
    ),
)


def accept(
    candidates: list[Candidate],
    ctx: GuardContext,
    passes: tuple[GuardPass, ...] = ACCEPTANCE,
    vetoes: tuple[Guard, ...] = VETOES,
) -> None:
    """Mark the candidates that count (``accepted``), running ``passes`` in order;
    a candidate that a veto holds for is never accepted."""
    vetoed = {id(c) for c in candidates if any(veto(c, ctx) for veto in vetoes)}
    for guard_pass in passes:
        for cand in candidates:
            if cand.accepted or cand.evidence not in guard_pass.evidence or id(cand) in vetoed:
                continue
            for guard in guard_pass.guards:
                if guard(cand, ctx):
                    cand.accepted = True
                    break
