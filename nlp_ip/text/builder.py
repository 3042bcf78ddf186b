"""The one text builder: a listing (and its signals) -> the model's input string.

Training, evaluation, inference and serving all call :func:`build_model_input`
(or :func:`build_model_inputs`), so served inputs cannot drift from nlp_ip_train
inputs. A model folder records :data:`TEXT_BUILDER_VERSION` and the ``hints``
setting it was trained with; bump the version whenever the output changes.

Layout (short, informative parts first, because the tokenizer truncates the
end)::

    <title>
    price: 59 USD | seller brand: Gucci
    [hints] brand: gucci (obfuscated) | cues: counterfeit | price: far below range
    <description>

The second line is left out when there is neither price nor stated brand; the
hints line is left out with ``hints=False`` and reads ``[hints] none`` when
nothing was found. Whitespace runs are collapsed to single spaces; everything
else is kept as typed (obfuscations included: the model should see them).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from nlp_ip.schema import Listing, parse_listing, parse_listings
from nlp_ip.text.signals import Signals

__all__ = ["TEXT_BUILDER_VERSION", "build_model_input", "build_model_inputs", "format_hints"]

#: Version of the model-input format; stored in model folders, checked at load.
TEXT_BUILDER_VERSION = 1

#: Most brands named in the hints line.
MAX_HINT_BRANDS = 4

_VERDICT_TEXT = {
    "far_below": "far below range",
    "below": "below range",
    "within": "within range",
    "above": "above range",
}


def _format_price(price: float) -> str:
    text = f"{price:.2f}"
    return text[:-3] if text.endswith(".00") else text


def _squash(text: str) -> str:
    return " ".join(text.split())


def format_hints(signals: Signals) -> str:
    """The compact hints line for ``signals`` (deterministic)."""
    parts = []
    names = signals.brand_names[:MAX_HINT_BRANDS]
    if names:
        obfuscated = signals.obfuscated_brands
        parts.append(
            "brand: "
            + ", ".join(
                name.lower() + (" (obfuscated)" if name in obfuscated else "") for name in names
            )
        )
    labels = signals.cue_labels
    if labels:
        parts.append("cues: " + ", ".join(labels))
    if signals.price is not None:
        parts.append("price: " + _VERDICT_TEXT[signals.price.verdict])
    return "[hints] " + (" | ".join(parts) if parts else "none")


def _compose(listing: Listing, signals: Signals | None) -> str:
    lines = [_squash(listing.title)]
    meta = []
    if listing.price is not None:
        price = _format_price(listing.price)
        meta.append(f"price: {price} {listing.currency}" if listing.currency else f"price: {price}")
    if listing.brand:
        meta.append(f"seller brand: {_squash(listing.brand)}")
    if meta:
        lines.append(" | ".join(meta))
    if signals is not None:
        lines.append(format_hints(signals))
    description = _squash(listing.description)
    if description:
        lines.append(description)
    return "\n".join(lines)


def build_model_input(
    listing: Listing | dict[str, Any] | str,
    signals: Signals | None = None,
    *,
    hints: bool = True,
    catalog_path: str | Path | None = None,
) -> str:
    """The model input for one listing.

    ``signals`` are computed when ``hints`` is on and none are given. Raises
    :class:`~nlp_ip.errors.InvalidInputError` /
    :class:`~nlp_ip.errors.InputTooLargeError` for bad listings.
    """
    parsed = parse_listing(listing)
    if hints and signals is None:
        from nlp_ip.text.extract import extract_signals

        signals = extract_signals(parsed, catalog_path=catalog_path)
    return _compose(parsed, signals if hints else None)


def build_model_inputs(
    listings: Iterable[Listing | dict[str, Any] | str],
    *,
    hints: bool = True,
    batch_size: int = 256,
    catalog_path: str | Path | None = None,
) -> list[str]:
    """Model inputs for many listings, in order (signals via the batch extractor).

    All invalid listings are reported together in one
    :class:`~nlp_ip.errors.InvalidInputError`.
    """
    parsed = parse_listings(list(listings))
    if not hints:
        return [_compose(listing, None) for listing in parsed]
    from nlp_ip.text.extract import extract_signals_batch

    signals = extract_signals_batch(parsed, batch_size=batch_size, catalog_path=catalog_path)
    return [_compose(listing, s) for listing, s in zip(parsed, signals, strict=True)]
