"""Every metric checked against a small example computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from nlp_ip.numerics import softmax
from nlp_ip_train.metrics import (
    brier_score,
    confusion_matrix,
    expected_calibration_error,
    fit_temperature,
    macro_f1,
    per_class,
)

# labels: 0 infringing, 1 parody, 2 lookalike, 3 legitimate
Y_TRUE = np.array([0, 0, 0, 1, 1, 2, 3, 3])
Y_PRED = np.array([0, 0, 1, 1, 2, 2, 3, 0])


def test_confusion_matrix_rows_are_true_labels() -> None:
    cm = confusion_matrix(Y_TRUE, Y_PRED)
    assert cm.tolist() == [
        [2, 1, 0, 0],  # true infringing: 2 right, 1 called parody
        [0, 1, 1, 0],
        [0, 0, 1, 0],
        [1, 0, 0, 1],  # true legitimate: 1 called infringing
    ]


def test_per_class_and_macro_f1_by_hand() -> None:
    stats = per_class(Y_TRUE, Y_PRED)
    # infringing: tp=2, predicted=3, support=3 -> p=2/3, r=2/3, f1=2/3
    assert stats["infringing"]["precision"] == pytest.approx(2 / 3)
    assert stats["infringing"]["recall"] == pytest.approx(2 / 3)
    # parody: tp=1, predicted=2, support=2 -> 0.5, 0.5, 0.5
    assert stats["parody"]["f1"] == pytest.approx(0.5)
    # lookalike: tp=1, predicted=2, support=1 -> p=.5, r=1, f1=2/3
    assert stats["lookalike"]["f1"] == pytest.approx(2 / 3)
    # legitimate: tp=1, predicted=1, support=2 -> p=1, r=.5, f1=2/3
    assert stats["legitimate"]["support"] == 2
    assert macro_f1(Y_TRUE, Y_PRED) == pytest.approx((2 / 3 + 0.5 + 2 / 3 + 2 / 3) / 4)


def test_ece_by_hand() -> None:
    probs = np.array([[0.9, 0.1, 0, 0], [0.6, 0.4, 0, 0], [0.2, 0.8, 0, 0], [0.3, 0.7, 0, 0]])
    y = np.array([0, 1, 1, 1])
    # with 2 bins: (0, .5] is empty; (.5, 1]: all four rows.
    # 10 bins: .9 -> bin 8 (correct), .6 -> bin 5 (wrong), .8 -> bin 7 (correct), .7 -> bin 6
    # (correct). ECE = 1/4 * (|1-.9| + |0-.6| + |1-.8| + |1-.7|) = 0.3
    assert expected_calibration_error(probs, y, n_bins=10) == pytest.approx(0.3)
    # 1 bin: |mean acc - mean conf| = |0.75 - 0.75| = 0
    assert expected_calibration_error(probs, y, n_bins=1) == pytest.approx(0.0)


def test_brier_by_hand() -> None:
    probs = np.array([[1.0, 0, 0, 0], [0.5, 0.5, 0, 0]])
    y = np.array([0, 0])
    # row 1: 0; row 2: .25 + .25 = .5 -> mean .25
    assert brier_score(probs, y) == pytest.approx(0.25)


def test_temperature_fit_lowers_overconfidence() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 3000)
    logits = 6 * np.eye(4)[y] + rng.normal(0, 4, (3000, 4))  # overconfident logits
    temperature = fit_temperature(logits, y)
    assert temperature > 1.2
    before = expected_calibration_error(softmax(logits), y)
    after = expected_calibration_error(softmax(logits, temperature), y)
    assert after < before / 2
