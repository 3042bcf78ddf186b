"""The review server under concurrency: 8 reviewers submit 1,000 decisions in parallel and
none is lost; pages stay fast while another process holds the database's write lock."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from review_support import PASSWORD, fill_store, running_server

from nlp_ip.labels import LABEL_NAMES
from nlp_ip.review.auth import add_user

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")

REVIEWERS = 8
DECISIONS = 1000
ITEMS = 50


@pytest.mark.slow
def test_parallel_reviewers_lose_no_decision(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    listings = [{"id": f"c-{i}", "title": f"listing number {i} quilted bag"}
                for i in range(ITEMS)]
    probs = rng.dirichlet(np.ones(4), size=ITEMS)
    store = fill_store(tmp_path / "review.sqlite", listings, probs)
    for r in range(REVIEWERS):
        add_user(store, f"rev{r}", PASSWORD)

    with running_server(store.path) as url:
        def reviewer(r: int) -> list[int]:
            statuses = []
            with httpx.Client(base_url=url, timeout=60) as client:
                page = client.get("/login")
                token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
                signed = client.post("/login", data={"username": f"rev{r}",
                                                     "password": PASSWORD,
                                                     "csrf_token": token})
                assert signed.status_code == 303
                page = client.get("/items/1")
                csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
                for i in range(DECISIONS // REVIEWERS):
                    data = {"decision": LABEL_NAMES[(r + i) % 4], "csrf_token": csrf,
                            "submission_id": f"rev{r}-{i}", "note": f"n{i}"}
                    item = 1 + (r * 7 + i) % ITEMS
                    response = client.post(f"/items/{item}/decision", data=data,
                                           headers={"accept": "application/json"})
                    statuses.append(response.status_code)
                    if i % 10 == 0:  # a retried submission must not add a row
                        again = client.post(f"/items/{item}/decision", data=data,
                                            headers={"accept": "application/json"})
                        assert again.json()["duplicate"] is True
            return statuses

        with ThreadPoolExecutor(REVIEWERS) as pool:
            results = list(pool.map(reviewer, range(REVIEWERS)))

    assert all(code == 200 for codes in results for code in codes)
    history = store.history()
    assert len(history) == DECISIONS
    assert len({h["submission_id"] for h in history}) == DECISIONS
    # The current decision of each item is its last submission.
    last: dict[int, str] = {}
    for h in history:
        last[h["item_id"]] = h["action"]
    current = {d["item_id"]: d["label"] for d in store.decisions()}
    assert current == last


def hold_write_lock(db: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process (a `review build`, an import, a backup) holding the database's write
    lock for ``seconds``; returns once the lock is held."""
    code = ("import sqlite3, sys, time\n"
            "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "conn.execute('BEGIN IMMEDIATE')\n"
            "print('locked', flush=True)\n"
            "time.sleep(float(sys.argv[2]))\n"
            "conn.execute('ROLLBACK')\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(db), str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def signed_in_client(url: str, user: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    signed = client.post("/login", data={"username": user, "password": PASSWORD,
                                         "csrf_token": token})
    assert signed.status_code == 303, signed.text
    return client


def queue_latency_while_locked(tmp_path: Path, hold_s: float) -> dict[str, float]:
    """GET /queue latencies of one reviewer while another process holds the write lock and
    a second reviewer keeps submitting decisions (which wait for that lock)."""
    store = fill_store(tmp_path / "review.sqlite")
    add_user(store, "ana", PASSWORD)
    add_user(store, "ben", PASSWORD)
    with running_server(store.path) as url:
        reader, writer = signed_in_client(url, "ana"), signed_in_client(url, "ben")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"',  # type: ignore[union-attr]
                         writer.get("/items/1").text).group(1)
        holder = hold_write_lock(store.path, hold_s)
        writes: list[httpx.Response] = []

        def keep_deciding() -> None:
            i = 0
            while holder.poll() is None:
                writes.append(writer.post("/items/1/decision", data={
                    "decision": "parody", "csrf_token": csrf, "submission_id": f"ben-{i}"},
                    headers={"accept": "application/json"}))
                i += 1

        latencies = []
        with ThreadPoolExecutor(1) as pool:
            deciding = pool.submit(keep_deciding)
            time.sleep(0.2)  # ben's first decision now waits for the lock
            while holder.poll() is None:
                started = time.perf_counter()
                page = reader.get("/queue")
                latencies.append(time.perf_counter() - started)
                assert page.status_code == 200
                time.sleep(0.02)
            deciding.result()
        after = writer.post("/items/1/decision", data={
            "decision": "lookalike", "csrf_token": csrf, "submission_id": "ben-after"},
            headers={"accept": "application/json"})
        reader.close()
        writer.close()
    busy = [w for w in writes if w.status_code == 503]
    latencies.sort()
    stats = {"requests": len(latencies), "median_ms": 1000 * latencies[len(latencies) // 2],
             "max_ms": 1000 * latencies[-1], "busy_503": len(busy)}
    print(f"GET /queue while another process held the write lock for {hold_s:g} s: {stats}")
    assert stats["max_ms"] < 200, stats
    assert all(w.status_code in (200, 503) for w in writes), [w.status_code for w in writes]
    if hold_s > 2.5:  # longer than the web requests' busy timeout (2 s)
        assert busy, "no decision was answered 503 while the database stayed locked"
    for answer in busy:
        assert int(answer.headers["retry-after"]) >= 1
        assert "busy" in answer.text
    assert after.status_code == 200  # the lock is gone: decisions go through again
    history = store.history(1)
    assert [h["submission_id"] for h in history][-1] == "ben-after"
    assert store.item(1)["decided_label"] == "lookalike"  # type: ignore[index]
    return stats


def test_pages_stay_fast_while_another_process_holds_the_write_lock(tmp_path: Path) -> None:
    """Regression: the handlers were async but called SQLite (30 s busy timeout) on the
    event loop, so one decision waiting for the lock froze every reviewer's page."""
    stats = queue_latency_while_locked(tmp_path, hold_s=3.0)
    assert stats["requests"] >= 10


@pytest.mark.slow
def test_pages_stay_fast_while_the_write_lock_is_held_for_20_s(tmp_path: Path) -> None:
    stats = queue_latency_while_locked(tmp_path, hold_s=20.0)
    assert stats["requests"] >= 50
