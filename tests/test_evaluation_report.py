"""evaluate() end to end with a fake classifier: files, report, case probe, CLIs, compare."""

from __future__ import annotations

import json
import re
import sys
import types
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from nlp_ip.artifact import ModelMeta, TextSettings, read_meta, write_meta
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.policy import DecisionPolicy
from nlp_ip.schema import Listing
from nlp_ip_train.evaluation.cases import DEFAULT_CASES, load_cases, probe_cases
from nlp_ip_train.evaluation.compare import compare_rows, compare_table
from nlp_ip_train.evaluation.report import missed_infringing, most_confident_errors, over_enforced
from nlp_ip_train.evaluation.signals import Span, highlight, listing_spans

ROOT = Path(__file__).resolve().parents[1]

ROWS = [  # id, label, split, language, probs
    ("a1", "infringing", "test", "en", [0.95, 0.02, 0.02, 0.01]),
    ("a2", "infringing", "test", "en", [0.50, 0.30, 0.10, 0.10]),
    ("a3", "infringing", "train", "de", [0.10, 0.80, 0.05, 0.05]),
    ("b1", "parody", "test", "en", [0.92, 0.05, 0.02, 0.01]),
    ("b2", "parody", "test", None, [0.05, 0.90, 0.03, 0.02]),
    ("c1", "lookalike", "test", "de", [0.02, 0.03, 0.90, 0.05]),
    ("d1", "legitimate", "test", "en", [0.02, 0.03, 0.05, 0.90]),
    ("d2", "legitimate", "train", "en", [0.02, 0.03, 0.90, 0.05]),
]


class FakeClassifier:
    """predict_proba by listing id; anything unknown gets a flat distribution."""

    def __init__(self, table: dict[str, list[float]], policy: DecisionPolicy | None = None,
                 meta: ModelMeta | None = None) -> None:
        self.table = table
        self.meta = meta or SimpleNamespace(policy=policy or DecisionPolicy(),
                                            model_version="fake-1", kind="tfidf")
        self.backend_name = "fake"

    def predict_proba(self, listings: list[Listing]) -> np.ndarray:
        return np.array([self.table.get(x.id or "", [0.25] * 4) for x in listings])


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "eval.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for rid, label, split, lang, _ in ROWS:
            title = f"listing {rid}"
            if rid == "b1":
                title = "Gucci <script>alert(1)</script> parody tee & more"
            handle.write(json.dumps({"id": rid, "title": title, "description": "desc " + rid,
                                     "label": label, "split": split, "language": lang}) + "\n")
    return path


@pytest.fixture
def fake() -> FakeClassifier:
    return FakeClassifier({r[0]: r[4] for r in ROWS})


def run_eval(data_file: Path, out: Path, fake: FakeClassifier, **kw: object) -> dict:
    from nlp_ip_train.evaluation.run import evaluate

    kw.setdefault("cases", None)
    result = evaluate(None, [data_file], output=out, classifier=fake, n_bootstrap=50, **kw)
    return result.metrics


def test_evaluate_writes_metrics_and_report(tmp_path: Path, data_file: Path,
                                            fake: FakeClassifier) -> None:
    out = tmp_path / "out"
    metrics = run_eval(data_file, out, fake, slice_by=["language"], split="test")
    on_disk = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert on_disk["n"] == 6  # the two split=train rows are left out
    for key in ("macro_f1", "accuracy", "per_class", "confusion_matrix", "ece", "brier",
                "infringing_recall", "over_enforcement_rate", "review_rate",
                "auto_decision_accuracy", "macro_f1_ci95", "slices"):
        assert key in on_disk, key
    # default policy (remove .9, review inf .2, min conf .5): a1 remove, a2 review,
    # b1 (parody) remove, b2 c1 d1 allow
    assert metrics["infringing_recall"] == pytest.approx(1.0)
    assert metrics["over_enforcement_rate"] == pytest.approx(1 / 4)
    assert metrics["review_rate"] == pytest.approx(1 / 6)
    assert metrics["data"]["split"] == "test"
    assert set(on_disk["slices"]["language"]) == {"en", "de", "(none)"}
    assert metrics["throughput"]["rows"] == 6
    preds = [json.loads(line) for line in (out / "predictions.jsonl").open()]
    assert [p["id"] for p in preds] == ["a1", "a2", "b1", "b2", "c1", "d1"]
    assert preds[2]["decision"] == "remove" and preds[2]["predicted"] == "infringing"


def test_report_is_self_contained_and_has_the_sections(tmp_path: Path, data_file: Path,
                                                       fake: FakeClassifier) -> None:
    out = tmp_path / "out"
    run_eval(data_file, out, fake, slice_by=["language"], cases=DEFAULT_CASES)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"""\b(src|href)\s*=\s*(?!["']?(data:|#))""", page)
    assert "@import" not in page and "url(" not in page
    for section in ("summary", "policy", "confusion", "reliability", "risk-coverage",
                    "slices", "errors", "cases", "definitions"):
        assert f'id="{section}"' in page, section
    for title in ("Confusion matrix", "Reliability diagram", "Risk-coverage curve",
                  "Worst errors", "Legal-case probe"):
        assert title in page
    # decisions, confusion matrix, reliability, risk-coverage, one slice field
    assert page.count('src="data:image/png;base64,') == 5
    # listing text is escaped, never injected
    assert "<script>" not in page
    unmarked = re.sub(r"</?mark[^>]*>", "", page)  # the text layer may highlight "Gucci"
    assert "Gucci &lt;script&gt;alert(1)&lt;/script&gt; parody tee &amp; more" in unmarked
    assert "Louis Vuitton Malletier S.A. v. Haute Diggity Dog" in page


def test_report_highlights_signals_by_offset(tmp_path: Path, data_file: Path,
                                             fake: FakeClassifier,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def extract_signals(listing: Listing) -> SimpleNamespace:
        start = listing.title.find("Gucci")
        brands = ([SimpleNamespace(brand="Gucci", surface="Gucci", start=start,
                                   end=start + 5, obfuscated=False, field="title")]
                  if start >= 0 else [])
        cues = ([SimpleNamespace(kind="parody", surface="parody", start=listing.title.find(
            "parody"), end=listing.title.find("parody") + 6, field="title")]
                if "parody" in listing.title else [])
        return SimpleNamespace(brands=brands, cues=cues)

    fake_text = types.ModuleType("nlp_ip.text")
    fake_text.extract_signals = extract_signals  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "nlp_ip.text", fake_text)
    out = tmp_path / "out"
    run_eval(data_file, out, fake)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<mark class="brand" title="brand: Gucci">Gucci</mark>' in page
    assert '<mark class="cue kind-parody" title="cue: parody">parody</mark>' in page


def test_highlight_escapes_and_marks_by_offset() -> None:
    text = "L0uis V <b>bag</b> 1:1"
    spans = [Span(0, 7, "brand obfuscated", "brand: Louis Vuitton"), Span(19, 22, "cue", "x"),
             Span(2, 5, "cue", "overlaps the first span"), Span(20, 99, "cue", "outside")]
    out = highlight(text, spans)
    assert out == ('<mark class="brand obfuscated" title="brand: Louis Vuitton">L0uis V</mark>'
                   ' &lt;b&gt;bag&lt;/b&gt; <mark class="cue" title="x">1:1</mark>')
    assert highlight("a<b", None) == "a&lt;b"


def test_listing_spans_without_text_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nlp_ip.text", None)  # import fails
    assert listing_spans(Listing(title="x")) is None


def test_error_tables_select_the_right_rows() -> None:
    probs = np.array([r[4] for r in ROWS])
    y = np.array([LABEL_NAMES.index(r[1]) for r in ROWS])
    decisions = DecisionPolicy().decide_codes(probs).tolist()
    assert decisions == ["remove", "review", "allow", "remove", "allow", "allow", "allow",
                         "allow"]
    # wrong: a3 (pred parody .80), b1 (pred inf .92), d2 (pred look .90)
    assert most_confident_errors(probs, y, 10) == [3, 7, 2]
    assert most_confident_errors(probs, y, 1) == [3]
    assert over_enforced(probs, y, decisions, 10) == [3]  # b1, a parody removed
    assert missed_infringing(probs, y, decisions, 10) == [2]  # a3 allowed


def test_case_probe_summary_by_hand() -> None:
    cases = [Listing(title="t1", label="parody", id="c1", case="A v. B"),
             Listing(title="t2", label="infringing", id="c2", case="C v. D", citation="1 F.4th 1"),
             Listing(title="t3", label="infringing", id="c3", case="E v. F"),
             Listing(title="t4", id="c4", case="G v. H")]
    probs = np.array([[0.95, 0.03, 0.01, 0.01],   # parody case removed
                      [0.50, 0.40, 0.05, 0.05],   # infringing case reviewed
                      [0.05, 0.90, 0.03, 0.02],   # infringing case allowed
                      [0.10, 0.10, 0.10, 0.70]])  # unlabeled
    out = probe_cases(probs, cases, DecisionPolicy())
    assert out["summary"] == {"n": 4, "n_labeled": 3, "label_agreement": 1,
                              "n_infringing": 2, "infringing_flagged": 1,
                              "n_non_infringing": 1, "non_infringing_removed": 1}
    rows = out["rows"]
    assert [r["decision"] for r in rows] == ["remove", "review", "allow", "allow"]
    assert [r["agrees"] for r in rows] == [False, True, False, None]
    assert rows[1]["citation"] == "1 F.4th 1" and rows[0]["case"] == "A v. B"


def test_case_file_is_complete() -> None:
    cases = load_cases(DEFAULT_CASES)
    assert len(cases) >= 14
    ids = [c.id for c in cases]
    assert len(set(ids)) == len(ids)
    names = " ".join(c.metadata["case"] for c in cases)
    for required in ("Haute Diggity Dog", "My Other Bag", "Nature Labs", "Hogg Wyld",
                     "Novak", "Balducci"):
        assert required in names
    for case in cases:
        meta = case.metadata
        assert case.label is not None
        for key in ("case", "citation", "year", "outcome", "court"):
            assert meta.get(key), (case.id, key)
        assert 1900 < int(meta["year"]) <= 2026
    labels = {c.label.value for c in cases if c.label is not None}
    assert {"parody", "infringing"} <= labels
    assert (ROOT / "data" / "cases" / "README.md").is_file()
    assert "http" not in DEFAULT_CASES.read_text(encoding="utf-8")


def _model_folder(path: Path, metrics: dict) -> Path:
    path.mkdir(parents=True)
    write_meta(path, ModelMeta(kind="tfidf", model_version=path.name,
                               text=TextSettings(builder_version=1), metrics=metrics))
    return path


def test_compare_table_from_recorded_metrics(tmp_path: Path, data_file: Path,
                                             fake: FakeClassifier) -> None:
    summary = {"n": 40, "macro_f1": 0.8125, "ece": 0.031,
               "per_class": {n: {"f1": f}
                             for n, f in zip(LABEL_NAMES, [0.9, 0.7, 0.75, 0.9], strict=True)}}
    a = _model_folder(tmp_path / "runA" / "model-best",
                      {"validation": {"n": 10, "macro_f1": 0.5}, "generated_test": summary,
                       "benchmark": {"rows_per_s": 123.4}})
    _model_folder(tmp_path / "runB" / "model-best", {"validation": {"n": 10, "macro_f1": 0.6}})
    run_eval(data_file, tmp_path / "ev", fake, split="test")
    rows = compare_rows([a, tmp_path / "runB", tmp_path / "ev"])
    assert [r.name for r in rows] == ["runA/model-best", "runB", "ev"]
    assert rows[0].macro_f1 == pytest.approx(0.8125) and rows[0].source == \
        "recorded: generated_test"
    assert rows[0].rows_per_s == pytest.approx(123.4)
    assert rows[1].macro_f1 == pytest.approx(0.6) and rows[1].source == "recorded: validation"
    assert rows[2].over_enforcement == pytest.approx(1 / 4)
    table = compare_table(rows)
    lines = table.strip().splitlines()
    assert lines[0].startswith("| run / model | source | n | macro-F1 | F1 infringing")
    assert len(lines) == 5
    assert "| runA/model-best | recorded: generated_test | 40 | 0.812 | 0.900 | 0.700 | " \
           "0.750 | 0.900 | 0.031 | – | – | – | 123.4 |" in table
    assert "25.00%" in lines[4]  # the evaluation output has over-enforcement


def test_cli_evaluate_calibrate_and_compare(tmp_path: Path, data_file: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    import nlp_ip_train.evaluation.run as run_module
    from nlp_ip.cli import main

    model = _model_folder(tmp_path / "model", {})
    table = {r[0]: r[4] for r in ROWS}
    monkeypatch.setattr(run_module, "load_classifier",
                        lambda path, blend=True: FakeClassifier(table, meta=read_meta(path)))
    out = tmp_path / "ev"
    assert main(["evaluate", "--model", str(model), "--data", str(data_file), "--split",
                 "test", "--slice-by", "language", "--output", str(out), "--cases", "none",
                 "--bootstrap", "20"]) == 0
    printed = capsys.readouterr().out
    assert "over-enforcement: 25.00%" in printed
    assert (out / "report.html").is_file() and not (out / "cases.json").exists()

    code = main(["calibrate-policy", "--model", str(model), "--data", str(data_file),
                 "--target-precision", "1.0", "--target-recall", "1.0", "--min-removals", "1"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "before" in printed and "after" in printed and "coverage" in printed
    meta = read_meta(model)
    # removals at p >= .95 are all infringing (a1); .92 (b1, parody) would break precision 1.0
    assert meta.policy.remove_threshold == pytest.approx(0.95)
    # recall 1.0 needs a3 (p .10) in review
    assert meta.policy.review_thresholds["infringing"] == pytest.approx(0.10)
    assert meta.metrics["policy_calibration"]["after"]["remove_threshold"] == \
        pytest.approx(0.95)

    md = tmp_path / "cmp.md"
    assert main(["compare", str(model), str(out), "--output", str(md)]) == 0
    printed = capsys.readouterr().out
    assert md.read_text(encoding="utf-8") in printed
    assert "| ev |" in md.read_text(encoding="utf-8")


def test_per_file_split_selection(tmp_path: Path, data_file: Path,
                                  fake: FakeClassifier) -> None:
    from nlp_ip_train.evaluation.data import load_labeled

    assert [x.id for x in load_labeled([f"{data_file}:train"])] == ["a3", "d2"]
    # a per-file split overrides --split; a plain FILE follows --split
    both = load_labeled([f"{data_file}:train", data_file], split="test")
    assert [x.id for x in both] == ["a3", "d2", "a1", "a2", "b1", "b2", "c1", "d1"]
    metrics = run_eval(Path(f"{data_file}:train"), tmp_path / "o", fake)
    assert metrics["n"] == 2


def test_split_errors_name_the_problem(tmp_path: Path, data_file: Path,
                                       fake: FakeClassifier) -> None:
    from nlp_ip.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="no row has split 'dev'"):
        run_eval(data_file, tmp_path / "x", fake, split="dev")
    plain = tmp_path / "plain.jsonl"
    plain.write_text(json.dumps({"title": "x", "label": "parody"}) + "\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="no row has a 'split' field"):
        run_eval(plain, tmp_path / "y", fake, split="test")
    unlabeled = tmp_path / "unlabeled.jsonl"
    unlabeled.write_text(json.dumps({"id": "u1", "title": "x"}) + "\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="no 'label'"):
        run_eval(unlabeled, tmp_path / "z", fake)
