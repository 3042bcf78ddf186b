"""The shortcut audit: surface features alone must not predict the label."""

from __future__ import annotations

import json

import pytest

from nlp_ip.brands import load_catalog
from nlp_ip_train.datagen.audit import (
    SHORTCUT_MAX_F1,
    shortcut_audit,
    surface_features,
    tfidf_baseline,
)
from nlp_ip_train.datagen.generator import generate_corpus, load_seed_test


@pytest.fixture(scope="module")
def corpus():
    return generate_corpus(load_catalog(), 4000, seed=21)


def test_surface_features_count_what_they_say():
    row = {"title": "NEW Bag!! 🔥", "description": "size 42", "price": 10.0, "currency": "USD"}
    f = dict(
        zip(
            ("title", "desc", "logp", "missing", "punct", "emoji", "digits", "upper"),
            surface_features(row),
            strict=True,
        )
    )
    assert f["title"] == len("NEW Bag!! 🔥") and f["missing"] == 0.0
    assert f["punct"] == 2 and f["emoji"] == 1 and f["digits"] == 2
    assert surface_features({"title": "x"})[3] == 1.0


def test_shortcut_classifier_stays_under_threshold(corpus):
    result = shortcut_audit(corpus["train"], corpus["test"])
    assert set(result["models"]) == {"logistic_regression", "gradient_boosting"}
    assert result["max_macro_f1"] < SHORTCUT_MAX_F1, result["max_macro_f1"]
    assert result["passed"]


def test_shortcut_audit_can_fail_on_a_leaky_corpus(corpus):
    """Make the description length give the label away: the audit must notice."""
    leaky = {}
    for split, k in (("train", 1200), ("test", 400)):
        leaky[split] = [
            dict(
                r,
                description="x"
                * (
                    50 * (1 + ["infringing", "parody", "lookalike", "legitimate"].index(r["label"]))
                ),
            )
            for r in corpus[split][:k]
        ]
    result = shortcut_audit(leaky["train"], leaky["test"])
    assert not result["passed"]


def test_tfidf_baseline_reports_generated_and_seed_scores(corpus, tmp_path):
    seed = [dict(r, split="test") for r in corpus["validation"][:80]]
    path = tmp_path / "listings.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in seed), encoding="utf-8")
    rows, source = load_seed_test(path)
    assert len(rows) == 80 and "split == test" in source
    result = tfidf_baseline(
        corpus["train"][:800], corpus["test"][:200], rows, max_char_features=20_000
    )
    assert 0.0 <= result["seed_test"]["macro_f1"] <= 1.0
    assert result["generated_test"]["macro_f1"] > 0.4
    assert "gap" in result
