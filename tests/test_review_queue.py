"""The cleanlab-shaped array functions: margins, find_borderline, rank_queue."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nlp_ip.errors import InvalidInputError
from nlp_ip.review import find_borderline, margins, rank_queue, risk_scores

PROBS = np.array([
    [0.40, 0.38, 0.12, 0.10],  # margin 0.02
    [0.97, 0.01, 0.01, 0.01],  # margin 0.96
    [0.10, 0.15, 0.30, 0.45],  # margin 0.15
    [0.25, 0.25, 0.25, 0.25],  # margin 0 (tie)
])


def test_margins_are_top1_minus_top2() -> None:
    assert margins(PROBS) == pytest.approx([0.02, 0.96, 0.15, 0.0])
    assert margins(np.zeros((0, 4))).shape == (0,)


def test_find_borderline_by_margin_and_by_policy_decision() -> None:
    assert find_borderline(PROBS, max_margin=0.2).tolist() == [True, False, True, True]
    assert find_borderline(PROBS, max_margin=0.0).tolist() == [False, False, False, True]
    decisions = ["allow", "review", "allow", "allow"]
    mask = find_borderline(PROBS, max_margin=0.0, decisions=decisions)
    assert mask.tolist() == [False, True, False, True]


def test_find_borderline_rejects_bad_input_with_a_useful_message() -> None:
    with pytest.raises(InvalidInputError, match=r"shape \(N, 4\)"):
        find_borderline(np.ones((3, 3)) / 3)
    with pytest.raises(InvalidInputError, match="max_margin must be in"):
        find_borderline(PROBS, max_margin=1.5)
    with pytest.raises(InvalidInputError, match="expected 4 entries"):
        find_borderline(PROBS, decisions=["allow"])
    with pytest.raises(InvalidInputError, match="unknown value"):
        find_borderline(PROBS, decisions=["allow", "allow", "maybe", "allow"])
    with pytest.raises(InvalidInputError, match="not logits"):
        margins(np.array([[2.0, -1.0, 0.5, 0.1]]))


def test_rank_by_uncertainty_puts_smallest_margin_first() -> None:
    assert rank_queue(PROBS, by="uncertainty").tolist() == [3, 0, 2, 1]


def test_rank_by_risk_puts_likely_counterfeits_first() -> None:
    assert risk_scores(PROBS).tolist() == [0.40, 0.97, 0.10, 0.25]
    assert rank_queue(PROBS, by="risk").tolist() == [1, 0, 3, 2]


def test_rank_by_brand_groups_brands_most_frequent_first_and_unbranded_last() -> None:
    brands = ["Nike", None, "Gucci", "Gucci"]
    # Gucci (2 rows) first, by uncertainty inside the group; Nike; then no brand.
    assert rank_queue(PROBS, by="brand", brands=brands).tolist() == [3, 2, 0, 1]
    with pytest.raises(InvalidInputError, match="one brand"):
        rank_queue(PROBS, by="brand")
    with pytest.raises(InvalidInputError, match="unknown ranking"):
        rank_queue(PROBS, by="price")


prob_rows = arrays(np.float64, st.tuples(st.integers(1, 30), st.just(4)),
                   elements=st.floats(0.001, 1.0)).map(lambda a: a / a.sum(1, keepdims=True))


@settings(max_examples=60, deadline=None)
@given(prob_rows)
def test_rank_queue_is_a_permutation_and_margins_are_sorted(probs: np.ndarray) -> None:
    for by in ("uncertainty", "risk"):
        order = rank_queue(probs, by=by)
        assert sorted(order.tolist()) == list(range(len(probs)))
    ranked = margins(probs)[rank_queue(probs, by="uncertainty")]
    assert (np.diff(ranked) >= -1e-12).all()
    assert ((margins(probs) >= 0) & (margins(probs) <= 1)).all()
