"""Helpers for the review tests: a review database filled without a model."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from nlp_ip.labels import LABEL_NAMES
from nlp_ip.review.build import text_key
from nlp_ip.review.explain import Explanation, words_of
from nlp_ip.review.queue import margins, risk_scores
from nlp_ip.review.store import ReviewStore, to_blob, utc_now
from nlp_ip.schema import Listing, parse_listing

PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[1]

LISTINGS: list[dict[str, Any]] = [
    {"id": "r-1", "title": "G.U.C.C.I belt 1:1 mirror quality",
     "description": "top grade copy, ships fast", "price": 25, "currency": "USD"},
    {"id": "r-2", "title": "Chewy Vuiton plush dog toy purse",
     "description": "a parody squeaker, not affiliated with any fashion house", "price": 12},
    {"id": "r-3", "title": "<script>alert('xss')</script> quilted chain flap bag",
     "description": "no logo <b>bold</b> & \"quoted\" <img src=x onerror=alert(1)>",
     "brand": "<i>NoName</i>"},
    {"id": "r-4", "title": "Nike Dunk Low Panda, StockX verified, size 10",
     "description": "receipt included", "price": 140, "currency": "USD", "brand": "Nike"},
]
PROBS = np.array([
    [0.55, 0.05, 0.30, 0.10],
    [0.20, 0.45, 0.30, 0.05],
    [0.10, 0.05, 0.48, 0.37],
    [0.25, 0.02, 0.03, 0.70],
])
BRANDS = [["Gucci"], ["Louis Vuitton"], [], ["Nike"]]


def fake_signals(listing: Listing) -> dict[str, Any]:
    """A brand mark on the first word and a cue on '1:1' when present."""
    words = words_of(listing)
    out: dict[str, Any] = {"brands": [], "cues": []}
    if words:
        first = words[0]
        out["brands"].append({"brand": "Gucci", "surface": first.text, "field": first.field,
                              "start": first.start, "end": first.end, "obfuscated": True})
    start = listing.title.find("1:1")
    if start >= 0:
        out["cues"].append({"kind": "counterfeit", "surface": "1:1", "field": "title",
                            "start": start, "end": start + 3})
    return out


def fill_store(path: Path, listings: list[dict[str, Any]] | None = None,
               probs: np.ndarray | None = None) -> ReviewStore:
    """A review database with ``listings`` queued in the given order."""
    listings = LISTINGS if listings is None else listings
    probs = PROBS if probs is None else probs
    store = ReviewStore(path, create=True)
    rows = []
    margin, risk = margins(probs), risk_scores(probs)
    for i, raw in enumerate(listings):
        listing = parse_listing(raw)
        top = int(probs[i].argmax())
        words = words_of(listing)
        scores = np.linspace(0.3, -0.1, num=len(words)) if words else np.zeros(0)
        signals = fake_signals(listing)
        expl = Explanation("occlusion", LABEL_NAMES[top], float(probs[i, top]), words, scores,
                           signals)
        brands = BRANDS[i % len(BRANDS)]
        rows.append({
            "position": i, "listing_id": listing.id,
            "listing": json.dumps(listing.to_record()), "text_key": text_key(listing),
            "predicted": LABEL_NAMES[top],
            "probs": json.dumps(dict(zip(LABEL_NAMES, probs[i].tolist(), strict=True))),
            "confidence": float(probs[i, top]), "margin": float(margin[i]),
            "risk": float(risk[i]), "policy_decision": "review",
            "brand": brands[0] if brands else None,
            "brands": ("|" + "|".join(brands) + "|") if brands else "",
            "signals": json.dumps(signals), "explanation": json.dumps(expl.to_dict()),
            "similar": json.dumps([{"train_row": 0, "listing_id": "t-1", "label": "parody",
                                    "similarity": 0.91, "title": "<b>Similar</b> tote",
                                    "description": "spoof"}]),
            "embedding": to_blob(np.ones(4)), "model_version": "test-model-v1",
            "added_at": utc_now()})
    store.add_items(rows)
    store.set_meta({"model_version": "test-model-v1", "rank": "uncertainty",
                    "max_margin": 0.2})
    return store


@contextmanager
def running_server(db: Path, **options: Any) -> Iterator[str]:
    """The review app on a free loopback port, in a thread; yields its base URL."""
    import uvicorn

    from nlp_ip.review.app import create_review_app

    app = create_review_app(db, secret="e2e-secret-0123456789abcdef", **options)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("review server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Poll ``url`` until it answers (the process must stay alive meanwhile)."""
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout:g} s") from None
            time.sleep(0.1)


@contextmanager
def review_server_process(db: Path, *flags: str
                          ) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """``nlp-ip review serve`` in its own process on a free loopback port; yields the
    process, its URL and the file that collects its log."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT),
               NLP_IP_REVIEW_SECRET="e2e-secret-0123456789abcdef")
    log_path = db.parent / f"review-serve-{port}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "nlp_ip", "review", "serve", "--db", str(db),
                             "--host", "127.0.0.1", "--port", str(port), *flags],
                            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/login", proc)
        yield proc, url, log_path
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
