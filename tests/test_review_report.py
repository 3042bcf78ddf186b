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


def test_suspects_are_reported_apart_from_model_overturns(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "r.sqlite")
    with store.connect() as conn:  # items 3 and 4 become suspected mislabels
        conn.execute("UPDATE items SET kind = 'suspect', given_label = 'lookalike' "
                     "WHERE id IN (3, 4)")
    before = review_stats(store)
    assert before["suspects"] == {"queued": 2, "decided": 0, "relabeled": 0, "confirmed": 0}
    store.record_decision(1, "parody", reviewer="ana", submission_id="a")
    store.record_decision(3, "legitimate", reviewer="ana", submission_id="b")  # relabeled
    store.record_decision(4, "lookalike", reviewer="ben", submission_id="c")  # confirmed
    stats = review_stats(store)
    assert stats["suspects"] == {"queued": 2, "decided": 2, "relabeled": 1, "confirmed": 1}
    # Only item 1 counts as a decision on the deployed model's prediction.
    assert sum(v["decided"] for v in stats["overturn_by_model_label"].values()) == 1
    assert sum(sum(row.values()) for row in stats["confusion"].values()) == 1
    md = to_markdown(stats)
    assert "relabeled by a reviewer: 1; given label confirmed: 1" in md
    assert "Suspected mislabels: 2 queued, 2 decided" in to_html(stats)
