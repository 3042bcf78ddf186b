"""``review report``: what reviewers decided, and where they overturned the model.

Figures (from the current decisions and the append-only history):

- queue size, decided, undecided, skips, reviewers;
- reviewer label x model label counts;
- overturn rate per model label (share of decided items whose reviewer label differs);
- per brand: decided items, overturn rate, and the **over-enforcement rate**: of the
  items the model called infringing, the share a reviewer found not infringing;
- throughput per reviewer: submissions, active days, median seconds between
  consecutive submissions (gaps over 30 minutes count as breaks and are left out);
- suspected mislabels (items of kind ``suspect``, from ``review suspects``): how
  many reviewers relabeled and how many they confirmed. Their "model label" is the
  baseline's suggestion, not the deployed model's answer, so they are kept out of
  the overturn and over-enforcement figures.

Written as markdown and as one self-contained HTML page with inline SVG bar charts
(no scripts, no external assets).
"""

from __future__ import annotations

import html
import itertools
import os
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from nlp_ip.labels import LABEL_NAMES, Label
from nlp_ip.review.store import SKIP, SUSPECT, ReviewStore

BREAK_S = 1800.0


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def review_stats(store: ReviewStore) -> dict[str, Any]:
    """The report's figures as plain data."""
    decisions = store.decisions()
    history = store.history()
    with store.connect() as conn:
        items = list(conn.execute("SELECT id, brands, kind, given_label FROM items"))
    brands_of = {int(r["id"]): [b for b in str(r["brands"]).split("|") if b] for r in items}
    given_of = {int(r["id"]): r["given_label"] for r in items if r["kind"] == SUSPECT}
    n_items = len(brands_of)
    confusion = {m: dict.fromkeys(LABEL_NAMES, 0) for m in LABEL_NAMES}
    per_label: dict[str, list[int]] = {m: [0, 0] for m in LABEL_NAMES}  # decided, overturned
    per_brand: dict[str, dict[str, int]] = defaultdict(lambda: Counter())  # type: ignore[arg-type]
    infringing = Label.INFRINGING.value
    suspects = {"queued": len(given_of), "decided": 0, "relabeled": 0, "confirmed": 0}
    for d in decisions:
        model, human = d["model_label"], d["label"]
        if int(d["item_id"]) in given_of:
            suspects["decided"] += 1
            relabeled = human != given_of[int(d["item_id"])]
            suspects["relabeled" if relabeled else "confirmed"] += 1
            continue
        confusion[model][human] += 1
        per_label[model][0] += 1
        per_label[model][1] += int(model != human)
        for brand in brands_of.get(int(d["item_id"]), []) or ["(no brand)"]:
            counts = per_brand[brand]
            counts["decided"] += 1
            counts["overturned"] += int(model != human)
            if model == infringing:
                counts["model_infringing"] += 1
                counts["not_infringing"] += int(human != infringing)
    brands: list[dict[str, Any]] = []
    for brand, c in per_brand.items():
        brands.append({"brand": brand, "decided": c["decided"],
                       "overturn_rate": c["overturned"] / c["decided"],
                       "model_infringing": c["model_infringing"],
                       "over_enforcement_rate": (c["not_infringing"] / c["model_infringing"]
                                                 if c["model_infringing"] else None)})
    brands.sort(key=lambda b: (-b["decided"], b["brand"].casefold()))
    by_reviewer: dict[str, list[datetime]] = defaultdict(list)
    for h in history:
        by_reviewer[h["reviewer"]].append(datetime.fromisoformat(h["decided_at"]))
    throughput = []
    for reviewer, times in sorted(by_reviewer.items()):
        times.sort()
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
        throughput.append({"reviewer": reviewer, "submissions": len(times),
                           "days": len({t.date() for t in times}),
                           "median_seconds_per_item": _median([g for g in gaps
                                                               if g <= BREAK_S])})
    skips = sum(1 for h in history if h["action"] == SKIP)
    return {
        "items": n_items, "decided": len(decisions), "undecided": n_items - len(decisions),
        "submissions": len(history), "skips": skips, "reviewers": len(by_reviewer),
        "decisions_by_label": dict(Counter(d["label"] for d in decisions)),
        "confusion": confusion,
        "overturn_by_model_label": {m: {"decided": v[0],
                                        "overturn_rate": v[1] / v[0] if v[0] else None}
                                    for m, v in per_label.items()},
        "brands": brands, "throughput": throughput, "suspects": suspects,
    }


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def to_markdown(stats: dict[str, Any], *, max_brands: int = 30) -> str:
    """The report as markdown."""
    lines = ["# Review report", "",
             f"- items queued: {stats['items']}", f"- decided: {stats['decided']}",
             f"- undecided: {stats['undecided']}",
             f"- submissions (incl. changes and skips): {stats['submissions']}",
             f"- skips: {stats['skips']}", f"- reviewers: {stats['reviewers']}", "",
             "## Reviewer decision by model prediction", "",
             "| model \\ reviewer | " + " | ".join(LABEL_NAMES) + " | overturned |",
             "|---|" + "---:|" * (len(LABEL_NAMES) + 1)]
    for model in LABEL_NAMES:
        row = stats["confusion"][model]
        rate = stats["overturn_by_model_label"][model]["overturn_rate"]
        lines.append(f"| {model} | " + " | ".join(str(row[h]) for h in LABEL_NAMES)
                     + f" | {_pct(rate)} |")
    lines += ["", "## By brand", "",
              "Over-enforcement: of the items the model called infringing, the share a "
              "reviewer found not infringing.", "",
              "| brand | decided | overturned | model said infringing | over-enforcement |",
              "|---|---:|---:|---:|---:|"]
    for b in stats["brands"][:max_brands]:
        lines.append(f"| {_md(b['brand'])} | {b['decided']} | {_pct(b['overturn_rate'])} | "
                     f"{b['model_infringing']} | {_pct(b['over_enforcement_rate'])} |")
    sus = stats["suspects"]
    if sus["queued"]:
        lines += ["", "## Suspected mislabels (`review suspects`)", "",
                  f"- queued: {sus['queued']}, decided: {sus['decided']}",
                  f"- relabeled by a reviewer: {sus['relabeled']}; given label confirmed: "
                  f"{sus['confirmed']}",
                  "- not counted in the overturn figures above (their suggestion comes from the "
                  "baseline, not the deployed model)"]
    lines += ["", "## Throughput", "",
              "| reviewer | submissions | active days | median s per item |",
              "|---|---:|---:|---:|"]
    for t in stats["throughput"]:
        med = t["median_seconds_per_item"]
        lines.append(f"| {_md(t['reviewer'])} | {t['submissions']} | {t['days']} | "
                     f"{'-' if med is None else f'{med:.1f}'} |")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _bars(title: str, rows: list[tuple[str, float, str]], *, width: int = 520) -> str:
    """An inline SVG horizontal bar chart; values in [0, 1] or counts scaled to the max."""
    top = max([v for _, v, _ in rows] or [1.0]) or 1.0
    height = 22 * len(rows) + 30
    parts = [f'<svg role="img" aria-label="{html.escape(title)}" width="{width}" '
             f'height="{height}" xmlns="http://www.w3.org/2000/svg">',
             f'<text x="0" y="14" font-size="13" font-weight="600">{html.escape(title)}</text>']
    for i, (name, value, shown) in enumerate(rows):
        y = 24 + 22 * i
        w = int((width - 260) * value / top)
        parts.append(f'<text x="0" y="{y + 13}" font-size="12">{html.escape(name[:28])}</text>'
                     f'<rect x="190" y="{y}" width="{w}" height="16" fill="#c62828"/>'
                     f'<text x="{196 + w}" y="{y + 13}" font-size="12">{html.escape(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def to_html(stats: dict[str, Any], *, max_brands: int = 20) -> str:
    """The report as one self-contained HTML page with SVG bar charts."""
    esc = html.escape
    label_rows = [(m, float(v["overturn_rate"] or 0.0), _pct(v["overturn_rate"]))
                  for m, v in stats["overturn_by_model_label"].items()]
    brand_rows = [(b["brand"], float(b["over_enforcement_rate"]),
                   f"{_pct(b['over_enforcement_rate'])} of {b['model_infringing']}")
                  for b in stats["brands"] if b["over_enforcement_rate"] is not None][:max_brands]
    reviewer_rows = [(t["reviewer"], float(t["submissions"]), str(t["submissions"]))
                     for t in stats["throughput"]]
    table = ["<table><tr><th>model \\ reviewer</th>"
             + "".join(f"<th>{esc(h)}</th>" for h in LABEL_NAMES) + "</tr>"]
    for model in LABEL_NAMES:
        row = stats["confusion"][model]
        table.append(f"<tr><th>{esc(model)}</th>"
                     + "".join(f"<td>{row[h]}</td>" for h in LABEL_NAMES) + "</tr>")
    table.append("</table>")
    summary = (f"<p>{stats['items']} items queued, {stats['decided']} decided, "
               f"{stats['undecided']} undecided; {stats['submissions']} submissions "
               f"({stats['skips']} skips) by {stats['reviewers']} reviewer(s).</p>")
    sus = stats["suspects"]
    if sus["queued"]:
        summary += (f"<p>Suspected mislabels: {sus['queued']} queued, {sus['decided']} decided: "
                    f"{sus['relabeled']} relabeled, {sus['confirmed']} confirmed (not counted "
                    "in the overturn figures).</p>")
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Review report</title><style>body{font:14px system-ui,sans-serif;"
            "margin:2rem;color:#1f2328}table{border-collapse:collapse}td,th{border:1px solid "
            "#ddd;padding:.3rem .6rem;text-align:right}th{background:#f6f7f9}</style></head>"
            "<body><h1>Review report</h1>" + summary
            + "<h2>Reviewer decision by model prediction</h2>" + "".join(table)
            + "<h2>Overturn rate by model prediction</h2>"
            + _bars("share of decided items overturned", label_rows)
            + "<h2>Over-enforcement by brand</h2><p>Of the items the model called infringing, "
              "the share a reviewer found not infringing.</p>"
            + _bars("over-enforcement rate", brand_rows or [("(none yet)", 0.0, "")])
            + "<h2>Throughput</h2>"
            + _bars("submissions per reviewer", reviewer_rows or [("(none yet)", 0.0, "")])
            + "</body></html>\n")


def write_report(db_path: str | os.PathLike[str], out_dir: str | os.PathLike[str]
                 ) -> tuple[Path, Path]:
    """Write ``review-report.md`` and ``review-report.html`` into ``out_dir``."""
    stats = review_stats(ReviewStore(db_path))
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    md, page = folder / "review-report.md", folder / "review-report.html"
    md.write_text(to_markdown(stats), encoding="utf-8")
    page.write_text(to_html(stats), encoding="utf-8")
    return md, page
