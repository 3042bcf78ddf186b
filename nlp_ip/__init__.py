"""nlp-ip: classify marketplace listings as infringing, parody, lookalike or legitimate.

Importing the package is cheap: heavy modules (torch, transformers, spaCy) load
only when the feature that needs them is used.
"""

from __future__ import annotations

from nlp_ip.errors import NlpIpError
from nlp_ip.labels import LABELS, Label
from nlp_ip.schema import Listing

__version__ = "0.1.0"

__all__ = ["LABELS", "Label", "Listing", "NlpIpError", "__version__"]
