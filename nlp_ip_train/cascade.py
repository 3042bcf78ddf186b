"""Fitting the cascade's thresholds on validation data (see :mod:`nlp_ip.inference.cascade`).

For each label that may skip the transformer (infringing, legitimate), the rows
whose calibrated TF-IDF top label is that label are sorted by confidence; the
threshold is the lowest confidence that keeps the agreement of every row at or
above it with the full blend, on both the label and the policy's decision
(remove / review / allow), at ``target_agreement`` or better, with at least
``min_rows`` rows behind it. Where no threshold qualifies the label never skips.

With ``budget="overall"`` the disagreement budget, ``1 - target_agreement``, is spent over
*all* rows instead (the agreement the issue measures: every listing's answer against the
full blend's): the two thresholds are the pair that skips the most rows while the skipped
rows that disagree stay within the budget of the whole set. ``weights`` (one per row)
make the set stand for a traffic mix: a balanced validation set reweighted to, say, 85%
legitimate counts each legitimate row more (:func:`mix_weights`).

:func:`fit_head` fits the optional distilled first stage: a multinomial logistic
regression on the TF-IDF part's own features whose targets are the full blend's
probabilities on unlabeled listings (soft targets: each row once per label, weighted
by the blend's probability of that label), so that its confidence ranks listings by
how likely the blend is to agree with it. Its temperature is then fitted on the
labeled calibration rows, like every other part's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nlp_ip.artifact import CascadeMeta
from nlp_ip.labels import LABEL2ID, Label
from nlp_ip.numerics import softmax
from nlp_ip.policy import DecisionPolicy

#: The labels a cascade may let the TF-IDF part decide alone.
SKIPPABLE = (Label.INFRINGING.value, Label.LEGITIMATE.value)


#: How the agreement target is spent: among the skipped rows, or over all rows.
BUDGETS = ("skipped", "overall")


def mix_weights(labels: Sequence[str], mix: Mapping[str, float]) -> np.ndarray:
    """Row weights that make rows with these true ``labels`` stand for the traffic ``mix``
    (label -> share; shares are normalised). A label of the mix with no row is an error."""
    counts = Counter(labels)
    total = sum(mix.values())
    if total <= 0:
        raise ValueError("the traffic mix needs a positive share for at least one label")
    missing = sorted(label for label, share in mix.items() if share > 0 and not counts[label])
    if missing:
        raise ValueError(f"the traffic mix names {missing} but the data has no such row")
    return np.array([mix.get(label, 0.0) / total / counts[label] * len(labels)
                     for label in labels], dtype=np.float64)


def fit_cascade(tfidf_logits: np.ndarray, tfidf_temperature: float, blend_probs: np.ndarray,
                policy: DecisionPolicy, *, target_agreement: float = 0.995,
                min_rows: int = 20, min_confidence: float = 0.5,
                budget: str = "skipped", weights: np.ndarray | None = None) -> CascadeMeta:
    """Thresholds from validation rows: TF-IDF logits and the full blend's probabilities."""
    if budget not in BUDGETS:
        raise ValueError(f"budget must be one of {BUDGETS}, got {budget!r}")
    cheap = softmax(tfidf_logits, tfidf_temperature)
    blend = np.asarray(blend_probs, dtype=np.float64)
    agree = ((cheap.argmax(1) == blend.argmax(1))
             & (np.asarray(policy.decide_codes(cheap)) == np.asarray(policy.decide_codes(blend))))
    top, confidence = cheap.argmax(1), cheap.max(1)
    w = np.ones(len(cheap)) if weights is None else np.asarray(weights, dtype=np.float64)
    if len(w) != len(cheap):
        raise ValueError(f"{len(w)} weights for {len(cheap)} rows")
    thresholds: dict[str, float] = (
        _overall_thresholds(top, confidence, agree, w, target_agreement, min_rows,
                            min_confidence) if budget == "overall" else {})
    per_label: dict[str, Any] = {}
    for label in SKIPPABLE if budget == "skipped" else ():
        rows = np.flatnonzero((top == LABEL2ID[label]) & (confidence >= min_confidence))
        order = rows[np.argsort(-confidence[rows], kind="stable")]
        running = np.cumsum(agree[order]) / np.arange(1, len(order) + 1)
        ok = np.flatnonzero((running >= target_agreement)
                            & (np.arange(1, len(order) + 1) >= min_rows))
        if len(ok):
            k = int(ok[-1])
            # ties: every row at the threshold's confidence skips, so check them too
            threshold = float(confidence[order[k]])
            chosen = rows[confidence[rows] >= threshold]
            if agree[chosen].mean() >= target_agreement:
                thresholds[label] = threshold
        skipped = rows[confidence[rows] >= thresholds.get(label, np.inf)]
        per_label[label] = {"candidates": len(rows), "skipped": len(skipped),
                            "agreement": (round(float(agree[skipped].mean()), 4)
                                          if len(skipped) else None)}
    skip = np.zeros(len(cheap), dtype=bool)
    for label, threshold in thresholds.items():
        skip |= (top == LABEL2ID[label]) & (confidence >= threshold)
    if budget == "overall":
        for label in SKIPPABLE:
            rows = np.flatnonzero((top == LABEL2ID[label]) & (confidence >= min_confidence))
            skipped = rows[confidence[rows] >= thresholds.get(label, np.inf)]
            per_label[label] = {"candidates": len(rows), "skipped": len(skipped),
                                "agreement": (round(float(agree[skipped].mean()), 4)
                                              if len(skipped) else None)}
    wsum = float(w.sum()) or 1.0
    fitted = {"rows": len(cheap), "skip_rate": round(float(skip.mean()), 4) if len(skip) else 0.0,
              "agreement_of_skipped": (round(float(agree[skip].mean()), 4) if skip.any()
                                       else None),
              "per_label": per_label, "min_rows": min_rows, "budget": budget,
              # on the (weighted) rows: the share skipped and every answer's agreement
              "weighted_skip_rate": round(float(w[skip].sum() / wsum), 4),
              "overall_agreement": round(1.0 - float(w[skip & ~agree].sum() / wsum), 4)}
    return CascadeMeta(thresholds=thresholds, target_agreement=target_agreement,
                       fitted=fitted)


def _overall_thresholds(top: np.ndarray, confidence: np.ndarray, agree: np.ndarray,
                        w: np.ndarray, target_agreement: float, min_rows: int,
                        min_confidence: float) -> dict[str, float]:
    """The two thresholds that skip the most weight while the weight of skipped rows that
    disagree stays within ``(1 - target_agreement)`` of all the weight."""
    allowance = (1.0 - target_agreement) * float(w.sum())
    cuts: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for label in SKIPPABLE:
        rows = np.flatnonzero((top == LABEL2ID[label]) & (confidence >= min_confidence))
        order = rows[np.argsort(-confidence[rows], kind="stable")]
        conf = confidence[order]
        # a threshold skips every row at or above it: the running sums at the last row of
        # each run of equal confidences (ties included), high to low
        last = (np.flatnonzero(np.append(conf[1:] != conf[:-1], True)) if len(conf)
                else np.zeros(0, dtype=np.int64))
        levels = conf[last]
        skip_w = np.cumsum(w[order])[last]
        miss_w = np.cumsum(w[order] * ~agree[order])[last]
        usable = last + 1 >= min_rows
        # index 0: the label never skips
        cuts[label] = (np.concatenate([[np.inf], levels[usable]]),
                       np.concatenate([[0.0], skip_w[usable]]),
                       np.concatenate([[0.0], miss_w[usable]]))
    (t_a, s_a, m_a), (t_b, s_b, m_b) = (cuts[label] for label in SKIPPABLE)
    # the misses grow as a threshold falls, so the best partner of each cut of the first
    # label is the lowest cut of the second that still fits the allowance
    best, choice = -1.0, (0, 0)
    running_max = np.maximum.accumulate(m_b)
    for i in range(len(t_a)):
        left = allowance - m_a[i]
        if left < -1e-12:
            continue
        j = int(np.searchsorted(running_max, left + 1e-12, side="right")) - 1
        if j < 0:
            continue
        if s_a[i] + s_b[j] > best:
            best, choice = s_a[i] + s_b[j], (i, j)
    out: dict[str, float] = {}
    for label, k, levels in ((SKIPPABLE[0], choice[0], t_a), (SKIPPABLE[1], choice[1], t_b)):
        if k > 0:
            out[label] = float(levels[k])
    return out


def fit_head(features: Any, blend_probs: np.ndarray, *, C: float = 16.0,
             min_weight: float = 1e-3, max_iter: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    """``(coef, intercept)`` of a head fitted to the blend's probabilities (soft targets):
    ``features`` is one row per listing (a dense array or a scipy sparse matrix, e.g. the
    TF-IDF rows of :meth:`nlp_ip.tfidf.TfidfScorer.sparse_rows`), ``blend_probs`` the blend's
    probabilities (columns in label order). Each row is fitted once per label, weighted by
    that label's probability; weights below ``min_weight`` are dropped (they would only slow
    the fit). A label absent from the targets gets no probability."""
    from sklearn.linear_model import LogisticRegression

    probs = np.asarray(blend_probs, dtype=np.float64)
    n, k = probs.shape
    rows = np.repeat(np.arange(n), k)
    labels = np.tile(np.arange(k), n)
    weights = probs.reshape(-1)
    keep = weights >= min_weight
    if len(np.unique(labels[keep])) < 2:
        raise ValueError("the blend gives a single label to every distillation row; a head "
                         "needs listings of at least two labels")
    model = LogisticRegression(C=C, max_iter=max_iter)
    model.fit(features[rows[keep]], labels[keep], sample_weight=weights[keep])
    coef = np.zeros((k, features.shape[1]))
    intercept = np.full(k, -1e4)  # a label never seen in the targets is never predicted
    if len(model.classes_) == 2:  # scikit-learn's binary form: one row for classes_[1]
        coef[model.classes_[1]], intercept[model.classes_[1]] = model.coef_[0], model.intercept_[0]
        coef[model.classes_[0]], intercept[model.classes_[0]] = 0.0, 0.0
    else:
        coef[model.classes_], intercept[model.classes_] = model.coef_, model.intercept_
    return coef, intercept
