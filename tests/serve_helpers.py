"""Test doubles and harnesses for the server tests (not a test module)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from nlp_ip.artifact import ModelMeta, TextSettings
from nlp_ip.inference import Prediction
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.schema import parse_listings


class FakeClassifier:
    """Same interface as ListingClassifier; the answer is a pure function of the title.

    ``gate``: when set to an unset Event, ``predict`` blocks until it is set (to fill
    queues, trigger timeouts, test shutdown). ``batches`` records rows per call.
    """

    def __init__(self, *, delay_s: float = 0.0, gate: threading.Event | None = None,
                 model_version: str = "fake-1") -> None:
        self.meta = ModelMeta(kind="tfidf", model_version=model_version,
                              text=TextSettings(builder_version=1, max_length=64))
        self.backend_name = "fake"
        self.model_version = model_version
        self.int8_kernel = None
        self.cascade = False
        self.delay_s = delay_s
        self.gate = gate
        self.batches: list[int] = []
        self.titles_seen: list[str] = []
        self.closed = False
        self.calls = 0  # predict calls started (a blocked call counts)

    @staticmethod
    def probs_for(title: str) -> np.ndarray:
        seed = zlib.crc32(title.encode("utf-8"))
        logits = np.array([(seed >> (8 * i)) & 0xFF for i in range(4)], dtype=np.float64) / 40
        e = np.exp(logits - logits.max())
        return e / e.sum()

    def predict_proba(self, listings: Any) -> np.ndarray:
        parsed = parse_listings(listings)
        return np.stack([self.probs_for(x.title) for x in parsed]) if parsed else \
            np.zeros((0, 4))

    def predict(self, listings: Any) -> list[Prediction]:
        parsed = parse_listings(listings)
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(30)
        if self.delay_s:
            time.sleep(self.delay_s)
        self.batches.append(len(parsed))
        self.titles_seen.extend(x.title for x in parsed)
        probs = self.predict_proba(parsed)
        decisions = self.meta.policy.decide_codes(probs)
        out = []
        for listing, row, decision in zip(parsed, probs, decisions, strict=True):
            top = int(row.argmax())
            out.append(Prediction(
                label=LABEL_NAMES[top],
                probabilities={n: float(p) for n, p in zip(LABEL_NAMES, row, strict=True)},
                confidence=float(row[top]), decision=str(decision),
                model_version=self.meta.model_version, id=listing.id))
        return out

    def close(self) -> None:
        self.closed = True


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll ``condition`` (tests must not rely on sleeps on a busy 2-core machine)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.005)


async def async_wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.005)


def make_key(path: Path, name: str = "tests", scopes: tuple[str, ...] = ("classify",)) -> str:
    from nlp_ip.serve.keys import add_key

    return add_key(path, name, scopes)


@contextlib.asynccontextmanager
async def asgi_client(app: Any, key: str | None = None, *, wait_ready: bool = True
                      ) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client on the app in-process, with the app's lifespan running."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with app.router.lifespan_context(app):
        state = app.state.nlp
        if wait_ready:
            for _ in range(12000):
                if state.ready or state.load_error:
                    break
                await asyncio.sleep(0.01)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                     headers=headers) as client:
            yield client


@contextlib.contextmanager
def running_server(app: Any, *, graceful_s: float = 5.0, wait_ready: bool = True
                   ) -> Iterator[tuple[Any, str]]:
    """A real uvicorn server on 127.0.0.1 and an ephemeral port, in a thread."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                            lifespan="on", timeout_graceful_shutdown=graceful_s)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(1000):
        if server.started:
            break
        time.sleep(0.01)
    assert server.started, "uvicorn did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    for _ in range(12000 if wait_ready else 0):
        if app.state.nlp.ready:
            break
        time.sleep(0.01)
    try:
        yield server, base
    finally:
        server.should_exit = True
        thread.join(30)


@functools.cache
def memory_spans() -> Any:
    """An in-memory span exporter behind this process's tracer provider (set once: OpenTelemetry
    allows one global provider per process). Clear it at the start of a test."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    assert trace.get_tracer_provider() is provider, "another tracer provider was set first"
    return exporter


async def classify_loop(client: httpx.AsyncClient, listings: list[Any], stop: asyncio.Event,
                        seen: list[tuple[int, set[str]]]) -> None:
    """POST ``listings`` until ``stop``; record (status, versions named in the answer)."""
    while not stop.is_set():
        answer = await client.post("/v1/classify", json={"listings": listings})
        body = answer.json()
        versions = {p["model_version"] for p in body.get("predictions", [])}
        if answer.status_code == 200:
            versions.add(body["model_version"])
        seen.append((answer.status_code, versions))


async def swap_under_requests(client: httpx.AsyncClient, listings: list[Any],
                              promote: Callable[[], Any], new_version: str
                              ) -> tuple[list[tuple[int, set[str]]], int]:
    """Send requests continuously, call ``promote`` once some are answered, and keep going
    until answers come from ``new_version``; the answers and how many came before it."""
    seen: list[tuple[int, set[str]]] = []
    stop = asyncio.Event()
    loop = asyncio.create_task(classify_loop(client, listings, stop, seen))
    for _ in range(1200):  # some answers from the old version first (slow machines included)
        if len(seen) >= 3:
            break
        await asyncio.sleep(0.05)
    before = len(seen)
    promote()
    for _ in range(1200):  # a follower polls, then loads and warms the new version
        await asyncio.sleep(0.05)
        if seen and seen[-1][1] == {new_version}:
            break
    after = len(seen)
    for _ in range(1200):
        if len(seen) >= after + 2:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await loop
    return seen, before


def assert_one_clean_switch(seen: list[tuple[int, set[str]]], before: int, old: str,
                            new: str) -> None:
    """No failed request, one version per answer, old answers then new ones, once."""
    assert before > 0 and len(seen) > before
    assert all(status == 200 for status, _ in seen), [s for s, _ in seen if s != 200]
    assert all(len(versions) == 1 for _, versions in seen)  # never a mix in one answer
    order = [next(iter(v)) for _, v in seen]
    switch = order.index(new)
    assert set(order[:switch]) == {old} and set(order[switch:]) == {new}
