"""``nlp-ip models``: the model registry (list, show, register, promote, rollback)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

DEFAULT_REGISTRY = Path("registry")


def add_registry_argument(parser: argparse.ArgumentParser) -> None:
    """``--registry DIR`` (default: $NLP_IP_REGISTRY, else ./registry)."""
    parser.add_argument("--registry", type=Path, default=None,
                        help="registry folder (default: $NLP_IP_REGISTRY, else ./registry)")


def registry_root(value: Path | None) -> Path:
    """The registry folder from ``--registry``, the environment, or the default."""
    if value is not None:
        return value
    from nlp_ip.settings import RuntimeSettings

    return RuntimeSettings.from_env().registry or DEFAULT_REGISTRY


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``models`` command group."""
    from nlp_ip.cli import command_group

    sub = command_group(
        subparsers, "models", help="the model registry: list, register, promote, roll back "
                                   "versions",
        description="A registry of immutable model versions on the file system, with a "
                    "production pointer that changes atomically. See docs/lifecycle.md. "
                    "Example: nlp-ip models register runs/default/model-best --name "
                    "listing-classifier; nlp-ip models promote listing-classifier v1 "
                    "--stage production")

    listing = sub.add_parser("list", help="model names, their versions and stages")
    listing.add_argument("name", nargs="?", help="only this model name")
    listing.add_argument("--json", action="store_true", help="print the records as JSON")
    add_registry_argument(listing)
    listing.set_defaults(func=_list)

    show = sub.add_parser("show", help="the full record of one version (JSON)")
    show.add_argument("name")
    show.add_argument("version")
    show.add_argument("--verify", action="store_true",
                      help="also check every file against its registered sha256")
    add_registry_argument(show)
    show.set_defaults(func=_show)

    path = sub.add_parser("path", help="print the model folder of a stage or a version",
                          description="Print the model folder of NAME's production version "
                                      "(or --stage, or VERSION), e.g. nlp-ip review build "
                                      "--model \"$(nlp-ip models path listing-classifier)\" ...")
    path.add_argument("name")
    path.add_argument("version", nargs="?", help="a version (default: the stage's)")
    path.add_argument("--stage", default="production")
    add_registry_argument(path)
    path.set_defaults(func=_path)

    reg = sub.add_parser("register", help="copy a model folder in as a new, read-only version")
    reg.add_argument("model", type=Path, metavar="DIR", help="model folder (nlp-ip train/export)")
    reg.add_argument("--name", help="model name (default: the config name in nlp_ip.json)")
    reg.add_argument("--version", help="version name (default: the next vN)")
    reg.add_argument("--parent", help="the version this model was trained from")
    reg.add_argument("--by", help="who registers it (default: the OS user)")
    add_registry_argument(reg)
    reg.set_defaults(func=_register)

    promote = sub.add_parser(
        "promote", help="point a stage at a version (refused when its gate failed)",
        description="Point a stage at a version, in one atomic write. A version whose gate "
                    "report failed, or that was not gated against the version it replaces, "
                    "is refused unless --force --reason TEXT (both recorded).")
    promote.add_argument("name")
    promote.add_argument("version")
    promote.add_argument("--stage", default="production", help="production (default) or staging")
    promote.add_argument("--by", help="who promotes it (default: the OS user)")
    promote.add_argument("--force", action="store_true",
                         help="promote despite a failed, missing or stale gate report")
    promote.add_argument("--reason", help="why (required with --force)")
    add_registry_argument(promote)
    promote.set_defaults(func=_promote)

    rollback = sub.add_parser("rollback", help="return a stage to its previous version")
    rollback.add_argument("name")
    rollback.add_argument("--stage", default="production")
    rollback.add_argument("--by", help="who rolls back (default: the OS user)")
    rollback.add_argument("--reason", help="why (kept in the history)")
    add_registry_argument(rollback)
    rollback.set_defaults(func=_rollback)


def _registry(args: argparse.Namespace, *, create: bool = False) -> Any:
    from nlp_ip.registry import Registry

    return Registry(registry_root(args.registry), create=create)


def _gate_cell(record: Any) -> str:
    gate = record.gate
    if gate is None:
        return "-"
    return f"{'passed' if gate.passed else 'FAILED'} vs {gate.against_version or gate.against}"


def _list(args: argparse.Namespace) -> int:
    registry = _registry(args)
    names = [args.name] if args.name else registry.names()
    if args.json:
        out = {name: {"stages": registry.stages(name),
                      "versions": [r.model_dump(mode="json") for r in registry.versions(name)]}
               for name in names}
        print(json.dumps(out, indent=2))
        return 0
    if not names:
        print(f"{registry.root}: no models registered yet (nlp-ip models register DIR)")
    for name in names:
        stages = registry.stages(name)
        shown = ", ".join(f"{s}: {v}" for s, v in sorted(stages.items())) or "no stage set"
        print(f"{name} ({shown})")
        rows = [("", "version", "model_version", "kind", "parent", "registered", "by", "gate")]
        for record in registry.versions(name):
            marks = "".join(s[0].upper() for s, v in sorted(stages.items())
                            if v == record.version)
            rows.append((marks, record.version, record.model_version, record.kind,
                         record.parent or "-", record.registered_at[:19],
                         record.registered_by, _gate_cell(record)))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for row in rows:
            print("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        for event in registry.history(name)[-5:]:
            forced = f" FORCED ({event.reason})" if event.forced else (
                f" ({event.reason})" if event.reason else "")
            print(f"  {event.at[:19]} {event.action} {event.stage} -> {event.version} "
                  f"by {event.by}{forced}")
    return 0


def _show(args: argparse.Namespace) -> int:
    registry = _registry(args)
    record = registry.record(args.name, args.version)
    out: dict[str, Any] = record.model_dump(mode="json")
    out["path"] = str(registry.model_path(args.name, args.version))
    code = 0
    if args.verify:
        problems = registry.verify(args.name, args.version)
        out["verify"] = problems or "intact"
        code = 1 if problems else 0
    print(json.dumps(out, indent=2))
    return code


def _path(args: argparse.Namespace) -> int:
    registry = _registry(args)
    version = args.version or registry.stage(args.name, args.stage)
    if version is None:
        from nlp_ip.errors import RegistryError

        raise RegistryError(f"{args.name} has no {args.stage} version; pass a VERSION or promote "
                            f"one: nlp-ip models promote {args.name} VERSION --stage "
                            f"{args.stage}")
    print(registry.model_path(args.name, version))
    return 0


def _register(args: argparse.Namespace) -> int:
    registry = _registry(args, create=True)
    record = registry.register(args.model, name=args.name, version=args.version,
                               parent=args.parent, by=args.by)
    print(f"registered {args.model} as {record.name} {record.version} "
          f"({record.model_version}) in {registry.root}")
    return 0


def _promote(args: argparse.Namespace) -> int:
    registry = _registry(args)
    event = registry.promote(args.name, args.version, stage=args.stage, by=args.by,
                             force=args.force, reason=args.reason)
    was = f" (was {event.previous})" if event.previous else ""
    forced = " FORCED" if event.forced else ""
    print(f"{args.name} {event.stage}: {event.version}{was}{forced}, by {event.by} at "
          f"{event.at}")
    return 0


def _rollback(args: argparse.Namespace) -> int:
    registry = _registry(args)
    event = registry.rollback(args.name, stage=args.stage, by=args.by, reason=args.reason)
    print(f"{args.name} {event.stage}: rolled back {event.previous} -> {event.version}, by "
          f"{event.by} at {event.at}")
    return 0
