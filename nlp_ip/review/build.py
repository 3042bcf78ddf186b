"""``review build``: classify a file and queue its borderline listings for people.

The function :func:`build_review_db` does the work; the CLI only parses.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nlp_ip.errors import InvalidInputError
from nlp_ip.io import exact_text_key, read_listings
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.review.explain import METHODS, Explanation, signals_dict
from nlp_ip.review.queue import RANKINGS, find_borderline, margins, rank_queue, risk_scores
from nlp_ip.review.store import ReviewStore, to_blob, utc_now
from nlp_ip.schema import Listing

logger = logging.getLogger(__name__)

SIMILAR_DESCRIPTION_CHARS = 240


@dataclass
class BuildSummary:
    """What a build did."""

    db: str
    model_version: str
    n_input: int
    n_invalid: int
    n_borderline: int
    n_added: int
    n_train_examples: int
    explanation_method: str
    embedding_kind: str | None
    decisions: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def text_key(listing: Listing) -> str:
    """Identity of a queued listing: its id (if any) and its exact text."""
    return exact_text_key(f"{listing.id or ''}\x00{listing.title}", listing.description)


def primary_brands(listing: Listing, signals: dict[str, Any]) -> list[str]:
    """Brands for filtering: catalog brands found in the text, then the stated brand."""
    found: list[str] = []
    for mention in signals.get("brands", []):
        if mention["brand"] and mention["brand"] not in found:
            found.append(mention["brand"])
    if listing.brand and listing.brand.strip() and listing.brand.strip() not in found:
        found.append(listing.brand.strip())
    return [b.replace("|", "/") for b in found]


def extract_all_signals(listings: list[Listing], model_dir: Path) -> list[dict[str, Any]]:
    """Signals of each listing, with the brand catalog the model was trained with."""
    from nlp_ip.artifact import BRANDS_FILE
    from nlp_ip.text import extract_signals_batch

    catalog = model_dir / BRANDS_FILE
    found = extract_signals_batch(listings, catalog_path=catalog if catalog.is_file() else None)
    return [signals_dict(s) for s in found]


def explain(clf: Any, listings: list[Listing], *, method: str = "auto",
            max_words: int = 200) -> tuple[str, list[Explanation]]:
    """Explanations toward each listing's predicted label with ``method``.

    ``auto`` is occlusion (exact for any backend). ``integrated-gradients`` needs a
    torch backend; asked for on another backend it falls back to occlusion with a
    warning.
    """
    from nlp_ip.review.explain import integrated_gradients, occlusion

    if method not in (*METHODS, "auto"):
        raise InvalidInputError(f"explain: unknown method {method!r}; use auto or "
                                f"{', '.join(METHODS)}")
    if method == "integrated-gradients":
        if str(clf.backend_name).startswith("torch") and hasattr(clf.backend, "model"):
            return method, integrated_gradients(clf, listings, max_words=max_words)
        logger.warning("integrated gradients need a torch-only model (a blend's TF-IDF part "
                       "has no gradients); %s uses backend %s, falling back to occlusion",
                       clf.folder, clf.backend_name)
    return "occlusion", occlusion(clf.predict_proba, listings, max_words=max_words)


def build_review_db(
    model_dir: str | os.PathLike[str],
    input_path: str | os.PathLike[str],
    db_path: str | os.PathLike[str],
    *,
    max_margin: float = 0.2,
    rank: str = "uncertainty",
    train_data: str | os.PathLike[str] | None = None,
    neighbours: int = 5,
    explain_method: str = "auto",
    backend: str = "auto",
    max_words: int = 200,
    max_train_rows: int = 50_000,
    classifier: Any = None,
) -> BuildSummary:
    """Classify ``input_path`` with ``model_dir`` and queue the borderline listings.

    A listing is queued when the model's policy decision is ``review`` or its top-2
    margin is at most ``max_margin``. Queued listings are ranked (``rank``: one of
    uncertainty, brand, risk) and stored with prediction, signals, explanation and,
    with ``train_data`` (labeled listings), their ``neighbours`` nearest labeled
    listings by the model's own embedding. Re-running on the same database appends
    new listings after the existing queue and keeps every decision.
    ``classifier`` reuses an already loaded :class:`ListingClassifier`.
    """
    from nlp_ip.review.embed import embed_listings, embedding_kind, nearest

    if rank not in RANKINGS:
        raise InvalidInputError(f"rank: unknown ranking {rank!r}; use one of "
                                f"{', '.join(RANKINGS)}")
    if neighbours < 0:
        raise InvalidInputError(f"neighbours: must be >= 0, got {neighbours}")
    listings, report = read_listings(Path(input_path))
    if report.errors:
        logger.warning("%s: skipped %d invalid row(s); first: %s", input_path,
                       len(report.errors), report.errors[0])
    if not listings:
        raise InvalidInputError(f"{input_path}: no valid listings to classify "
                                f"({len(report.errors)} invalid row(s))")
    train: list[Listing] = []
    if train_data is not None:
        train_rows, _ = read_listings(Path(train_data))
        train = [r for r in train_rows if r.label is not None][:max_train_rows]
        if not train:
            raise InvalidInputError(f"{train_data}: no labeled listings (the 'label' field is "
                                    "empty in every valid row); similar examples need labels")
        if len(train_rows) > len(train):
            logger.info("%s: %d labeled of %d valid rows used for similar examples",
                        train_data, len(train), len(train_rows))
    if classifier is None:
        from nlp_ip.inference import ListingClassifier

        classifier = ListingClassifier.from_pretrained(model_dir, backend=backend)
    clf = classifier
    store = ReviewStore(db_path, create=True)

    probs = clf.predict_proba(listings)
    codes = clf.meta.policy.decide_codes(probs)
    mask = find_borderline(probs, max_margin=max_margin, decisions=codes)
    chosen = np.flatnonzero(mask)
    logger.info("%d of %d listings are borderline", len(chosen), len(listings))
    queued = [listings[i] for i in chosen]
    q_probs = probs[chosen]
    signals = extract_all_signals(queued, Path(model_dir))
    brand_lists = [primary_brands(x, s) for x, s in zip(queued, signals, strict=True)]
    order = rank_queue(q_probs, by=rank, brands=[b[0] if b else None for b in brand_lists])

    method, explanations = explain(clf, queued, method=explain_method, max_words=max_words)
    for expl, sig in zip(explanations, signals, strict=True):
        expl.signals = sig

    kind = None
    similar: list[list[dict[str, Any]]] = [[] for _ in queued]
    q_emb = np.zeros((len(queued), 0), dtype=np.float32)
    if queued and (train or neighbours):
        kind = embedding_kind(clf)
        q_emb = embed_listings(clf, queued)
    if train and queued and neighbours:
        t_emb = embed_listings(clf, train)
        store.add_train_examples([
            (t.id, t.label.value if t.label else "", json.dumps(t.to_record(),
                                                                ensure_ascii=False),
             to_blob(vec)) for t, vec in zip(train, t_emb, strict=True)])
        idx, sims = nearest(q_emb, t_emb, k=neighbours)
        for row in range(len(queued)):
            for j, sim in zip(idx[row], sims[row], strict=True):
                t = train[int(j)]
                similar[row].append({
                    "train_row": int(j), "listing_id": t.id,
                    "label": t.label.value if t.label else None,
                    "similarity": round(float(sim), 4), "title": t.title,
                    "description": _clip(t.description, SIMILAR_DESCRIPTION_CHARS)})

    margin = margins(q_probs)
    risk = risk_scores(q_probs)
    start = store.next_position()
    now = utc_now()
    rows: list[dict[str, Any]] = []
    for rank_pos, i in enumerate(order):
        listing = queued[i]
        top = int(q_probs[i].argmax())
        brands = brand_lists[i]
        rows.append({
            "position": start + rank_pos, "listing_id": listing.id,
            "listing": json.dumps(listing.to_record(), ensure_ascii=False),
            "text_key": text_key(listing), "predicted": LABEL_NAMES[top],
            "probs": json.dumps({n: round(float(p), 6)
                                 for n, p in zip(LABEL_NAMES, q_probs[i], strict=True)}),
            "confidence": float(q_probs[i, top]), "margin": float(margin[i]),
            "risk": float(risk[i]), "policy_decision": str(codes[chosen[i]]),
            "brand": brands[0] if brands else None,
            "brands": ("|" + "|".join(brands) + "|") if brands else "",
            "signals": json.dumps(signals[i], ensure_ascii=False),
            "explanation": json.dumps(explanations[i].to_dict(), ensure_ascii=False),
            "similar": json.dumps(similar[i], ensure_ascii=False),
            "embedding": to_blob(q_emb[i]) if q_emb.shape[1] else None,
            "model_version": clf.meta.model_version, "added_at": now,
        })
    added = store.add_items(rows)
    store.set_meta({"model_dir": str(Path(model_dir)), "model_version": clf.meta.model_version,
                    "backend": clf.backend_name, "rank": rank, "max_margin": max_margin,
                    "explanation_method": method, "embedding_kind": kind,
                    "policy": clf.meta.policy.model_dump(), "built_at": now,
                    "input": str(input_path)})
    counts = {str(c): int((codes == c).sum()) for c in sorted(set(codes.tolist()))}
    summary = BuildSummary(db=str(db_path), model_version=clf.meta.model_version,
                           n_input=len(listings), n_invalid=len(report.errors),
                           n_borderline=len(chosen), n_added=added, n_train_examples=len(train),
                           explanation_method=method, embedding_kind=kind, decisions=counts)
    logger.info("review build: %s", summary.to_dict())
    return summary


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
