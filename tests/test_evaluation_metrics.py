"""Every number of metrics.json checked against a 10-row example computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from nlp_ip.policy import DecisionPolicy
from nlp_ip_train.evaluation.bootstrap import batched_macro_f1, bootstrap_intervals
from nlp_ip_train.evaluation.metrics import (
    aurc,
    decision_metrics,
    evaluation_metrics,
    risk_coverage_curve,
    slice_value,
)
from nlp_ip_train.metrics import macro_f1

# label ids: 0 infringing, 1 parody, 2 lookalike, 3 legitimate
PROBS = np.array([
    [0.90, 0.05, 0.03, 0.02],  # r0 true inf -> pred inf, p_inf .90 >= .8 -> remove
    [0.85, 0.10, 0.03, 0.02],  # r1 true par -> pred inf -> remove (over-enforcement)
    [0.62, 0.18, 0.10, 0.10],  # r2 true inf -> pred inf, .3 <= .62 < .8 -> review
    [0.35, 0.55, 0.05, 0.05],  # r3 true inf -> pred par, p_inf .35 >= .3 -> review
    [0.12, 0.78, 0.05, 0.05],  # r4 true inf -> pred par, nothing fires -> allow (missed)
    [0.05, 0.85, 0.05, 0.05],  # r5 true par -> pred par -> allow
    [0.05, 0.05, 0.48, 0.42],  # r6 true look -> pred look, top .48 < .5 -> review
    [0.02, 0.03, 0.90, 0.05],  # r7 true look -> pred look -> allow
    [0.02, 0.03, 0.05, 0.90],  # r8 true legit -> pred legit -> allow
    [0.10, 0.10, 0.70, 0.10],  # r9 true legit -> pred look -> allow
])
Y_TRUE = np.array([0, 1, 0, 0, 0, 1, 2, 2, 3, 3])
POLICY = DecisionPolicy(remove_threshold=0.8, review_thresholds={"infringing": 0.3},
                        min_confidence=0.5)
DECISIONS = ["remove", "remove", "review", "review", "allow", "allow", "review", "allow",
             "allow", "allow"]
META = [{"language": "en"}] * 5 + [{"language": "de"}] * 3 + [{"language": None},
                                                              {"language": " "}]


@pytest.fixture(scope="module")
def metrics() -> dict:
    return evaluation_metrics(PROBS, Y_TRUE, POLICY, META, slice_by=["language"],
                              n_bootstrap=200, seed=3)


def test_policy_decisions_of_the_example() -> None:
    assert POLICY.decide_codes(PROBS).tolist() == DECISIONS


def test_confusion_matrix_rows_are_true_labels(metrics: dict) -> None:
    assert metrics["labels"] == ["infringing", "parody", "lookalike", "legitimate"]
    assert metrics["confusion_matrix"] == [
        [2, 2, 0, 0],  # true infringing: r0, r2 right; r3, r4 called parody
        [1, 1, 0, 0],  # true parody: r1 called infringing
        [0, 0, 2, 0],
        [0, 0, 1, 1],  # true legitimate: r9 called lookalike
    ]


def test_label_metrics_by_hand(metrics: dict) -> None:
    assert metrics["n"] == 10
    assert metrics["accuracy"] == pytest.approx(6 / 10)
    per = metrics["per_class"]
    # infringing: tp 2, predicted 3 (r0 r1 r2), support 4
    assert per["infringing"] == pytest.approx(
        {"precision": 2 / 3, "recall": 1 / 2, "f1": 4 / 7, "support": 4})
    # parody: tp 1 (r5), predicted 3 (r3 r4 r5), support 2
    assert per["parody"] == pytest.approx(
        {"precision": 1 / 3, "recall": 1 / 2, "f1": 2 / 5, "support": 2})
    # lookalike: tp 2, predicted 3 (r6 r7 r9), support 2
    assert per["lookalike"] == pytest.approx(
        {"precision": 2 / 3, "recall": 1.0, "f1": 4 / 5, "support": 2})
    # legitimate: tp 1, predicted 1, support 2
    assert per["legitimate"] == pytest.approx(
        {"precision": 1.0, "recall": 1 / 2, "f1": 2 / 3, "support": 2})
    assert metrics["macro_f1"] == pytest.approx((4 / 7 + 2 / 5 + 4 / 5 + 2 / 3) / 4)


def test_calibration_metrics_by_hand(metrics: dict) -> None:
    # 15 bins of width 1/15; confidence -> bin: .90 -> 13 (r0 r7 r8, all right),
    # .85 -> 12 (r1 wrong, r5 right), .78 -> 11 (r4 wrong), .70 -> 10 (r9 wrong),
    # .62 -> 9 (r2 right), .55 -> 8 (r3 wrong), .48 -> 7 (r6 right)
    ece = (3 * abs(1 - 0.9) + 2 * abs(0.5 - 0.85) + abs(0 - 0.78) + abs(0 - 0.7)
           + abs(1 - 0.62) + abs(0 - 0.55) + abs(1 - 0.48)) / 10
    assert metrics["ece"] == pytest.approx(ece)
    assert metrics["ece"] == pytest.approx(0.393)
    # Brier: per-row sum of squared errors against the one-hot truth
    rows = [0.0138, 1.5338, 0.1968, 0.73, 1.3878, 0.03, 0.4518, 0.0138, 0.0138, 1.32]
    assert metrics["brier"] == pytest.approx(sum(rows) / 10)
    bins = {i: b for i, b in enumerate(metrics["reliability"]) if b["count"]}
    assert sorted(bins) == [7, 8, 9, 10, 11, 12, 13]
    assert bins[13]["count"] == 3 and bins[13]["accuracy"] == 1.0
    assert bins[12]["confidence"] == pytest.approx(0.85) and bins[12]["accuracy"] == 0.5


def test_decision_metrics_by_hand(metrics: dict) -> None:
    # infringing rows r0 (remove) r2 r3 (review) r4 (allow): 3 of 4 caught
    assert metrics["infringing_recall"] == pytest.approx(3 / 4)
    # non-infringing rows r1 r5 r6 r7 r8 r9: only r1 (a parody) is removed
    assert metrics["over_enforcement_rate"] == pytest.approx(1 / 6)
    assert metrics["review_rate"] == pytest.approx(3 / 10)
    # remove/allow rows r0 r1 r4 r5 r7 r8 r9; right: r0 (remove inf), r5 r7 r8 r9 (allow non-inf)
    assert metrics["auto_decision_accuracy"] == pytest.approx(5 / 7)
    assert metrics["removal_precision"] == pytest.approx(1 / 2)
    assert metrics["auto_removal_coverage"] == pytest.approx(1 / 4)
    assert metrics["decision_counts"] == {"remove": 2, "review": 3, "allow": 5}
    assert metrics["decisions_by_label"] == {
        "infringing": {"remove": 1, "review": 2, "allow": 1},
        "parody": {"remove": 1, "review": 0, "allow": 1},
        "lookalike": {"remove": 0, "review": 1, "allow": 1},
        "legitimate": {"remove": 0, "review": 0, "allow": 2},
    }
    assert metrics["over_enforcement_by_label"] == {"parody": 0.5, "lookalike": 0.0,
                                                    "legitimate": 0.0}
    assert metrics["policy"] == POLICY.model_dump()


def test_over_enforcement_counts_only_removals_of_non_infringing() -> None:
    y = np.array([0, 0, 1, 2, 3])
    # an infringing row removed is not over-enforcement; a parody sent to review is not either
    out = decision_metrics(["remove", "remove", "review", "allow", "remove"], y)
    assert out["over_enforcement_rate"] == pytest.approx(1 / 3)  # only the legitimate row
    # review counts for infringing recall, allow does not
    out = decision_metrics(["review", "allow", "allow", "allow", "allow"], y)
    assert out["infringing_recall"] == pytest.approx(1 / 2)
    assert out["over_enforcement_rate"] == 0.0


def test_undefined_rates_are_none_not_zero() -> None:
    out = decision_metrics(["review", "review"], np.array([1, 2]))
    assert out["infringing_recall"] is None  # no infringing rows
    assert out["auto_decision_accuracy"] is None  # nothing decided automatically
    assert out["removal_precision"] is None
    assert out["over_enforcement_rate"] == 0.0


def test_risk_coverage_and_aurc_by_hand(metrics: dict) -> None:
    coverage, risk, threshold = risk_coverage_curve(PROBS, Y_TRUE)
    # groups by confidence: .90 x3 (0 wrong), .85 x2 (1), .78 (1), .70 (1), .62 (0), .55 (1),
    # .48 (0)
    assert coverage.tolist() == pytest.approx([0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    assert risk.tolist() == pytest.approx([0, 1 / 5, 2 / 6, 3 / 7, 3 / 8, 4 / 9, 4 / 10])
    assert threshold.tolist() == pytest.approx([0.9, 0.85, 0.78, 0.7, 0.62, 0.55, 0.48])
    expected = 0.3 * 0 + 0.2 * (1 / 5) + 0.1 * (2 / 6 + 3 / 7 + 3 / 8 + 4 / 9 + 4 / 10)
    assert aurc(PROBS, Y_TRUE) == pytest.approx(expected)
    assert metrics["aurc"] == pytest.approx(expected)


def test_aurc_without_ties_is_mean_risk() -> None:
    probs = np.array([[0.9, 0.1, 0, 0], [0.8, 0.2, 0, 0], [0.7, 0.3, 0, 0]])
    y = np.array([1, 0, 0])  # most confident row wrong
    # risk after 1, 2, 3 rows: 1, 1/2, 1/3
    assert aurc(probs, y) == pytest.approx((1 + 1 / 2 + 1 / 3) / 3)


def test_slices_by_hand(metrics: dict) -> None:
    slices = metrics["slices"]["language"]
    assert list(slices) == ["en", "de", "(none)"]  # largest first; None and blank -> (none)
    en, de, none = slices["en"], slices["de"], slices["(none)"]
    assert en["n"] == 5 and de["n"] == 3 and none["n"] == 2
    assert en["label_counts"] == {"infringing": 4, "parody": 1, "lookalike": 0, "legitimate": 0}
    # en: y [0 1 0 0 0], pred [0 0 0 1 1]; infringing f1 4/7, parody f1 0
    assert en["accuracy"] == pytest.approx(2 / 5)
    assert en["macro_f1"] == pytest.approx((4 / 7 + 0) / 2)
    assert en["infringing_recall"] == pytest.approx(3 / 4)
    assert en["over_enforcement_rate"] == pytest.approx(1.0)  # its one parody is removed
    assert en["review_rate"] == pytest.approx(2 / 5)
    assert en["auto_decision_accuracy"] == pytest.approx(1 / 3)
    # de: all right, no infringing rows
    assert de["macro_f1"] == pytest.approx(1.0)
    assert de["infringing_recall"] is None
    assert de["over_enforcement_rate"] == 0.0
    assert de["review_rate"] == pytest.approx(1 / 3)
    # (none): legitimate f1 2/3, lookalike f1 0 (predicted once, never true)
    assert none["macro_f1"] == pytest.approx((2 / 3 + 0) / 2)
    assert none["accuracy"] == pytest.approx(0.5)
    assert none["auto_decision_accuracy"] == pytest.approx(1.0)
    assert none["ece"] == pytest.approx((abs(1 - 0.9) + abs(0 - 0.7)) / 2)


def test_slice_value_formats() -> None:
    assert slice_value({"a": None}, "a") == "(none)"
    assert slice_value({}, "a") == "(none)"
    assert slice_value({"a": ""}, "a") == "(none)"
    assert slice_value({"a": 3.0}, "a") == "3"
    assert slice_value({"a": "Gucci"}, "a") == "Gucci"
    assert slice_value({"a": ["x", "y"]}, "a") == '["x", "y"]'


def test_bootstrap_interval_contains_estimate_and_is_deterministic(metrics: dict) -> None:
    lo, hi = metrics["macro_f1_ci95"]
    assert lo <= metrics["macro_f1"] <= hi
    assert lo < hi
    again = evaluation_metrics(PROBS, Y_TRUE, POLICY, META, slice_by=["language"],
                               n_bootstrap=200, seed=3)
    assert again["macro_f1_ci95"] == metrics["macro_f1_ci95"]
    assert again["infringing_recall_ci95"] == metrics["infringing_recall_ci95"]
    other = evaluation_metrics(PROBS, Y_TRUE, POLICY, n_bootstrap=200, seed=4)
    assert other["macro_f1_ci95"] != metrics["macro_f1_ci95"]
    assert metrics["bootstrap"] == {"n_resamples": 200, "seed": 3, "level": 0.95,
                                    "method": "percentile"}
    r_lo, r_hi = metrics["infringing_recall_ci95"]
    assert r_lo <= 0.75 <= r_hi
    o_lo, o_hi = metrics["over_enforcement_rate_ci95"]
    assert o_lo <= 1 / 6 <= o_hi


def test_bootstrap_on_a_larger_set_brackets_the_estimate() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 600)
    pred = np.where(rng.random(600) < 0.7, y, rng.integers(0, 4, 600))
    dec = np.where(pred == 0, "remove", "allow")
    ci = bootstrap_intervals(y, pred, dec, n_resamples=500, seed=1)
    point = macro_f1(y, pred)
    assert ci["macro_f1"][0] < point < ci["macro_f1"][1]
    assert ci["macro_f1"][1] - ci["macro_f1"][0] < 0.15


def test_batched_macro_f1_matches_the_reference() -> None:
    rng = np.random.default_rng(5)
    y = rng.integers(0, 4, (30, 12))
    pred = rng.integers(0, 4, (30, 12))
    y[0] = 1  # a row where only some labels occur
    pred[0] = [1] * 6 + [2] * 6
    got = batched_macro_f1(y, pred)
    assert got == pytest.approx([macro_f1(a, b) for a, b in zip(y, pred, strict=True)])


def test_zero_resamples_gives_no_interval() -> None:
    out = evaluation_metrics(PROBS, Y_TRUE, POLICY, n_bootstrap=0)
    assert out["macro_f1_ci95"] is None


def test_shape_errors_are_reported() -> None:
    with pytest.raises(ValueError, match="shape"):
        evaluation_metrics(PROBS[:, :3], Y_TRUE, POLICY)
    with pytest.raises(ValueError, match="10 rows"):
        evaluation_metrics(PROBS, Y_TRUE[:5], POLICY)
    with pytest.raises(ValueError, match="metadata"):
        evaluation_metrics(PROBS, Y_TRUE, POLICY, None, slice_by=["language"])
