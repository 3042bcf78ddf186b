"""The brand index: every catalog string as skeleton words, with the evidence it needs.

Built once per catalog. Each name, alias, initials, product line and parody name
becomes a :class:`~nlp_ip.text.matching.records.KeyEntry`, looked up by its words
run together (``joined``), by each of its words (``token_index``) and by its first
word (``first_multi``). The evidence an entry needs comes from the rules in
:func:`name_evidence`, :func:`initials_evidence` and :func:`product_line_evidence`.
"""

from __future__ import annotations

from nlp_ip.brands import Brand, BrandCatalog
from nlp_ip.text import lexicon
from nlp_ip.text.matching.records import EntryKind, Evidence, KeyEntry
from nlp_ip.text.matching.words import WORD_RE, Vocabulary, skeleton_words, text_words
from nlp_ip.text.normalize import plain_fold

# --------------------------------------------------------------------------- evidence


def name_evidence(brand: Brand, words: tuple[str, ...], vocabulary: Vocabulary) -> Evidence:
    """What a brand name or alias of these folded ``words`` needs to count."""
    alpha = [t for t in words if any(c.isalpha() for c in t)]
    if not alpha:
        return Evidence.STRONG
    all_common = all(vocabulary.is_common(t) for t in alpha)
    if len(words) == 1:
        word = words[0]
        if word in vocabulary.stop_plain or len(word) <= 2:
            return Evidence.STRONG
        if brand.ambiguous or all_common:
            return Evidence.WORD
        return Evidence.NONE
    if len(words) == 2 and words[0] in vocabulary.stop_plain and vocabulary.is_common(words[1]):
        return Evidence.STRONG  # "On Running": "slip on running shoes" is no brand
    if all_common:
        return Evidence.WORD  # "North Face", "Canada Goose", "Nature Made"
    return Evidence.NONE


def initials_evidence(words: tuple[str, ...], vocabulary: Vocabulary) -> Evidence:
    """What initials of these folded ``words`` need to count ("LV": a context word)."""
    joined = "".join(words)
    if joined in lexicon.COMMON_ABBREVIATIONS or vocabulary.is_common(joined) or len(joined) < 2:
        return Evidence.STRONG
    return Evidence.WORD


def product_line_evidence(
    brand: Brand, surface: str, words: tuple[str, ...], vocabulary: Vocabulary
) -> Evidence:
    """What a product line typed as ``surface`` (folded ``words``) needs to count."""
    is_common = vocabulary.is_common
    alpha = [t for t in words if any(c.isalpha() for c in t)]
    if not alpha:
        return Evidence.STRONG  # "550", "1460", "2.55": numbers need the brand named
    brand_words = set(text_words(brand.name)) - vocabulary.stop_plain
    brand_words.update(w for initials in brand.initials for w in text_words(initials))
    if brand_words & set(words):
        return Evidence.NONE  # "Lady Dior", "Chanel 19", "CK One", "GG Marmont"
    if len(words) == 1:
        word = words[0]
        if word in vocabulary.stop_plain or len(word) <= 3 or is_common(word):
            return Evidence.STRONG  # "Tank", "Viking", "Daisy": ordinary words need the brand
        letters = "".join(c for c in surface if c.isalpha())
        camel = any(c.isupper() for c in letters[1:]) and not letters.isupper()
        mixed = any(c.isdigit() for c in surface)
        # "Neverfull", "MoonSwatch", "SKX007" name nothing else; shorter names
        # ("Tabby", "Romy", "Alma") need a context word of the brand.
        return Evidence.NONE if camel or mixed or len(word) >= 8 else Evidence.WORD
    if all(is_common(t) for t in alpha):
        if len(alpha) < len(words):
            return Evidence.WORD  # "Air Force 1": ordinary words and a model number
        return Evidence.STRONG  # "Oxford Shirt", "Classic Flap", "Garden Party"
    if any(len(t) >= 5 and not is_common(t) for t in alpha):
        return Evidence.NONE  # "Speedy Bandouliere", "Royal Oak Offshore"
    return Evidence.WORD  # "Oran sandals", "Kelly 28": a short name plus ordinary words


# --------------------------------------------------------------------------- index


class BrandIndex:
    """Look-up tables over the catalog strings and the context words of each brand."""

    def __init__(self, catalog: BrandCatalog, vocabulary: Vocabulary | None = None) -> None:
        self.catalog = catalog
        self.vocabulary = vocabulary if vocabulary is not None else Vocabulary(catalog)
        #: Words that mark a brand whatever it is ("logo", "monogram"), skeleton form.
        self.generic_context = frozenset(
            w for word in lexicon.GENERIC_BRAND_CONTEXT for w in skeleton_words(word)
        )
        self.brands: dict[str, Brand] = {b.name: b for b in catalog.brands}
        self.entries: list[KeyEntry] = []
        #: Entries by their skeleton words run together ("louisvuitton").
        self.joined: dict[str, list[KeyEntry]] = {}
        #: Every prefix of a ``joined`` key.
        self.prefixes: set[str] = set()
        #: Multi-word entries by their first word.
        self.first_multi: dict[str, list[KeyEntry]] = {}
        #: ``(entry, position)`` by each word of the entry.
        self.token_index: dict[str, list[tuple[KeyEntry, int]]] = {}
        #: Context words of each brand (skeleton form).
        self.context: dict[str, frozenset[str]] = {}
        #: ``context`` plus the context words of the brand's category.
        self.category_context: dict[str, frozenset[str]] = {}
        #: Goods words of the catalog ("bag", "sneakers"), skeleton form.
        self.goods_words: frozenset[str] = frozenset()
        #: Multi-word context phrases of each brand ("double c", "interlocking g").
        self.context_phrases: dict[str, tuple[str, ...]] = {}
        self._build()
        stop_skeleton = self.vocabulary.stop_skeleton
        self.exact_tokens = frozenset(self.token_index)
        self.joined_keys = frozenset(self.joined)
        #: Function words that are also a whole name ("on").
        self.stop_keys = frozenset(k for k in self.joined if k in stop_skeleton)
        #: Beginnings of names that may be split in two, the rest misspelt ("kitchen aide").
        self.split_heads = frozenset(
            joined[:n]
            for joined, entries in self.joined.items()
            if len(joined) >= 6 and any(e.kind in ("name", "alias") for e in entries)
            for n in range(4, len(joined) - 1)
        )
        #: First words of multi-word names and aliases (not function words).
        self.first_multi_keys = frozenset(
            word
            for word, entries in self.first_multi.items()
            if word not in stop_skeleton and any(e.kind in ("name", "alias") for e in entries)
        )

    def _add(self, entry: KeyEntry) -> None:
        if not entry.tokens:
            return
        self.entries.append(entry)
        joined = "".join(entry.tokens)
        self.joined.setdefault(joined, []).append(entry)
        for i in range(1, len(joined) + 1):
            self.prefixes.add(joined[:i])
        if len(entry.tokens) > 1:
            self.first_multi.setdefault(entry.tokens[0], []).append(entry)
        for k, token in enumerate(entry.tokens):
            self.token_index.setdefault(token, []).append((entry, k))

    def _entry(self, brand: Brand, kind: EntryKind, surface: str, evidence: Evidence) -> KeyEntry:
        plain = tuple(WORD_RE.findall(plain_fold(surface)))
        return KeyEntry(
            brand.name,
            kind,
            surface,
            skeleton_words(surface),
            plain,
            evidence,
            words=text_words(surface),
        )

    def _build(self) -> None:
        vocabulary = self.vocabulary
        self.goods_words = frozenset(
            w
            for brand in self.catalog.brands
            for goods in brand.goods
            for w in skeleton_words(goods)
        )
        category_words: dict[str, set[str]] = {}
        for brand in self.catalog.brands:
            names: list[tuple[str, EntryKind]] = [(brand.name, "name")]
            names += [(a, "alias") for a in brand.aliases]
            for surface, kind in names:
                evidence = name_evidence(brand, text_words(surface), vocabulary)
                self._add(self._entry(brand, kind, surface, evidence))
            for initials in brand.initials:
                evidence = initials_evidence(text_words(initials), vocabulary)
                self._add(self._entry(brand, "initials", initials, evidence))
            for line in brand.product_lines:
                self._add_product_line(brand, line)
            for pun in (*brand.parody_names, *brand.litigated_parodies):
                self._add(self._entry(brand, "parody", pun, Evidence.NONE))
            self._add_context(brand)
            bucket = category_words.setdefault(brand.category, set())
            for phrase in brand.context_words:
                bucket.update(
                    t
                    for t in skeleton_words(phrase)
                    if len(t) >= 3 and t not in vocabulary.stop_skeleton
                )
        for brand in self.catalog.brands:
            self.category_context[brand.name] = frozenset(
                self.context[brand.name] | category_words.get(brand.category, set())
            )

    def _add_product_line(self, brand: Brand, line: str) -> None:
        """The product line as written, and its head without trailing goods words."""
        is_common = self.vocabulary.is_common
        words = text_words(line)
        evidence = product_line_evidence(brand, line, words, self.vocabulary)
        self._add(self._entry(brand, "product_line", line, evidence))
        tokens = skeleton_words(line)
        # "Tabby shoulder bag" is also written "Tabby", "iPhone 15" also "iPhone 13":
        # drop trailing goods words and model numbers.
        head = list(tokens)
        goods_dropped = False
        while len(head) > 1 and (head[-1] in self.goods_words or head[-1].isdigit()):
            goods_dropped = goods_dropped or not head[-1].isdigit()
            head.pop()
        typed_words = WORD_RE.findall(line)
        if not (
            len(head) < len(tokens)
            and len(words) == len(tokens) == len(typed_words)
            and any(c.isalpha() for t in head for c in t)
            and not (len(head) == 1 and (is_common(words[0]) or len(head[0]) < 4))
        ):
            return
        head_words = words[: len(head)]
        evidence = product_line_evidence(
            brand, " ".join(typed_words[: len(head)]), head_words, self.vocabulary
        )
        if len(head) == 1 and len(head[0]) <= 5:
            evidence = Evidence.STRONG  # "Oran", "Tabby": too short to name a bag alone
        elif goods_dropped:
            evidence = max(evidence, Evidence.WORD)
        entry = KeyEntry(
            brand.name,
            "product_line",
            line,
            tuple(head),
            tuple(WORD_RE.findall(plain_fold(line)))[: len(head)],
            evidence,
            derived=True,
            words=head_words,
        )
        self._add(entry)

    def _add_context(self, brand: Brand) -> None:
        """The words (and multi-word phrases) that confirm a mention of ``brand``."""
        vocabulary = self.vocabulary
        phrases = [
            " ".join(skeleton_words(phrase))
            for phrase in brand.context_words
            if len(skeleton_words(phrase)) > 1
        ]
        if phrases:
            self.context_phrases[brand.name] = tuple(phrases)
        context: set[str] = set()
        own: set[str] = set()
        for phrase in (*brand.context_words, *brand.goods):
            own.update(skeleton_words(phrase))
        for phrase in brand.design_elements:  # "white serif GAP on navy box": only "serif"
            own.update(t for t in skeleton_words(phrase) if not vocabulary.is_vocab(t))
        for line in brand.product_lines:
            own.update(t for t in skeleton_words(line) if not vocabulary.is_vocab(t))
        for surface in (brand.name, *brand.aliases):
            own.update(
                s
                for s, w in zip(skeleton_words(surface), text_words(surface), strict=False)
                if not vocabulary.is_common(w)
            )
        own = {t for t in own if len(t) >= 3 and t not in vocabulary.stop_skeleton}
        context.update(own)
        context.update(t + "s" for t in own if not t.endswith("s"))  # "dolls", "bags"
        self.context[brand.name] = frozenset(context)
