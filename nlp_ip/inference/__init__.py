"""Batched inference on a saved model folder.

>>> clf = ListingClassifier.from_pretrained("runs/default/model-best")  # doctest: +SKIP
>>> clf.predict({"title": "G.U.C.C.I belt 1:1 mirror quality", "price": 25})  # doctest: +SKIP
"""

from __future__ import annotations

from nlp_ip.inference.engine import BACKENDS, ListingClassifier, Prediction
from nlp_ip.inference.protocol import Backend

__all__ = ["BACKENDS", "Backend", "ListingClassifier", "Prediction"]
