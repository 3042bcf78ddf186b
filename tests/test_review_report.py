"""``review report``: counts, overturn rates per label and brand, throughput."""

from __future__ import annotations

from pathlib import Path

from review_support import fill_store

from nlp_ip.cli import main
from nlp_ip.review.report import review_stats, to_html, to_markdown


def test_report_counts_overturns_and_over_enforcement(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "r.sqlite")
    # Item 1: model infringing (Gucci) -> reviewer parody: an over-enforcement.
    store.record_decision(1, "parody", reviewer="ana", submission_id="a")
    # Item 2: model parody -> reviewer parody (agrees).
    store.record_decision(2, "parody", reviewer="ben", submission_id="b")
    store.record_decision(3, "skip", reviewer="ana", submission_id="c")
    stats = review_stats(store)
    assert (stats["items"], stats["decided"], stats["undecided"]) == (4, 2, 2)
    assert (stats["submissions"], stats["skips"], stats["reviewers"]) == (3, 1, 2)
    assert stats["confusion"]["infringing"]["parody"] == 1
    assert stats["overturn_by_model_label"]["infringing"]["overturn_rate"] == 1.0
    assert stats["overturn_by_model_label"]["parody"]["overturn_rate"] == 0.0
    gucci = next(b for b in stats["brands"] if b["brand"] == "Gucci")
    assert gucci["over_enforcement_rate"] == 1.0 and gucci["model_infringing"] == 1
    lv = next(b for b in stats["brands"] if b["brand"] == "Louis Vuitton")
    assert lv["over_enforcement_rate"] is None and lv["overturn_rate"] == 0.0
    assert {t["reviewer"]: t["submissions"] for t in stats["throughput"]} == {"ana": 2,
                                                                              "ben": 1}
    md = to_markdown(stats)
    assert "| infringing | 0 | 1 | 0 | 0 | 100.0% |" in md
    page = to_html(stats)
    assert page.count("<svg") == 3 and "<script" not in page and "http" not in page.replace(
        "http://www.w3.org/2000/svg", "")


def test_report_cli_writes_both_files(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "r.sqlite")
    store.record_decision(1, "parody", reviewer="<b>x</b>", submission_id="a")
    assert main(["review", "report", "--db", str(store.path), "--out", str(tmp_path / "o")]) == 0
    page = (tmp_path / "o" / "review-report.html").read_text()
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert (tmp_path / "o" / "review-report.md").read_text().startswith("# Review report")
