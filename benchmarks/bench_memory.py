"""Resident memory of a long-running engine under batches of changing shapes.

Usage::

    python benchmarks/bench_memory.py --model runs/default/model-best [--calls 600] [--idle 3]

Runs the same workload in three child processes side by side: with the
engine's ``malloc_trim`` after each chunk (:mod:`nlp_ip.inference.allocator`,
the default), with it switched off (``NLP_IP_MALLOC_TUNING=0``) and glibc's
mmap threshold fixed at 1 MiB instead (``MALLOC_MMAP_THRESHOLD_``), and with
glibc's defaults. Each child classifies ``--calls`` batches of
1-``--max-rows`` random listings from ``--data`` (the shapes a server sees),
on one thread, and samples its resident memory. Prints the curves and the
growth after the first call.

With ``--idle S`` each child then waits S seconds with no calls and reads its memory again,
and a fourth arm runs the engine's trimming without the pending trim that a call inside the
rate-limit interval leaves (the behaviour before commit 9448da8): what the last batches
freed stays with that process until the next call, so its idle level depends on which batch
came last (run with several ``--seed`` values).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path


def _child(args: argparse.Namespace) -> int:
    import psutil

    from nlp_ip.inference import ListingClassifier

    rows = [json.loads(line) for line in Path(args.data).read_text(encoding="utf-8").splitlines()
            if line.strip()]
    if args.no_deferred_trim:
        from nlp_ip.inference import allocator

        allocator._defer_trim = lambda wait, interval: None  # type: ignore[assignment]
    clf = ListingClassifier.from_pretrained(args.model, backend=args.backend, num_threads=1,
                                            workers=1)
    rng = random.Random(args.seed)
    proc = psutil.Process()
    samples = []
    started = time.perf_counter()
    step = max(1, args.calls // 8)
    for i in range(args.calls):
        clf.predict(rng.sample(rows, rng.randint(1, args.max_rows)))
        if i % step == 0 or i == args.calls - 1:
            samples.append((i + 1, proc.memory_info().rss / 2**20))
    seconds = time.perf_counter() - started
    idle = None
    if args.idle > 0:
        time.sleep(args.idle)
        idle = proc.memory_info().rss / 2**20
    print(json.dumps({"backend": clf.backend_name, "samples": samples, "seconds": seconds,
                      "idle": idle}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", default="data/seed/listings.jsonl")
    parser.add_argument("--backend", default="torch-fp32")
    parser.add_argument("--calls", type=int, default=600)
    parser.add_argument("--max-rows", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--idle", type=float, default=0.0,
                        help="seconds each child then waits before a last reading")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-deferred-trim", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--model", args.model,
           "--data", args.data, "--backend", args.backend, "--calls", str(args.calls),
           "--max-rows", str(args.max_rows), "--seed", str(args.seed), "--idle", str(args.idle)]
    procs = {}
    base = {k: v for k, v in os.environ.items() if k != "MALLOC_MMAP_THRESHOLD_"}
    arms: list[tuple[str, dict[str, str], list[str]]] = [
        ("malloc_trim", {"NLP_IP_MALLOC_TUNING": "1"}, []),
        ("mmap threshold", {"NLP_IP_MALLOC_TUNING": "0", "MALLOC_MMAP_THRESHOLD_": str(1 << 20)},
         []),
        ("glibc defaults", {"NLP_IP_MALLOC_TUNING": "0"}, [])]
    if args.idle > 0:
        arms.insert(1, ("trim, none pending", {"NLP_IP_MALLOC_TUNING": "1"},
                        ["--no-deferred-trim"]))
    for label, extra, flags in arms:
        env = dict(base, TOKENIZERS_PARALLELISM="false", OMP_NUM_THREADS="1", **extra)
        procs[label] = subprocess.Popen(cmd + flags, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
    growth: dict[str, float] = {}
    idle: dict[str, float] = {}
    for label, proc in procs.items():
        out, _ = proc.communicate()
        if proc.returncode != 0:
            print(f"{label}: child failed ({proc.returncode})", file=sys.stderr)
            return 1
        result = json.loads(out.strip().splitlines()[-1])
        samples = result["samples"]
        growth[label] = samples[-1][1] - samples[0][1]
        curve = "  ".join(f"{n}:{mb:.0f}" for n, mb in samples)
        if result["idle"] is not None:
            idle[label] = result["idle"] - samples[0][1]
            curve += f"  idle {args.idle:g} s:{result['idle']:.0f}"
        print(f"{label:18s} ({result['backend']}, "
              f"{result['seconds']:.0f} s)  calls:RSS MB  {curve}")
    print("growth after the first call: " + ", ".join(f"{k} {v:+.0f} MB"
                                                     for k, v in growth.items()))
    if idle:
        print(f"after {args.idle:g} s idle, vs the first call: " + ", ".join(
            f"{k} {v:+.0f} MB" for k, v in idle.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
