"""SIGTERM to ``nlp-ip serve`` and ``nlp-ip review serve`` while clients keep sending.

Real server processes on 127.0.0.1 and a free port; each client thread sends requests one
after the other, at most ``MAX_REQUESTS``, and stops at the first connection the server
refuses. After SIGTERM every request that reached the server is answered, 200 or 503 with
the error body: none is cut off (a reset, a half-sent answer), and the process exits 0.
The review database then holds every acknowledged decision exactly once, and its current
decisions match their history.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fault_support import ROOT, write_listings

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")

CLIENTS = 6
MAX_REQUESTS = 400  # per client: the loop stops by itself


def load_then_sigterm(proc: subprocess.Popen[bytes], clients: list[Callable[[], Any]],
                      send: Callable[[Any, int], str]) -> Counter[str]:
    """Run ``send(client, n)`` in a loop per client, SIGTERM the server once every client
    has had answers, and count the outcomes ("200", "503", "refused", or what went
    wrong)."""
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def loop(make_client: Callable[[], Any]) -> None:
        with make_client() as client:
            for n in range(MAX_REQUESTS):
                try:
                    outcome = send(client, n)
                except httpx.ConnectError:
                    outcome = "refused"  # the server was gone before the request was sent
                except httpx.TransportError as exc:
                    outcome = f"cut off: {type(exc).__name__}: {exc}"
                except AssertionError as exc:
                    outcome = f"wrong answer: {exc}"
                with lock:
                    outcomes[outcome] += 1
                if outcome != "200" and outcome != "503":
                    return

    threads = [threading.Thread(target=loop, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 120
    while outcomes["200"] < 3 * len(clients) and time.monotonic() < deadline \
            and any(thread.is_alive() for thread in threads):
        time.sleep(0.05)
    with lock:
        answered_before = outcomes["200"]
    proc.send_signal(signal.SIGTERM)
    for thread in threads:
        thread.join(timeout=120)
    # uvicorn shuts down gracefully, then raises the signal again for whoever waits on it
    assert proc.wait(timeout=60) in (0, -signal.SIGTERM)
    assert answered_before > 0, f"no load reached the server before SIGTERM: {outcomes}"
    outcomes["answered after SIGTERM"] = outcomes["200"] + outcomes["503"] - answered_before
    return outcomes


def test_sigterm_to_nlp_ip_serve_under_load(tfidf_model: Path, tmp_path: Path) -> None:
    from review_support import free_port, wait_for_http

    from nlp_ip.serve.keys import add_key

    key = add_key(tmp_path / "keys.json", "load", ["classify"])
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "nlp_ip", "serve", "--model", str(tfidf_model), "--keys-file",
         str(tmp_path / "keys.json"), "--port", str(port), "--shutdown-timeout", "20"],
        env=dict(os.environ, PYTHONPATH=str(ROOT)), cwd=ROOT, stdout=log,
        stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    rows = write_listings(tmp_path / "in.jsonl", 17).read_text(encoding="utf-8").splitlines()
    listings = [row for i, row in enumerate(rows) if i != 5]  # row 5 has a blank title
    body = ("{\"listings\": [" + ", ".join(listings) + "]}").encode()
    try:
        wait_for_http(url + "/healthz", proc)
        for _ in range(600):
            if httpx.get(url + "/readyz").status_code == 200:
                break
            time.sleep(0.1)

        def send(client: Any, n: int) -> str:
            answer = client.post("/v1/classify", content=body)
            if answer.status_code == 200:
                assert len(answer.json()["predictions"]) == 16
            else:
                assert answer.json()["error"]["code"] in ("not_ready", "timeout"), answer.text
            return str(answer.status_code)

        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        outcomes = load_then_sigterm(
            proc, [lambda: httpx.Client(base_url=url, timeout=60, headers=headers)] * CLIENTS,
            send)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    print(f"nlp-ip serve, SIGTERM under load: {dict(outcomes)}")
    assert set(outcomes) <= {"200", "503", "refused", "answered after SIGTERM"}, (
        outcomes, (tmp_path / "serve.log").read_text(errors="replace")[-3000:])


def test_sigterm_to_nlp_ip_review_serve_under_load(tmp_path: Path) -> None:
    import re

    from review_support import PASSWORD, fill_store, review_server_process

    from nlp_ip.review.auth import add_user

    store = fill_store(tmp_path / "review.sqlite")
    for r in range(CLIENTS):
        add_user(store, f"rev{r}", PASSWORD)
    acknowledged: list[tuple[str, int]] = []
    with review_server_process(store.path) as (proc, url, log):
        sessions = []
        for r in range(CLIENTS):
            client = httpx.Client(base_url=url, timeout=60)
            token = re.search(r'name="csrf_token" value="([^"]+)"',  # type: ignore[union-attr]
                              client.get("/login").text).group(1)
            assert client.post("/login", data={"username": f"rev{r}", "password": PASSWORD,
                                               "csrf_token": token}).status_code == 303
            csrf = re.search(r'name="csrf_token" value="([^"]+)"',  # type: ignore[union-attr]
                             client.get("/items/1").text).group(1)
            sessions.append((r, client, csrf))
        made = iter(sessions)
        lock = threading.Lock()

        def send(session: tuple[int, Any, str], n: int) -> str:
            r, client, csrf = session
            submission = f"rev{r}-{n}"
            answer = client.post(
                f"/items/{1 + (r + n) % 4}/decision",
                data={"decision": ("parody", "lookalike", "skip", "infringing")[n % 4],
                      "csrf_token": csrf, "submission_id": submission, "note": f"n{n}"},
                headers={"accept": "application/json"})
            if answer.status_code == 200:
                with lock:
                    acknowledged.append((submission, answer.json()["history_id"]))
            else:
                assert answer.status_code == 503, answer.text
            return str(answer.status_code)

        class Reuse:  # the signed-in clients, one per thread
            def __enter__(self) -> tuple[int, Any, str]:
                with lock:
                    self.session = next(made)
                return self.session

            def __exit__(self, *exc: object) -> None:
                self.session[1].close()

        outcomes = load_then_sigterm(proc, [Reuse] * CLIENTS, send)
        text = log.read_text(errors="replace")
    print(f"nlp-ip review serve, SIGTERM under load: {dict(outcomes)}")
    assert set(outcomes) <= {"200", "503", "refused", "answered after SIGTERM"}, (
        outcomes, text[-3000:])
    history = store.history()
    by_submission = {h["submission_id"]: h for h in history}
    assert len(by_submission) == len(history)  # no submission recorded twice
    for submission, history_id in acknowledged:  # every acknowledged decision is there
        assert by_submission[submission]["id"] == history_id
    last: dict[int, int] = {}
    for h in history:
        if h["action"] != "skip":
            last[h["item_id"]] = h["id"]
    current = {d["item_id"]: (d["history_id"], d["label"]) for d in store.decisions()}
    assert current == {item: (hid, next(h["action"] for h in history if h["id"] == hid))
                       for item, hid in last.items()}
