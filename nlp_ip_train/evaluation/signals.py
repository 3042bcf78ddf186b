"""Brand mentions and cues of a listing as highlighted, escaped HTML."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp_ip.schema import Listing

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Span:
    """A highlighted character range of one field."""

    start: int
    end: int
    css: str  # "brand", "brand obfuscated", "cue kind-<kind>" (+ " negated")
    title: str  # tooltip text


def listing_spans(listing: Listing, catalog_path: str | Path | None = None
                  ) -> dict[str, list[Span]] | None:
    """Spans per field from ``nlp_ip.text.extract_signals``; None if the text layer is missing.

    ``catalog_path``: the brand catalog to match against (a model folder's
    ``brands.yaml``, so the report shows what that model's text layer saw).
    """
    try:
        from nlp_ip.text import extract_signals
    except ImportError as exc:
        logger.debug("signals unavailable: %s", exc)
        return None
    try:
        if catalog_path is not None:
            signals: Any = extract_signals(listing, catalog_path=catalog_path)
        else:
            signals = extract_signals(listing)
    except Exception as exc:  # highlighting must never break a report
        logger.warning("extract_signals failed on listing %r: %s", listing.id, exc)
        return None
    spans: dict[str, list[Span]] = {}
    for mention in getattr(signals, "brands", []) or []:
        obfuscated = bool(getattr(mention, "obfuscated", False))
        title = f"brand: {getattr(mention, 'brand', '?')}" + (" (obfuscated)" if obfuscated
                                                                else "")
        spans.setdefault(str(mention.field), []).append(
            Span(int(mention.start), int(mention.end),
                 "brand obfuscated" if obfuscated else "brand", title))
    for cue in getattr(signals, "cues", []) or []:
        kind = str(getattr(cue, "kind", "other"))
        negated = bool(getattr(cue, "negated", False))
        css = f"cue kind-{kind}" + (" negated" if negated else "")
        spans.setdefault(str(cue.field), []).append(
            Span(int(cue.start), int(cue.end), css,
                 f"cue: {kind}" + (" (negated)" if negated else "")))
    return spans


def highlight(text: str, spans: list[Span] | None) -> str:
    """``text`` escaped for HTML with each span wrapped in ``<mark>``.

    Spans are applied by character offset, earliest first; a span overlapping
    one already applied, or falling outside the text, is skipped.
    """
    if not spans:
        return html.escape(text)
    out: list[str] = []
    pos = 0
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if span.start < pos or span.end <= span.start or span.end > len(text):
            continue
        out.append(html.escape(text[pos:span.start]))
        out.append(f'<mark class="{html.escape(span.css)}" title="{html.escape(span.title)}">'
                   f"{html.escape(text[span.start:span.end])}</mark>")
        pos = span.end
    out.append(html.escape(text[pos:]))
    return "".join(out)
