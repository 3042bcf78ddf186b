"""HTTP inference API for moderation tools (``nlp-ip serve``).

>>> from nlp_ip.serve import ServeSettings, create_app  # doctest: +SKIP
>>> app = create_app(ServeSettings(model="runs/default/model-best", api_keys_file="keys.json"))

Importing this package is cheap and needs no web framework: the FastAPI app
(:func:`create_app`) is imported on first use, and a missing ``[serve]`` extra
raises an ImportError that names the pip line. Nothing here imports
``nlp_ip_train``, ``datasets`` or ``sklearn``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nlp_ip.serve.settings import ServeSettings

if TYPE_CHECKING:  # pragma: no cover
    from nlp_ip.serve.app import create_app

__all__ = ["ServeSettings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from nlp_ip.serve.app import create_app

        return create_app
    raise AttributeError(f"module 'nlp_ip.serve' has no attribute {name!r}")
