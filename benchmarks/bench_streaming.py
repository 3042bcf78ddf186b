"""Memory of ``nlp-ip predict`` on a small and a large file: streaming must keep it flat.

Usage::

    python benchmarks/bench_streaming.py --model runs/tiny/model-best \\
        --data .cache/nlp-ip/corpus-*/train.jsonl --small 10000 --large 200000

Builds two JSONL files of ``--small`` and ``--large`` rows by cycling the
listings of ``--data`` (each copy gets a fresh ``id``; the texts repeat), runs
:func:`nlp_ip.inference.files.predict_file` on each in a fresh subprocess and
reports that process's peak resident memory (``VmHWM``), its RSS sampled
as the rows go by, the rows written and the throughput. The requirement is a
large-file peak within 50 MB of the small-file peak.

Memory is about the streaming, not the model: a small model (``configs/tiny.yaml``)
gives the same picture in a fraction of the time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _memory import peak_rss_mb


def _rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm", encoding="ascii") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def make_file(sources: list[Path], rows: int, target: Path) -> Path:
    """``rows`` listings cycled from ``sources`` (JSONL), each with a unique id."""
    base: list[dict[str, Any]] = []
    for source in sources:
        with source.open(encoding="utf-8") as handle:
            base.extend(json.loads(line) for line in handle if line.strip())
    if not base:
        raise SystemExit(f"no listings in {sources}")
    with target.open("w", encoding="utf-8") as handle:
        for i in range(rows):
            record = dict(base[i % len(base)])
            record["id"] = f"s{i}"
            record.pop("label", None)
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return target


def child(args: argparse.Namespace) -> int:
    """Run one prediction in this process and print its memory figures as JSON."""

    from nlp_ip.inference import ListingClassifier
    from nlp_ip.inference.files import predict_file

    samples: list[tuple[float, float]] = []
    done = threading.Event()
    output = Path(args.output)

    def sample() -> None:
        start = time.perf_counter()
        while not done.wait(1.0):
            samples.append((round(time.perf_counter() - start, 1), round(_rss_mb(), 1)))

    clf = ListingClassifier.from_pretrained(args.model, backend=args.backend)
    loaded_mb = _rss_mb()
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    summary = predict_file(clf, args.input, output, overwrite=True)
    done.set()
    thread.join()
    peak = peak_rss_mb()
    lines = sum(1 for _ in output.open(encoding="utf-8"))
    print(json.dumps({"rows": summary.rows, "written": lines, "errors": summary.errors,
                      "seconds": round(summary.seconds, 1),
                      "listings_per_s": round(summary.listings_per_s, 1),
                      "rss_after_load_mb": round(loaded_mb, 1), "peak_rss_mb": round(peak, 1),
                      "rss_samples": samples[:: max(1, len(samples) // 12)],
                      "backend": summary.backend}))
    return 0


def run(model: Path, input_path: Path, output: Path, backend: str) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--model", str(model),
           "--input", str(input_path), "--output", str(output), "--backend", backend]
    env = dict(os.environ, TOKENIZERS_PARALLELISM="false")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"prediction failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--data", type=Path, action="append", default=[],
                        help="JSONL listings to cycle (repeatable)")
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=200_000)
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)
    if not args.data:
        parser.error("--data is required")
    results = {}
    with tempfile.TemporaryDirectory(prefix="nlp-ip-stream-") as tmp:
        work = Path(tmp)
        for name, rows in (("small", args.small), ("large", args.large)):
            source = make_file(args.data, rows, work / f"{name}.jsonl")
            print(f"{name}: {rows} rows ...", file=sys.stderr)
            results[name] = run(args.model, source, work / f"{name}-out.jsonl", args.backend)
            (work / f"{name}-out.jsonl").unlink()
            source.unlink()
    growth = results["large"]["peak_rss_mb"] - results["small"]["peak_rss_mb"]
    report = {"small": results["small"], "large": results["large"],
              "peak_growth_mb": round(growth, 1), "within_50_mb": growth <= 50}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0 if growth <= 50 else 1


if __name__ == "__main__":
    sys.exit(main())
