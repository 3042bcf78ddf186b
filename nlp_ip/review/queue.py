"""Which predictions go to people, and in what order.

Plain functions over arrays, in the manner of cleanlab: the first argument is
an ``(N, 4)`` array of calibrated probabilities in label order
(:data:`nlp_ip.labels.LABEL_NAMES`); options are keyword-only.

>>> import numpy as np
>>> probs = np.array([[0.50, 0.45, 0.03, 0.02], [0.97, 0.01, 0.01, 0.01]])
>>> margins(probs).round(2).tolist()
[0.05, 0.96]
>>> find_borderline(probs, max_margin=0.2).tolist()
[True, False]
>>> rank_queue(probs, by="uncertainty").tolist()
[0, 1]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Literal

import numpy as np

from nlp_ip.errors import InvalidInputError
from nlp_ip.labels import LABEL_NAMES, Label
from nlp_ip.policy import Decision

RankBy = Literal["uncertainty", "brand", "risk"]
RANKINGS: tuple[str, ...] = ("uncertainty", "brand", "risk")

_INFRINGING = LABEL_NAMES.index(Label.INFRINGING.value)


def _check_probs(probs: object) -> np.ndarray:
    array = np.asarray(probs, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != len(LABEL_NAMES):
        raise InvalidInputError(
            f"probs: expected an array of shape (N, {len(LABEL_NAMES)}) with columns "
            f"{', '.join(LABEL_NAMES)}; got shape {array.shape}. Pass predict_proba's output"
        )
    if array.size and (not np.isfinite(array).all() or (array < 0).any()):
        raise InvalidInputError("probs: found negative, NaN or infinite values; pass "
                                "probabilities (softmax outputs), not logits")
    return array


def margins(probs: object) -> np.ndarray:
    """Difference between the highest and the second-highest probability of each row.

    0 means the model could not separate its two best labels; 1 means it was certain.
    """
    array = _check_probs(probs)
    if array.shape[0] == 0:
        return np.zeros(0, dtype=np.float64)
    top2 = -np.partition(-array, 1, axis=1)[:, :2]
    return top2[:, 0] - top2[:, 1]


def risk_scores(probs: object) -> np.ndarray:
    """How harmful a wrong "allow" would be: the probability that the listing is infringing."""
    return _check_probs(probs)[:, _INFRINGING].copy()


def find_borderline(
    probs: object,
    *,
    max_margin: float = 0.2,
    decisions: Sequence[str] | np.ndarray | None = None,
    review_decisions: Sequence[str] = (Decision.REVIEW.value,),
) -> np.ndarray:
    """Boolean mask of the rows a person should look at.

    A row is borderline when its top-2 margin is at most ``max_margin`` or when its
    policy decision (``decisions``, one string per row, e.g. from
    ``DecisionPolicy.decide_codes``) is one of ``review_decisions``.
    ``max_margin=0`` keeps only exact ties (plus the review decisions).
    """
    if not 0.0 <= max_margin <= 1.0:
        raise InvalidInputError(f"max_margin must be in [0, 1], got {max_margin}; "
                                "0.2 keeps rows whose two best labels are within 20 points")
    array = _check_probs(probs)
    mask = margins(array) <= max_margin
    if decisions is not None:
        codes = np.asarray([str(d) for d in decisions], dtype=object)
        if codes.shape != (array.shape[0],):
            raise InvalidInputError(f"decisions: expected {array.shape[0]} entries (one per "
                                    f"row of probs), got {codes.shape[0]}")
        unknown = set(codes.tolist()) - {d.value for d in Decision}
        if unknown:
            raise InvalidInputError(f"decisions: unknown value(s) {sorted(unknown)}; use "
                                    f"{', '.join(d.value for d in Decision)}")
        mask |= np.isin(codes, list(review_decisions))
    return mask


def rank_queue(
    probs: object,
    *,
    by: str = "uncertainty",
    brands: Sequence[str | None] | None = None,
) -> np.ndarray:
    """Row indices in the order a reviewer should see them.

    - ``"uncertainty"``: smallest top-2 margin first (ties: higher entropy first);
    - ``"risk"``: highest probability of infringing first (a likely counterfeit that
      would otherwise be allowed is the costliest mistake); ties by uncertainty;
    - ``"brand"``: grouped by brand (``brands``, one name or ``None`` per row), the
      brands with the most rows first, rows without a brand last, each group by
      uncertainty, so one reviewer can work through one brand at a time.
    """
    if by not in RANKINGS:
        raise InvalidInputError(f"rank: unknown ranking {by!r}; use one of {', '.join(RANKINGS)}")
    array = _check_probs(probs)
    n = array.shape[0]
    margin = margins(array)
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.nansum(np.where(array > 0, array * np.log(array), 0.0), axis=1)
    if by == "uncertainty":
        return np.lexsort((-entropy, margin))
    if by == "risk":
        return np.lexsort((margin, -risk_scores(array)))
    if brands is None or len(brands) != n:
        found = "none" if brands is None else str(len(brands))
        raise InvalidInputError(f"brands: ranking by brand needs one brand (or None) per row; "
                                f"expected {n}, got {found}")
    counts = Counter(b for b in brands if b)
    # Group key: most frequent brand first, then alphabetical; no brand last.
    order = {name: i for i, (name, _) in
             enumerate(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold())))}
    group = np.array([order[b] if b else len(order) for b in brands], dtype=np.int64)
    return np.lexsort((-entropy, margin, group))
