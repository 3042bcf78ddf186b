"""``nlp-ip retrain`` and ``nlp-ip gate``: parse, call, print."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from nlp_ip.cli.models import add_registry_argument, registry_root

#: Exit code of a gate that refuses the candidate (as calibrate-policy's unmet targets).
GATE_REFUSED = 3


def _add_config_arguments(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument("--config", type=Path, required=required, default=None,
                        help="lifecycle config (configs/retrain.yaml)"
                             + ("" if required else "; without it, the built-in defaults"))
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY.PATH=VALUE",
                        help="override a value of the lifecycle config (repeatable), e.g. "
                             "holdout.fraction=0.3 or gate.n_bootstrap=2000")
    parser.add_argument("--by", help="who runs it (default: the OS user)")


def _config(args: argparse.Namespace) -> Any:
    from nlp_ip_train.lifecycle.config import load_lifecycle_config

    return load_lifecycle_config(args.config, args.overrides)


def _print_gate(report: dict[str, Any], where: str) -> int:
    cand, prod = report["candidate"]["label"], report["production"]["label"]
    if report["passed"]:
        print(f"gate PASSED: {cand} is not worse than {prod} beyond the intervals on "
              f"{len(report['sets'])} sets")
    else:
        print(f"gate REFUSED: {cand} is worse than {prod}:", file=sys.stderr)
        for failure in report["failures"]:
            print(f"  {failure}", file=sys.stderr)
    print(f"report: {where}")
    return 0 if report["passed"] else GATE_REFUSED


def register_retrain(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "retrain", help="retrain the production model with new reviewer decisions; register "
                        "the candidate",
        description="Take the production version's config from the registry, add the "
                    "reviewer decisions made since its data (one per listing, latest wins, "
                    "contradictions between databases reported), hold out the most recent "
                    "ones for the gate, train, and register the result as a candidate "
                    "version. See docs/lifecycle.md. Example: nlp-ip retrain --config "
                    "configs/retrain.yaml --db review.sqlite --gate")
    _add_config_arguments(parser, required=True)
    parser.add_argument("--db", action="append", default=[], metavar="REVIEW.sqlite",
                        help="a review database, added to decisions.databases (repeatable)")
    parser.add_argument("--output", type=Path, default=None,
                        help="run folder (default: <output>/<name>-<UTC time> of the config)")
    parser.add_argument("--train-set", dest="train_overrides", action="append", default=[],
                        metavar="KEY.PATH=VALUE",
                        help="override a value of the training config (added to "
                             "training.overrides), e.g. training.max_steps=200")
    parser.add_argument("--gate", action="store_true",
                        help="gate the candidate against production right away")
    parser.set_defaults(func=retrain_cli)


def retrain_cli(args: argparse.Namespace) -> int:
    from nlp_ip_train.lifecycle.retrain import default_run_dir, retrain

    cfg = _config(args)
    cfg.training.overrides.extend(args.train_overrides)
    output = args.output or default_run_dir(cfg)
    output.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(output / "train.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    try:
        result = retrain(cfg, databases=args.db, output=output, by=args.by)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    counts = result.summary["decisions"]
    record = result.record
    print(f"registered {record.name} {record.version} ({record.model_version}), parent "
          f"{record.parent}, run {result.run_dir}")
    print(f"decisions: {counts['new']} new ({counts['trained_new']} trained, "
          f"{counts['held_out']} held out for the gate), {counts['carried_over']} carried over, "
          f"{counts['superseded']} superseded, {counts['contradictions']} contradicting")
    if counts["contradictions"]:
        print(f"contradicting decisions (left out): {json.dumps(counts['contradicting_labels'])}"
              f"; see {result.run_dir / 'contradictions.jsonl'}", file=sys.stderr)
    if not args.gate:
        print(f"next: nlp-ip gate {record.version} --registry {cfg.registry} --name "
              f"{record.name} --config {args.config}")
        return 0
    from nlp_ip.registry import Registry
    from nlp_ip_train.lifecycle.gate import gate_version

    registry = Registry(cfg.registry)
    report = gate_version(registry, record.name, record.version, cfg.gate, by=args.by)
    return _print_gate(report, str(registry.version_dir(record.name, record.version)
                                   / "gate" / "report.html"))


def register_gate(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "gate", help="refuse a candidate model that is worse than production beyond the noise",
        description="Score the candidate and production on the frozen gate sets (gate.sets "
                    "of the config: seed-test, the hold-out set, the legal-case files) and "
                    "the candidate run's held-out recent decisions, with paired bootstrap "
                    "intervals. Exits 3, naming each failing metric and set, when macro-F1 "
                    "or infringing recall is lower, or the share of parody or lookalike "
                    "removed is higher, beyond the interval, or ECE rises by more than the "
                    "margin. For a registry version the report is saved with it, where "
                    "nlp-ip models promote reads it. Example: nlp-ip gate v3 --registry "
                    "registry --name listing-classifier")
    parser.add_argument("candidate", metavar="CANDIDATE",
                        help="a registry version (with --name), or a model folder")
    parser.add_argument("--against", default="production",
                        help="production (default), a registry version, or a model folder")
    parser.add_argument("--name", help="model name in the registry (default: the config's)")
    add_registry_argument(parser)
    _add_config_arguments(parser, required=False)
    parser.add_argument("--recent", type=Path, default=None,
                        help="folder candidates: the held-out recent decisions (default: "
                             "recent-decisions.jsonl beside the folder, when there is one)")
    parser.add_argument("--output", type=Path, default=None,
                        help="also write report.json and report.html here (folder candidates: "
                             "default reports/gate-<folder name>)")
    parser.set_defaults(func=gate_cli)


def _is_folder(value: str) -> bool:
    return (Path(value) / "nlp_ip.json").is_file()


def gate_cli(args: argparse.Namespace) -> int:
    from nlp_ip.registry import PRODUCTION, Registry
    from nlp_ip_train.lifecycle.gate import GateSide, compare_models, gate_version, write_report

    cfg = _config(args)
    name = args.name or cfg.name
    root = args.registry or (Path(cfg.registry) if args.config is not None
                             else registry_root(None))
    if not _is_folder(args.candidate):
        registry = Registry(root)
        report = gate_version(registry, name, args.candidate, cfg.gate, against=args.against,
                              by=args.by)
        where = registry.version_dir(name, args.candidate) / "gate" / "report.html"
        if args.output is not None:
            write_report(report, args.output)
        return _print_gate(report, str(where))
    candidate = GateSide(Path(args.candidate), args.candidate)
    if _is_folder(args.against):
        production = GateSide(Path(args.against), args.against)
    else:
        registry = Registry(root)
        version = registry.stage(name) if args.against == PRODUCTION else args.against
        if version is None:
            from nlp_ip.errors import RegistryError

            raise RegistryError(f"{name} has no production version in {registry.root}; pass "
                                "--against MODEL_DIR or a version")
        production = GateSide(registry.model_path(name, version), f"{name} {version}", version)
    recent = args.recent
    if recent is None and (Path(args.candidate).parent / "recent-decisions.jsonl").is_file():
        recent = Path(args.candidate).parent / "recent-decisions.jsonl"
    report = compare_models(candidate, production, cfg.gate, root=Path.cwd(), recent=recent,
                            by=args.by)
    output = args.output or Path("reports") / f"gate-{Path(args.candidate).resolve().name}"
    write_report(report, output)
    return _print_gate(report, str(output / "report.html"))
