"""The self-contained HTML report: inline CSS, plots as data-URI PNGs, nothing fetched.

A Content-Security-Policy meta tag forbids every network load, so the page
renders the same offline as online. All listing text is escaped with
``html.escape``; brand mentions and cues are marked by character offset.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np

from nlp_ip.labels import LABEL2ID, LABEL_NAMES, Label
from nlp_ip.policy import Decision
from nlp_ip.schema import Listing
from nlp_ip_train.evaluation import plots
from nlp_ip_train.evaluation.metrics import risk_coverage_curve
from nlp_ip_train.evaluation.signals import Span, highlight

MAX_TEXT = 700
INFRINGING_ID = LABEL2ID[Label.INFRINGING.value]

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
 color:#1d2330;margin:0;background:#f6f7f9}
main{max-width:1180px;margin:0 auto;padding:24px 28px 60px;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:34px 0 10px;
 border-bottom:2px solid #e3e6eb;padding-bottom:4px}h3{font-size:15px;margin:20px 0 6px}
.meta{color:#5b6475;font-size:13px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.card{border:1px solid #e3e6eb;border-radius:8px;padding:10px 14px;min-width:150px}
.card .v{font-size:22px;font-weight:600}.card .k{color:#5b6475;font-size:12px}
.card.bad .v{color:#b03a2e}.card.good .v{color:#2f7d43}
table{border-collapse:collapse;margin:8px 0 14px;font-size:13px}
th,td{border:1px solid #e3e6eb;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f1f3f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;height:auto}
.figs{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
mark.brand{background:#ffe58a;padding:0 1px}mark.brand.obfuscated{background:#ffb26b}
mark.cue{background:#bfe3ff;padding:0 1px}mark.cue.kind-counterfeit{background:#ffb3ad}
mark.cue.kind-parody{background:#c6efc1}mark.cue.kind-lookalike{background:#e2cdf7}
mark.cue.negated{text-decoration:line-through}
.legend mark{margin-right:8px}
.ex{border:1px solid #e3e6eb;border-radius:8px;padding:10px 12px;margin:10px 0}
.ex .t{font-weight:600}.ex .d{color:#333;margin-top:4px;white-space:pre-wrap}
.ex .m{color:#5b6475;font-size:12px;margin-top:6px}
.pill{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;color:#fff}
.remove{background:#c0392b}.review{background:#d08b16}.allow{background:#4c9a5b}
.bar{display:inline-block;height:9px;background:#4a78b5;vertical-align:middle}
.ok{color:#2f7d43;font-weight:600}.no{color:#b03a2e;font-weight:600}
.note{color:#5b6475;font-size:12px}
"""


@dataclass
class ReportInputs:
    """Everything the report shows, computed beforehand."""

    metrics: Mapping[str, Any]
    probs: np.ndarray
    y_true: np.ndarray
    listings: Sequence[Listing]
    spans: Mapping[int, Mapping[str, list[Span]] | None]
    model: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)
    cases: Mapping[str, Any] | None = None
    cases_note: str | None = None
    worst_k: int = 12
    signals_available: bool = True


# -- example selection (plain functions, tested by hand) -------------------------

def most_confident_errors(probs: np.ndarray, y_true: np.ndarray, k: int) -> list[int]:
    """Indices of wrong predictions, highest predicted-label probability first."""
    probs = np.asarray(probs)
    pred = probs.argmax(axis=1)
    wrong = np.flatnonzero(pred != np.asarray(y_true))
    order = np.argsort(-probs[wrong, pred[wrong]], kind="stable")
    return [int(i) for i in wrong[order][:k]]


def over_enforced(probs: np.ndarray, y_true: np.ndarray, decisions: Sequence[str], k: int
                  ) -> list[int]:
    """Non-infringing rows decided remove, highest p(infringing) first."""
    dec = np.asarray(decisions, dtype=object)
    idx = np.flatnonzero((dec == Decision.REMOVE.value) & (np.asarray(y_true) != INFRINGING_ID))
    order = np.argsort(-np.asarray(probs)[idx, INFRINGING_ID], kind="stable")
    return [int(i) for i in idx[order][:k]]


def missed_infringing(probs: np.ndarray, y_true: np.ndarray, decisions: Sequence[str], k: int
                      ) -> list[int]:
    """Infringing rows decided allow, lowest p(infringing) first."""
    dec = np.asarray(decisions, dtype=object)
    idx = np.flatnonzero((dec == Decision.ALLOW.value) & (np.asarray(y_true) == INFRINGING_ID))
    order = np.argsort(np.asarray(probs)[idx, INFRINGING_ID], kind="stable")
    return [int(i) for i in idx[order][:k]]


def rows_shown(probs: np.ndarray, y_true: np.ndarray, decisions: Sequence[str], k: int
               ) -> list[int]:
    """Every row index an error table of the report shows (to extract signals only for them)."""
    shown = (most_confident_errors(probs, y_true, k) + over_enforced(probs, y_true, decisions, k)
             + missed_infringing(probs, y_true, decisions, k))
    return sorted(set(shown))


# -- formatting ------------------------------------------------------------------

def _e(value: Any) -> str:
    return html.escape(str(value))


def _pct(value: Any, digits: int = 1) -> str:
    return "n/a" if value is None else f"{100 * float(value):.{digits}f}%"


def _num(value: Any, digits: int = 3) -> str:
    return "n/a" if value is None else f"{float(value):.{digits}f}"


def _ci(interval: Any, pct: bool = False) -> str:
    if not interval:
        return ""
    lo, hi = interval
    return (f" [{_pct(lo)}, {_pct(hi)}]" if pct else f" [{_num(lo)}, {_num(hi)}]")


def _img(b64: str, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{b64}">'


def _card(label: str, value: str, css: str = "") -> str:
    return (f'<div class="card {css}"><div class="v">{value}</div>'
            f'<div class="k">{_e(label)}</div></div>')


def _pill(decision: str) -> str:
    return f'<span class="pill {_e(decision)}">{_e(decision)}</span>'


def _probs_cell(row: np.ndarray) -> str:
    parts = []
    for name, p in zip(LABEL_NAMES, row, strict=True):
        width = max(1, round(60 * float(p)))
        parts.append(f'<div>{_e(name[:4])} <span class="bar" style="width:{width}px"></span> '
                     f"{float(p):.2f}</div>")
    return "".join(parts)


def _clip(text: str, spans: list[Span] | None) -> tuple[str, list[Span] | None, bool]:
    if len(text) <= MAX_TEXT:
        return text, spans, False
    kept = [s for s in spans or [] if s.end <= MAX_TEXT]
    return text[:MAX_TEXT], kept, True


def _example(listing: Listing, spans: Mapping[str, list[Span]] | None, prob: np.ndarray,
             true_label: str, decision: str) -> str:
    spans = spans or {}
    title, title_spans, _ = _clip(listing.title, spans.get("title"))
    desc, desc_spans, cut = _clip(listing.description, spans.get("description"))
    pred = LABEL_NAMES[int(np.argmax(prob))]
    meta = [f"true: <b>{_e(true_label)}</b>", f"predicted: <b>{_e(pred)}</b> "
            f"({float(np.max(prob)):.2f})", f"decision: {_pill(decision)}"]
    if listing.price is not None:
        meta.append(f"price: {_e(listing.price)} {_e(listing.currency or '')}")
    if listing.brand:
        meta.append(f"brand field: {_e(listing.brand)}")
    if listing.id:
        meta.append(f"id: {_e(listing.id)}")
    probs = ", ".join(f"{_e(n)} {float(p):.2f}" for n, p in zip(LABEL_NAMES, prob, strict=True))
    return (f'<div class="ex"><div class="t">{highlight(title, title_spans)}</div>'
            f'<div class="d">{highlight(desc, desc_spans)}{"…" if cut else ""}</div>'
            f'<div class="m">{" · ".join(meta)}<br>p: {probs}</div></div>')


def _examples(title: str, note: str, idx: Sequence[int], inputs: ReportInputs,
              decisions: Sequence[str]) -> str:
    body = [f"<h3>{_e(title)} ({len(idx)} shown)</h3><p class=note>{_e(note)}</p>"]
    if not idx:
        body.append("<p>None.</p>")
    for i in idx:
        body.append(_example(inputs.listings[i], inputs.spans.get(i), inputs.probs[i],
                             LABEL_NAMES[int(inputs.y_true[i])], str(decisions[i])))
    return "".join(body)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], num_from: int = 1) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(f'<td class="num">{c}</td>' if j >= num_from else f"<td>{c}</td>"
                        for j, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


# -- sections --------------------------------------------------------------------

def _summary(m: Mapping[str, Any]) -> str:
    over = m.get("over_enforcement_rate")
    recall = m.get("infringing_recall")
    cards = [
        _card("macro-F1" + (f" (95% CI {_num(m['macro_f1_ci95'][0])}–"
                            f"{_num(m['macro_f1_ci95'][1])})" if m.get("macro_f1_ci95") else ""),
              _num(m.get("macro_f1"))),
        _card("accuracy", _pct(m.get("accuracy"))),
        _card("infringing recall (remove + review)", _pct(recall),
              "good" if recall is not None and recall >= 0.95 else "bad"),
        _card("over-enforcement (non-infringing removed)", _pct(over, 2),
              "good" if over is not None and over <= 0.01 else "bad"),
        _card("review rate", _pct(m.get("review_rate"))),
        _card("auto-decision accuracy", _pct(m.get("auto_decision_accuracy"))),
        _card("removal precision", _pct(m.get("removal_precision"))),
        _card("ECE (15 bins)", _num(m.get("ece"))),
        _card("Brier", _num(m.get("brier"))),
    ]
    rows = [
        ["macro-F1", _num(m.get("macro_f1")) + _ci(m.get("macro_f1_ci95"))],
        ["infringing recall", _pct(recall) + _ci(m.get("infringing_recall_ci95"), True)],
        ["over-enforcement rate", _pct(over, 2) + _ci(m.get("over_enforcement_rate_ci95"), True)],
        ["auto-removal coverage", _pct(m.get("auto_removal_coverage"))],
        ["AURC", _num(m.get("aurc"), 4)],
    ]
    boot = m.get("bootstrap", {})
    note = (f"Intervals: percentile bootstrap, {boot.get('n_resamples')} resamples, seed "
            f"{boot.get('seed')}." if boot else "")
    return (f'<section id="summary"><h2>Summary</h2><div class="cards">{"".join(cards)}</div>'
            f"{_table(['metric', 'value (95% interval)'], rows)}<p class=note>{_e(note)}</p>"
            "</section>")


def _policy(m: Mapping[str, Any]) -> str:
    policy = m.get("policy", {})
    counts = m.get("decision_counts", {})
    rows = [["remove_threshold", _num(policy.get("remove_threshold"), 4)],
            ["min_confidence", _num(policy.get("min_confidence"), 4)]]
    rows += [[f"review_thresholds[{_e(k)}]", _num(v, 4)]
             for k, v in (policy.get("review_thresholds") or {}).items()]
    dec_rows = [[_pill(d), str(counts.get(d, 0))] for d in ("remove", "review", "allow")]
    return ('<section id="policy"><h2>Decision policy</h2>'
            "<p>Calibrated probabilities become decisions: remove when p(infringing) reaches "
            "the remove threshold and infringing is the top label (parody and lookalike are "
            "never removed automatically); review when a review threshold is reached or the "
            "model is unsure; allow otherwise.</p>"
            f'<div class="figs">{_table(["setting", "value"], rows)}'
            f'{_table(["decision", "rows"], dec_rows)}</div>'
            f'{_img(plots.decisions_png(m["decisions_by_label"]), "decisions per true label")}'
            "</section>")


def _confusion(m: Mapping[str, Any]) -> str:
    cm = m["confusion_matrix"]
    rows = [[f"<b>{_e(name)}</b>"] + [str(v) for v in cm[i]] for i, name in enumerate(LABEL_NAMES)]
    per = m["per_class"]
    prow = [[_e(n), _num(per[n]["precision"]), _num(per[n]["recall"]), _num(per[n]["f1"]),
             str(per[n]["support"])] for n in LABEL_NAMES]
    cm_table = _table(["true \\ predicted", *LABEL_NAMES], rows)
    return ('<section id="confusion"><h2>Confusion matrix and per-class scores</h2>'
            f'<div class="figs">{_img(plots.confusion_png(cm), "confusion matrix")}<div>'
            f'{cm_table}'
            f'{_table(["label", "precision", "recall", "F1", "support"], prow)}</div></div>'
            "</section>")


def _calibration(m: Mapping[str, Any], probs: np.ndarray, y_true: np.ndarray) -> str:
    coverage, risk, _ = risk_coverage_curve(probs, y_true)
    return ('<section id="calibration"><h2>Calibration and selective prediction</h2>'
            '<div class="figs">'
            f'<div id="reliability"><h3>Reliability diagram</h3>'
            f'{_img(plots.reliability_png(m["reliability"]), "reliability diagram")}</div>'
            f'<div id="risk-coverage"><h3>Risk-coverage curve</h3>'
            f'{_img(plots.risk_coverage_png(coverage, risk, m.get("aurc")), "risk-coverage")}'
            "</div></div></section>")


def _slices(m: Mapping[str, Any]) -> str:
    slices = m.get("slices") or {}
    parts = ['<section id="slices"><h2>Slices</h2>']
    if not slices:
        parts.append("<p>No --slice-by field was given.</p>")
    for fname, values in slices.items():
        parts.append(f"<h3>by {_e(fname)}</h3>")
        parts.append(_img(plots.slice_png(fname, values), f"slices by {fname}"))
        rows = [[_e(k), str(v["n"]), _num(v["macro_f1"]), _pct(v["accuracy"]),
                 _pct(v["infringing_recall"]), _pct(v["over_enforcement_rate"], 2),
                 _pct(v["review_rate"])] for k, v in values.items()]
        parts.append(_table([fname, "n", "macro-F1", "accuracy", "infringing recall",
                             "over-enforcement", "review rate"], rows))
    parts.append("</section>")
    return "".join(parts)


def _errors(inputs: ReportInputs) -> str:
    decisions = _decisions(inputs)
    k = inputs.worst_k
    legend = ('<p class="legend note"><mark class="brand">brand mention</mark>'
              '<mark class="brand obfuscated">obfuscated brand</mark>'
              '<mark class="cue kind-counterfeit">counterfeit cue</mark>'
              '<mark class="cue kind-parody">parody cue</mark>'
              '<mark class="cue kind-lookalike">lookalike cue</mark>'
              '<mark class="cue">other cue</mark> (hover for details; struck through: '
              "negated)</p>")
    if not inputs.signals_available:
        legend = ("<p class=note>Signal highlighting is unavailable (the nlp_ip.text layer "
                  "could not be imported).</p>")
    return ('<section id="errors"><h2>Worst errors</h2>' + legend
            + _examples("Most confident wrong predictions",
                        "Wrong top label, highest predicted probability first.",
                        most_confident_errors(inputs.probs, inputs.y_true, k), inputs, decisions)
            + _examples("Over-enforcement: non-infringing listings removed",
                        "The costliest error for parody and lawful lookalikes.",
                        over_enforced(inputs.probs, inputs.y_true, decisions, k), inputs,
                        decisions)
            + _examples("Missed infringing listings (allowed)",
                        "Infringing rows neither removed nor sent to review, lowest "
                        "p(infringing) first.",
                        missed_infringing(inputs.probs, inputs.y_true, decisions, k), inputs,
                        decisions)
            + "</section>")


def _decisions(inputs: ReportInputs) -> list[str]:
    from nlp_ip.policy import DecisionPolicy

    policy = DecisionPolicy.model_validate(inputs.metrics["policy"])
    return [str(d) for d in policy.decide_codes(inputs.probs)] if len(inputs.probs) else []


def _cases(inputs: ReportInputs) -> str:
    parts = ['<section id="cases"><h2>Legal-case probe</h2>']
    if inputs.cases is None:
        parts.append(f"<p>{_e(inputs.cases_note or 'No case file was given.')}</p></section>")
        return "".join(parts)
    summary = inputs.cases["summary"]
    parts.append(
        "<p>Listing-style rows for real court cases, labeled by the outcome the court "
        "reached (see data/cases/README.md). The model never trained on them. "
        f"Label agreement: <b>{summary['label_agreement']}/{summary['n_labeled']}</b>; "
        "cases the court found infringing that the policy removes or reviews: "
        f"<b>{summary['infringing_flagged']}/{summary['n_infringing']}</b>; "
        "non-infringing cases the policy would remove: "
        f"<b>{summary['non_infringing_removed']}/{summary['n_non_infringing']}</b>.</p>")
    rows = []
    for r in inputs.cases["rows"]:
        agree = r["agrees"]
        mark = ("" if agree is None else
                '<span class="ok">yes</span>' if agree else '<span class="no">no</span>')
        rows.append([
            f"<b>{_e(r['case'])}</b><br><span class=note>{_e(r.get('citation') or '')}</span>",
            _e(r.get("title", "")),
            f"{_e(r.get('court_label') or 'n/a')}<br><span class=note>"
            f"{_e(r.get('outcome') or '')}</span>",
            f"<b>{_e(r['predicted'])}</b>", _probs_cell(np.array(
                [r["probabilities"][n] for n in LABEL_NAMES])),
            _pill(r["decision"]), mark])
    parts.append(_table(["case", "listing", "court outcome", "model", "probabilities",
                         "decision", "agrees"], rows, num_from=99))
    parts.append("</section>")
    return "".join(parts)


def _contrast(m: Mapping[str, Any]) -> str:
    c = m.get("contrast")
    if not c:
        return ""
    lo, hi = c["consistency_ci95"]
    parts = ['<section id="contrast"><h2>Contrast groups</h2>',
             f"<p>{c['groups']} groups of a listing and its minimal edits (each edit changes "
             "one decisive fact, and the guide gives it another label). Consistency, the share "
             f"of groups with every member right: <b>{_pct(c['consistency'])}</b> "
             f"(95% CI {_pct(lo)}-{_pct(hi)}); base listings right {_pct(c['base_accuracy'])}"
             f", edits right {_pct(c['edit_accuracy'])}.</p>"]
    rows = [[_e(k), str(v["n"]), _pct(v["accuracy"]), str(v["kept_base_label"])]
            for k, v in c["directions"].items()]
    parts.append(_table(["edit direction (base -> edit label)", "edits", "edits right",
                         "kept the base's label"], rows))
    rows = [[_e(k), str(v["n"]), _pct(v["accuracy"])] for k, v in c["edit_kinds"].items()]
    parts.append(_table(["kind of edit", "edits", "edits right"], rows))
    parts.append("</section>")
    return "".join(parts)


def _definitions() -> str:
    items = [
        ("infringing recall", "share of truly infringing listings whose decision is remove "
                              "or review"),
        ("over-enforcement rate", "share of non-infringing listings (parody, lookalike, "
                                  "legitimate) whose decision is remove"),
        ("review rate", "share of all listings sent to human review"),
        ("auto-decision accuracy", "among listings decided remove or allow, the share decided "
                                   "right (remove iff infringing, allow iff not)"),
        ("removal precision / coverage", "share of removals that are infringing / share of "
                                         "infringing listings removed without review"),
        ("ECE", "expected calibration error of the top label, 15 equal-width bins"),
        ("Brier", "mean over rows of the squared error summed over the four labels"),
        ("AURC", "area under the risk-coverage curve (lower is better)"),
    ]
    body = "".join(f"<tr><td><b>{_e(k)}</b></td><td>{_e(v)}</td></tr>" for k, v in items)
    return f'<section id="definitions"><h2>Definitions</h2><table>{body}</table></section>'


def html_page(title: str, heading: str, meta: Sequence[str], sections: Sequence[str]) -> str:
    """A complete offline page in the report's style: ``meta`` items are escaped,
    ``sections`` are HTML. The CSP forbids every network load."""
    csp = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
           "base-uri 'none'; form-action 'none'")
    created = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    head_meta = " · ".join(_e(x) for x in (*meta, created))
    return "".join([
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{CSS}</style></head><body><main>",
        f"<h1>{_e(heading)}</h1>", f'<div class="meta">{head_meta}</div>',
        *sections,
        "</main></body></html>\n",
    ])


def render_report(inputs: ReportInputs) -> str:
    """The complete HTML page as a string."""
    m = inputs.metrics
    model = inputs.model
    data = inputs.data
    meta = (f"model {model.get('model_version', '?')} ({model.get('kind', '?')}, backend "
            f"{model.get('backend', '?')})",
            f"data {data.get('path', '?')}" + (f" split {data['split']}" if data.get("split")
                                               else ""),
            f"{m.get('n', 0)} rows")
    return html_page(
        f"nlp-ip evaluation: {model.get('model_version', '')}", "nlp-ip evaluation report",
        meta, [_summary(m), _policy(m), _confusion(m),
               _calibration(m, inputs.probs, inputs.y_true), _slices(m), _contrast(m),
               _errors(inputs), _cases(inputs), _definitions()])
