"""The promotion gate: is a candidate model worse than production beyond the noise?

Both models score the same frozen labeled sets (``gate.sets`` of the lifecycle config:
by default seed-test, the hold-out set and the two legal-case files) and, when the
candidate came from ``nlp-ip retrain`` with a held-out slice, the most recent reviewer
decisions it never trained on. Each model decides with its own policy. Per set, the
candidate is refused when

- macro-F1 or infringing recall (remove + review) is lower: the paired bootstrap
  interval of candidate minus production lies entirely below zero;
- the share of parody or of lookalike listings removed is higher: the interval lies
  entirely above zero;
- ECE is higher by more than ``ece_margin`` (sets of at least ``ece_min_rows`` rows).

A metric a set cannot measure (no parody rows, say) is reported as not measured.
:func:`compare_models` returns the report (a dict, saved as ``report.json``);
:func:`gate_version` runs it for a registry version and stores the report with it.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlp_ip.errors import RegistryError
from nlp_ip.labels import LABEL_NAMES, Label
from nlp_ip.policy import DecisionPolicy
from nlp_ip.registry import PRODUCTION, GateSummary, Registry, current_user, now_utc
from nlp_ip.schema import Listing
from nlp_ip_train.evaluation.bootstrap import paired_differences
from nlp_ip_train.evaluation.data import label_ids, load_labeled
from nlp_ip_train.evaluation.metrics import decision_metrics
from nlp_ip_train.lifecycle.config import GateConfig
from nlp_ip_train.metrics import expected_calibration_error, macro_f1

logger = logging.getLogger(__name__)

RECENT_SET = "recent-decisions"
REPORT_JSON = "report.json"
REPORT_HTML = "report.html"


@dataclass(frozen=True)
class Rule:
    """How one metric is gated."""

    metric: str
    title: str
    #: +1: higher is better (refuse when the interval is entirely below zero);
    #: -1: lower is better (refuse when it is entirely above zero).
    better: int
    kind: str  # "score", "rate" or "calibration"

    def describe(self, cfg: GateConfig) -> str:
        if self.kind == "calibration":
            return (f"refused when the candidate's ECE exceeds production's by more than "
                    f"{cfg.ece_margin:g} (sets of at least {cfg.ece_min_rows} rows)")
        side = "below" if self.better > 0 else "above"
        return (f"refused when the paired {cfg.level:.0%} interval of candidate minus "
                f"production lies entirely {side} zero")


RULES: tuple[Rule, ...] = (
    Rule("macro_f1", "macro-F1", +1, "score"),
    Rule("infringing_recall", "infringing recall (remove + review)", +1, "rate"),
    Rule(f"over_enforcement_{Label.PARODY.value}", "parody removed (over-enforcement)", -1,
         "rate"),
    Rule(f"over_enforcement_{Label.LOOKALIKE.value}", "lookalike removed (over-enforcement)",
         -1, "rate"),
    Rule("ece", "calibration (ECE, 15 bins)", -1, "calibration"),
)


@dataclass(frozen=True)
class GateSide:
    """One of the two models: its folder and how to name it."""

    path: Path
    label: str
    version: str | None = None


@dataclass(frozen=True)
class LabeledSet:
    name: str
    source: str
    listings: list[Listing]


def load_gate_sets(cfg: GateConfig, root: Path, recent: Path | None = None
                   ) -> list[LabeledSet]:
    """The frozen sets of ``cfg`` (paths relative to ``root``) and the recent slice."""
    out = []
    for spec in cfg.sets:
        path = Path(spec.path) if Path(spec.path).is_absolute() else root / spec.path
        out.append(LabeledSet(spec.name, spec.path + (f" (split {spec.split})" if spec.split
                                                      else ""),
                              load_labeled([path], spec.split)))
    if recent is not None and cfg.recent_decisions:
        out.append(LabeledSet(RECENT_SET, str(recent), load_labeled([recent])))
    return out


def point_metrics(probs: np.ndarray, y_true: np.ndarray, policy: DecisionPolicy
                  ) -> tuple[dict[str, float | None], np.ndarray, np.ndarray]:
    """The gated metrics of one model on one set, its predictions and its decisions."""
    y_pred = probs.argmax(axis=1)
    decisions = policy.decide_codes(probs)
    dec = decision_metrics(decisions, y_true)
    values: dict[str, float | None] = {
        "macro_f1": macro_f1(y_true, y_pred), "infringing_recall": dec["infringing_recall"],
        "ece": expected_calibration_error(probs, y_true)}
    for name, share in dec["over_enforcement_by_label"].items():
        values[f"over_enforcement_{name}"] = share
    return values, y_pred, decisions


def compare_set(y_true: np.ndarray, candidate: tuple[np.ndarray, DecisionPolicy],
                production: tuple[np.ndarray, DecisionPolicy], cfg: GateConfig
                ) -> dict[str, dict[str, Any]]:
    """Per gated metric: both values, the difference, its paired interval and the verdict."""
    cand, cand_pred, cand_dec = point_metrics(candidate[0], y_true, candidate[1])
    prod, prod_pred, prod_dec = point_metrics(production[0], y_true, production[1])
    intervals = paired_differences(y_true, (cand_pred, cand_dec), (prod_pred, prod_dec),
                                   n_resamples=cfg.n_bootstrap, seed=cfg.seed, level=cfg.level)
    out: dict[str, dict[str, Any]] = {}
    for rule in RULES:
        a, b = cand.get(rule.metric), prod.get(rule.metric)
        diff = None if a is None or b is None else float(a) - float(b)
        interval = intervals.get(rule.metric)
        if diff is None:
            verdict = "not measured"
        elif rule.kind == "calibration":
            verdict = ("not gated" if len(y_true) < cfg.ece_min_rows
                       else "fail" if diff > cfg.ece_margin else "pass")
        elif interval is None:
            verdict = "not measured"
        else:
            worse = interval[1] < 0 if rule.better > 0 else interval[0] > 0
            verdict = "fail" if worse else "pass"
        out[rule.metric] = {"production": b, "candidate": a, "difference": diff,
                            "interval": interval, "verdict": verdict}
    return out


def _failure(set_name: str, rule: Rule, row: dict[str, Any], cfg: GateConfig) -> str:
    diff = row["difference"]
    if rule.kind == "calibration":
        detail = f"{diff:+.3f} > margin {cfg.ece_margin:g}"
    else:
        lo, hi = row["interval"]
        detail = f"{diff:+.3f}, {cfg.level:.0%} interval {lo:+.3f} to {hi:+.3f}"
    return f"{set_name}: {rule.metric} ({detail})"


def _score(side: GateSide, sets: Sequence[LabeledSet]
           ) -> tuple[list[np.ndarray], DecisionPolicy, dict[str, Any]]:
    """Probabilities on every set, the model's own policy, and what the model is."""
    from nlp_ip_train.evaluation.run import load_classifier, model_info

    classifier = load_classifier(side.path)
    try:
        probs = [np.asarray(classifier.predict_proba(s.listings), dtype=np.float64)
                 for s in sets]
        info = {**model_info(classifier, side.path), "label": side.label,
                "version": side.version}
        return probs, classifier.meta.policy, info
    finally:
        close = getattr(classifier, "close", None)
        if close is not None:
            close()


def compare_models(candidate: GateSide, production: GateSide, cfg: GateConfig, *,
                   root: Path, recent: Path | None = None, by: str | None = None
                   ) -> dict[str, Any]:
    """Score both models on the gate sets; the full report (``passed``, ``failures``, ...)."""
    sets = load_gate_sets(cfg, root, recent)
    cand_probs, cand_policy, cand_info = _score(candidate, sets)
    prod_probs, prod_policy, prod_info = _score(production, sets)
    results = []
    failures: list[str] = []
    for labeled, a, b in zip(sets, cand_probs, prod_probs, strict=True):
        y_true = label_ids(labeled.listings)
        metrics = compare_set(y_true, (a, cand_policy), (b, prod_policy), cfg)
        for rule in RULES:
            if metrics[rule.metric]["verdict"] == "fail":
                failures.append(_failure(labeled.name, rule, metrics[rule.metric], cfg))
        counts = Counter(LABEL_NAMES[int(i)] for i in y_true)
        results.append({"name": labeled.name, "source": labeled.source, "n": len(y_true),
                        "label_counts": {n: counts.get(n, 0) for n in LABEL_NAMES},
                        "metrics": metrics})
    return {"passed": not failures, "failures": failures, "candidate": cand_info,
            "production": prod_info, "sets": results,
            "rules": {r.metric: {"title": r.title, "rule": r.describe(cfg)} for r in RULES},
            "config": cfg.model_dump(mode="json"), "created": now_utc(),
            "by": by or current_user()}


def report_files(report: dict[str, Any]) -> dict[str, str]:
    """The report as ``report.json`` and ``report.html`` texts."""
    from nlp_ip_train.lifecycle.report import render_gate_report

    return {REPORT_JSON: json.dumps(report, indent=2, ensure_ascii=False) + "\n",
            REPORT_HTML: render_gate_report(report)}


def write_report(report: dict[str, Any], output: Path) -> None:
    """``report.json`` and ``report.html`` into the folder ``output``."""
    from nlp_ip.atomic import write_text_atomic

    for name, text in report_files(report).items():
        write_text_atomic(output / name, text)


def gate_version(registry: Registry, name: str, version: str, cfg: GateConfig, *,
                 against: str = PRODUCTION, root: Path | None = None,
                 by: str | None = None) -> dict[str, Any]:
    """Gate ``name`` ``version`` against a registry version (default: production).

    The report is stored with the candidate (``gate/report.json``, ``gate/report.html``)
    and summarised in its record, where ``nlp-ip models promote`` reads it.
    """
    from nlp_ip_train.lifecycle.retrain import RECENT_FILE

    root = root or Path.cwd()
    target = registry.stage(name, PRODUCTION) if against == PRODUCTION else against
    if target is None:
        raise RegistryError(f"{name} has no production version to gate against; the first "
                            f"version needs no gate: nlp-ip models promote {name} {version}")
    if target == version:
        raise RegistryError(f"{name} {version} is the version it would be gated against; "
                            "pass another CANDIDATE or --against VERSION")
    candidate = GateSide(registry.model_path(name, version), f"{name} {version}", version)
    production = GateSide(registry.model_path(name, target), f"{name} {target}"
                          + (" (production)" if against == PRODUCTION else ""), target)
    recent = registry.data_file(name, version, RECENT_FILE)
    report = compare_models(candidate, production, cfg, root=root, recent=recent, by=by)
    report["registry"] = {"root": str(registry.root), "name": name, "candidate": version,
                          "against": target}
    registry.save_gate(name, version, GateSummary(
        passed=report["passed"], against_version=target, against=target,
        failures=report["failures"], gated_at=report["created"], by=report["by"]),
        report_files(report))
    return report
