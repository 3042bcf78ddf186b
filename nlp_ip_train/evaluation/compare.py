"""``nlp-ip compare``: runs and models side by side.

Each argument may be a model folder (has ``nlp_ip.json``), a run folder (has
``model-best/``), or an evaluation output (``metrics.json`` written by
``nlp-ip evaluate``). Without ``--data`` the numbers come from what the folders
recorded (a model's ``nlp_ip.json`` metrics: the generated test split when there
is one, else validation); with ``--data`` every model is scored on that file,
and throughput is measured on it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlp_ip.errors import InvalidInputError
from nlp_ip.labels import LABEL_NAMES

META_FILE = "nlp_ip.json"
#: Splits of nlp_ip.json "metrics" tried in order when no --data is given.
RECORDED_SPLITS = ("generated_test", "validation")


@dataclass
class CompareRow:
    """One column of numbers for one run or model (None = not recorded)."""

    name: str
    source: str
    n: int | None = None
    macro_f1: float | None = None
    f1: dict[str, float | None] = field(default_factory=dict)
    ece: float | None = None
    over_enforcement: float | None = None
    infringing_recall: float | None = None
    review_rate: float | None = None
    rows_per_s: float | None = None


def find_throughput(data: Any) -> float | None:
    """The first rows-per-second number recorded anywhere in a metrics mapping."""
    if isinstance(data, Mapping):
        for key in ("rows_per_s", "throughput_rows_per_s", "listings_per_s"):
            value = data.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value)
        for value in data.values():
            found = find_throughput(value)
            if found is not None:
                return found
    return None


def row_from_metrics(name: str, source: str, metrics: Mapping[str, Any],
                     throughput: float | None = None) -> CompareRow:
    """A row from a summary mapping (``nlp_ip_train.metrics.summary`` or ``metrics.json``)."""
    per = metrics.get("per_class") or {}
    return CompareRow(
        name=name, source=source, n=metrics.get("n"), macro_f1=metrics.get("macro_f1"),
        f1={label: (per.get(label) or {}).get("f1") for label in LABEL_NAMES},
        ece=metrics.get("ece"), over_enforcement=metrics.get("over_enforcement_rate"),
        infringing_recall=metrics.get("infringing_recall"),
        review_rate=metrics.get("review_rate"),
        rows_per_s=throughput if throughput is not None else find_throughput(
            metrics.get("throughput")))


def resolve_target(path: str | Path) -> tuple[str, Path]:
    """("model" | "evaluation", path) for a model, run or evaluation folder/file."""
    p = Path(path)
    if p.is_file() and p.name == "metrics.json":
        return "evaluation", p
    if (p / META_FILE).is_file():
        return "model", p
    if (p / "model-best" / META_FILE).is_file():
        return "model", p / "model-best"
    if (p / "metrics.json").is_file():
        return "evaluation", p / "metrics.json"
    raise InvalidInputError(
        f"{p} is neither a model folder ({META_FILE}), a run folder (model-best/) nor an "
        "evaluation folder (metrics.json from `nlp-ip evaluate`)")


def _display_name(path: str | Path, resolved: Path) -> str:
    p = Path(path)
    return p.name if p.name not in ("model-best", "model-last", "metrics.json") else (
        f"{p.parent.name}/{p.name}")


def recorded_row(path: str | Path, split: str | None = None) -> CompareRow:
    """Numbers a folder already holds (no inference)."""
    kind, resolved = resolve_target(path)
    name = _display_name(path, resolved)
    if kind == "evaluation":
        metrics = json.loads(resolved.read_text(encoding="utf-8"))
        data = metrics.get("data") or {}
        src = f"evaluate: {data.get('path', '?')}" + (f" [{data['split']}]"
                                                     if data.get("split") else "")
        return row_from_metrics(name, src, metrics)
    meta = json.loads((resolved / META_FILE).read_text(encoding="utf-8"))
    recorded = meta.get("metrics") or {}
    throughput = find_throughput(recorded)
    if throughput is None:
        run_json = resolved.parent / "run.json"
        if run_json.is_file():
            throughput = find_throughput(json.loads(run_json.read_text(encoding="utf-8")))
    for key in ([split] if split else list(RECORDED_SPLITS)):
        if isinstance(recorded.get(key), Mapping):
            return row_from_metrics(name, f"recorded: {key}", recorded[key], throughput)
    return CompareRow(name=name, source="recorded: none", rows_per_s=throughput)


def compare_rows(paths: Sequence[str | Path], *, data: Sequence[str | Path] = (),
                 split: str | None = None, recorded_split: str | None = None,
                 n_bootstrap: int = 0) -> list[CompareRow]:
    """One row per path: recorded numbers, or numbers on ``data`` when given."""
    if not data:
        return [recorded_row(p, recorded_split) for p in paths]
    from nlp_ip_train.evaluation.data import label_ids, load_labeled
    from nlp_ip_train.evaluation.metrics import evaluation_metrics
    from nlp_ip_train.evaluation.run import load_classifier, timed_predict

    listings = load_labeled(list(data), split)
    y_true = label_ids(listings)
    src = "+".join(str(d) for d in data) + (f" [{split}]" if split else "")
    rows = []
    for path in paths:
        kind, resolved = resolve_target(path)
        name = _display_name(path, resolved)
        if kind == "evaluation":
            rows.append(recorded_row(path))
            continue
        classifier = load_classifier(resolved)
        probs, seconds = timed_predict(classifier, listings)
        metrics = evaluation_metrics(probs, y_true, classifier.meta.policy,
                                     n_bootstrap=n_bootstrap)
        rows.append(row_from_metrics(name, src, metrics,
                                     len(listings) / seconds if seconds else None))
    return rows


def _fmt(value: float | None, digits: int = 3, pct: bool = False) -> str:
    if value is None:
        return "–"
    return f"{100 * value:.2f}%" if pct else f"{value:.{digits}f}"


def compare_table(rows: Sequence[CompareRow]) -> str:
    """A GitHub-flavoured markdown table, one row per run or model."""
    header = (["run / model", "source", "n", "macro-F1"]
              + [f"F1 {label}" for label in LABEL_NAMES]
              + ["ECE", "over-enforcement", "infringing recall", "review rate", "rows/s"])
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(["---"] * 2 + ["---:"] * (len(header) - 2)) + "|"]
    for row in rows:
        cells = [row.name.replace("|", "\\|"), row.source.replace("|", "\\|"),
                 "–" if row.n is None else str(row.n), _fmt(row.macro_f1)]
        cells += [_fmt(row.f1.get(label)) for label in LABEL_NAMES]
        cells += [_fmt(row.ece), _fmt(row.over_enforcement, pct=True),
                  _fmt(row.infringing_recall, pct=True), _fmt(row.review_rate, pct=True),
                  "–" if row.rows_per_s is None else f"{row.rows_per_s:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
