"""The text layer: obfuscation-proof brand and cue detection, and the model-input builder.

Importing this package is cheap: spaCy loads on first use of
:func:`extract_signals`, :func:`extract_signals_batch` or the builder.

Public API::

    from nlp_ip.text import extract_signals, extract_signals_batch
    from nlp_ip.text import build_model_input, build_model_inputs, TEXT_BUILDER_VERSION
    from nlp_ip.text import normalize

    signals = extract_signals({"title": "G.U.C.C.I belt 1:1", "price": 25, "currency": "USD"})
    signals.brands[0].brand      # "Gucci"
    signals.brands[0].surface    # "G.U.C.C.I" (as typed; title[start:end] == surface)
    signals.cues[0].kind         # "counterfeit"
    signals.price.verdict        # "far_below"

Offsets are per field: a mention with ``field="description"`` indexes the
description, not the title.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nlp_ip.text.builder import TEXT_BUILDER_VERSION, build_model_input, build_model_inputs
    from nlp_ip.text.extract import extract_signals, extract_signals_batch
    from nlp_ip.text.lexicon import CUE_KINDS
    from nlp_ip.text.normalize import NormalizedText, normalize
    from nlp_ip.text.pipeline import build_pipeline, get_pipeline
    from nlp_ip.text.signals import BrandMention, Cue, PriceCheck, Signals

__all__ = [
    "CUE_KINDS",
    "TEXT_BUILDER_VERSION",
    "BrandMention",
    "Cue",
    "NormalizedText",
    "PriceCheck",
    "Signals",
    "build_model_input",
    "build_model_inputs",
    "build_pipeline",
    "extract_signals",
    "extract_signals_batch",
    "get_pipeline",
    "normalize",
]

_WHERE = {
    "TEXT_BUILDER_VERSION": "nlp_ip.text.builder",
    "build_model_input": "nlp_ip.text.builder",
    "build_model_inputs": "nlp_ip.text.builder",
    "extract_signals": "nlp_ip.text.extract",
    "extract_signals_batch": "nlp_ip.text.extract",
    "CUE_KINDS": "nlp_ip.text.lexicon",
    "NormalizedText": "nlp_ip.text.normalize",
    "normalize": "nlp_ip.text.normalize",
    "build_pipeline": "nlp_ip.text.pipeline",
    "get_pipeline": "nlp_ip.text.pipeline",
    "BrandMention": "nlp_ip.text.signals",
    "Cue": "nlp_ip.text.signals",
    "PriceCheck": "nlp_ip.text.signals",
    "Signals": "nlp_ip.text.signals",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'nlp_ip.text' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
