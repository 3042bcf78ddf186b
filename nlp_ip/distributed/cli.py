"""The ``--engine ray`` options of ``nlp-ip predict`` and their handler.

``nlp_ip.cli.predict`` adds these options with :func:`add_ray_arguments` and hands
the parsed arguments to :func:`run_ray` when ``--engine ray`` is given; Ray
itself is imported only then.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from nlp_ip.errors import DataFormatError

logger = logging.getLogger(__name__)

ENGINES = ("local", "ray")
#: Rows per actor call when --batch-size is not given.
DEFAULT_RAY_BATCH_SIZE = 256


def add_ray_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--engine`` and the Ray options to the ``predict`` parser.

    ``--batch-size``, ``--max-batch-tokens``, ``--backend`` and ``--overwrite`` are the
    ``predict`` parser's own options; the Ray engine reads them too.
    """
    parser.add_argument(
        "--engine", choices=ENGINES, default="local",
        help="local: this process (default); ray: Ray Data actors on a local Ray or a "
             "cluster; --input may then be a folder, a quoted glob or a URI folder, and "
             "--output is a folder of Parquet files (needs: pip install \"nlp-ip[distributed]\")")
    group = parser.add_argument_group("Ray engine (--engine ray)")
    group.add_argument(
        "--ray-address", default=None, metavar="auto|ADDRESS",
        help="join an existing Ray cluster ('auto', 'HOST:PORT' or 'ray://HOST:10001'); "
             "without it a local Ray starts on this machine")
    group.add_argument("--num-workers", type=int, default=2, metavar="N",
                       help="model actors, each loading the model once (default 2)")
    group.add_argument("--threads-per-worker", type=int, default=1, metavar="N",
                       help="CPU threads (and Ray CPUs) per actor (default 1)")
    group.add_argument("--gpus-per-actor", type=float, default=None, metavar="N",
                       help="GPUs Ray gives each actor (default: 1 with --backend torch-cuda "
                            "or onnx-cuda, else 0; with 1, --backend auto takes the GPU; a "
                            "fraction such as 0.5 shares one GPU between actors)")


def run_ray(args: argparse.Namespace) -> int:
    """Run ``nlp-ip predict --engine ray`` from parsed arguments; returns the exit code."""
    from nlp_ip.distributed import require_ray

    require_ray()  # says how to install the extra before anything else happens
    if getattr(args, "resume", False):
        raise DataFormatError(
            "--resume belongs to the local engine; the Ray engine retries failed batches "
            "itself. Rerun into an empty folder, or with --overwrite")
    if getattr(args, "strict", False):
        raise DataFormatError("--strict belongs to the local engine; the Ray engine always "
                              "writes bad rows as error rows. Run `nlp-ip validate` first")
    from nlp_ip.distributed.ray_predict import predict_with_ray

    result = predict_with_ray(
        args.model, args.input, args.output,
        ray_address=args.ray_address,
        num_workers=args.num_workers,
        batch_size=getattr(args, "batch_size", None) or DEFAULT_RAY_BATCH_SIZE,
        threads_per_worker=args.threads_per_worker,
        gpus_per_actor=args.gpus_per_actor,
        backend=getattr(args, "backend", None) or "auto",
        overwrite=getattr(args, "overwrite", False),
        max_batch_tokens=getattr(args, "max_batch_tokens", None),
        progress=not getattr(args, "no_progress", False) and sys.stderr.isatty(),
    )
    print(json.dumps(result.to_dict()))  # the CLI may print; the summary is machine-readable
    return 0
