"""Brand and cue matching on normalised text: the engine behind the spaCy components.

Everything here is plain Python over :class:`~nlp_ip.text.normalize.NormalizedText`;
the spaCy components in :mod:`nlp_ip.text.pipeline` call it. Matching works on
word tokens of the folded text, with dictionary and set look-ups (C speed) on
the common path; per-word work in Python runs only for words that could start
a brand name or a cue.

Brand matching (on the ``skeleton`` view):

1. **exact**: a run of words whose concatenation is a catalog name, alias,
   initials, product line or parody name, in the catalog's own spacing
   ("louis vuitton") or split up ("lou is vuit ton", "car tier", "c hanel");
2. **approximate** words (cached per distinct word): bounded edit distance
   ("rolx", "balenciga", "samsumg"), abbreviations ("balenc", "tiff", "rlx",
   "mnclr") and multi-word names with one word approximate ("louis vitton",
   "dolce gabana", "ray bam", "jo mal");
3. **guards**: a match whose words are ordinary words, or a brand marked
   ``ambiguous``, or initials, or a short or ordinary product line, or an
   approximate match, counts only with context: a context word of the brand
   nearby, another mention of the same brand, or the seller's stated brand.
   See :data:`NONE`, :data:`WORD` and :data:`STRONG`.

Cue matching (on the ``text`` view) looks up the phrases of
:mod:`nlp_ip.text.lexicon`, applies their guards and checks for negation.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from itertools import pairwise

from nlp_ip.brands import Brand, BrandCatalog
from nlp_ip.text import lexicon
from nlp_ip.text.lexicon import CueSpec
from nlp_ip.text.normalize import NormalizedText, normalize, plain_fold

logger = logging.getLogger(__name__)

WORD_RE = re.compile(r"[^\W_]+")
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_CLAUSE_END_RE = re.compile(r"[.,;!?\n()\[\]|•]")
_PLAIN_SEPARATORS_RE = re.compile(r"[\s\-'’&.+/,]*")

#: What a candidate needs before it counts as a brand mention.
NONE = 0  #: nothing: a distinctive name ("Louis Vuitton", "Neverfull")
WORD = 1  #: a context word of the brand nearby, or another mention of the brand
STRONG = 2  #: another mention of the brand (or the stated brand)

#: ``match`` kinds of a brand mention.
MATCH_KINDS: tuple[str, ...] = ("name", "alias", "initials", "product_line", "fuzzy")

_VOWELS = frozenset("aeou")  # "i" stays: in the skeleton it also stands for "l"
_APPROX_CACHE_LIMIT = 300_000
# Inflection endings in the skeleton ("l" is written "i" there): (ending, replacement).
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("s", ""),
    ("es", ""),
    ("ies", "y"),
    ("ed", ""),
    ("ed", "e"),
    ("d", ""),
    ("ing", ""),
    ("ing", "e"),
    ("iy", ""),
    ("er", ""),
    ("ers", ""),
    ("est", ""),
    ("ness", ""),
    ("ment", ""),
    ("abie", ""),
    ("abie", "e"),
    ("ation", "e"),
    ("ist", ""),
    ("ism", ""),
)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One catalog string, ready for matching."""

    brand: str
    kind: str  # name | alias | initials | product_line | parody
    surface: str  # as written in the catalog
    tokens: tuple[str, ...]  # skeleton words
    plain: tuple[str, ...]  # plainly folded words (for the obfuscated flag)
    level: int
    #: A product line with its trailing goods words removed ("Tabby" of "Tabby shoulder bag").
    derived: bool = False
    #: Folded words (no leet): what vocabulary checks read.
    words: tuple[str, ...] = ()


@dataclass(slots=True)
class _Candidate:
    first: int  # word index (inclusive)
    last: int  # word index (exclusive)
    entry: KeyEntry
    method: str  # exact | joined | edit | abbrev
    level: int
    accepted: bool = False


@dataclass(frozen=True, slots=True)
class RawMention:
    """A brand mention in folded-text offsets (see :class:`NormalizedText`)."""

    start: int
    end: int
    brand: str
    match: str  # one of MATCH_KINDS
    method: str  # exact | joined | edit | abbrev
    catalog_form: str
    plain: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RawCue:
    """A cue in folded-text offsets."""

    start: int
    end: int
    kind: str
    phrase: str
    negated: bool = False
    brand: str | None = None


# --------------------------------------------------------------------------- helpers


def load_vocabulary() -> frozenset[str]:
    """The packaged list of ordinary words (several languages)."""
    return _load_vocabulary()


@lru_cache(maxsize=1)
def _load_vocabulary() -> frozenset[str]:
    return _read_word_list("data/common_words.txt")


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    return _read_word_list("data/stop_words.txt")


def _read_word_list(name: str) -> frozenset[str]:
    text = resources.files("nlp_ip.text").joinpath(name).read_text("utf-8")
    words: set[str] = set()
    for line in text.splitlines():
        if not line.startswith("#"):
            words.update(line.split())
    return frozenset(words)


def _skeleton_words(text: str) -> tuple[str, ...]:
    return tuple(WORD_RE.findall(normalize(text).skeleton))


def _text_words(text: str) -> tuple[str, ...]:
    return tuple(WORD_RE.findall(normalize(text).text))


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance, or ``limit + 1`` once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, prev2[j - 2] + 1)
            cur[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[len(b)]


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def _consonants(word: str) -> str:
    return "".join(ch for ch in word if ch not in _VOWELS)


def _edit_limit(target: str) -> int:
    return 2 if len(target) >= 10 else 1


def _plain_case(typed: str, catalog: str) -> bool:
    """True when ``typed`` is cased like ordinary writing or like the catalog form."""
    letters = [c for c in typed if c.isalpha()]
    if not letters:
        return True
    word = "".join(letters)
    if word.islower() or word.isupper():
        return True
    if word[0].isupper() and word[1:].islower():
        return True
    return word in "".join(c for c in catalog if c.isalpha())


_PLAIN_ASCII_RE = re.compile(r"[A-Za-z]{2,}(?:[ '&-][A-Za-z]{2,})*")
_SPLIT_LETTERS_RE = re.compile(r"(?<![^\W_])[^\W_](?:[^\w\n]{1,3}[^\W_](?![^\W_])){2,}")
_LEET_RE = re.compile(r"[A-Za-z][0-9@$!|€¢£][A-Za-z]|[@$€¢£][A-Za-z]{2}|[A-Za-z]{2}[0-9]+[A-Za-z]")


def typed_obfuscation(typed: str, catalog_form: str) -> bool:
    """True when ``typed`` shows a deliberate disguise of ``catalog_form``.

    Disguises: look-alike letters from another script mixed with Latin ones,
    full-width or other compatibility letters, zero-width characters or emoji
    inside the name, leet digits or symbols inside a word, letters split one by
    one ("S.t.a.n.l.e.y", "P.S.G"), irregular casing ("gUcCi"). Plain spelling,
    accents ("Hermes" for "Hermès") and ordinary separators are not disguises.
    """
    if typed.isascii():
        if _PLAIN_ASCII_RE.fullmatch(typed) and (
            typed.islower() or typed.isupper() or typed.istitle()
        ):
            return False
    else:
        has_ascii_letter = any(c.isascii() and c.isalpha() for c in typed)
        for ch in typed:
            if ch.isascii():
                continue
            folded = plain_fold(ch)
            if folded.isascii() and folded.isalpha():
                continue  # é, ü, ç: accents are ordinary spelling
            if ch.isalpha() and not has_ascii_letter and unicodedata.east_asian_width(ch) != "F":
                continue  # a word wholly in another script is just that script
            return True
    if _LEET_RE.search(typed) and not any(c.isdigit() for c in catalog_form):
        return True
    if _SPLIT_LETTERS_RE.search(typed) and not _SPLIT_LETTERS_RE.search(catalog_form):
        return True
    return any(
        not _plain_case(word, catalog_form) for word in WORD_RE.findall(typed) if len(word) > 2
    )


class Tokens:
    """The words of a text's skeleton view, shared by brand and cue matching."""

    __slots__ = ("_spans", "norm", "words", "wordset")

    def __init__(self, norm: NormalizedText) -> None:
        self.norm = norm
        self.words: list[str] = norm.words
        self.wordset: set[str] = set(self.words)
        self._spans: list[tuple[int, int]] | None = None

    @property
    def spans(self) -> list[tuple[int, int]]:
        """``(start, end)`` of each word in the folded text."""
        if self._spans is None:
            self._spans = [m.span() for m in WORD_RE.finditer(self.norm.skeleton)]
        return self._spans


def _positions(seq: list[str], targets: set[str] | frozenset[str]) -> list[int]:
    """Sorted indexes of ``seq`` items that are in ``targets`` (list.index runs in C)."""
    out: list[int] = []
    for target in targets:
        i = -1
        try:
            while True:
                i = seq.index(target, i + 1)
                out.append(i)
        except ValueError:
            pass
    out.sort()
    return out


def _tokens(value: NormalizedText | Tokens) -> Tokens:
    return value if isinstance(value, Tokens) else Tokens(value)


def _skeleton_set(words: frozenset[str]) -> frozenset[str]:
    return frozenset(w for word in words for w in WORD_RE.findall(normalize(word).skeleton))


# --------------------------------------------------------------------------- matcher


class SignalMatcher:
    """Brand and cue matcher compiled from one brand catalog.

    Build once per catalog (``SignalMatcher.for_catalog`` caches by path) and
    reuse: compiling ~2,500 catalog strings takes a few hundred milliseconds,
    matching a listing takes microseconds.
    """

    def __init__(self, catalog: BrandCatalog, *, window: int = 6) -> None:
        self.catalog = catalog
        self.window = window
        self.vocabulary = load_vocabulary() | _stop_words()
        self._vocab_skel = frozenset(
            w for word in self.vocabulary for w in WORD_RE.findall(normalize(word).skeleton)
        )
        self._stop_plain = _stop_words()
        self._stop_skel = frozenset(
            w for word in _stop_words() for w in WORD_RE.findall(normalize(word).skeleton)
        )
        self._generic_context = frozenset(
            w for word in lexicon.GENERIC_BRAND_CONTEXT for w in _skeleton_words(word)
        )
        self._brands: dict[str, Brand] = {b.name: b for b in catalog.brands}
        self._entries: list[KeyEntry] = []
        self._joined: dict[str, list[KeyEntry]] = {}
        self._prefixes: set[str] = set()
        self._first_multi: dict[str, list[KeyEntry]] = {}
        self._token_index: dict[str, list[tuple[KeyEntry, int]]] = {}
        self._context: dict[str, frozenset[str]] = {}
        self._category_context: dict[str, frozenset[str]] = {}
        self._goods_words: frozenset[str] = frozenset()
        self._goods_plain: frozenset[str] = frozenset()
        self._context_phrases: dict[str, tuple[str, ...]] = {}
        self._build_brands()
        self._exact_tokens = frozenset(self._token_index)
        self._joined_keys = frozenset(self._joined)
        self._stop_keys = frozenset(k for k in self._joined if k in self._stop_skel)
        self._split_heads = frozenset(
            joined[:n]
            for joined, entries in self._joined.items()
            if len(joined) >= 6 and any(e.kind in ("name", "alias") for e in entries)
            for n in range(4, len(joined) - 1)
        )
        self._first_multi_keys = frozenset(
            word
            for word, entries in self._first_multi.items()
            if word not in self._stop_skel and any(e.kind in ("name", "alias") for e in entries)
        )
        self._build_approx()
        self._build_cues()
        self._approx_cache: dict[str, tuple[tuple[str, str], ...]] = {}
        self._approx_positive: set[str] = set()
        self._one_edit: set[tuple[str, str]] = set()  # (word, target) one edit apart
        self._pair_cache: dict[tuple[str, str], str] = {}

    # ----------------------------------------------------------------- building

    def _is_vocab(self, word: str) -> bool:
        """For words of the text (skeleton form)."""
        return word in self._vocab_skel or word in self._stop_skel

    def _is_common(self, word: str) -> bool:
        """For words of the catalog (folded, not skeleton: "slp" is not "sip")."""
        return word in self.vocabulary or word in self._stop_plain or word in self._goods_plain

    def _add(self, entry: KeyEntry) -> None:
        if not entry.tokens:
            return
        self._entries.append(entry)
        joined = "".join(entry.tokens)
        self._joined.setdefault(joined, []).append(entry)
        for i in range(1, len(joined) + 1):
            self._prefixes.add(joined[:i])
        if len(entry.tokens) > 1:
            self._first_multi.setdefault(entry.tokens[0], []).append(entry)
        for k, token in enumerate(entry.tokens):
            self._token_index.setdefault(token, []).append((entry, k))

    def _entry(self, brand: Brand, kind: str, surface: str, level: int) -> KeyEntry:
        plain = tuple(WORD_RE.findall(plain_fold(surface)))
        return KeyEntry(
            brand.name,
            kind,
            surface,
            _skeleton_words(surface),
            plain,
            level,
            words=_text_words(surface),
        )

    def _name_level(self, brand: Brand, tokens: tuple[str, ...]) -> int:
        alpha = [t for t in tokens if any(c.isalpha() for c in t)]
        if not alpha:
            return STRONG
        all_common = all(self._is_common(t) for t in alpha)
        if len(tokens) == 1:
            token = tokens[0]
            if token in self._stop_plain or len(token) <= 2:
                return STRONG
            if brand.ambiguous or all_common:
                return WORD
            return NONE
        if len(tokens) == 2 and tokens[0] in self._stop_plain and self._is_common(tokens[1]):
            return STRONG  # "On Running": "slip on running shoes" is no brand
        if all_common:
            return WORD  # "North Face", "Canada Goose", "Nature Made"
        return NONE

    def _initials_level(self, tokens: tuple[str, ...]) -> int:
        joined = "".join(tokens)
        if joined in lexicon.COMMON_ABBREVIATIONS or self._is_common(joined) or len(joined) < 2:
            return STRONG
        return WORD

    def _product_level(self, brand: Brand, surface: str, tokens: tuple[str, ...]) -> int:
        alpha = [t for t in tokens if any(c.isalpha() for c in t)]
        if not alpha:
            return STRONG  # "550", "1460", "2.55": numbers need the brand named
        brand_tokens = set(_text_words(brand.name)) - self._stop_plain
        brand_tokens.update(w for initials in brand.initials for w in _text_words(initials))
        if brand_tokens & set(tokens):
            return NONE  # "Lady Dior", "Chanel 19", "CK One", "GG Marmont"
        if len(tokens) == 1:
            token = tokens[0]
            if token in self._stop_plain or len(token) <= 3 or self._is_common(token):
                return STRONG  # "Tank", "Viking", "Daisy": ordinary words need the brand
            letters = "".join(c for c in surface if c.isalpha())
            camel = any(c.isupper() for c in letters[1:]) and not letters.isupper()
            mixed = any(c.isdigit() for c in surface)
            # "Neverfull", "MoonSwatch", "SKX007" name nothing else; shorter names
            # ("Tabby", "Romy", "Alma") need a context word of the brand.
            return NONE if camel or mixed or len(token) >= 8 else WORD
        if all(self._is_common(t) for t in alpha):
            if len(alpha) < len(tokens):
                return WORD  # "Air Force 1": ordinary words and a model number
            return STRONG  # "Oxford Shirt", "Classic Flap", "Garden Party"
        if any(len(t) >= 5 and not self._is_common(t) for t in alpha):
            return NONE  # "Speedy Bandouliere", "Royal Oak Offshore"
        return WORD  # "Oran sandals", "Kelly 28": a short name plus ordinary words

    def _build_brands(self) -> None:
        goods_words: set[str] = set()
        for brand in self.catalog.brands:
            for goods in brand.goods:
                goods_words.update(_skeleton_words(goods))
        self._goods_words = frozenset(goods_words)
        self._goods_plain = frozenset(
            w for brand in self.catalog.brands for goods in brand.goods for w in _text_words(goods)
        )
        category_words: dict[str, set[str]] = {}
        for brand in self.catalog.brands:
            names = [(brand.name, "name")] + [(a, "alias") for a in brand.aliases]
            for surface, kind in names:
                tokens = _text_words(surface)
                self._add(self._entry(brand, kind, surface, self._name_level(brand, tokens)))
            for initials in brand.initials:
                tokens = _text_words(initials)
                self._add(self._entry(brand, "initials", initials, self._initials_level(tokens)))
            for line in brand.product_lines:
                words = _text_words(line)
                self._add(
                    self._entry(
                        brand, "product_line", line, self._product_level(brand, line, words)
                    )
                )
                tokens = _skeleton_words(line)
                # "Tabby shoulder bag" is also written "Tabby", "iPhone 15" also "iPhone 13":
                # drop trailing goods words and model numbers.
                head = list(tokens)
                goods_dropped = False
                while len(head) > 1 and (head[-1] in self._goods_words or head[-1].isdigit()):
                    goods_dropped = goods_dropped or not head[-1].isdigit()
                    head.pop()
                typed_words = WORD_RE.findall(line)
                if (
                    len(head) < len(tokens)
                    and len(words) == len(tokens) == len(typed_words)
                    and any(c.isalpha() for t in head for c in t)
                    and not (len(head) == 1 and (self._is_common(words[0]) or len(head[0]) < 4))
                ):
                    head_words = words[: len(head)]
                    level = self._product_level(
                        brand, " ".join(typed_words[: len(head)]), head_words
                    )
                    if len(head) == 1 and len(head[0]) <= 5:
                        level = STRONG  # "Oran", "Tabby": too short to name a bag alone
                    elif goods_dropped:
                        level = max(level, WORD)
                    entry = KeyEntry(
                        brand.name,
                        "product_line",
                        line,
                        tuple(head),
                        tuple(WORD_RE.findall(plain_fold(line)))[: len(head)],
                        level,
                        derived=True,
                        words=head_words,
                    )
                    self._add(entry)
            for pun in brand.parody_names:
                self._add(self._entry(brand, "parody", pun, NONE))
            phrases = [
                " ".join(_skeleton_words(phrase))
                for phrase in brand.context_words
                if len(_skeleton_words(phrase)) > 1
            ]
            if phrases:
                self._context_phrases[brand.name] = tuple(phrases)
            context: set[str] = set()
            own: set[str] = set()
            for phrase in (*brand.context_words, *brand.goods):
                own.update(_skeleton_words(phrase))
            for phrase in brand.design_elements:  # "white serif GAP on navy box": only "serif"
                own.update(t for t in _skeleton_words(phrase) if not self._is_vocab(t))
            for line in brand.product_lines:
                own.update(t for t in _skeleton_words(line) if not self._is_vocab(t))
            for surface in (brand.name, *brand.aliases):
                own.update(
                    s
                    for s, w in zip(_skeleton_words(surface), _text_words(surface), strict=False)
                    if not self._is_common(w)
                )
            own = {t for t in own if len(t) >= 3 and t not in self._stop_skel}
            context.update(own)
            context.update(t + "s" for t in own if not t.endswith("s"))  # "dolls", "bags"
            self._context[brand.name] = frozenset(context)
            bucket = category_words.setdefault(brand.category, set())
            for phrase in brand.context_words:
                bucket.update(
                    t for t in _skeleton_words(phrase) if len(t) >= 3 and t not in self._stop_skel
                )
        for brand in self.catalog.brands:
            self._category_context[brand.name] = frozenset(
                self._context[brand.name] | category_words.get(brand.category, set())
            )
        self._entries_by_brand: dict[str, list[KeyEntry]] = {}
        for entry in self._entries:
            self._entries_by_brand.setdefault(entry.brand, []).append(entry)

    def _build_approx(self) -> None:
        """Targets of approximate matching: brand words that are not ordinary words."""
        targets: set[str] = set()
        name_targets: set[str] = set()
        for entry in self._entries:
            if entry.kind in ("initials", "parody"):
                continue
            if entry.kind == "product_line" and (
                len(entry.tokens) > 1 or entry.level == STRONG or len(entry.tokens[0]) < 6
            ):
                continue
            bucket = name_targets if entry.kind != "product_line" else targets
            for token, word in zip(entry.tokens, entry.words, strict=False):
                # Misspellings of ordinary words ("coach", "apple") are ordinary words;
                # longer names that happen to be words ("Hermes", "Pandora") still count.
                if (
                    len(token) >= 4
                    and token.isalpha()
                    and (not self._is_common(word) or len(word) >= 6)
                ):
                    bucket.add(token)
            joined = "".join(entry.tokens)
            if len(entry.tokens) > 1 and len(joined) >= 6 and joined.isalpha():
                bucket.add(joined)
        targets |= name_targets
        self._targets = frozenset(targets)
        # (first letter, length) of targets: a word with no target of its first letter
        # and a length within reach needs no edit-distance search.
        self._target_shapes = frozenset((t[0], len(t)) for t in targets)
        self._long_shapes = frozenset((t[0], len(t)) for t in targets if _edit_limit(t) == 2)
        # Product-line words ("Photoshop", "Ingenieur") are often ordinary-looking words:
        # only a one-letter slip counts for them, never an abbreviation.
        self._line_only_targets = frozenset(targets - name_targets)
        self._del_index: dict[str, set[str]] = {}
        self._prefix_index: dict[str, set[str]] = {}
        self._cons_index: dict[str, set[str]] = {}
        self._by_first: dict[str, list[str]] = {}
        for target in targets:
            variants = {target} | _deletes(target)
            if _edit_limit(target) == 2:
                variants |= {d2 for d1 in _deletes(target) for d2 in _deletes(d1)}
            for variant in variants:
                self._del_index.setdefault(variant, set()).add(target)
            if len(target) >= 5:
                shortest = max(4, math.ceil(0.4 * len(target)))
                for n in range(shortest, len(target)):
                    self._prefix_index.setdefault(target[:n], set()).add(target)
                consonants = _consonants(target)
                if len(consonants) >= 3 and consonants != target:
                    self._cons_index.setdefault(consonants, set()).add(target)
                self._by_first.setdefault(target[0], []).append(target)

    def _build_cues(self) -> None:
        self._cue_first: dict[str, list[tuple[tuple[str, ...], CueSpec]]] = {}
        cjk: list[tuple[str, CueSpec]] = []
        for spec in lexicon.CUE_SPECS:
            norm = normalize(spec.phrase)
            if _CJK_RE.search(norm.text):
                cjk.append((norm.text, spec))
                continue
            tokens = tuple(WORD_RE.findall(norm.skeleton))
            if spec.not_next or spec.not_prev:
                spec = replace(
                    spec,
                    not_next=_skeleton_set(spec.not_next),
                    not_prev=_skeleton_set(spec.not_prev),
                )
            if tokens:
                self._cue_first.setdefault(tokens[0], []).append((tokens, spec))
        self._negators = _skeleton_set(lexicon.NEGATORS)
        self._post_negators = _skeleton_set(lexicon.POST_NEGATORS)
        self._articles = _skeleton_set(lexicon.ARTICLES)
        for options in self._cue_first.values():
            options.sort(key=lambda item: -len(item[0]))
        self._cue_first_keys = frozenset(self._cue_first)
        # First words of cues that count without a brand mention in the text.
        self._cue_first_free = frozenset(
            word
            for word, options in self._cue_first.items()
            if any(not (spec.brand_after or spec.brand_near) for _, spec in options)
        )
        cjk.sort(key=lambda item: -len(item[0]))
        self._cjk_specs = {phrase: spec for phrase, spec in cjk}
        self._cjk_re = re.compile("|".join(re.escape(p) for p, _ in cjk)) if cjk else None
        self._cue_patterns = [
            (needle, kind, re.compile(pattern)) for needle, kind, pattern in lexicon.CUE_PATTERNS
        ]

    # ----------------------------------------------------------------- approximate words

    def approximate(self, word: str) -> tuple[tuple[str, str], ...]:
        """Brand words that ``word`` may be a misspelling or abbreviation of.

        Returns ``(target, method)`` pairs, method ``edit`` or ``abbrev``.
        Ordinary words, exact brand words and words with digits get none.
        """
        cached = self._approx_cache.get(word)
        if cached is not None:
            return cached
        result = self._compute_approx(word)
        if len(self._approx_cache) >= _APPROX_CACHE_LIMIT:
            self._approx_cache.clear()
            self._approx_positive.clear()
            self._one_edit.clear()
        self._approx_cache[word] = result
        if result:
            self._approx_positive.add(word)
        return result

    def _compute_approx(self, word: str) -> tuple[tuple[str, str], ...]:
        n = len(word)
        if n < 3 or n > 30 or not word.isalpha() or not word.isascii():
            return ()
        if self._is_vocab(word) or word in self._exact_tokens or self._inflected_vocab(word):
            return ()
        found: dict[str, str] = {}
        first = word[0]
        shapes = self._target_shapes
        near = any((first, size) in shapes for size in (n - 1, n, n + 1))
        far = n >= 9 and any((first, size) in self._long_shapes for size in range(n - 2, n + 3))
        if n >= 4 and (near or far):
            variants = {word} | _deletes(word)
            if far:
                variants |= {d2 for d1 in _deletes(word) for d2 in _deletes(d1)}
            for variant in variants:
                for target in self._del_index.get(variant, ()):
                    if target[0] != word[0] or target == word:
                        continue
                    if len(target) == 4 and not (n == 5 and word.startswith(target[:3])):
                        continue  # four-letter names: only a doubled or added last letter
                    limit = _edit_limit(target)
                    if target in self._line_only_targets:
                        limit = 1
                    distance = osa_distance(word, target, limit)
                    if distance <= limit:
                        found[target] = "edit"
                        if distance == 1:
                            self._one_edit.add((word, target))
            for target in self._prefix_index.get(word, ()):
                if n >= 0.5 * len(target) and target not in self._line_only_targets:
                    found.setdefault(target, "abbrev")
        if not (_VOWELS & set(word)):
            for target in self._cons_index.get(word, ()):
                if target[0] == word[0] and target not in self._line_only_targets:
                    found.setdefault(target, "abbrev")
        if 5 <= n <= 10 and sum(ch in _VOWELS for ch in word) <= 1:
            # abbreviations drop vowels ("versc", "givnchy"); "panels" is no abbreviation
            for target in self._by_first.get(word[0], ()):
                if (
                    n < len(target)
                    and n >= 0.6 * len(target)
                    and target not in self._line_only_targets
                    and _is_subsequence(word, target)
                ):
                    found.setdefault(target, "abbrev")
        return tuple(sorted(found.items()))

    def _inflected_vocab(self, word: str) -> bool:
        """True for plurals and other inflections of ordinary words ("bells", "primed")."""
        for suffix, repl in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                stem = word[: len(word) - len(suffix)] + repl
                if self._is_vocab(stem):
                    return True
                if stem in self._exact_tokens:
                    return False  # "Nikes", "Rolexes": the brand with an ending
                if self._is_vocab(stem):
                    return True
        return False

    def _pair(self, word: str, key: str) -> str:
        """How ``word`` stands for ``key`` inside a multi-word name: exact, edit, prefix or ''."""
        if word == key:
            return "exact"
        cached = self._pair_cache.get((word, key))
        if cached is not None:
            return cached
        result = ""
        if key.startswith(word) and word:
            result = "prefix"
        elif len(word) >= 3 and word[0] == key[0]:
            limit = _edit_limit(key)
            if osa_distance(word, key, limit) <= limit:
                result = "edit"
            elif len(word) >= 4 and any(t == key for t, _ in self.approximate(word)):
                result = "prefix"
        if len(self._pair_cache) >= _APPROX_CACHE_LIMIT:
            self._pair_cache.clear()
        self._pair_cache[(word, key)] = result
        return result

    # ----------------------------------------------------------------- brands

    def find_brands(
        self, text: NormalizedText | Tokens, *, stated: str | None = None
    ) -> tuple[list[RawMention], list[RawCue]]:
        """Brand mentions and parody-name cues in ``text``.

        ``stated`` is the canonical brand the seller named in the brand field
        (it confirms ambiguous mentions of that brand).
        """
        tokens = _tokens(text)
        words = tokens.words
        if not words:
            return [], []
        wordset = tokens.wordset
        new_words = wordset.difference(self._approx_cache)
        for word in new_words:
            self.approximate(word)
        approx_hits = wordset & self._approx_positive
        single = wordset & self._joined_keys
        pair_list = [a + b for a, b in pairwise(words)]
        pairs = self._prefixes.intersection(pair_list)
        multi = wordset & self._first_multi_keys
        if not pairs and not approx_hits and not multi and single <= self._stop_keys:
            # Only function words that double as a name ("on"): they count only beside
            # another mention of their brand, and there is none.
            return [], []
        candidates: list[_Candidate] = []
        if single or pairs or multi:
            self._exact_candidates(words, pair_list, single, pairs, multi, candidates)
        if approx_hits:
            self._approx_candidates(words, approx_hits, candidates)
        if not candidates:
            return [], []
        spans = tokens.spans
        self._accept(candidates, words, tokens.norm, spans, stated)
        return self._resolve(candidates, spans)

    def _exact_candidates(
        self,
        words: list[str],
        pair_list: list[str],
        single: set[str],
        pairs: set[str],
        multi: set[str],
        out: list[_Candidate],
    ) -> None:
        """Catalog strings typed whole or split up; ``pairs``: adjacent words joined."""
        prefixes = self._prefixes
        joined_index = self._joined
        count = len(words)
        heads = self._split_heads.intersection(words)
        starts = set(_positions(words, single | multi)) | set(_positions(pair_list, pairs))
        for i in sorted(starts | set(_positions(words, heads)) if heads else starts):
            word = words[i]
            if i not in starts:
                # "kitchen aide": a name split in two, the second part misspelt
                self._split_misspelt(words, i, out)
                continue
            cat = word
            j = i
            while True:
                entries = joined_index.get(cat)
                if entries:
                    spaced = tuple(words[i : j + 1])
                    for entry in entries:
                        method = "exact" if spaced == entry.tokens else "joined"
                        level = entry.level
                        if method == "joined":
                            pieces = words[i : j + 1]
                            if all(self._is_vocab(p) for p in pieces) or (
                                entry.kind == "initials" and len(pieces) != len(cat)
                            ):
                                level = max(level, WORD)
                        out.append(_Candidate(i, j + 1, entry, method, level))
                j += 1
                if j >= count:
                    break
                nxt = cat + words[j]
                if nxt not in prefixes:
                    if not entries and len(cat) >= 4:
                        self._split_misspelt(words, i, out, j - i)
                    break
                cat = nxt
            # multi-word names whose later words are shortened or misspelt ("jo mal")
            for entry in self._first_multi.get(word, ()) if word in multi else ():
                if entry.kind not in ("name", "alias") or word in self._stop_skel:
                    continue
                self._align(words, i, entry, 0, out)

    def _split_misspelt(
        self, words: list[str], i: int, out: list[_Candidate], width: int = 1
    ) -> None:
        """``words[i:i+width]`` start a name; is the next word its misspelt rest?"""
        j = i + width
        if j >= len(words):
            return
        cat = "".join(words[i:j])
        nxt = cat + words[j]
        if len(nxt) < 6 or not nxt.isalpha():
            return
        for target, method in self.approximate(nxt):
            if method != "edit" or not target.startswith(cat):
                continue
            for entry in self._joined.get(target, ()):
                if entry.kind in ("name", "alias"):
                    out.append(_Candidate(i, j + 1, entry, method, WORD))

    def _approx_candidates(self, words: list[str], hits: set[str], out: list[_Candidate]) -> None:
        for i, word in enumerate(words):
            if word not in hits:
                continue
            for target, method in self._approx_cache.get(word, ()):
                for entry, k in self._token_index.get(target, ()):
                    if entry.kind in ("initials", "parody"):
                        continue
                    if len(entry.tokens) == 1:
                        level = self._approx_level(entry, method, target, word)
                        out.append(_Candidate(i, i + 1, entry, method, level))
                    elif entry.kind in ("name", "alias"):
                        # product lines are matched whole: "Galaxy Buds2" is not a
                        # misspelt "Galaxy Buds2 Pro"
                        self._align(words, i - k, entry, k, out)
                for entry in self._joined.get(target, ()):
                    if len(entry.tokens) > 1 and entry.kind not in ("initials", "parody"):
                        out.append(_Candidate(i, i + 1, entry, method, WORD))

    def _approx_level(self, entry: KeyEntry, method: str, target: str, word: str = "") -> int:
        brand = self._brands[entry.brand]
        if (
            method == "edit"
            and len(target) >= 7
            and entry.level == NONE
            and not brand.ambiguous
            and (word, target) in self._one_edit
        ):
            return NONE
        return WORD

    def _align(
        self, words: list[str], start: int, entry: KeyEntry, anchor: int, out: list[_Candidate]
    ) -> None:
        """Match ``entry`` at ``start`` where some words are shortened or misspelt."""
        n = len(entry.tokens)
        if start < 0 or start + n > len(words):
            return
        kinds = []
        for k, key in enumerate(entry.tokens):
            word = words[start + k]
            kind = self._pair(word, key)
            if not kind or (kind == "prefix" and len(word) < 2 and 3 * len(word) < len(key)):
                return  # "Pandora's" is not "Pandora S(ignature)"; "Ray B" is "Ray-Ban"
            kinds.append(kind)
        if all(k == "exact" for k in kinds):
            return  # found by the exact pass
        exact_words = [
            entry.tokens[k]
            for k, kind in enumerate(kinds)
            if kind == "exact"
            and not self._is_common(entry.words[k] if k < len(entry.words) else "")
        ]
        typed = sum(len(words[start + k]) for k in range(n))
        if typed < 0.5 * sum(len(t) for t in entry.tokens):
            return
        if "prefix" in kinds:
            if not any(k == "exact" for k in kinds) and anchor == 0:
                return
            method, level = "abbrev", WORD
        else:
            method = "edit"
            level = NONE if exact_words and entry.level == NONE else WORD
        out.append(_Candidate(start, start + n, entry, method, max(level, entry.level)))

    def _accept(
        self,
        candidates: list[_Candidate],
        words: list[str],
        norm: NormalizedText,
        spans: list[tuple[int, int]],
        stated: str | None,
    ) -> None:
        original = norm.original
        for cand in candidates:
            if cand.level == NONE:
                continue
            a, b = norm.to_original(spans[cand.first][0], spans[cand.last - 1][1])
            typed = original[a:b]
            if cand.entry.kind == "initials":
                letters = "".join(c for c in typed if c.isalpha())
                catalog = "".join(c for c in cand.entry.surface if c.isalpha())
                if not (letters.isupper() or letters == catalog):
                    cand.level = STRONG
            if typed_obfuscation(typed, cand.entry.surface):
                # Nobody writes an ordinary word as "S.t.a.n.l.e.y", "Аpple" (Cyrillic А)
                # or "Di🌸or": the disguise itself says a mark is meant.
                cand.level -= 1
        for cand in candidates:
            if cand.level == NONE or cand.entry.kind == "parody" or cand.entry.brand == stated:
                cand.accepted = True
        by_brand: dict[str, list[_Candidate]] = {}
        for cand in candidates:
            by_brand.setdefault(cand.entry.brand, []).append(cand)
        for cand in candidates:
            if cand.accepted or cand.level != WORD:
                continue
            if self._supported(cand, by_brand[cand.entry.brand], strong_only=False):
                cand.accepted = True
                continue
            approx = cand.method in ("edit", "abbrev")
            context = (self._category_context if approx else self._context)[cand.entry.brand]
            if cand.entry.kind == "initials":
                context = context | self._generic_context
            window = self.window
            if (
                len(cand.entry.tokens) == 1
                and cand.method == "exact"
                and (
                    self._brands[cand.entry.brand].ambiguous
                    or len(cand.entry.tokens[0]) <= 2
                    or self._is_common(cand.entry.words[0] if cand.entry.words else "")
                )
            ):
                # An ordinary word ("coach", "apple", "LV") is a brand only with a
                # context word right next to it: "Coach leather wallet", not
                # "coach bus model, leather seats".
                window = 2
            lo = max(0, cand.first - window)
            hi = cand.last + window
            if any(w in context for w in words[lo : cand.first]) or any(
                w in context for w in words[cand.last : hi]
            ):
                cand.accepted = True
        for cand in candidates:
            if cand.accepted or cand.level != STRONG:
                continue
            if self._supported(cand, by_brand[cand.entry.brand], strong_only=True):
                cand.accepted = True
            elif (
                cand.entry.kind == "initials" and "".join(cand.entry.tokens) not in self._stop_skel
            ):
                # "CC logo", "GG monogram", "ON Gold Standard": a mark word or one of the
                # brand's own context phrases right next to the initials.
                lo = max(0, cand.first - 2)
                near = words[lo : cand.first] + words[cand.last : cand.last + 2]
                if any(w in self._generic_context for w in near) or self._phrase_near(cand, words):
                    cand.accepted = True
            elif cand.entry.kind == "initials" and self._phrase_near(cand, words):
                cand.accepted = True

    def _phrase_near(self, cand: _Candidate, words: list[str]) -> bool:
        phrases = self._context_phrases.get(cand.entry.brand)
        if not phrases:
            return False
        lo = max(0, cand.first - 4)
        window = (
            " " + " ".join([*words[lo : cand.first], "|", *words[cand.last : cand.last + 4]]) + " "
        )
        return any(f" {phrase} " in window for phrase in phrases)

    @staticmethod
    def _supported(cand: _Candidate, same_brand: list[_Candidate], *, strong_only: bool) -> bool:
        for other in same_brand:
            if other is cand or other.entry.kind == "parody":
                continue
            if other.entry.tokens == cand.entry.tokens:
                continue  # "coach ... coach": the same word twice is no new evidence
            if other.first < cand.last and cand.first < other.last:
                continue  # overlapping: the same words cannot confirm themselves
            if strong_only and not other.accepted:
                continue
            if (
                not strong_only
                and other.level == STRONG
                and not other.accepted
                and cand.method not in ("edit", "abbrev")
            ):
                # Two ordinary words ("coach", "tabby") do not confirm each other, but a
                # misspelt name does confirm an ordinary-word product line ("Addidas
                # Superstar"): nobody misspells a brand by chance next to its product.
                continue
            return True
        return False

    def _resolve(
        self, candidates: list[_Candidate], spans: list[tuple[int, int]]
    ) -> tuple[list[RawMention], list[RawCue]]:
        rank = {"exact": 0, "joined": 1, "edit": 2, "abbrev": 3}
        kind_rank = {"parody": 0, "name": 1, "alias": 2, "product_line": 3, "initials": 4}
        accepted = [c for c in candidates if c.accepted]
        accepted.sort(
            key=lambda c: (
                -(spans[c.last - 1][1] - spans[c.first][0]),
                rank[c.method],
                kind_rank[c.entry.kind],
                c.first,
            )
        )
        taken: list[_Candidate] = []
        for cand in accepted:
            if any(cand.first < t.last and t.first < cand.last for t in taken):
                continue
            taken.append(cand)
        taken.sort(key=lambda c: c.first)
        # Report the catalog form typed exactly when one fits the same words, even if
        # only a sibling form carried the acceptance ("Off White" vs "OffWhite").
        for n, cand in enumerate(taken):
            if cand.method == "exact":
                continue
            for other in candidates:
                if (
                    other.method == "exact"
                    and other.first == cand.first
                    and other.last == cand.last
                    and other.entry.brand == cand.entry.brand
                    and other.entry.kind != "parody"
                ):
                    taken[n] = other
                    break
        mentions: list[RawMention] = []
        puns: list[RawCue] = []
        for cand in taken:
            start, end = spans[cand.first][0], spans[cand.last - 1][1]
            entry = cand.entry
            if entry.kind == "parody":
                puns.append(RawCue(start, end, lexicon.PARODY, entry.surface, False, entry.brand))
                continue
            match = "fuzzy" if cand.method in ("edit", "abbrev") else entry.kind
            mentions.append(
                RawMention(start, end, entry.brand, match, cand.method, entry.surface, entry.plain)
            )
        return mentions, puns

    def brand(self, name: str) -> Brand | None:
        """The catalog entry of a canonical brand name."""
        return self._brands.get(name)

    def resolve_brand(self, text: str | None) -> str | None:
        """The canonical brand a seller's brand field names ("LV" -> "Louis Vuitton"), if any."""
        if not text or not text.strip():
            return None
        return self._resolve_brand_cached(text.strip()[:200])

    @lru_cache(maxsize=4096)  # noqa: B019 - one matcher per catalog, kept for the process
    def _resolve_brand_cached(self, text: str) -> str | None:
        norm = normalize(text)
        words = WORD_RE.findall(norm.skeleton)
        if not words:
            return None
        joined = "".join(words)
        for entry in self._joined.get(joined, ()):
            if entry.kind != "parody":
                return entry.brand
        for word in set(words):
            self.approximate(word)
        candidates: list[_Candidate] = []
        wordset = set(words)
        pair_list = [a + b for a, b in pairwise(words)]
        self._exact_candidates(
            words,
            pair_list,
            wordset & self._joined_keys,
            self._prefixes.intersection(pair_list),
            wordset & self._first_multi_keys,
            candidates,
        )
        self._approx_candidates(words, wordset & self._approx_positive, candidates)
        best: _Candidate | None = None
        for cand in candidates:
            if cand.entry.kind == "parody":
                continue
            if cand.entry.kind == "initials" and len(words) > 1:
                continue
            key = (cand.last - cand.first, cand.method in ("exact", "joined"))
            if best is None or key > (best.last - best.first, best.method in ("exact", "joined")):
                best = cand
        return best.entry.brand if best is not None else None

    # ----------------------------------------------------------------- puns

    def pun_mentions(
        self, norm: NormalizedText, mentions: list[RawMention], cues: list[RawCue]
    ) -> list[int]:
        """Indexes of approximate mentions that are puns, not disguises.

        In a listing that signals a joke (a parody cue that is not negated), a
        misspelt brand that holds another real word ("Pastagonia", "Dallas
        Cryboys", "Paystation") is a pun on the brand. Without such a cue it
        stays a (fuzzy, obfuscated) mention: "Monclear" holds "clear" too.
        """
        if not any(c.kind == lexicon.PARODY and not c.negated for c in cues):
            return []
        out = []
        for index, mention in enumerate(mentions):
            if mention.method not in ("edit", "abbrev"):
                continue
            target = "".join(_text_words(mention.catalog_form))
            typed = norm.text[mention.start : mention.end]
            if any(self._holds_other_word(w, target) for w in WORD_RE.findall(typed)):
                out.append(index)
        return out

    def _holds_other_word(self, word: str, target: str) -> bool:
        for i in range(len(word)):
            for j in range(i + 3, min(len(word), i + 12) + 1):
                part = word[i:j]
                if part in self.vocabulary and part not in target:
                    return True
        return False

    # ----------------------------------------------------------------- cues

    def find_cues(self, text: NormalizedText | Tokens, mentions: list[RawMention]) -> list[RawCue]:
        """Cues in ``text``; ``mentions`` are the brand mentions found in it."""
        tokens = _tokens(text)
        norm = tokens.norm
        folded = norm.text
        words = tokens.words
        hits = (self._cue_first_keys if mentions else self._cue_first_free) & tokens.wordset
        found: list[RawCue] = []
        for needle, kind, pattern in self._cue_patterns:
            if needle in folded:
                for m in pattern.finditer(folded):
                    found.append(RawCue(m.start(), m.end(), kind, m.group()))
        if self._cjk_re is not None and not folded.isascii():
            for m in self._cjk_re.finditer(folded):
                spec = self._cjk_specs[m.group()]
                found.append(RawCue(m.start(), m.end(), spec.kind, spec.phrase))
        if hits:
            spans = tokens.spans
            mention_starts = {m.start: m for m in mentions}
            mention_ends = {m.end: m for m in mentions}
            original = norm.original
            for i in _positions(words, hits):
                for phrase, spec in self._cue_first[words[i]]:
                    n = len(phrase)
                    if n > 1 and tuple(words[i : i + n]) != phrase:
                        continue
                    if not mentions and (spec.brand_after or spec.brand_near):
                        continue  # "for", "style", "like": cues only next to a brand
                    cue = self._check_cue(
                        spec, i, n, words, spans, norm, original, mention_starts, mention_ends
                    )
                    if cue is not None:
                        found.append(cue)
                        break
        if not found:
            return []
        found.sort(key=lambda c: (-(c.end - c.start), c.start))
        kept: list[RawCue] = []
        for cue in found:
            if any(cue.start < k.end and k.start < cue.end for k in kept):
                continue
            kept.append(cue)
        kept.sort(key=lambda c: c.start)
        # Until here ``negated`` carried the phrase's ``fixed`` option (see _check_cue).
        return [
            RawCue(
                cue.start,
                cue.end,
                cue.kind,
                cue.phrase,
                False if cue.negated else self._negated(norm.skeleton, cue.start, cue.end),
                cue.brand,
            )
            for cue in kept
        ]

    def _check_cue(
        self,
        spec: CueSpec,
        i: int,
        n: int,
        words: list[str],
        spans: list[tuple[int, int]],
        norm: NormalizedText,
        original: str,
        mention_starts: dict[int, RawMention],
        mention_ends: dict[int, RawMention],
    ) -> RawCue | None:
        start, end = spans[i][0], spans[i + n - 1][1]
        nxt = words[i + n] if i + n < len(words) else ""
        prev = words[i - 1] if i > 0 else ""
        if spec.not_next and nxt in spec.not_next:
            return None
        if spec.not_prev and prev in spec.not_prev:
            return None
        if spec.upper:
            a, b = norm.to_original(start, end)
            if not original[a:b].isupper():
                return None
        brand: str | None = None
        if spec.brand_after:
            mention = None
            for k in (i + n, i + n + 1):
                if k >= len(words):
                    break
                mention = mention_starts.get(spans[k][0]) or mention_starts.get(spans[k][0] - 1)
                if mention is not None or words[k] not in self._articles:
                    break
            if mention is None:
                return None
            brand = mention.brand
        if spec.kind == lexicon.COMPATIBILITY and brand is None and i + n < len(words):
            # "compatible with AirPods Pro": name the brand the goods are for.
            for k in (i + n, i + n + 1):
                if k >= len(words):
                    break
                mention = mention_starts.get(spans[k][0]) or mention_starts.get(spans[k][0] - 1)
                if mention is not None:
                    brand = mention.brand
                    break
                if words[k] not in self._articles:
                    break
        if spec.brand_near:
            before = mention_ends.get(spans[i - 1][1]) if i > 0 else None
            after = None
            if i + n < len(words):
                after = mention_starts.get(spans[i + n][0]) or mention_starts.get(
                    spans[i + n][0] - 1
                )
            if before is None and after is None:
                return None
            brand = (before or after).brand  # type: ignore[union-attr]
        # ``negated`` carries "fixed" until find_cues computes the real flag.
        return RawCue(start, end, spec.kind, spec.phrase, spec.fixed, brand)

    def _negated(self, skeleton: str, start: int, end: int) -> bool:
        before = skeleton[max(0, start - 40) : start]
        clause = _CLAUSE_END_RE.split(before)[-1]
        if any(w in self._negators for w in WORD_RE.findall(clause)[-3:]):
            return True
        if not before.isascii() and any(neg in before[-4:] for neg in lexicon.CJK_NEGATORS):
            return True
        after = _CLAUSE_END_RE.split(skeleton[end : end + 30])[0]
        return any(w in self._post_negators for w in WORD_RE.findall(after)[:2])
