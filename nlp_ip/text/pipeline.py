"""The spaCy pipeline of the text layer.

A blank pipeline (``spacy.blank("xx")``: tokenizer only, no statistical model)
with four custom components, registered the spaCy way so that they can be used
from a config file as well as from code::

    [components.nlp_ip_normalizer]
    factory = "nlp_ip_normalizer"

    [components.nlp_ip_brand_matcher]
    factory = "nlp_ip_brand_matcher"
    catalog_path = "data/brands.yaml"   # null: the default catalog
    window = 6

    [components.nlp_ip_cue_matcher]
    factory = "nlp_ip_cue_matcher"
    catalog_path = null

    [components.nlp_ip_price_check]
    factory = "nlp_ip_price_check"
    catalog_path = null
    far_below_ratio = 0.3

(the factories are registered when ``nlp_ip.text.pipeline`` is imported).

Results live on one ``Doc`` extension, ``doc._.nlp_ip`` (a :class:`DocState`),
with read-only views ``doc._.nlp_ip_brands`` (list of
:class:`~nlp_ip.text.signals.BrandMention`), ``doc._.nlp_ip_cues`` (list of
:class:`~nlp_ip.text.signals.Cue`), ``doc._.nlp_ip_price``
(:class:`~nlp_ip.text.signals.PriceCheck` or None) and ``doc._.nlp_ip_stated``,
and as spans in ``doc.spans["nlp_ip_brands"]`` (label: canonical brand) and
``doc.spans["nlp_ip_cues"]`` (label: cue kind).

A listing is one ``Doc`` whose text is the title, a blank line, and the
description (see :func:`listing_doc`); mentions are reported per field. A doc
made from plain text (``nlp("...")``) is read as a title.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from nlp_ip.brands import default_catalog_path, load_catalog
from nlp_ip.errors import ConfigError
from nlp_ip.text.lexicon import COMPATIBILITY, PARODY
from nlp_ip.text.matching import (
    RawCue,
    RawMention,
    SignalMatcher,
    Tokens,
    mention_is_obfuscated,
)
from nlp_ip.text.normalize import NormalizedText, normalize
from nlp_ip.text.shared import BuiltOnce, catalog_key
from nlp_ip.text.signals import FAR_BELOW_RATIO, BrandMention, Cue, PriceCheck, check_price

# Importing the tokenizer registers it with spaCy; kept importable from here too.
from nlp_ip.text.tokenizer import ListingTokenizer as ListingTokenizer

#: Between the title and the description in a listing's Doc.
FIELD_SEPARATOR = "\n\n"

PIPELINE_COMPONENTS: tuple[str, ...] = (
    "nlp_ip_normalizer",
    "nlp_ip_brand_matcher",
    "nlp_ip_cue_matcher",
    "nlp_ip_price_check",
)


@dataclass(frozen=True, slots=True)
class ListingInfo:
    """What the components need to know about the listing behind a Doc."""

    title_length: int
    has_description: bool
    price: float | None = None
    currency: str | None = None
    brand: str | None = None


@dataclass(slots=True)
class DocState:
    """Everything the text layer keeps on a Doc (``doc._.nlp_ip``).

    One object per Doc, so each component reads ``doc._`` once (each ``doc._``
    access costs a Python object).
    """

    source: str  # the text as given (the Doc's own text has lone surrogates replaced)
    listing: ListingInfo | None = None
    norm: NormalizedText | None = None
    tokens: Tokens | None = None
    stated: str | None = None
    raw_brands: list[RawMention] = field(default_factory=list)
    raw_cues: list[RawCue] = field(default_factory=list)  # parody names found with brands
    brands: list[BrandMention] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    price: PriceCheck | None = None


def _state_of(doc: Doc) -> DocState:
    state = get_state(doc)
    if state is None:
        state = DocState(source=doc.text)
        _set_state(doc, state)
    if state.norm is None:
        state.norm = normalize(state.source)
    if state.tokens is None:
        state.tokens = Tokens(state.norm)
    return state


#: Where a Doc keeps its DocState: ``doc.user_data`` under this key (a plain dict
#: look-up; every ``doc._`` access builds an object, and this path is hot). People
#: read it as ``doc._.nlp_ip``.
_STATE_KEY = "nlp_ip.state"


def get_state(doc: Doc) -> DocState | None:
    """The text layer's state of ``doc`` (``doc._.nlp_ip``), or None."""
    state: DocState | None = doc.user_data.get(_STATE_KEY)
    return state


def _set_state(doc: Doc, state: DocState) -> None:
    doc.user_data[_STATE_KEY] = state


if not Doc.has_extension("nlp_ip"):
    Doc.set_extension("nlp_ip", getter=get_state)


def _view(name: str) -> Any:
    def getter(doc: Doc) -> Any:
        state = get_state(doc)
        return getattr(state, name) if state is not None else None

    return getter


# Read-only views for people and displacy-style tools.
for _name in ("brands", "cues", "price", "stated"):
    if not Doc.has_extension(f"nlp_ip_{_name}"):
        Doc.set_extension(f"nlp_ip_{_name}", getter=_view(_name))


# --------------------------------------------------------------------------- helpers


def _resolve_path(catalog_path: str | Path | None) -> str:
    path = Path(catalog_path) if catalog_path else default_catalog_path()
    return str(path.resolve())


_MATCHERS: BuiltOnce[SignalMatcher] = BuiltOnce(maxsize=8)


def get_matcher(catalog_path: str | Path | None = None, *, window: int = 6) -> SignalMatcher:
    """The compiled matcher for a catalog (built once per catalog content and window)."""
    path = _resolve_path(catalog_path)
    return _MATCHERS.get((catalog_key(path), window),
                         lambda: SignalMatcher(load_catalog(path), window=window))


def _field_span(info: ListingInfo | None, start: int, end: int) -> tuple[str, int, int] | None:
    """Doc offsets -> (field, start, end) within that field; None across fields."""
    if info is None:
        return "title", start, end
    if end <= info.title_length:
        return "title", start, end
    desc_start = info.title_length + len(FIELD_SEPARATOR)
    if info.has_description and start >= desc_start:
        return "description", start - desc_start, end - desc_start
    return None


def _spans(doc: Doc, key: str, items: list[tuple[int, int, str]]) -> None:
    spans = []
    for start, end, label in items:
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None:
            spans.append(span)
    doc.spans[key] = spans


# --------------------------------------------------------------------------- components


class _Component:
    """Base of the components: ``pipe`` without spaCy's per-doc wrapper (it is hot)."""

    def __call__(self, doc: Doc) -> Doc:  # pragma: no cover - overridden
        raise NotImplementedError

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        call = self.__call__
        for doc in stream:
            yield call(doc)


class NormalizerComponent(_Component):
    """Folds the doc's text (see :func:`nlp_ip.text.normalize.normalize`)."""

    def __call__(self, doc: Doc) -> Doc:
        state = get_state(doc)
        if state is None:
            state = DocState(source=doc.text)
            _set_state(doc, state)
        state.norm = normalize(state.source)
        state.tokens = Tokens(state.norm)
        return doc


@dataclass(frozen=True, slots=True)
class BrandMatches:
    """What :meth:`BrandMatcherComponent.match` found in a Doc."""

    #: The canonical brand of the listing's brand field, if it names one.
    stated: str | None
    mentions: list[RawMention]
    #: Parody names of the catalog ("Chewy Vuiton"): parody cues, not mentions.
    parody_names: list[RawCue]


@dataclass(frozen=True, slots=True)
class CueMatches:
    """What :meth:`CueMatcherComponent.match` found in a Doc."""

    #: Every cue, in text order: phrases, parody names and puns.
    cues: list[RawCue]
    #: Indexes of the Doc's brand mentions that are puns (now parody cues).
    puns: list[int]


class BrandMatcherComponent(_Component):
    """Marks brand mentions (and parody names, which become parody cues).

    Like spaCy's ``SpanRuler``: :meth:`match` finds, :meth:`set_annotations` writes.
    """

    def __init__(self, matcher: SignalMatcher) -> None:
        self.matcher = matcher

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.match(doc))
        return doc

    def match(self, doc: Doc) -> BrandMatches:
        """The brand mentions of ``doc``; writes nothing but the folded text it needs."""
        state = _state_of(doc)
        assert state.tokens is not None
        info = state.listing
        stated = self.matcher.resolve_brand(info.brand) if info is not None else None
        mentions, parody_names = self.matcher.find_brands(state.tokens, stated=stated)
        return BrandMatches(stated, mentions, parody_names)

    def set_annotations(self, doc: Doc, matches: BrandMatches) -> None:
        """Write ``matches`` to ``doc._.nlp_ip`` and ``doc.spans["nlp_ip_brands"]``."""
        state = _state_of(doc)
        norm = state.norm
        assert norm is not None
        state.stated = matches.stated
        state.raw_cues = matches.parody_names
        if not matches.mentions:
            state.raw_brands, state.brands = [], []
            return
        info = state.listing
        source = norm.original
        mentions: list[BrandMention] = []
        kept_raw: list[RawMention] = []
        spans: list[tuple[int, int, str]] = []
        for item in matches.mentions:
            start, end = norm.to_original(item.start, item.end)
            where = _field_span(info, start, end)
            if where is None:
                continue
            typed = source[start:end]
            mentions.append(
                BrandMention(
                    brand=item.brand,
                    surface=typed,
                    start=where[1],
                    end=where[2],
                    field=where[0],
                    obfuscated=mention_is_obfuscated(item, typed),
                    match=item.match,
                    form=item.catalog_form,
                    product_line=item.product_line,
                )
            )
            kept_raw.append(item)
            spans.append((start, end, item.brand))
        state.raw_brands = kept_raw
        state.brands = mentions
        _spans(doc, "nlp_ip_brands", spans)


class CueMatcherComponent(_Component):
    """Marks cues (counterfeit, parody, lookalike, provenance, compatibility).

    Runs after :class:`BrandMatcherComponent`: some cues need a brand next to them,
    and a misspelt brand in a parody listing is a pun (a parody cue), not a mention.
    :meth:`match` finds, :meth:`set_annotations` writes.
    """

    def __init__(self, matcher: SignalMatcher) -> None:
        self.matcher = matcher

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.match(doc))
        return doc

    def match(self, doc: Doc) -> CueMatches:
        """The cues of ``doc``; writes nothing but the folded text it needs."""
        state = _state_of(doc)
        norm = state.norm
        assert norm is not None and state.tokens is not None
        raw_brands = state.raw_brands
        found = list(state.raw_cues)
        found.extend(self.matcher.find_cues(state.tokens, raw_brands))
        if not found:
            return CueMatches([], [])
        puns = self.matcher.pun_mentions(norm, raw_brands, found)
        for index in puns:
            raw = raw_brands[index]
            found.append(RawCue(raw.start, raw.end, PARODY, "pun", False, raw.brand))
        found.sort(key=lambda c: c.start)
        return CueMatches(found, puns)

    def set_annotations(self, doc: Doc, matches: CueMatches) -> None:
        """Write ``matches`` to ``doc._.nlp_ip`` and ``doc.spans["nlp_ip_cues"]``.

        Brand mentions that are puns leave ``doc._.nlp_ip_brands`` and the brand spans.
        """
        state = _state_of(doc)
        norm = state.norm
        assert norm is not None
        if not matches.cues:
            state.cues = []
            return
        if matches.puns:
            drop = set(matches.puns)
            state.raw_brands = [r for i, r in enumerate(state.raw_brands) if i not in drop]
            state.brands = [m for i, m in enumerate(state.brands) if i not in drop]
            _spans(
                doc,
                "nlp_ip_brands",
                [(*norm.to_original(r.start, r.end), r.brand) for r in state.raw_brands],
            )
        source = norm.original
        info = state.listing
        cues: list[Cue] = []
        spans: list[tuple[int, int, str]] = []
        for item in matches.cues:
            start, end = norm.to_original(item.start, item.end)
            where = _field_span(info, start, end)
            if where is None:
                continue
            cues.append(
                Cue(
                    kind=item.kind,
                    surface=source[start:end],
                    start=where[1],
                    end=where[2],
                    field=where[0],
                    negated=item.negated,
                    brand=item.brand,
                    phrase=item.phrase,
                )
            )
            spans.append((start, end, item.kind))
        state.cues = cues
        _spans(doc, "nlp_ip_cues", spans)


class PriceCheckComponent(_Component):
    """Places the listing's price against the genuine range of its brand."""

    def __init__(self, matcher: SignalMatcher, far_below_ratio: float) -> None:
        self.matcher = matcher
        self.far_below_ratio = far_below_ratio

    def __call__(self, doc: Doc) -> Doc:
        state = get_state(doc)
        if state is not None:
            state.price = self.check(state)
        return doc

    def check(self, state: DocState) -> PriceCheck | None:
        """The price check for a processed doc's state, or None."""
        info = state.listing
        if info is None or info.price is None:
            return None
        name = state.stated
        basis = "stated"
        if name is None:
            # The first brand named for itself, not only as a compatibility target
            # ("case for iPhone" says nothing about Apple's prices).
            targets = {c.brand for c in state.cues if c.kind == COMPATIBILITY}
            for mention in state.brands:
                if mention.brand not in targets:
                    name = mention.brand
                    break
            basis = "detected"
        if name is None:
            return None
        brand = self.matcher.brand(name)
        if brand is None:
            return None
        return check_price(
            brand, info.price, info.currency, basis=basis, far_below_ratio=self.far_below_ratio
        )


# --------------------------------------------------------------------------- factories
# Factory signatures are read by spaCy (confection) to validate configs, so they use
# concrete types that resolve without postponed evaluation.


@Language.factory("nlp_ip_normalizer")
def make_normalizer(nlp: Language, name: str) -> NormalizerComponent:
    """Factory of :class:`NormalizerComponent`."""
    return NormalizerComponent()


@Language.factory("nlp_ip_brand_matcher", default_config={"catalog_path": None, "window": 6})
def make_brand_matcher(
    nlp: Language, name: str, catalog_path: Any, window: int
) -> BrandMatcherComponent:
    """Factory of :class:`BrandMatcherComponent`; ``catalog_path`` None: the default catalog."""
    return BrandMatcherComponent(get_matcher(catalog_path, window=window))


@Language.factory("nlp_ip_cue_matcher", default_config={"catalog_path": None, "window": 6})
def make_cue_matcher(
    nlp: Language, name: str, catalog_path: Any, window: int
) -> CueMatcherComponent:
    """Factory of :class:`CueMatcherComponent` (the catalog gives parody names)."""
    return CueMatcherComponent(get_matcher(catalog_path, window=window))


@Language.factory(
    "nlp_ip_price_check",
    default_config={"catalog_path": None, "window": 6, "far_below_ratio": FAR_BELOW_RATIO},
)
def make_price_check(
    nlp: Language, name: str, catalog_path: Any, window: int, far_below_ratio: float
) -> PriceCheckComponent:
    """Factory of :class:`PriceCheckComponent`."""
    return PriceCheckComponent(get_matcher(catalog_path, window=window), far_below_ratio)


# --------------------------------------------------------------------------- pipeline


def build_pipeline(
    catalog_path: str | Path | None = None, *, window: int = 6, tokenizer: str = "listing"
) -> Language:
    """A new blank pipeline with the four components for ``catalog_path``.

    ``tokenizer``: ``"listing"`` (:class:`ListingTokenizer`, fast, the default)
    or ``"spacy"`` (spaCy's own rule-based tokenizer of the blank ``xx``
    language). Results are the same; only ``doc.spans`` token boundaries differ.
    """
    import spacy

    if tokenizer not in ("listing", "spacy"):
        raise ConfigError(f"tokenizer must be 'listing' or 'spacy', got {tokenizer!r}")
    path = _resolve_path(catalog_path)
    if tokenizer == "listing":
        nlp = spacy.blank(
            "xx", config={"nlp": {"tokenizer": {"@tokenizers": "nlp_ip.listing_tokenizer.v1"}}}
        )
    else:
        nlp = spacy.blank("xx")
    nlp.add_pipe("nlp_ip_normalizer")
    nlp.add_pipe("nlp_ip_brand_matcher", config={"catalog_path": path, "window": window})
    nlp.add_pipe("nlp_ip_cue_matcher", config={"catalog_path": path, "window": window})
    nlp.add_pipe("nlp_ip_price_check", config={"catalog_path": path, "window": window})
    return nlp


_PIPELINES: BuiltOnce[Language] = BuiltOnce(maxsize=8)


def get_pipeline(catalog_path: str | Path | None = None, *, window: int = 6) -> Language:
    """The shared pipeline for ``catalog_path`` (built once per catalog content and window;
    a build for one catalog never blocks callers that use another)."""
    path = _resolve_path(catalog_path)
    return _PIPELINES.get((catalog_key(path), window),
                          lambda: build_pipeline(path, window=window))


def _safe_text(text: str) -> str:
    """``text`` with lone surrogates replaced (spaCy cannot hash them); same length."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    return text


def listing_doc(
    nlp: Language,
    title: str,
    description: str = "",
    *,
    price: float | None = None,
    currency: str | None = None,
    brand: str | None = None,
) -> Doc:
    """A tokenised, not yet processed Doc for one listing (title, blank line, description)."""
    text = title + FIELD_SEPARATOR + description if description else title
    doc = nlp.make_doc(text if text.isascii() else _safe_text(text))
    state = DocState(
        source=text,
        listing=ListingInfo(
            title_length=len(title),
            has_description=bool(description),
            price=price,
            currency=currency,
            brand=brand,
        ),
    )
    _set_state(doc, state)
    return doc
