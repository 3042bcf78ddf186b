"""The gate report as an offline HTML page, in the style of ``nlp-ip evaluate``'s report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nlp_ip_train.evaluation.report import _card, _e, _num, _pct, _table, html_page

_VERDICT = {"pass": '<span class="ok">pass</span>', "fail": '<span class="no">FAIL</span>'}


def _value(value: Any, kind: str, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    if kind == "rate":
        return f"{100 * float(value):+.1f} pp" if signed else _pct(value)
    return f"{float(value):+.3f}" if signed else _num(value)


def _interval(interval: Any, kind: str) -> str:
    if not interval:
        return "n/a"
    return f"{_value(interval[0], kind, True)} to {_value(interval[1], kind, True)}"


def _kind(metric: str) -> str:
    return "rate" if metric.startswith(("over_enforcement", "infringing")) else "score"


def _set_section(result: Mapping[str, Any], rules: Mapping[str, Any]) -> str:
    counts = ", ".join(f"{_e(k)} {v}" for k, v in result["label_counts"].items())
    rows = []
    for metric, row in result["metrics"].items():
        kind = _kind(metric)
        rows.append([f"<b>{_e(rules[metric]['title'])}</b>",
                     _value(row["production"], kind), _value(row["candidate"], kind),
                     _value(row["difference"], kind, True), _interval(row["interval"], kind),
                     _VERDICT.get(row["verdict"], _e(row["verdict"]))])
    table = _table(["metric", "production", "candidate", "difference", "paired interval",
                    "verdict"], rows)
    return (f'<section id="set-{_e(result["name"])}"><h2>{_e(result["name"])}</h2>'
            f'<p class="meta">{_e(result["source"])} · {result["n"]} rows ({counts})</p>'
            f"{table}</section>")


def render_gate_report(report: Mapping[str, Any]) -> str:
    """The complete HTML page for a gate report (the dict of ``compare_models``)."""
    cand, prod = report["candidate"], report["production"]
    passed = report["passed"]
    cfg = report["config"]
    cards = [_card("verdict", "PASSED" if passed else "REFUSED", "good" if passed else "bad"),
             _card("sets", str(len(report["sets"]))),
             _card("failing checks", str(len(report["failures"])),
                   "good" if passed else "bad")]
    failures = ("<p>No metric is worse beyond its interval; promotion is allowed.</p>"
                if passed else "<ul>" + "".join(f"<li>{_e(f)}</li>" for f in report["failures"])
                + "</ul><p>Promotion is refused unless forced with a reason "
                "(<code>nlp-ip models promote ... --force --reason TEXT</code>).</p>")
    models = _table(["", "model", "model version", "backend", "folder"], [
        [side, _e(info.get("label")), _e(info.get("model_version")), _e(info.get("backend")),
         _e(info.get("path"))] for side, info in (("candidate", cand), ("production", prod))],
        num_from=99)
    summary = (f'<section id="summary"><h2>Verdict</h2><div class="cards">{"".join(cards)}'
               f"</div>{failures}{models}</section>")
    rules = report["rules"]
    rule_rows = [[f"<b>{_e(r['title'])}</b>", _e(r["rule"])] for r in rules.values()]
    method = (f"Paired percentile bootstrap: {cfg['n_bootstrap']} resamples of each set's rows "
              f"(seed {cfg['seed']}), the same rows for both models, level "
              f"{cfg['level']:.0%}. Each model decides with its own stored policy. 'not "
              "measured': the set has no row the metric counts (no parody rows, say); 'not "
              "gated': ECE on a set below the row minimum.")
    rules_section = ('<section id="rules"><h2>What the gate checks</h2>'
                     f"{_table(['metric', 'rule'], rule_rows, num_from=99)}"
                     f'<p class="note">{_e(method)}</p></section>')
    sections = [summary, *(_set_section(r, rules) for r in report["sets"]), rules_section]
    meta = (f"candidate {cand.get('label')}", f"against {prod.get('label')}",
            f"by {report.get('by')}")
    return html_page(f"nlp-ip gate: {cand.get('label')}", "nlp-ip promotion gate", meta,
                     sections)
