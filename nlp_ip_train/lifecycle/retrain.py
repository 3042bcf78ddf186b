"""``retrain()``: the production version's config plus new reviewer decisions -> a candidate.

1. The production version of ``cfg.name`` and its registry record give the training
   config (the folder's resolved config) and the decisions it was trained on
   (``data/decisions.jsonl`` of the version, named in its data fingerprint under
   ``review_decisions``).
2. The review databases' decisions are merged with those
   (:func:`~nlp_ip_train.lifecycle.decisions.merge_decisions`: one per listing, latest
   wins, contradictions between databases reported in ``contradictions.jsonl``).
3. The most recent ``holdout.fraction`` of the new decisions go to
   ``recent-decisions.jsonl`` (the gate scores them; training never reads them); the
   rest, with the decisions carried over, go to ``decisions.jsonl``, which replaces
   the previous decisions file in ``data.extra`` with the configured weight.
4. :func:`nlp_ip_train.run.train` trains the run (warm-started from the production
   weights with ``training.init_from: production``), and ``model-best`` is registered
   as a new version whose parent is the production version, with the three files.

Promotion is a separate step, after ``nlp-ip gate``.
"""

from __future__ import annotations

import copy
import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from nlp_ip.atomic import atomic_path, write_text_atomic
from nlp_ip.errors import ConfigError, RegistryError
from nlp_ip.io import file_sha256, write_jsonl
from nlp_ip.registry import PRODUCTION, Registry, VersionRecord
from nlp_ip_train.config import Config, apply_overrides, validate_config
from nlp_ip_train.lifecycle.config import LifecycleConfig
from nlp_ip_train.lifecycle.decisions import (
    MergedDecisions,
    ReviewDecision,
    merge_decisions,
    read_database,
    read_decision_file,
    split_recent,
)

logger = logging.getLogger(__name__)

DECISIONS_FILE = "decisions.jsonl"
RECENT_FILE = "recent-decisions.jsonl"
CONTRADICTIONS_FILE = "contradictions.jsonl"
SUMMARY_FILE = "retrain.json"
#: The data fingerprint entry that names the decisions a model was trained on.
FINGERPRINT_KEY = "review_decisions"


@dataclass
class RetrainResult:
    run_dir: Path
    record: VersionRecord
    summary: dict[str, Any]


def _resolve(path: str | Path, root: Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() else root / p


def _write_records(path: Path, decisions: list[ReviewDecision]) -> None:
    with atomic_path(path) as tmp:
        write_jsonl(tmp, [d.record for d in decisions])


def training_config(production: VersionRecord, model_dir: Path, cfg: LifecycleConfig,
                    decisions_file: Path) -> tuple[Config, dict[str, Any]]:
    """The candidate's training config and the base model it starts from.

    The production config with the previous decisions file replaced by
    ``decisions_file``, the warm start applied and ``training.overrides`` on top.
    """
    raw = copy.deepcopy(production.config)
    if not raw:
        raise ConfigError(f"{production.name} {production.version} has no config in its "
                          "record (it was not trained by nlp-ip train); retrain needs one")
    data = raw.setdefault("data", {})
    previous = (production.data_fingerprint.get(FINGERPRINT_KEY) or {}).get("file")
    data["extra"] = [e for e in data.get("extra", []) if e.get("path") != previous]
    data["extra"].append({"path": str(decisions_file.resolve()),
                          "weight": cfg.decisions.weight, "repeat": cfg.decisions.repeat})
    model = raw.setdefault("model", {})
    # The base the lineage started from, before any warm start.
    base_model = dict(production.lineage.get("base_model")
                      or {"kind": model.get("kind"), "base": model.get("base")})
    if cfg.training.init_from == "production":
        if production.kind != "transformer":
            raise ConfigError(
                f"training.init_from: production needs torch weights, but {production.name} "
                f"{production.version} is a {production.kind} folder; set "
                "training.init_from: base (or promote the torch folder it was exported from)")
        model["kind"] = "transformer"
        model["base"] = str(model_dir.resolve())
    else:
        model.update({k: v for k, v in base_model.items() if v is not None})
    raw = apply_overrides(raw, cfg.training.overrides)
    source = f"{production.name} {production.version}'s config with the retrain changes"
    return validate_config(raw, source=source), base_model


def _decision_summary(merged: MergedDecisions, trained_new: list[ReviewDecision],
                      recent: list[ReviewDecision]) -> dict[str, Any]:
    return {"new": len(merged.new), "carried_over": len(merged.carried),
            "trained_new": len(trained_new), "held_out": len(recent),
            "contradictions": len(merged.contradictions), "superseded": merged.superseded,
            "new_by_label": dict(sorted(Counter(d.label for d in merged.new).items())),
            "contradicting_labels": dict(sorted(Counter(
                " vs ".join(sorted({d.label for d in c.decisions}))
                for c in merged.contradictions).items()))}


def default_run_dir(cfg: LifecycleConfig, root: Path | None = None) -> Path:
    """``<output>/<name>-<UTC time>``: where a retrain run goes without ``--output``."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return _resolve(cfg.output, root or Path.cwd()) / f"{cfg.name}-{stamp}"


def retrain(cfg: LifecycleConfig, *, databases: list[str] | None = None,
            output: str | Path | None = None, by: str | None = None,
            root: Path | None = None) -> RetrainResult:
    """Train a candidate from production + new reviewer decisions; register it.

    ``databases`` are added to ``cfg.decisions.databases``. Paths in the production
    config are read relative to ``root`` (default: the working directory, i.e. run it
    from the repository root, as ``nlp-ip train``).
    """
    from nlp_ip_train.run import train

    root = root or Path.cwd()
    registry = Registry(_resolve(cfg.registry, root))
    version = registry.stage(cfg.name, PRODUCTION)
    if version is None:
        raise RegistryError(
            f"{cfg.name} has no production version to retrain from; register and promote "
            f"one first: nlp-ip models register MODEL_DIR --name {cfg.name} --registry "
            f"{registry.root}; nlp-ip models promote {cfg.name} v1 --stage production")
    production = registry.record(cfg.name, version)
    model_dir = registry.model_path(cfg.name, version)
    dbs = [*cfg.decisions.databases, *(databases or [])]
    if not dbs:
        raise ConfigError("no review database given: set decisions.databases in the config "
                          "or pass --db REVIEW.sqlite (repeatable)")

    previous_file = registry.data_file(cfg.name, version, DECISIONS_FILE)
    previous = read_decision_file(previous_file) if previous_file is not None else []
    current = [d for db in dbs for d in read_database(
        _resolve(db, root), include_suspects=cfg.decisions.include_suspects)]
    merged = merge_decisions(previous, current,
                             window_s=cfg.decisions.contradiction_window_hours * 3600)
    if not merged.new and not cfg.decisions.allow_no_new:
        raise ConfigError(
            f"no reviewer decision in {', '.join(dbs)} is new since {cfg.name} {version}'s "
            f"data ({len(merged.carried)} already trained on, {len(merged.contradictions)} "
            "contradicting); review more listings, or set decisions.allow_no_new: true")
    trained_new, recent = split_recent(merged.new, cfg.holdout.fraction)

    run_dir = Path(output) if output is not None else default_run_dir(cfg, root)
    taken = [n for n in ("model-best", "checkpoints", DECISIONS_FILE) if (run_dir / n).exists()]
    if taken:
        raise ConfigError(f"{run_dir} already holds a run ({', '.join(taken)}); pass another "
                          "--output")
    run_dir.mkdir(parents=True, exist_ok=True)
    decisions_file = run_dir / DECISIONS_FILE
    _write_records(decisions_file, [*merged.carried, *trained_new])
    files = {DECISIONS_FILE: decisions_file}
    if recent:
        _write_records(run_dir / RECENT_FILE, recent)
        files[RECENT_FILE] = run_dir / RECENT_FILE
    with atomic_path(run_dir / CONTRADICTIONS_FILE) as tmp:
        write_jsonl(tmp, [c.to_dict() for c in merged.contradictions])
    files[CONTRADICTIONS_FILE] = run_dir / CONTRADICTIONS_FILE
    if merged.contradictions:
        logger.warning("%d listing(s) have contradicting decisions in different databases; "
                       "left out, see %s", len(merged.contradictions),
                       run_dir / CONTRADICTIONS_FILE)

    train_cfg, base_model = training_config(production, model_dir, cfg, decisions_file)
    counts = _decision_summary(merged, trained_new, recent)
    trained = [*merged.carried, *trained_new]
    fingerprint_entry = {
        "file": str(decisions_file.resolve()), "sha256": file_sha256(decisions_file),
        "rows": len(trained), "databases": [str(_resolve(db, root).resolve()) for db in dbs],
        "through": max((d.decided_at for d in trained), default=None),
        **{k: counts[k] for k in ("new", "carried_over", "held_out", "contradictions")}}
    logger.info("retrain %s from %s %s: %s", run_dir, cfg.name, version, counts)
    result = train(train_cfg, run_dir, root=root,
                   fingerprint_extra={FINGERPRINT_KEY: fingerprint_entry})
    summary = {"name": cfg.name, "parent": version,
               "parent_model_version": production.model_version, "run_dir": str(run_dir),
               "init_from": cfg.training.init_from, "base_model": base_model,
               "databases": fingerprint_entry["databases"], "decisions": counts,
               "files": sorted(files), "retrain_config": cfg.model_dump(mode="json")}
    record = registry.register(result.model_best, name=cfg.name, parent=version, by=by,
                               data_files=files, lineage={"retrain": summary,
                                                          "base_model": base_model})
    summary["registered"] = {"name": record.name, "version": record.version,
                             "model_version": record.model_version}
    write_text_atomic(run_dir / SUMMARY_FILE, json.dumps(summary, indent=2) + "\n")
    return RetrainResult(run_dir=run_dir, record=record, summary=summary)
