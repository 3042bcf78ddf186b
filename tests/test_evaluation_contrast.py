"""Contrast-group measures in ``nlp-ip evaluate`` (consistency, per direction, per kind)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nlp_ip.labels import LABEL2ID
from nlp_ip.schema import parse_listing
from nlp_ip_train.evaluation.contrast import contrast_metrics


def _rows() -> list[dict]:
    return [
        {"id": "g1-base", "group": "g1", "role": "base", "title": "Quilted flap bag, no logo",
         "label": "lookalike"},
        {"id": "g1-e1", "group": "g1", "role": "edit", "edit_kind": "design_imitation",
         "title": "Plain black shoulder bag", "label": "legitimate"},
        {"id": "g1-e2", "group": "g1", "role": "edit", "edit_kind": "mark_on_goods",
         "title": "Quilted flap bag with CC logo", "label": "infringing"},
        {"id": "g2-base", "group": "g2", "role": "base", "title": "Chewy Vuiton dog toy",
         "label": "parody"},
        {"id": "g2-e1", "group": "g2", "role": "edit", "edit_kind": "joke_signalled",
         "title": "LV monogram dog toy", "label": "infringing"},
    ]


def test_consistency_directions_and_kinds() -> None:
    rows = _rows()
    listings = [parse_listing(r) for r in rows]
    y_true = np.array([LABEL2ID[r["label"]] for r in rows])
    # g1: base right, first edit kept the base's label, second right; g2: all right
    y_pred = y_true.copy()
    y_pred[1] = LABEL2ID["lookalike"]
    out = contrast_metrics(listings, y_true, y_pred, n_bootstrap=200)
    assert out is not None
    assert (out["groups"], out["rows"], out["consistency"]) == (2, 5, 0.5)
    assert out["base_accuracy"] == 1.0 and out["edit_accuracy"] == 0.6667
    assert out["directions"]["lookalike->legitimate"] == {
        "n": 1, "right": 0, "kept_base_label": 1, "accuracy": 0.0}
    assert out["directions"]["parody->infringing"]["accuracy"] == 1.0
    assert out["edit_kinds"]["design_imitation"]["accuracy"] == 0.0
    lo, hi = out["consistency_ci95"]
    assert 0.0 <= lo <= 0.5 <= hi <= 1.0


def test_no_groups_means_no_contrast_section() -> None:
    listings = [parse_listing({"title": "x", "label": "parody"})]
    assert contrast_metrics(listings, np.array([1]), np.array([1])) is None


def test_a_group_needs_exactly_one_base() -> None:
    rows = [dict(r, role="edit") for r in _rows()[:2]]
    listings = [parse_listing(r) for r in rows]
    y = np.array([LABEL2ID[r["label"]] for r in rows])
    with pytest.raises(ValueError, match="group 'g1' has 0 base rows"):
        contrast_metrics(listings, y, y)


def test_evaluate_reports_contrast_in_metrics_and_html(tiny_run: Path, tmp_path: Path) -> None:
    from nlp_ip_train.evaluation.run import evaluate

    data = tmp_path / "contrast.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in _rows()), encoding="utf-8")
    result = evaluate(tiny_run / "model-best", [data], output=tmp_path / "eval", cases=None,
                      n_bootstrap=50)
    contrast = result.metrics["contrast"]
    assert contrast["groups"] == 2 and set(contrast["directions"]) == {
        "lookalike->legitimate", "lookalike->infringing", "parody->infringing"}
    saved = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert saved["contrast"] == contrast
    page = (tmp_path / "eval" / "report.html").read_text()
    assert '<section id="contrast">' in page and "lookalike-&gt;legitimate" in page
