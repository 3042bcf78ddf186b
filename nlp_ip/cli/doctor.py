"""``nlp-ip doctor``: the CPU kind, instruction sets, int8 kernel path, GPU, threads,
library versions, and with ``--model`` the backend ``auto`` chooses and why."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "doctor", help="what this machine offers the engine, and what auto picks",
        description=__doc__)
    parser.add_argument("--model", type=Path, default=None,
                        help="also load this model folder with backend auto and say why")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=doctor_cli)


def doctor_cli(args: argparse.Namespace) -> int:
    from nlp_ip.doctor import environment_report, format_report

    report = environment_report(args.model)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0
