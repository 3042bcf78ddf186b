"""``extract_signals`` and its batch form: listings in, :class:`Signals` out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from spacy.tokens import Doc

from nlp_ip.errors import FieldError, InvalidInputError
from nlp_ip.schema import Listing, parse_listing
from nlp_ip.text.pipeline import get_pipeline, get_state, listing_doc
from nlp_ip.text.signals import Signals

__all__ = ["extract_signals", "extract_signals_batch", "signals_from_doc"]


def signals_from_doc(doc: Doc, listing_id: str | None = None) -> Signals:
    """Collect the pipeline's results from a processed Doc."""
    state = get_state(doc)
    if state is None:
        return Signals(id=listing_id)
    return Signals(
        brands=tuple(state.brands),
        cues=tuple(state.cues),
        price=state.price,
        stated_brand=state.stated,
        id=listing_id,
    )


def _doc_for(nlp: Any, listing: Listing) -> Doc:
    return listing_doc(
        nlp,
        listing.title,
        listing.description,
        price=listing.price,
        currency=listing.currency,
        brand=listing.brand,
    )


def extract_signals(
    listing_or_text: Listing | dict[str, Any] | str,
    *,
    catalog_path: str | Path | None = None,
) -> Signals:
    """Brand mentions, cues and the price check of one listing.

    Accepts a :class:`~nlp_ip.schema.Listing`, a dict with the listing fields,
    or a string (read as the title). Offsets of mentions and cues are per
    field ("title" or "description"), into the text as given.

    Raises :class:`~nlp_ip.errors.InvalidInputError` for input that is not a
    listing (a blank title, a wrong type) and
    :class:`~nlp_ip.errors.InputTooLargeError` for fields over the size limits
    of :mod:`nlp_ip.schema`; nothing else.
    """
    listing = parse_listing(listing_or_text)
    nlp = get_pipeline(catalog_path)
    doc = nlp(_doc_for(nlp, listing))
    return signals_from_doc(doc, listing.id)


def extract_signals_batch(
    items: Iterable[Any],
    *,
    batch_size: int = 256,
    as_tuples: bool = False,
    catalog_path: str | Path | None = None,
) -> Iterator[Any]:
    """Stream :class:`Signals` for many listings, in input order (built on ``nlp.pipe``).

    Each item is what :func:`extract_signals` accepts. Every result carries
    the listing's ``id``. With ``as_tuples=True`` the items are
    ``(listing, context)`` pairs and the results ``(signals, context)`` pairs,
    as with spaCy's ``nlp.pipe(..., as_tuples=True)``, so any key travels with
    its listing.

    A bad item raises :class:`~nlp_ip.errors.InvalidInputError` (or
    :class:`~nlp_ip.errors.InputTooLargeError`) naming its position, when the
    stream reaches it.
    """
    if batch_size < 1:
        err = FieldError("batch_size", f"must be at least 1, got {batch_size}")
        raise InvalidInputError(str(err), [err])
    nlp = get_pipeline(catalog_path)

    def prepared() -> Iterator[tuple[Doc, tuple[str | None, Any]]]:
        for index, item in enumerate(items):
            if as_tuples:
                if not (isinstance(item, tuple) and len(item) == 2):
                    err = FieldError(
                        "item",
                        "with as_tuples=True every item must be a (listing, context) pair, "
                        f"got {type(item).__name__}",
                        index,
                    )
                    raise InvalidInputError(str(err), [err])
                value, context = item
            else:
                value, context = item, None
            listing = parse_listing(value, index=index)
            yield _doc_for(nlp, listing), (listing.id, context)

    for doc, (listing_id, context) in nlp.pipe(prepared(), as_tuples=True, batch_size=batch_size):
        signals = signals_from_doc(doc, listing_id)
        yield (signals, context) if as_tuples else signals
