"""Decision-policy guarantees and calibrate-policy on constructed examples."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp_ip.errors import InvalidInputError
from nlp_ip.policy import DecisionPolicy
from nlp_ip_train.evaluation.metrics import decision_metrics
from nlp_ip_train.evaluation.tuning import (
    calibrate_policy,
    tune_remove_threshold,
    tune_review_threshold,
)


def top_infringing(p: float) -> list[float]:
    rest = (1 - p) / 3
    return [p, rest, rest, rest]


# p(infringing) of rows whose top label is infringing, and whether they truly are
RANKED = [(0.99, 1), (0.95, 1), (0.93, 0), (0.90, 1), (0.88, 1), (0.85, 1), (0.80, 1),
          (0.75, 0)]
PROBS = np.array([top_infringing(p) for p, _ in RANKED]
                 + [[0.30, 0.60, 0.05, 0.05],   # X: infringing, top label parody
                    [0.10, 0.70, 0.10, 0.10],   # Y: infringing, top label parody
                    [0.05, 0.90, 0.03, 0.02],   # a parody
                    [0.02, 0.03, 0.05, 0.90]])  # a legitimate listing
Y = np.array([0 if inf else 1 for _, inf in RANKED] + [0, 0, 1, 3])
N_INF = 8


def test_remove_threshold_by_hand() -> None:
    # precision as the threshold falls: .99 1/1, .95 2/2, .93 2/3, .90 3/4, .88 4/5,
    # .85 5/6, .80 6/7, .75 6/8 -> the smallest threshold with precision >= .8 is .80
    out = tune_remove_threshold(PROBS, Y, target_precision=0.8, min_removals=1)
    assert out["reached"] is True
    assert out["threshold"] == pytest.approx(0.80)
    assert out["n_removed"] == 7
    assert out["precision"] == pytest.approx(6 / 7)
    assert out["coverage"] == pytest.approx(6 / N_INF)
    assert out["over_enforcement"] == pytest.approx(1 / 4)  # 1 of 4 non-infringing rows


def test_remove_threshold_respects_min_removals_and_over_enforcement() -> None:
    out = tune_remove_threshold(PROBS, Y, target_precision=0.8, min_removals=8)
    assert out["reached"] is False and out["threshold"] == 1.0  # only .75 has 8, at 6/8
    strict = tune_remove_threshold(PROBS, Y, target_precision=0.8, min_removals=1,
                                   max_over_enforcement=0.0)
    assert strict["threshold"] == pytest.approx(0.95)  # the first false positive is at .93
    assert tune_remove_threshold(PROBS, Y, target_precision=1.0,
                                 min_removals=1)["threshold"] == pytest.approx(0.95)


def test_review_threshold_by_hand() -> None:
    policy = DecisionPolicy(remove_threshold=0.8, review_thresholds={"infringing": 0.2},
                            min_confidence=0.5)
    # removal catches 6 of 8 infringing rows; X has p .30, Y has p .10
    assert tune_review_threshold(PROBS, Y, policy, target_recall=7 / 8)["threshold"] == \
        pytest.approx(0.30)
    full = tune_review_threshold(PROBS, Y, policy, target_recall=1.0)
    assert full["threshold"] == pytest.approx(0.10)
    assert full["recall"] == pytest.approx(1.0)
    # the target is already met by removal alone: no review by p(infringing) below removal
    low = tune_review_threshold(PROBS, Y, policy, target_recall=0.75)
    assert low["threshold"] == pytest.approx(0.8)
    assert low["recall"] == pytest.approx(6 / 8)


def test_calibrate_policy_reaches_both_targets() -> None:
    before = DecisionPolicy(remove_threshold=0.97, review_thresholds={"infringing": 0.5},
                            min_confidence=0.5)
    result = calibrate_policy(PROBS, Y, before, target_precision=0.8, target_recall=1.0,
                              min_removals=1)
    after = result.after
    assert after.remove_threshold == pytest.approx(0.80)
    assert after.review_thresholds["infringing"] == pytest.approx(0.10)
    assert after.min_confidence == before.min_confidence
    m = decision_metrics(after.decide_codes(PROBS), Y)
    assert m["removal_precision"] >= 0.8
    assert m["infringing_recall"] == pytest.approx(1.0)
    assert result.metrics_after["auto_removal_coverage"] == pytest.approx(6 / 8)
    # before: .99 removed, the other five top-infringing ones reviewed (p >= .5); X, Y missed
    assert result.metrics_before["infringing_recall"] == pytest.approx(6 / 8)
    assert result.metrics_before["auto_removal_coverage"] == pytest.approx(1 / 8)
    assert "coverage" in result.format()
    assert result.to_dict()["after"]["remove_threshold"] == pytest.approx(0.8)


def test_calibrate_policy_on_a_larger_constructed_set() -> None:
    rng = np.random.default_rng(11)
    n = 2000
    y = rng.integers(0, 4, n)
    logits = rng.normal(0, 1, (n, 4))
    logits[np.arange(n), y] += 2.5
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    result = calibrate_policy(probs, y, DecisionPolicy(), target_precision=0.99,
                              target_recall=0.95, min_removals=20)
    after = decision_metrics(result.after.decide_codes(probs), y)
    assert result.remove["reached"] and result.review["reached"]
    assert after["removal_precision"] >= 0.99
    assert after["infringing_recall"] >= 0.95
    # the smallest qualifying threshold: one step lower would miss the precision target
    p_inf = probs[:, 0]
    removable = probs.argmax(axis=1) == 0
    lower = np.max(p_inf[removable & (p_inf < result.after.remove_threshold)])
    below = removable & (p_inf >= lower)
    assert (y[below] == 0).mean() < 0.99 or below.sum() < 20


def test_calibrate_policy_needs_infringing_rows() -> None:
    with pytest.raises(InvalidInputError, match="none labeled infringing"):
        calibrate_policy(PROBS[-2:], np.array([1, 3]), DecisionPolicy())
    with pytest.raises(InvalidInputError, match="target_precision"):
        calibrate_policy(PROBS, Y, DecisionPolicy(), target_precision=1.5)


def test_tuned_policy_never_removes_parody_or_lookalike_top_labels() -> None:
    # parody/lookalike rows with a high p(infringing) that is not the top label
    probs = np.array([[0.45, 0.50, 0.03, 0.02]] * 20 + [[0.46, 0.02, 0.50, 0.02]] * 20
                     + [top_infringing(0.9)] * 30)
    y = np.array([1] * 20 + [2] * 20 + [0] * 30)
    result = calibrate_policy(probs, y, DecisionPolicy(), target_precision=0.9,
                              target_recall=1.0, min_removals=5)
    decisions = result.after.decide_codes(probs)
    assert set(decisions[:40]) <= {"review", "allow"}
    assert (decisions[40:] == "remove").all()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4), min_size=1,
                max_size=30),
       st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_policy_never_removes_a_parody_or_lookalike_top_label(
        raw: list[list[float]], remove: float, review: float, min_conf: float) -> None:
    probs = np.asarray(raw) + 1e-9
    probs = probs / probs.sum(axis=1, keepdims=True)
    policy = DecisionPolicy(remove_threshold=remove, review_thresholds={"infringing": review},
                            min_confidence=min_conf)
    decisions = policy.decide_codes(probs)
    top = probs.argmax(axis=1)
    assert not ((decisions == "remove") & np.isin(top, [1, 2])).any()
    # a row over the remove threshold that is not removed goes to review, never allow
    over = probs[:, 0] >= remove
    assert ((decisions[over] == "remove") | (decisions[over] == "review")).all()


def test_low_remove_threshold_sends_non_top_infringing_to_review() -> None:
    policy = DecisionPolicy(remove_threshold=0.3, review_thresholds={}, min_confidence=0.0)
    probs = np.array([[0.40, 0.55, 0.03, 0.02], [0.60, 0.30, 0.05, 0.05],
                      [0.10, 0.85, 0.03, 0.02]])
    assert policy.decide_codes(probs).tolist() == ["review", "remove", "allow"]
