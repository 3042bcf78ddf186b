"""``nlp-ip review``: the reviewer workbench (build, suspects, serve, add-user, export)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from nlp_ip.draining import DEFAULT_DRAIN_S
from nlp_ip.errors import InvalidInputError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``review`` command group."""
    from nlp_ip.cli import command_group

    sub = command_group(
        subparsers, "review", help="queue borderline predictions for people and record their "
                                   "decisions",
        description="Reviewer workbench: build a queue of borderline predictions, serve the "
                    "review page, manage reviewer accounts, export decisions for training.")

    build = sub.add_parser("build", help="classify a file and queue its borderline listings")
    build.add_argument("--model", required=True, help="model folder (nlp-ip train/export)")
    build.add_argument("--input", required=True, help="listings (JSONL, CSV or Parquet)")
    build.add_argument("--db", required=True, help="review database (SQLite), created if absent")
    build.add_argument("--max-margin", type=float, default=0.2,
                       help="also queue listings whose two best labels are within this "
                            "margin (default 0.2)")
    build.add_argument("--rank", choices=("uncertainty", "brand", "risk"),
                       default="uncertainty", help="queue order (default uncertainty)")
    build.add_argument("--train-data", help="labeled listings for 'similar examples'")
    build.add_argument("--neighbours", type=int, default=5,
                       help="similar examples per item (default 5)")
    build.add_argument("--explain", choices=("auto", "occlusion", "integrated-gradients"),
                       default="auto", help="attribution method (default auto = occlusion)")
    build.add_argument("--backend", default="auto", help="inference backend (default auto)")
    build.add_argument("--max-words", type=int, default=200,
                       help="words per listing to attribute (default 200)")
    build.set_defaults(func=_build)

    suspects = sub.add_parser(
        "suspects", help="rank labeled rows that are likely mislabeled (cross-validated "
                         "baseline + cleanlab)",
        description="Score every labeled row with a TF-IDF baseline trained on the other "
                    "folds and let cleanlab rank the rows whose label is likely wrong. "
                    "Writes the suspects as JSON lines; with --db also queues them on the "
                    "review page (kind 'suspect') to be checked and relabeled.")
    suspects.add_argument("--data", required=True,
                          help="labeled listings (JSONL, CSV or Parquet)")
    suspects.add_argument("--out", required=True, help="suspects file to write (JSONL)")
    suspects.add_argument("--db", help="also queue the suspects in this review database "
                                       "(created if absent)")
    suspects.add_argument("--folds", type=int, default=5,
                          help="cross-validation folds (default 5; each label needs at "
                               "least this many rows)")
    suspects.add_argument("--top", type=int, help="keep only the N most likely mislabeled")
    suspects.add_argument("--seed", type=int, default=0, help="fold split and model seed "
                                                              "(default 0)")
    suspects.add_argument("--no-hints", dest="hints", action="store_false",
                          help="build model inputs without the text layer's hint line (match "
                               "a baseline trained with text.hints=false)")
    suspects.add_argument("--no-explain", dest="explain", action="store_false",
                          help="with --db: skip the word attributions (faster)")
    suspects.add_argument("--neighbours", type=int, default=5,
                          help="with --db: similar labeled rows per suspect (default 5)")
    suspects.add_argument("--strict", action="store_true",
                          help="stop at the first bad or unlabeled row instead of skipping it")
    suspects.set_defaults(func=_suspects)

    serve = sub.add_parser("serve", help="serve the review page")
    serve.add_argument("--db", required=True, help="review database")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001)
    serve.add_argument("--secret-file", help="file with the cookie-signing secret (default: "
                                             "$NLP_IP_REVIEW_SECRET or DB.secret)")
    serve.add_argument("--secure-cookies", action="store_true",
                       help="mark cookies Secure (use behind HTTPS)")
    serve.add_argument("--session-hours", type=float, default=8.0)
    serve.add_argument("--trusted-proxy", action="append", default=[], type=_proxy,
                       metavar="ADDR",
                       help="a reverse proxy (IP address or network) whose X-Forwarded-For "
                            "and X-Forwarded-Proto headers are believed; repeat for several. "
                            "Default: none, the headers are ignored")
    serve.add_argument("--login-failures-per-minute", type=int, default=20, metavar="N",
                       help="failed sign-ins allowed per minute across all accounts (default "
                            "20); over it, 429 with Retry-After")
    serve.add_argument("--shutdown-timeout", type=float, default=30.0, metavar="SECONDS",
                       help="on SIGTERM or Ctrl-C, how long requests in flight get to finish "
                            "(default 30)")
    serve.add_argument("--drain", type=float, default=DEFAULT_DRAIN_S, metavar="SECONDS",
                       help="on SIGTERM, after new connections are refused: at most this long "
                            "for each open connection's next answer, sent with 'Connection: "
                            f"close' (default {DEFAULT_DRAIN_S:g}; 0: close idle ones at once)")
    serve.add_argument("--busy-timeout", type=float, default=2.0, metavar="SECONDS",
                       help="how long a page waits for another writer's lock on the database "
                            "before answering 503 with Retry-After (default 2)")
    serve.add_argument("--registry", default=None, metavar="DIR",
                       help="model registry: with --model, mark the items whose decision "
                            "the production model was trained on")
    serve.add_argument("--model", default=None, metavar="NAME",
                       help="the registered model the queue's decisions flow to")
    serve.set_defaults(func=_serve)

    add_user = sub.add_parser("add-user", help="create a reviewer account")
    add_user.add_argument("name")
    add_user.add_argument("--db", required=True, help="review database")
    add_user.add_argument("--password-stdin", action="store_true",
                          help="read the password from standard input instead of prompting")
    add_user.add_argument("--replace", action="store_true",
                          help="set a new password for an existing account")
    add_user.set_defaults(func=_add_user)

    export = sub.add_parser("export", help="write decisions as labeled listings (JSONL), "
                                           "or the queue as Label Studio tasks")
    export.add_argument("--db", required=True, help="review database")
    export.add_argument("--out", required=True, help="output file")
    export.add_argument("--format", choices=("jsonl", "label-studio"), default="jsonl",
                        help="jsonl: decisions as labeled listings (default); label-studio: "
                             "queued items as tasks with the model's pre-annotations")
    export.set_defaults(func=_export)

    imp = sub.add_parser("import", help="record a Label Studio or Argilla export as decisions")
    imp.add_argument("file", help="Label Studio JSON export or Argilla records JSON")
    imp.add_argument("--db", required=True, help="review database")
    imp.set_defaults(func=_import)

    report = sub.add_parser("report", help="decision counts, overturn rates, throughput "
                                           "(markdown + HTML)")
    report.add_argument("--db", required=True, help="review database")
    report.add_argument("--out", required=True, help="output folder")
    report.set_defaults(func=_report)


def _build(args: argparse.Namespace) -> int:
    from nlp_ip.review.build import build_review_db

    summary = build_review_db(args.model, args.input, args.db, max_margin=args.max_margin,
                              rank=args.rank, train_data=args.train_data,
                              neighbours=args.neighbours, explain_method=args.explain,
                              backend=args.backend, max_words=args.max_words)
    print(json.dumps(summary.to_dict(), indent=2))
    return 0


def _suspects(args: argparse.Namespace) -> int:
    from nlp_ip.review.suspects import find_suspects

    summary = find_suspects(args.data, args.out, db=args.db, folds=args.folds, top=args.top,
                            seed=args.seed, hints=args.hints, strict=args.strict,
                            explain=args.explain, neighbours=args.neighbours)
    print(json.dumps(summary.to_dict(), indent=2))
    return 0


def _serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn
    except ImportError as exc:
        from nlp_ip.errors import MissingExtraError

        raise MissingExtraError("review", "uvicorn", "nlp-ip review serve") from exc
    from nlp_ip.review.app import create_review_app
    from nlp_ip.settings import uvicorn_proxy_options

    app = create_review_app(args.db, secret_file=args.secret_file,
                            secure_cookies=args.secure_cookies,
                            session_ttl_s=args.session_hours * 3600,
                            busy_timeout_s=args.busy_timeout,
                            login_failures_per_minute=args.login_failures_per_minute,
                            registry=args.registry, model_name=args.model)
    from nlp_ip.draining import DrainMiddleware, draining_server

    if args.drain < 0:
        raise InvalidInputError(f"--drain must be 0 or more seconds, got {args.drain}")
    print(f"review page on http://{args.host}:{args.port}/queue", file=sys.stderr)
    drain = DrainMiddleware(app)
    config = uvicorn.Config(drain, host=args.host, port=args.port, log_level="info",
                            timeout_graceful_shutdown=args.shutdown_timeout,
                            **uvicorn_proxy_options(args.trusted_proxy))
    draining_server(uvicorn, config, drain, args.drain).run()
    return 0


def _proxy(value: str) -> str:
    from nlp_ip.settings import trusted_proxy

    try:
        return trusted_proxy(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        value = sys.stdin.readline().rstrip("\r\n")
        if not value:
            raise InvalidInputError("password: standard input was empty; pipe the password in")
        return value
    first = getpass.getpass(f"password for {args.name}: ")
    second = getpass.getpass("repeat: ")
    if first != second:
        raise InvalidInputError("password: the two entries differ; run the command again")
    return first


def _add_user(args: argparse.Namespace) -> int:
    from nlp_ip.review.auth import add_user
    from nlp_ip.review.store import ReviewStore

    store = ReviewStore(args.db, create=True)
    add_user(store, args.name, _read_password(args), replace=args.replace)
    print(f"user {args.name} {'updated' if args.replace else 'created'} in {args.db}",
          file=sys.stderr)
    return 0


def _export(args: argparse.Namespace) -> int:
    if args.format == "label-studio":
        from nlp_ip.review.interop import export_label_studio

        count = export_label_studio(args.db, args.out)
        print(f"wrote {count} Label Studio task(s) to {args.out}", file=sys.stderr)
        return 0
    from nlp_ip.review.export import export_corrections

    count = export_corrections(args.db, args.out)
    print(f"wrote {count} decision(s) to {args.out}", file=sys.stderr)
    return 0


def _import(args: argparse.Namespace) -> int:
    from nlp_ip.review.interop import import_annotations

    recorded, duplicates = import_annotations(args.db, args.file)
    print(f"recorded {recorded} decision(s), {duplicates} already imported", file=sys.stderr)
    return 0



def _report(args: argparse.Namespace) -> int:
    from nlp_ip.review.report import write_report

    md, page = write_report(args.db, args.out)
    print(f"wrote {md} and {page}", file=sys.stderr)
    return 0
