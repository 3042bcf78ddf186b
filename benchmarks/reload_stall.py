"""How long does loading a model folder keep other Python threads waiting? (issue 17)

Usage::

    python benchmarks/reload_stall.py --model runs/default/model-best [--backend torch-fp32]
        [--rounds 3] [--json out.json]

A server that hot-swaps loads the new version on a thread of its own while its other
threads keep answering. The OS priority of that thread does not help with the GIL: a C call
that holds it (a JSON parse, a tokenizer built in Rust) stalls every request for its whole
length, however little CPU it takes. This script loads the folder once (as the server did at
start), then ``--rounds`` more times on a thread at ``nice`` 10 (as ``reload`` does) while a
ticker thread sleeps 1 ms in a loop and records how late each wake-up is. It prints the
longest wake-up delay (the longest stall a request would see), the 99th percentile and the
summed delay over 2 ms, and the load's wall and thread CPU time.

Side by side in the same run, for a folder with a TF-IDF part: the same folder with the
vocabularies in the other form ``tfidf.json`` can hold (``terms``, what training writes now,
or the ``vocabulary`` object of older folders; a temporary copy), reloaded round-robin with
the folder as is, and the object form parsed by ``json.loads`` as is and with the loader's
per-number hook (``nlp_ip.tfidf._parse_int``). Ratios come from one run on one machine;
timings move with the machine and its load: name the CPU kind (``lscpu``) with any figure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def stall_while(fn: Callable[[], Any], *, niceness: int = 0) -> dict[str, float]:
    """Run ``fn`` on a thread (at ``niceness``) while a ticker measures its wake-up delays."""
    from nlp_ip.serve.state import _lower_this_thread_priority

    stop = threading.Event()
    delays: list[float] = []
    timing: dict[str, float] = {}

    def ticker() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            time.sleep(0.001)
            delays.append(time.perf_counter() - started - 0.001)

    def work() -> None:
        if niceness:
            _lower_this_thread_priority(niceness)
        cpu, wall = time.thread_time(), time.perf_counter()
        result = fn()
        timing["wall_s"] = time.perf_counter() - wall
        timing["cpu_s"] = time.thread_time() - cpu
        close = getattr(result, "close", None)
        if callable(close):
            close()

    tick = threading.Thread(target=ticker, name="ticker")
    tick.start()
    time.sleep(0.1)
    worker = threading.Thread(target=work, name="loader")
    worker.start()
    worker.join()
    time.sleep(0.05)
    stop.set()
    tick.join()
    delays.sort()
    return {
        **timing,
        "max_stall_ms": 1000 * delays[-1],
        "p99_stall_ms": 1000 * delays[min(len(delays) - 1, int(0.99 * len(delays)))],
        "stalled_s": sum(d for d in delays if d > 0.002),
        "ticks": len(delays),
    }


def other_form(folder: Path, out: Path) -> tuple[Path, str]:
    """A copy of ``folder`` whose ``tfidf.json`` holds the vocabularies in the other form."""
    import shutil

    from nlp_ip.tfidf import TFIDF_JSON
    from nlp_ip_train.baseline import _vocabulary_entry

    shutil.copytree(folder, out)
    spec = json.loads((out / TFIDF_JSON).read_text(encoding="utf-8"))
    to_terms = "vocabulary" in spec["vectorizers"][0]
    for part in spec["vectorizers"]:
        if to_terms:
            part.update(_vocabulary_entry(part.pop("vocabulary")))
        else:
            text = part.pop("terms")
            part["vocabulary"] = {t: i for i, t in enumerate(text.split("\n") if text else [])}
    (out / TFIDF_JSON).write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return out, "terms" if to_terms else "vocabulary object"


def main(argv: list[str] | None = None) -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--model", required=True, help="model folder")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args(argv)

    from nlp_ip.inference import ListingClassifier
    from nlp_ip.tfidf import TFIDF_JSON, _parse_int

    folder = Path(args.model)
    first = ListingClassifier.from_pretrained(folder, backend=args.backend)
    first.predict([{"title": "warm-up listing", "description": "first load"}])
    results: dict[str, Any] = {"model": str(folder), "backend": first.backend_name}
    with tempfile.TemporaryDirectory(prefix="nlp-ip-reload-") as tmp:
        folders = {"as is": folder}
        raw = None
        if (folder / TFIDF_JSON).is_file():
            copy, form = other_form(folder, Path(tmp) / "other")
            as_is = "vocabulary object" if form == "terms" else "terms"
            folders = {as_is: folder, form: copy}
            objects = folder if as_is == "vocabulary object" else copy
            raw = (objects / TFIDF_JSON).read_text(encoding="utf-8")
        runs: dict[str, list[dict[str, float]]] = {f"reload, {k}": [] for k in folders}
        if raw is not None:
            runs.update({"object parse, plain": [], "object parse, hooked": []})
        for _ in range(args.rounds):  # round-robin: drift hits every variant alike
            for name, path in folders.items():
                runs[f"reload, {name}"].append(stall_while(
                    lambda p=path: ListingClassifier.from_pretrained(p, backend=args.backend),
                    niceness=10))
            if raw is not None:
                runs["object parse, plain"].append(stall_while(lambda: json.loads(raw)))
                runs["object parse, hooked"].append(
                    stall_while(lambda: json.loads(raw, parse_int=_parse_int)))
    close = getattr(first, "close", None)
    if callable(close):
        close()
    results["runs"] = runs

    def med(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    print(f"{folder} on {results['backend']}, {args.rounds} round(s), median of rounds:")
    for name, rows in runs.items():
        print(f"{name:>28}: longest stall {med(rows, 'max_stall_ms'):6.1f} ms "
              f"(worst {max(r['max_stall_ms'] for r in rows):.1f}), p99 "
              f"{med(rows, 'p99_stall_ms'):.1f} ms, wall {1000 * med(rows, 'wall_s'):.0f} ms, "
              f"thread CPU {1000 * med(rows, 'cpu_s'):.0f} ms")
    if raw is not None:
        results["ratios"] = {
            "reload_wall_object_over_terms": med(runs["reload, vocabulary object"], "wall_s")
            / med(runs["reload, terms"], "wall_s"),
            "object_parse_stall_plain_over_hooked": med(runs["object parse, plain"],
                                                        "max_stall_ms")
            / med(runs["object parse, hooked"], "max_stall_ms"),
        }
        print("reload wall, vocabulary object / terms: "
              f"{results['ratios']['reload_wall_object_over_terms']:.2f}x; longest stall of the "
              "object parse, plain / hooked: "
              f"{results['ratios']['object_parse_stall_plain_over_hooked']:.1f}x")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
