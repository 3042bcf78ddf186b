"""Reviewer workbench: borderline predictions go to people, and their decisions come back.

- :mod:`nlp_ip.review.queue`: which predictions to review and in what order
  (:func:`margins`, :func:`find_borderline`, :func:`rank_queue`; arrays in, arrays out);
- :mod:`nlp_ip.review.explain`: word attributions on the original text (occlusion,
  integrated gradients), merged with brand and cue signals;
- :mod:`nlp_ip.review.embed`: the model's own embeddings and nearest labeled listings;
- :mod:`nlp_ip.review.store`: the SQLite review database (WAL, append-only history);
- :mod:`nlp_ip.review.build`: ``nlp-ip review build``;
- :mod:`nlp_ip.review.suspects`: ``nlp-ip review suspects`` (likely mislabeled labeled rows:
  cross-validated TF-IDF baseline + cleanlab);
- :mod:`nlp_ip.review.app`: the web page (``create_review_app``), FastAPI + Jinja;
- :mod:`nlp_ip.review.export`: decisions as labeled listings for training.

Only the light array functions are imported here; the rest loads on use.
"""

from __future__ import annotations

from nlp_ip.review.queue import RANKINGS, find_borderline, margins, rank_queue, risk_scores

__all__ = ["RANKINGS", "find_borderline", "margins", "rank_queue", "risk_scores"]
