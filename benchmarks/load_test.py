"""Load test of ``nlp-ip serve`` on loopback: bounded in requests and time, stops by itself.

Usage::

    python benchmarks/load_test.py --model runs/default/model-best [--backend auto]
        [--data data/seed/listings.jsonl] [--phase-s 15] [--json out.json]
    python benchmarks/load_test.py --url http://127.0.0.1:8000 --api-key KEY --model DIR
    python benchmarks/load_test.py --model DIR --tracing [--rounds 2] [--json out.json]
    python benchmarks/load_test.py --model DIR --swap [--phase-s 20] [--json out.json]

Without ``--url`` it starts a real server process (``python -m nlp_ip serve``) on
127.0.0.1 and a free port with a throw-away key, and stops it at the end
(SIGTERM, then its exit code is checked). Only loopback addresses are accepted.

Phases, each bounded by ``--phase-s`` seconds and ``--max-requests`` requests:

(a) engine offline batched throughput: ``ListingClassifier.predict`` on
    ``--offline-n`` listings in this process, with the backend the server reports;
(b) 32 concurrent clients (closed loop) sending single-listing requests:
    throughput, and its ratio to (a) (target >= 0.70);
(c) open loop at half of (b)'s throughput: p50/p95/p99 latency (target p99 <= 250 ms),
    measured from each request's scheduled start (no coordinated omission);
(d) open loop at twice (b)'s throughput: the status codes (target: only 200 and 429,
    no 5xx, no connection errors) and the server's RSS before and after (flat).

``--swap`` measures a hot swap under load instead (issue 17): the model is registered twice
in a throw-away registry (v1, and v2 a copy with another ``model_version``), the server
follows it (``--registry``), and an open loop at half of (b)'s throughput runs ``--phase-s``
seconds untouched, then ``--phase-s`` seconds during which v2 is promoted. It reports p99
before and during the swap (target: during <= 2x before), the status codes (target: only
200), which version answered each request (never both in one answer), and the server's RSS
before the swap and each second for 30 s after the old model is drained (target: back
within 5% of the pre-swap level). ``--swap --no-promote`` is its control: the same server,
registry, phases and RSS readings without the promotion, so that memory the traffic alone
adds over those 70 s is not read as the swap's.

``--tracing`` measures what OpenTelemetry costs instead: ``--rounds`` rounds of (a), then (b)
on a fresh server with tracing off, then (b) on a fresh server with ``--tracing
--tracing-exporter none`` (every span made and batched for export in the server process,
then dropped), round-robin so that the machine's drift hits both; it prints the (b)/(a)
ratio of each, and passes when tracing on keeps its mean ratio within 5% of tracing off. It
also reports the server process's CPU time per answered request in each (b), which a machine
shared with other work disturbs far less than throughput.

The load generator is a small asyncio HTTP/1.1 client over keep-alive
connections with pre-built requests, so on a 2-core machine it takes as little
CPU as possible from the server it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
LISTING_FIELDS = ("id", "title", "description", "price", "currency", "brand")


# -- data -----------------------------------------------------------------------------------

def load_listings(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                raw = json.loads(line)
                rows.append({k: raw[k] for k in LISTING_FIELDS if raw.get(k) is not None})
    if not rows:
        raise SystemExit(f"{path} holds no listings")
    return rows


# -- raw HTTP/1.1 client ----------------------------------------------------------------------

class Connection:
    """One keep-alive connection; ``send`` returns (status, body)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def send(self, request: bytes) -> tuple[int, bytes]:
        reused = self.writer is not None
        if self.writer is None:
            await self._open()
        assert self.reader is not None and self.writer is not None
        self.writer.write(request)
        try:
            status_line = await self.reader.readline()
        except ConnectionResetError:
            status_line = b""
        if not status_line:
            self.close()
            if reused:  # an idle keep-alive connection the server had closed: resend once
                return await self.send(request)
            raise ConnectionError("server closed the connection")
        status = int(status_line.split()[1])
        length = 0
        close = False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        body = await self.reader.readexactly(length) if length else b""
        if close:
            self.close()
        return status, body


def build_request(host: str, port: int, key: str | None, listing: dict[str, Any]) -> bytes:
    body = json.dumps({"listings": [listing]}).encode("utf-8")
    auth = f"Authorization: Bearer {key}\r\n" if key else ""
    head = (f"POST /v1/classify HTTP/1.1\r\nHost: {host}:{port}\r\n{auth}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


async def closed_loop(host: str, port: int, requests: list[bytes], *, clients: int,
                      seconds: float, max_requests: int) -> dict[str, Any]:
    """``clients`` connections, each sending its next request as soon as one is answered."""
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    sent = 0
    stop_at = time.perf_counter() + seconds

    async def client(i: int) -> None:
        nonlocal sent
        conn = Connection(host, port)
        j = i
        while time.perf_counter() < stop_at and sent < max_requests:
            sent += 1
            t0 = time.perf_counter()
            try:
                status, _ = await conn.send(requests[j % len(requests)])
                statuses[str(status)] += 1
                if status == 200:
                    latencies.append(time.perf_counter() - t0)
            except (OSError, ConnectionError, asyncio.IncompleteReadError) as exc:
                statuses[f"error:{type(exc).__name__}"] += 1
                conn.close()
            j += clients
        conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "statuses": dict(statuses), "ok": statuses["200"],
            "throughput": statuses["200"] / elapsed, "latencies": latencies}


async def open_loop(host: str, port: int, requests: list[bytes], *, rate: float,
                    seconds: float, max_requests: int, max_connections: int = 2048,
                    record: list[tuple[float, float, int, bytes]] | None = None
                    ) -> dict[str, Any]:
    """Requests start on a fixed schedule (``rate`` per second) whatever the answers do.

    With ``record``, each answer is appended as (scheduled time, latency, status, body).
    """
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    idle: list[Connection] = []
    open_count = 0
    tasks: set[asyncio.Task[None]] = set()
    n = min(max_requests, int(rate * seconds))
    interval = 1.0 / rate
    started = time.perf_counter()

    async def one(k: int, scheduled: float) -> None:
        nonlocal open_count
        conn = idle.pop() if idle else None
        if conn is None:
            if open_count >= max_connections:
                statuses["client_saturated"] += 1
                return
            open_count += 1
            conn = Connection(host, port)
        try:
            status, body = await conn.send(requests[k % len(requests)])
            statuses[str(status)] += 1
            latencies.append(time.perf_counter() - scheduled)
            if record is not None:
                record.append((scheduled, latencies[-1], status, body))
            idle.append(conn)
        except (OSError, ConnectionError, asyncio.IncompleteReadError) as exc:
            statuses[f"error:{type(exc).__name__}"] += 1
            conn.close()
            open_count -= 1

    for k in range(n):
        scheduled = started + k * interval
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(k, scheduled))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks, timeout=60)
    elapsed = time.perf_counter() - started
    for conn in idle:
        conn.close()
    return {"seconds": elapsed, "target_rate": rate, "sent": n, "statuses": dict(statuses),
            "latencies": latencies}


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50_ms": float("nan"), "p95_ms": float("nan"), "p99_ms": float("nan")}
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50_ms": 1000 * q[49], "p95_ms": 1000 * q[94], "p99_ms": 1000 * q[98]}


# -- server process -----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str, key: str | None, timeout: float = 5.0) -> tuple[int, Any]:
    import httpx

    headers = {"Authorization": f"Bearer {key}"} if key else {}
    r = httpx.get(url, headers=headers, timeout=timeout)
    try:
        return r.status_code, r.json()
    except ValueError:
        return r.status_code, r.text


def start_server(model: str, backend: str, keys_file: Path, port: int,
                 extra: list[str]) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "nlp_ip", "serve", "--model", model, "--backend", backend,
           "--host", "127.0.0.1", "--port", str(port), "--keys-file", str(keys_file), *extra]
    log = open(keys_file.parent / "server.log", "wb")
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)


def wait_ready(base: str, proc: subprocess.Popen[bytes] | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"the server exited with code {proc.returncode} before it was ready")
        try:
            if http_get(base + "/readyz", None, 2)[0] == 200:
                return
        except Exception:
            pass
        time.sleep(0.25)
    raise SystemExit(f"{base} was not ready within {timeout:.0f} s")


def metric_summary(text: str) -> dict[str, float]:
    """Mean rows per engine batch, batches, rejections, from the Prometheus text."""
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            try:
                values[name] = float(value)
            except ValueError:
                continue
    batches = values.get("nlp_ip_batch_size_rows_count", 0.0)
    rows = values.get("nlp_ip_batch_size_rows_sum", 0.0)
    return {"engine_batches": batches, "mean_rows_per_batch": rows / batches if batches else 0,
            "rejected_overloaded": values.get('nlp_ip_rejections_total{reason="overloaded"}', 0),
            "rejected_timeout": values.get('nlp_ip_rejections_total{reason="timeout"}', 0)}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its threads so far."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def rss_mb(pid: int) -> float:
    import psutil

    return float(psutil.Process(pid).memory_info().rss / 2**20)


def stop_server(proc: subprocess.Popen[bytes]) -> int | str:
    """SIGTERM, then the exit code (``killed`` when it did not stop within a minute)."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        return "killed"


def tracing_comparison(args: argparse.Namespace, listings: list[dict[str, Any]],
                       tmp: Path) -> dict[str, Any]:
    """(b)/(a) with tracing off and on, ``args.rounds`` rounds, round-robin (see --tracing)."""
    from nlp_ip.serve.keys import add_key

    key = add_key(tmp / "keys.json", "load-test", ["classify"])
    modes = {"off": [], "on": ["--tracing", "--tracing-exporter", "none"]}
    runs: list[dict[str, Any]] = []
    for round_ in range(1, args.rounds + 1):
        offline: dict[str, Any] | None = None
        for mode, flags in modes.items():
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            proc = start_server(args.model, args.backend, tmp / "keys.json", port,
                                [*args.server_arg, *flags])
            try:
                wait_ready(base, proc, args.ready_timeout)
                backend = http_get(base + "/v1/model", key)[1]["backend"]
                if offline is None:  # once a round, on the backend the server runs
                    offline = offline_throughput(args.model, backend, listings,
                                                 args.offline_n, args.phase_s)
                requests = [build_request("127.0.0.1", port, key, x) for x in listings]
                asyncio.run(closed_loop("127.0.0.1", port, requests, clients=args.clients,
                                        seconds=min(3.0, args.phase_s), max_requests=2000))
                cpu_before = cpu_seconds(proc.pid)
                b = asyncio.run(closed_loop("127.0.0.1", port, requests, clients=args.clients,
                                            seconds=args.phase_s,
                                            max_requests=args.max_requests))
                cpu_ms = 1000 * (cpu_seconds(proc.pid) - cpu_before) / max(1, b["ok"])
            finally:
                exit_code = stop_server(proc)
            b_lat = percentiles(b.pop("latencies"))
            ratio = b["throughput"] / offline["listings_per_s"]
            runs.append({"round": round_, "tracing": mode, "backend": backend,
                         "offline_listings_per_s": offline["listings_per_s"],
                         "requests_per_s": b["throughput"], "ratio_to_offline": ratio,
                         "statuses": b["statuses"], **b_lat, "server_cpu_ms_per_request": cpu_ms,
                         "server_exit_code": exit_code})
            print(f"round {round_}, tracing {mode}: {b['throughput']:.1f} req/s = {ratio:.1%} "
                  f"of offline ({offline['listings_per_s']:.1f}/s); server CPU {cpu_ms:.2f} "
                  f"ms/request; p50 {b_lat['p50_ms']:.1f} ms p99 {b_lat['p99_ms']:.1f} ms; "
                  f"statuses {b['statuses']}", flush=True)
    mean = {mode: statistics.mean(r["ratio_to_offline"] for r in runs if r["tracing"] == mode)
            for mode in modes}
    cpu = {mode: statistics.mean(r["server_cpu_ms_per_request"] for r in runs
                                 if r["tracing"] == mode) for mode in modes}
    change = mean["on"] / mean["off"] - 1
    print(f"mean ratio to offline: tracing off {mean['off']:.1%}, on {mean['on']:.1%} "
          f"({change:+.1%} relative; target within 5%); server CPU per request: off "
          f"{cpu['off']:.2f} ms, on {cpu['on']:.2f} ms ({cpu['on'] / cpu['off'] - 1:+.1%})",
          flush=True)
    return {"runs": runs, "mean_ratio": mean, "relative_change": change,
            "server_cpu_ms_per_request": cpu,
            "passed": {"tracing_within_5pct": change >= -0.05,
                       "only_200": all(set(r["statuses"]) == {"200"} for r in runs)}}


def answer_versions(body: bytes) -> set[str]:
    """Every model version named in one /v1/classify answer (top level and per listing)."""
    try:
        data = json.loads(body)
    except ValueError:
        return set()
    versions = {p.get("model_version") for p in data.get("predictions", [])}
    versions.add(data.get("model_version"))
    return {v for v in versions if v}


def swap_under_load(args: argparse.Namespace, listings: list[dict[str, Any]],
                    tmp: Path) -> dict[str, Any]:
    """Hot swap v1 -> v2 while an open loop runs (see --swap)."""
    import shutil

    from nlp_ip.artifact import read_meta, update_meta
    from nlp_ip.registry import Registry
    from nlp_ip.serve.keys import add_key

    registry = Registry(tmp / "registry", create=True)
    registry.register(args.model, name="load", by="load-test")
    old_version = read_meta(Path(args.model)).model_version
    new_version = f"{old_version}-swap"
    copy = tmp / "v2"
    shutil.copytree(args.model, copy)

    def rename(meta: Any) -> None:
        meta.model_version = new_version

    update_meta(copy, rename)
    registry.register(copy, name="load", by="load-test")
    shutil.rmtree(copy)
    registry.promote("load", "v1", by="load-test")

    key = add_key(tmp / "keys.json", "load-test", ["classify", "metrics"])
    port = free_port()
    host, base = "127.0.0.1", f"http://127.0.0.1:{port}"
    proc = start_server("load", args.backend, tmp / "keys.json", port,
                        ["--registry", str(registry.root), "--registry-poll", "0.5",
                         *args.server_arg])
    results: dict[str, Any] = {"old_version": old_version, "new_version": new_version}
    try:
        wait_ready(base, proc, args.ready_timeout)
        results["backend"] = http_get(base + "/v1/model", key)[1]["backend"]
        requests = [build_request(host, port, key, x) for x in listings]
        asyncio.run(closed_loop(host, port, requests, clients=args.clients,
                                seconds=min(3.0, args.phase_s), max_requests=2000))  # warm
        b = asyncio.run(closed_loop(host, port, requests, clients=args.clients,
                                    seconds=args.phase_s, max_requests=args.max_requests))
        rate = max(1.0, b["throughput"] / 2)
        results["closed_loop_requests_per_s"] = b["throughput"]
        results["rate"] = rate
        before: list[tuple[float, float, int, bytes]] = []
        asyncio.run(open_loop(host, port, requests, rate=rate, seconds=args.phase_s,
                              max_requests=args.max_requests, record=before))
        time.sleep(1.0)
        rss_before = rss_mb(proc.pid)

        during: list[tuple[float, float, int, bytes]] = []

        async def swap_phase() -> float:
            loop_task = asyncio.create_task(open_loop(
                host, port, requests, rate=rate, seconds=args.phase_s,
                max_requests=args.max_requests, record=during))
            await asyncio.sleep(args.phase_s / 4)
            promoted = time.perf_counter()
            results["promoted_at_unix"] = time.time()  # to line up with the server's log
            if not args.no_promote:
                await asyncio.get_running_loop().run_in_executor(None, lambda: registry.promote(
                    "load", "v2", by="load-test", force=True, reason="load test: hot swap"))
            await loop_task
            return promoted

        promoted_at = asyncio.run(swap_phase())
        first_new = [r[0] + r[1] for r in during
                     if r[2] == 200 and new_version in answer_versions(r[3])]
        swapped_at = min(first_new) if first_new else None  # the first answer from v2
        for _ in range(0 if args.no_promote else 120):  # from the switch on, RSS each second
            if http_get(base + "/v1/model", key)[1].get("model_version") == new_version:
                break
            time.sleep(0.25)
        rss_after = []
        for _ in range(30):
            time.sleep(1.0)
            rss_after.append(round(rss_mb(proc.pid), 1))
    finally:
        results["server_exit_code"] = stop_server(proc)
        results["server_log_tail"] = (tmp / "server.log").read_text(errors="replace")[-2000:]

    def summary(rows: list[tuple[float, float, int, bytes]]) -> dict[str, Any]:
        statuses = Counter(str(r[2]) for r in rows)
        per_version = Counter(",".join(sorted(answer_versions(r[3]))) for r in rows
                              if r[2] == 200)
        return {"requests": len(rows), "statuses": dict(statuses),
                "answers_by_version": dict(per_version),
                **percentiles([r[1] for r in rows])}

    results["before"] = summary(before)
    results["during"] = summary(during)
    mixed = sum(len(answer_versions(r[3])) > 1 for r in before + during if r[2] == 200)
    ordered = sorted(during, key=lambda r: r[0])
    versions = [next(iter(answer_versions(r[3])), "") for r in ordered if r[2] == 200]
    first_new = versions.index(new_version) if new_version in versions else len(versions)
    out_of_order = sum(v != old_version for v in versions[:first_new]) + sum(
        v != new_version for v in versions[first_new:])
    # where the tail comes from: the slowest answers during the swap phase, each with its
    # scheduled start in seconds from the promotion (negative: before it)
    results["slowest_during"] = [
        {"start_s": round(r[0] - promoted_at, 3), "latency_ms": round(1000 * r[1], 1)}
        for r in sorted(during, key=lambda r: -r[1])[:12]]
    results.update(mixed_answers=mixed, out_of_order_answers=out_of_order,
                   swap_seconds=None if swapped_at is None else swapped_at - promoted_at,
                   rss_mb_before_swap=rss_before, rss_mb_each_second_after=rss_after)
    p99_before, p99_during = results["before"]["p99_ms"], results["during"]["p99_ms"]
    back = [i + 1 for i, v in enumerate(rss_after) if v <= rss_before * 1.05]
    results["rss_back_after_s"] = back[0] if back else None
    bad = {k: v for k, v in (Counter(results["before"]["statuses"])
                             + Counter(results["during"]["statuses"])).items() if k != "200"}
    results["passed"] = {
        "p99_during_le_2x_before": p99_during <= 2 * p99_before,
        "only_200": not bad,
        "one_version_per_answer": mixed == 0,
        "switched_once": out_of_order == 0 and new_version in versions,
        "rss_back_within_30s": bool(back),
    }
    results["control_no_promotion"] = bool(args.no_promote)
    if args.no_promote:  # nothing was swapped: only the RSS readings mean anything
        results["passed"] = {"rss_back_within_30s": bool(back)}
    print(("control, no promotion" if args.no_promote else "hot swap")
          + f" at {rate:.1f} req/s ({results['backend']}): p99 before "
          f"{p99_before:.1f} ms, during {p99_during:.1f} ms ({p99_during / p99_before:.2f}x, "
          f"target <= 2x); statuses before {results['before']['statuses']}, during "
          f"{results['during']['statuses']}; answers during by version "
          f"{results['during']['answers_by_version']}; first answer from v2 "
          f"{results['swap_seconds'] or float('nan'):.2f} s after the promotion; RSS "
          f"{rss_before:.0f} MB before, {rss_after[0]:.0f} MB 1 s after, {rss_after[-1]:.0f} MB "
          f"30 s after (back within 5% after "
          f"{results['rss_back_after_s']} s)", flush=True)
    print("slowest answers during the swap phase (start from the promotion: latency): " + ", ".join(
        f"{x['start_s']:+.2f} s: {x['latency_ms']:.0f} ms" for x in results["slowest_during"]),
        flush=True)
    return results


def report(args: argparse.Namespace, results: dict[str, Any]) -> int:
    """Print what passed, write ``--json``; the exit code (0: every target met)."""
    print(json.dumps(results.get("passed", {}), indent=2))
    print(f"server exit code: {results.get('server_exit_code')}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str) + "\n")
    return 0 if all(results.get("passed", {"x": False}).values()) else 1


def offline_throughput(model: str, backend: str, listings: list[dict[str, Any]], n: int,
                       seconds: float) -> dict[str, Any]:
    from nlp_ip.inference import ListingClassifier

    clf = ListingClassifier.from_pretrained(model, backend=backend)
    rows = [listings[i % len(listings)] for i in range(n)]
    clf.predict(rows[:64])  # warm-up
    done = 0
    started = time.perf_counter()
    while True:
        clf.predict(rows)
        done += len(rows)
        if time.perf_counter() - started >= min(seconds, 10.0) or done >= 4 * n:
            break
    elapsed = time.perf_counter() - started
    name = clf.backend_name
    clf.close()
    return {"backend": name, "listings": done, "seconds": elapsed,
            "listings_per_s": done / elapsed}


# -- main ---------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="model folder (also for phase a)")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--url", help="target a running server (loopback only)")
    parser.add_argument("--api-key", help="key for --url (else NLP_IP_API_KEY)")
    parser.add_argument("--data", default=str(ROOT / "data" / "seed" / "listings.jsonl"))
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--phase-s", type=float, default=15.0, help="seconds per phase")
    parser.add_argument("--max-requests", type=int, default=50_000, help="per phase")
    parser.add_argument("--offline-n", type=int, default=2000)
    parser.add_argument("--server-arg", action="append", default=[],
                        help="extra flag for `nlp-ip serve` (repeatable)")
    parser.add_argument("--ready-timeout", type=float, default=180.0)
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--tracing", action="store_true",
                        help="compare (b)/(a) with OpenTelemetry tracing off and on instead")
    parser.add_argument("--rounds", type=int, default=2, help="with --tracing: rounds")
    parser.add_argument("--swap", action="store_true",
                        help="measure a hot swap (registry promotion) under load instead")
    parser.add_argument("--no-promote", action="store_true",
                        help="with --swap: the same run without the promotion (a control for "
                        "the RSS readings)")
    args = parser.parse_args(argv)
    if (args.tracing or args.swap) and args.url:
        raise SystemExit("--tracing and --swap start their own servers; leave out --url")
    if args.no_promote and not args.swap:
        parser.error("--no-promote is the control of --swap; add --swap")
    if args.tracing and args.swap:
        raise SystemExit("choose one of --tracing and --swap")

    listings = load_listings(Path(args.data))
    rng = random.Random(0)
    rng.shuffle(listings)
    results: dict[str, Any] = {"model": args.model, "data": args.data, "clients": args.clients,
                               "cpu_count": os.cpu_count()}
    proc: subprocess.Popen[bytes] | None = None
    tmp = Path(tempfile.mkdtemp(prefix="nlp-ip-load-"))
    hard_deadline = time.monotonic() + args.ready_timeout + 8 * args.phase_s + 240

    def on_alarm(*_: Any) -> None:
        raise TimeoutError("the load test ran past its time bound")

    signal.signal(signal.SIGALRM, on_alarm)
    if args.tracing:
        signal.alarm(int(args.rounds * 2 * (args.ready_timeout + 3 * args.phase_s + 120)))
        try:
            results.update(tracing_comparison(args, listings, tmp))
        finally:
            signal.alarm(0)
        return report(args, results)
    if args.swap:
        signal.alarm(int(args.ready_timeout + 4 * args.phase_s + 300))
        try:
            results.update(swap_under_load(args, listings, tmp))
        finally:
            signal.alarm(0)
        return report(args, results)
    signal.alarm(int(hard_deadline - time.monotonic()))
    try:
        if args.url:
            url = urlsplit(args.url)
            if url.hostname not in ("127.0.0.1", "localhost", "::1"):
                raise SystemExit("--url must be a loopback address (127.0.0.1, localhost, ::1)")
            host, port = "127.0.0.1" if url.hostname == "localhost" else url.hostname, \
                url.port or 80
            key = args.api_key or os.environ.get("NLP_IP_API_KEY")
            base = args.url.rstrip("/")
            pid = None
        else:
            from nlp_ip.serve.keys import add_key

            key = add_key(tmp / "keys.json", "load-test", ["classify", "metrics"])
            host, port = "127.0.0.1", free_port()
            base = f"http://{host}:{port}"
            proc = start_server(args.model, args.backend, tmp / "keys.json", port,
                                args.server_arg)
            pid = proc.pid
        t0 = time.perf_counter()
        wait_ready(base, proc, args.ready_timeout)
        results["server_ready_s"] = time.perf_counter() - t0
        status, info = http_get(base + "/v1/model", key)
        if status != 200:
            raise SystemExit(f"GET /v1/model answered {status}: {info}")
        backend = info["backend"]
        results.update(server_backend=backend, model_version=info["model_version"],
                       server_batching=info["batching"])
        print(f"server {base} ready: model {info['model_version']}, backend {backend}",
              flush=True)

        a = offline_throughput(args.model, backend, listings, args.offline_n, args.phase_s)
        results["a_offline"] = a
        print(f"(a) offline engine: {a['listings_per_s']:.1f} listings/s "
              f"({a['listings']} listings, backend {a['backend']})", flush=True)

        requests = [build_request(host, port, key, x) for x in listings]
        if pid is not None:
            results["rss_mb_start"] = rss_mb(pid)
        asyncio.run(closed_loop(host, port, requests, clients=args.clients,
                                seconds=min(3.0, args.phase_s), max_requests=2000))  # warm
        b = asyncio.run(closed_loop(host, port, requests, clients=args.clients,
                                    seconds=args.phase_s, max_requests=args.max_requests))
        b_lat = percentiles(b.pop("latencies"))
        ratio = b["throughput"] / a["listings_per_s"]
        results["b_closed_loop"] = {**b, **b_lat, "ratio_to_offline": ratio}
        print(f"(b) {args.clients} clients, 1 listing each: {b['throughput']:.1f} req/s = "
              f"{ratio:.1%} of offline (target >= 70%); statuses {b['statuses']}; "
              f"p50 {b_lat['p50_ms']:.1f} ms p99 {b_lat['p99_ms']:.1f} ms", flush=True)

        half = max(1.0, b["throughput"] / 2)
        c = asyncio.run(open_loop(host, port, requests, rate=half, seconds=args.phase_s,
                                  max_requests=args.max_requests))
        c_lat = percentiles(c.pop("latencies"))
        results["c_half_rate"] = {**c, **c_lat}
        print(f"(c) open loop at {half:.1f} req/s: p50 {c_lat['p50_ms']:.1f} ms, "
              f"p95 {c_lat['p95_ms']:.1f} ms, p99 {c_lat['p99_ms']:.1f} ms "
              f"(target p99 <= 250 ms); statuses {c['statuses']}", flush=True)

        if pid is not None:
            results["rss_mb_before_overload"] = rss_mb(pid)
        double = 2 * b["throughput"]
        d = asyncio.run(open_loop(host, port, requests, rate=double, seconds=args.phase_s,
                                  max_requests=args.max_requests))
        d_lat = percentiles(d.pop("latencies"))
        time.sleep(1.0)
        if pid is not None:
            results["rss_mb_after_overload"] = rss_mb(pid)
        d2 = asyncio.run(open_loop(host, port, requests, rate=double, seconds=args.phase_s,
                                   max_requests=args.max_requests))
        d2.pop("latencies")
        time.sleep(1.0)
        if pid is not None:
            results["rss_mb_after_second_overload"] = rss_mb(pid)
        statuses = Counter(d["statuses"]) + Counter(d2["statuses"])
        bad = {k: v for k, v in statuses.items() if k not in ("200", "429")}
        results["d_double_rate"] = {**d, **d_lat, "second_run": d2,
                                    "statuses_total": dict(statuses), "unexpected": bad}
        rss = ""
        if pid is not None:
            rss = (f"; server RSS {results['rss_mb_before_overload']:.0f} MB before, "
                   f"{results['rss_mb_after_overload']:.0f} MB after one, "
                   f"{results['rss_mb_after_second_overload']:.0f} MB after two overload runs")
        print(f"(d) open loop at {double:.1f} req/s (2x), two runs: statuses {dict(statuses)}"
              f"{rss}", flush=True)
        status, metrics = http_get(base + "/metrics", key)
        if status == 200:
            results["server_metrics"] = metric_summary(str(metrics))
            print(f"server metrics: {results['server_metrics']}", flush=True)
        results["passed"] = {
            "b_ratio_ge_70pct": ratio >= 0.70,
            "c_p99_le_250ms": c_lat["p99_ms"] <= 250.0,
            "d_only_200_429": not bad,
        }
        if pid is not None:
            growth = results["rss_mb_after_second_overload"] - results["rss_mb_after_overload"]
            results["rss_growth_second_overload_mb"] = growth
            results["passed"]["d_memory_flat"] = growth < 25.0
    finally:
        signal.alarm(0)
        if proc is not None:
            results["server_exit_code"] = stop_server(proc)
            results["server_log_tail"] = (tmp / "server.log").read_text(
                errors="replace")[-2000:]
    return report(args, results)


if __name__ == "__main__":
    sys.exit(main())
