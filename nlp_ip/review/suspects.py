"""``review suspects``: labeled rows that are likely mislabeled.

Each labeled row is scored by a TF-IDF baseline that did not see it: stratified
K-fold (seeded), the baseline's own pipeline (:func:`nlp_ip.tfidf.make_tfidf_pipeline`,
word + ``char_wb`` n-grams and logistic regression) on the shared text builder's
model inputs. The out-of-fold probabilities go to cleanlab
(``cleanlab.filter.find_label_issues`` ranked by self-confidence, and
``cleanlab.rank.get_label_quality_scores``); the suspects are written as JSON
lines and, optionally, queued in a review database as items of kind ``suspect``,
so people check and relabel them on the same page as borderline predictions.

The array functions (:func:`out_of_fold_probs`, :func:`find_label_suspects`) take
labels as indices into :data:`nlp_ip.labels.LABEL_NAMES` and ``(N, 4)`` arrays, like
the rest of :mod:`nlp_ip.review`. scikit-learn and cleanlab come with the
``[review]`` extra and are imported on use.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nlp_ip.atomic import atomic_path
from nlp_ip.errors import InvalidInputError, require
from nlp_ip.io import RowError, iter_listings, write_jsonl
from nlp_ip.labels import LABEL2ID, LABEL_NAMES
from nlp_ip.schema import Listing

logger = logging.getLogger(__name__)

FEATURE = "nlp-ip review suspects"
DEFAULT_FOLDS = 5
SIMILAR_DESCRIPTION_CHARS = 240


@dataclass
class SuspectsSummary:
    """What a ``review suspects`` run read and found."""

    source: str
    out: str
    db: str | None
    n_rows: int
    n_invalid: int
    n_unlabeled: int
    n_labeled: int
    folds: int
    seed: int
    hints: bool
    cv_accuracy: float
    n_suspects: int
    n_written: int
    n_added: int | None = None
    by_given_label: dict[str, int] = field(default_factory=dict)
    by_change: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _require_stack() -> None:
    require("sklearn", extra="review", feature=FEATURE)
    require("cleanlab", extra="review", feature=FEATURE)


def check_folds(labels: Sequence[int] | np.ndarray, folds: int) -> None:
    """Fail with a message naming the problem when ``labels`` cannot be split in ``folds``."""
    if folds < 2:
        raise InvalidInputError(f"folds: expected at least 2, got {folds}")
    counts = Counter(int(v) for v in np.asarray(labels).tolist())
    if len(counts) < 2:
        only = LABEL_NAMES[next(iter(counts))] if counts else "none"
        raise InvalidInputError(
            f"labels: every labeled row has the label {only!r}; finding mislabeled rows "
            "needs at least two different labels. Pass a file with more than one label")
    short = {LABEL_NAMES[k]: n for k, n in sorted(counts.items()) if n < folds}
    if short:
        found = ", ".join(f"{name} has {n}" for name, n in short.items())
        fewest = min(counts.values())
        hint = (f"lower --folds to {fewest} or less, or add labeled rows" if fewest >= 2
                else "add labeled rows of that label (or drop it from the file)")
        raise InvalidInputError(
            f"labels: too few rows per label for {folds} folds: {found} (each label needs "
            f"at least {folds} rows so every fold holds one out); {hint}")


def _expand(probs: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Probabilities over ``classes`` (label indices) as an ``(N, 4)`` array."""
    out = np.zeros((probs.shape[0], len(LABEL_NAMES)), dtype=np.float64)
    out[:, np.asarray(classes, dtype=np.int64)] = probs
    return out


def _cross_validate(texts: Sequence[str], labels: np.ndarray, *, folds: int, seed: int
                    ) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Out-of-fold probabilities, the fold of each row and the fitted fold models."""
    from sklearn.model_selection import StratifiedKFold

    from nlp_ip.tfidf import make_tfidf_pipeline

    n = len(texts)
    probs = np.zeros((n, len(LABEL_NAMES)), dtype=np.float64)
    fold_of = np.full(n, -1, dtype=np.int64)
    models: list[Any] = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for k, (train_idx, test_idx) in enumerate(splitter.split(np.zeros(n), labels)):
        model = make_tfidf_pipeline(seed=seed)
        model.fit([texts[i] for i in train_idx], labels[train_idx])
        held_out = model.predict_proba([texts[i] for i in test_idx])
        probs[test_idx] = _expand(held_out, model.named_steps["clf"].classes_)
        fold_of[test_idx] = k
        models.append(model)
        logger.info("fold %d/%d: trained on %d rows, scored %d", k + 1, folds,
                    len(train_idx), len(test_idx))
    return probs, fold_of, models


def out_of_fold_probs(texts: Sequence[str], labels: Sequence[int] | np.ndarray, *,
                      folds: int = DEFAULT_FOLDS, seed: int = 0) -> np.ndarray:
    """``(N, 4)`` probabilities of each row from a baseline fitted on the other folds.

    ``texts`` are model inputs (``nlp_ip.text.build_model_inputs``), ``labels`` label
    indices. Stratified ``folds``-fold split shuffled with ``seed``; deterministic.
    Labels absent from ``labels`` get probability 0.
    """
    _require_stack()
    y = np.asarray(labels, dtype=np.int64)
    if len(texts) != len(y):
        raise InvalidInputError(f"labels: expected one label per text ({len(texts)}), "
                                f"got {len(y)}")
    check_folds(y, folds)
    return _cross_validate(list(texts), y, folds=folds, seed=seed)[0]


def find_label_suspects(labels: Sequence[int] | np.ndarray, probs: object
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose given label is likely wrong, most likely first, and every row's quality.

    ``labels``: label indices; ``probs``: ``(N, 4)`` out-of-fold probabilities.
    Returns the indices cleanlab's ``find_label_issues`` flags, ranked by
    self-confidence (lowest probability of the given label first), and the label
    quality score of every row (``get_label_quality_scores``, self-confidence;
    0 = surely wrong, 1 = surely right). Labels that no row carries are left out
    before calling cleanlab.
    """
    _require_stack()
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    from nlp_ip.review.queue import _check_probs

    array = _check_probs(probs)
    y = np.asarray(labels, dtype=np.int64)
    if y.shape != (array.shape[0],):
        raise InvalidInputError(f"labels: expected {array.shape[0]} labels (one per row of "
                                f"probs), got shape {y.shape}")
    present = np.unique(y)
    if len(present) < 2:
        raise InvalidInputError("labels: finding mislabeled rows needs at least two "
                                "different labels")
    local = np.searchsorted(present, y)
    sub = array[:, present]
    sums = sub.sum(axis=1, keepdims=True)
    sub = np.divide(sub, sums, out=np.full_like(sub, 1.0 / len(present)), where=sums > 0)
    ranked = find_label_issues(local, sub, return_indices_ranked_by="self_confidence",
                               n_jobs=1)
    quality = get_label_quality_scores(local, sub, method="self_confidence")
    return np.asarray(ranked, dtype=np.int64), np.asarray(quality, dtype=np.float64)


def _read_labeled(path: Path, *, strict: bool) -> tuple[list[tuple[int, Listing]], int, int, int]:
    """Labeled listings with their line numbers, and counts of rows, bad and unlabeled rows."""
    labeled: list[tuple[int, Listing]] = []
    n_rows = n_invalid = 0
    unlabeled: list[int] = []
    for line, item in iter_listings(path, strict=strict):
        n_rows += 1
        if isinstance(item, RowError):
            n_invalid += 1
        elif item.label is None:
            if strict:
                raise InvalidInputError(f"{path}:{line}: field 'label': missing; every row "
                                        "needs a label here (strict mode: fix the row or drop "
                                        "--strict)")
            unlabeled.append(line)
        else:
            labeled.append((line, item))
    if unlabeled:
        shown = ", ".join(str(x) for x in unlabeled[:10])
        more = f" and {len(unlabeled) - 10} more" if len(unlabeled) > 10 else ""
        logger.warning("%s: skipped %d row(s) without a label (line %s%s)", path,
                       len(unlabeled), shown, more)
    return labeled, n_rows, n_invalid, len(unlabeled)


def find_suspects(
    data: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    db: str | os.PathLike[str] | None = None,
    folds: int = DEFAULT_FOLDS,
    top: int | None = None,
    seed: int = 0,
    hints: bool = True,
    strict: bool = False,
    explain: bool = True,
    neighbours: int = 5,
    max_words: int = 200,
) -> SuspectsSummary:
    """Rank the labeled rows of ``data`` that are likely mislabeled; write them to ``out``.

    Rows that cannot be read, or carry no label, are reported and skipped
    (``strict=True`` makes them fatal). Suspects are ranked most likely mislabeled
    first; ``top`` keeps the first ``top``. Each line of ``out``: rank, id, line,
    given label, suggested label (the out-of-fold prediction), label quality,
    out-of-fold probabilities, title.

    With ``db`` the written suspects are also queued in that review database as
    items of kind ``suspect`` (appended after the existing queue; a suspect already
    queued is skipped), with the given label, word attributions toward the suggested
    label (occlusion with the fold model that did not see the row; ``explain=False``
    leaves them out) and the ``neighbours`` most similar labeled rows (TF-IDF cosine).
    ``hints`` must match the baseline's ``text.hints`` setting (default on).
    """
    from nlp_ip.text import build_model_inputs

    _require_stack()
    if top is not None and top < 1:
        raise InvalidInputError(f"top: expected a number >= 1, got {top}")
    if neighbours < 0:
        raise InvalidInputError(f"neighbours: expected a number >= 0, got {neighbours}")
    if folds < 2:
        raise InvalidInputError(f"folds: expected at least 2, got {folds}")
    path = Path(data)
    rows, n_rows, n_invalid, n_unlabeled = _read_labeled(path, strict=strict)
    if not rows:
        raise InvalidInputError(f"{path}: no labeled rows ({n_rows} read, {n_invalid} invalid, "
                                f"{n_unlabeled} without a label); pass a labeled file")
    listings = [listing for _, listing in rows]
    labels = np.array([LABEL2ID[listing.label.value] for listing in listings  # type: ignore[union-attr]
                       ], dtype=np.int64)
    try:
        check_folds(labels, folds)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{path}: {exc}") from exc
    logger.info("%s: %d labeled rows; building model inputs (hints=%s)", path, len(rows),
                hints)
    texts = build_model_inputs(listings, hints=hints)
    probs, fold_of, models = _cross_validate(texts, labels, folds=folds, seed=seed)
    ranked, quality = find_label_suspects(labels, probs)
    suggested = probs.argmax(axis=1)
    chosen = ranked[:top] if top is not None else ranked

    records = []
    for rank, i in enumerate(chosen.tolist(), start=1):
        line, listing = rows[i]
        records.append({
            "rank": rank, "id": listing.id, "line": line,
            "given_label": LABEL_NAMES[labels[i]],
            "suggested_label": LABEL_NAMES[suggested[i]],
            "label_quality": round(float(quality[i]), 6),
            "probs": {n: round(float(p), 6) for n, p in zip(LABEL_NAMES, probs[i], strict=True)},
            "title": listing.title,
        })
    target = Path(out)
    with atomic_path(target) as tmp:
        write_jsonl(tmp, records)

    model_version = f"cv{folds}-tfidf-seed{seed}" + ("" if hints else "-nohints")
    added: int | None = None
    if db is not None:
        added = _queue_suspects(
            db, chosen.tolist(), rows, labels=labels, probs=probs, quality=quality,
            fold_of=fold_of, models=models, texts=texts, model_version=model_version,
            hints=hints, explain=explain, neighbours=neighbours, max_words=max_words)
        from nlp_ip.review.store import ReviewStore, utc_now

        ReviewStore(db).set_meta({"suspects": {
            "source": str(path), "folds": folds, "seed": seed, "hints": hints,
            "model_version": model_version, "found": len(ranked), "queued": len(chosen),
            "built_at": utc_now()}})

    summary = SuspectsSummary(
        source=str(path), out=str(target), db=str(db) if db is not None else None,
        n_rows=n_rows, n_invalid=n_invalid, n_unlabeled=n_unlabeled, n_labeled=len(rows),
        folds=folds, seed=seed, hints=hints,
        cv_accuracy=round(float((suggested == labels).mean()), 4),
        n_suspects=len(ranked), n_written=len(records), n_added=added,
        by_given_label=dict(sorted(Counter(LABEL_NAMES[labels[i]] for i in ranked).items())),
        by_change=dict(Counter(f"{LABEL_NAMES[labels[i]]}->{LABEL_NAMES[suggested[i]]}"
                               for i in ranked).most_common()))
    logger.info("review suspects: %s", summary.to_dict())
    return summary


def _queue_suspects(
    db: str | os.PathLike[str], idx: list[int], rows: list[tuple[int, Listing]], *,
    labels: np.ndarray, probs: np.ndarray, quality: np.ndarray, fold_of: np.ndarray,
    models: list[Any], texts: list[str], model_version: str, hints: bool, explain: bool,
    neighbours: int, max_words: int,
) -> int:
    """Append the suspects ``idx`` (indices into ``rows``) to the review database in that
    order; returns how many were new."""
    from nlp_ip.review.build import primary_brands, text_key
    from nlp_ip.review.explain import occlusion, signals_dict
    from nlp_ip.review.queue import margins, risk_scores
    from nlp_ip.review.store import SUSPECT, ReviewStore, utc_now
    from nlp_ip.text import build_model_inputs

    store = ReviewStore(db, create=True)
    listings = [rows[i][1] for i in idx]
    suggested = [LABEL_NAMES[int(probs[i].argmax())] for i in idx]
    if hints and listings:
        from nlp_ip.text import extract_signals_batch

        signals = [signals_dict(s) for s in extract_signals_batch(listings)]
    else:  # the model read no signals; show none
        signals = [{} for _ in listings]

    explanations: list[dict[str, Any]] = []
    for pos, i in enumerate(idx):
        explanations.append({"method": "none", "target": suggested[pos],
                             "base_probability": round(float(probs[i].max()), 6),
                             "words": [], "signals": signals[pos]})
    if explain and listings:
        # Occlusion with the model of the fold that held the row out, toward its suggestion.
        for k, model in enumerate(models):
            members = [pos for pos, i in enumerate(idx) if fold_of[i] == k]
            if not members:
                continue
            classes = model.named_steps["clf"].classes_

            def score(batch: list[Listing], model: Any = model, classes: Any = classes
                      ) -> np.ndarray:
                return _expand(model.predict_proba(build_model_inputs(batch, hints=hints)),
                               classes)

            found = occlusion(score, [listings[p] for p in members],
                              targets=[suggested[p] for p in members], max_words=max_words)
            for pos, expl in zip(members, found, strict=True):
                expl.signals = signals[pos]
                explanations[pos] = expl.to_dict()

    similar = (_similar_rows(idx, rows, labels, texts, k=neighbours) if neighbours
               else [[] for _ in idx])
    q_probs = probs[idx] if idx else np.zeros((0, len(LABEL_NAMES)))
    margin, risk = margins(q_probs), risk_scores(q_probs)
    start = store.next_position()
    now = utc_now()
    items: list[dict[str, Any]] = []
    for pos, i in enumerate(idx):
        listing = listings[pos]
        brands = primary_brands(listing, signals[pos])
        top = int(probs[i].argmax())
        items.append({
            "position": start + pos, "listing_id": listing.id,
            "listing": json.dumps(listing.to_record(), ensure_ascii=False),
            # its own key, so a listing can be queued both as borderline and as suspect
            "text_key": f"{SUSPECT}:{text_key(listing)}", "predicted": LABEL_NAMES[top],
            "probs": json.dumps({n: round(float(p), 6)
                                 for n, p in zip(LABEL_NAMES, probs[i], strict=True)}),
            "confidence": float(probs[i, top]), "margin": float(margin[pos]),
            "risk": float(risk[pos]), "policy_decision": "",
            "brand": brands[0] if brands else None,
            "brands": ("|" + "|".join(brands) + "|") if brands else "",
            "signals": json.dumps(signals[pos], ensure_ascii=False),
            "explanation": json.dumps(explanations[pos], ensure_ascii=False),
            "similar": json.dumps(similar[pos], ensure_ascii=False), "embedding": None,
            "model_version": model_version, "added_at": now, "kind": SUSPECT,
            "given_label": LABEL_NAMES[labels[i]], "label_quality": float(quality[i]),
        })
    return store.add_items(items)


def _similar_rows(idx: list[int], rows: list[tuple[int, Listing]], labels: np.ndarray,
                  texts: list[str], *, k: int) -> list[list[dict[str, Any]]]:
    """The ``k`` labeled rows most similar to each chosen row (TF-IDF cosine, itself left out)."""
    if not idx:
        return []
    from nlp_ip.tfidf import make_tfidf_pipeline

    features = make_tfidf_pipeline().named_steps["features"]
    matrix = features.fit_transform(texts)
    out: list[list[dict[str, Any]]] = []
    for start in range(0, len(idx), 256):  # bounded memory: 256 dense rows at a time
        part = idx[start:start + 256]
        # each vectorizer's rows have unit norm, so the concatenation has norm sqrt(2)
        sims = np.asarray((matrix[part] @ matrix.T).todense(), dtype=np.float64) / 2.0
        for row, i in enumerate(part):
            sims[row, i] = -np.inf
            found = []
            for j in np.argsort(-sims[row], kind="stable")[:k].tolist():
                if not np.isfinite(sims[row, j]):
                    continue
                listing = rows[j][1]
                found.append({"train_row": int(j), "line": rows[j][0],
                              "listing_id": listing.id, "label": LABEL_NAMES[labels[j]],
                              "similarity": round(float(sims[row, j]), 4),
                              "title": listing.title,
                              "description": _clip(listing.description or "")})
            out.append(found)
    return out


def _clip(text: str) -> str:
    if len(text) <= SIMILAR_DESCRIPTION_CHARS:
        return text
    return text[:SIMILAR_DESCRIPTION_CHARS - 1].rstrip() + "…"
