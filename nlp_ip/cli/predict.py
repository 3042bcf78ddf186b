"""``nlp-ip predict``: classify a JSONL, CSV or Parquet file into a result file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    from nlp_ip.inference.backends import BACKENDS

    parser = subparsers.add_parser(
        "predict", help="classify a file of listings (JSONL, CSV or Parquet)",
        description="Classify every row of --input and write one result row per input row "
                    "to --output (format from the suffix): id, label, prob_<label>, "
                    "confidence, decision, model_version, error. Bad rows become error rows; "
                    "the run goes on. Example: nlp-ip predict --model runs/default/model-best "
                    "--input listings.jsonl --output predictions.parquet",
    )
    parser.add_argument("--model", required=True, type=Path, help="model folder")
    parser.add_argument("--input", required=True,
                        help="listings: .jsonl/.ndjson, .csv or .parquet")
    parser.add_argument("--output", required=True,
                        help="results: .jsonl/.ndjson, .csv or .parquet")
    parser.add_argument("--backend", default="auto", choices=("auto", *BACKENDS),
                        help="inference backend (default: auto, or $NLP_IP_BACKEND)")
    parser.add_argument("--resume", action="store_true",
                        help="skip ids already in --output and append the rest")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --output")
    parser.add_argument("--shard-rows", type=int, default=None, metavar="ROWS",
                        help="Parquet output: rows per shard, the most a resumed run redoes "
                             "(default 8192)")
    parser.add_argument("--strict", action="store_true",
                        help="stop at the first bad row instead of writing an error row")
    parser.add_argument("--batch-size", type=int, default=None, metavar="ROWS",
                        help="rows read, sorted and packed together (default 1024); memory "
                             "grows with it")
    parser.add_argument("--max-batch-tokens", type=int, default=None, metavar="TOKENS",
                        help="token budget of one forward pass (rows x padded length; "
                             "default: the backend's measured best)")
    parser.add_argument("--threads", type=int, default=None,
                        help="compute threads (default: the cores this process may use)")
    parser.add_argument("--workers", type=int, default=None,
                        help="batches computed at once, sharing the threads (default: one per "
                             "thread)")
    cascade = parser.add_mutually_exclusive_group()
    cascade.add_argument("--cascade", dest="cascade", action="store_true", default=None,
                         help="blend folders: let the TF-IDF part decide alone the listings it "
                              "is sure of (thresholds from nlp-ip calibrate-cascade)")
    cascade.add_argument("--no-cascade", dest="cascade", action="store_false",
                         help="always run the full blend (default: the folder's setting)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    # --engine ray and its options (nlp_ip.distributed; Ray is imported only when used).
    from nlp_ip.distributed.cli import add_ray_arguments

    add_ray_arguments(parser)
    parser.set_defaults(func=predict_cli)


def predict_cli(args: argparse.Namespace) -> int:
    if args.engine == "ray":
        from nlp_ip.distributed.cli import run_ray

        return run_ray(args)
    from nlp_ip.errors import DiskFullError, InvalidInputError, is_disk_full
    from nlp_ip.inference import ListingClassifier
    from nlp_ip.inference.engine import DEFAULT_CHUNK_SIZE
    from nlp_ip.inference.files import predict_file

    for name in ("batch_size", "max_batch_tokens", "threads", "workers"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise InvalidInputError(f"--{name.replace('_', '-')} must be >= 1, got {value}")
    classifier = ListingClassifier.from_pretrained(
        args.model, backend=args.backend, num_threads=args.threads, workers=args.workers,
        max_batch_tokens=args.max_batch_tokens, chunk_size=args.batch_size or DEFAULT_CHUNK_SIZE,
        cascade=args.cascade)
    with classifier:
        try:
            summary = predict_file(classifier, args.input, args.output, resume=args.resume,
                                   overwrite=args.overwrite, strict=args.strict,
                                   shard_rows=args.shard_rows,
                                   progress=not args.no_progress and sys.stderr.isatty())
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            raise DiskFullError(
                f"no space left on the device holding {args.output} ({exc.strerror or exc}) "
                f"while writing {exc.filename or args.output}. The rows written so far are "
                "kept: free space (or move the output elsewhere), then run the same command "
                "with --resume to finish", args.output) from exc
    print(f"{summary.output}: {summary.predicted} predicted, {summary.errors} error rows, "
          f"{summary.skipped} already done; {summary.listings_per_s:.1f} listings/s "
          f"({summary.backend}, {summary.seconds:.1f}s)", file=sys.stderr)
    if classifier.cascade:
        counts = classifier.cascade_counts
        print(f"cascade: {counts['skipped']} of {counts['listings']} listings decided by the "
              "TF-IDF part alone", file=sys.stderr)
    return 0
