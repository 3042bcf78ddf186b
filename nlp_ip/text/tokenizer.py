"""The listing tokenizer: tokens are the text between single spaces.

Registered with spaCy as ``nlp_ip.listing_tokenizer.v1`` when this module is
imported (:mod:`nlp_ip.text.pipeline` imports it)::

    [nlp.tokenizer]
    @tokenizers = "nlp_ip.listing_tokenizer.v1"
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry


class ListingTokenizer:
    """A fast tokenizer for listings: tokens are the text between single spaces.

    Like spaCy's documented whitespace tokenizer: about twice as fast as
    splitting off punctuation and four times as fast as spaCy's rule-based
    tokenizer on listing text, which matters because the layer targets
    thousands of listings per second. The components match on characters, so
    tokens only shape the spans in ``doc.spans`` (a span covers whole tokens,
    e.g. "Gucci," for a mention "Gucci"); the exact offsets are in the
    :class:`~nlp_ip.text.signals.Signals`. ``doc.text`` is always the input.
    Use ``build_pipeline(tokenizer="spacy")`` for spaCy's own tokens.
    """

    def __init__(self, vocab: Any) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        words = text.split(" ")
        spaces = [True] * len(words)
        if "" in words:  # runs of spaces: spaCy keeps the extra spaces as tokens
            for i, word in enumerate(words):
                if not word:
                    words[i] = " "
                    spaces[i] = False
        if words[-1] == " ":
            words.pop()
            spaces.pop()
        else:
            spaces[-1] = False
        return Doc(self.vocab, words=words, spaces=spaces)

    def to_bytes(self, **kwargs: Any) -> bytes:
        return b""

    def from_bytes(self, data: bytes, **kwargs: Any) -> ListingTokenizer:
        return self

    def to_disk(self, path: Any, **kwargs: Any) -> None:
        return None

    def from_disk(self, path: Any, **kwargs: Any) -> ListingTokenizer:
        return self


@registry.tokenizers("nlp_ip.listing_tokenizer.v1")
def create_listing_tokenizer() -> Any:
    """Config entry: ``[nlp.tokenizer] @tokenizers = "nlp_ip.listing_tokenizer.v1"``."""

    def make(nlp: Language) -> ListingTokenizer:
        return ListingTokenizer(nlp.vocab)

    return make
