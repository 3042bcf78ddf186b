"""The app under a real uvicorn server on 127.0.0.1: sockets, chunked bodies,
disconnects, graceful shutdown."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from serve_helpers import FakeClassifier, make_key, running_server, wait_until

from nlp_ip.serve import ServeSettings, create_app


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "keys.json"
    return path, make_key(path)


def raw_request(base: str, head: str, body: bytes = b"", *, read: bool = True) -> bytes:
    url = urlsplit(base)
    sock = socket.create_connection((url.hostname, url.port), timeout=10)
    sock.sendall(head.encode("latin-1") + b"\r\n\r\n" + body)
    if not read:
        return b"", sock  # type: ignore[return-value]
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    sock.close()
    return data


def test_declared_oversized_body_is_refused_before_it_is_sent(keys: tuple[Path, str]) -> None:
    path, key = keys
    app = create_app(ServeSettings(api_keys_file=path, max_body_bytes=4096), FakeClassifier())
    with running_server(app) as (_, base):
        started = time.perf_counter()
        answer = raw_request(base, "POST /v1/classify HTTP/1.1\r\nHost: x\r\n"
                             f"Authorization: Bearer {key}\r\nContent-Type: application/json"
                             "\r\nContent-Length: 50000000")
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert time.perf_counter() - started < 5  # did not wait for 50 MB


def test_chunked_body_over_the_limit_is_refused(keys: tuple[Path, str]) -> None:
    path, key = keys
    app = create_app(ServeSettings(api_keys_file=path, max_body_bytes=4096), FakeClassifier())

    def body():  # no length: httpx sends Transfer-Encoding: chunked
        yield b'{"listings": ["'
        for _ in range(100):
            yield b"a" * 1000
        yield b'"]}'

    with running_server(app) as (_, base):
        r = httpx.post(base + "/v1/classify", content=body(),
                       headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 413
        small = httpx.post(base + "/v1/classify", content=iter([b'{"listings": ', b'["a"]}']),
                           headers={"Authorization": f"Bearer {key}"})
        assert small.status_code == 200


def test_requests_of_clients_that_went_away_are_dropped(keys: tuple[Path, str]) -> None:
    path, key = keys
    gate = threading.Event()
    fake = FakeClassifier(gate=gate)
    app = create_app(ServeSettings(api_keys_file=path, warmup=False, max_wait_ms=0), fake)
    gate.set()
    with running_server(app) as (_, base):
        gate.clear()
        headers = {"Authorization": f"Bearer {key}"}
        with ThreadPoolExecutor(1) as pool:
            blocking = pool.submit(httpx.post, base + "/v1/classify",
                                   json={"listings": ["first"]}, headers=headers, timeout=30)
            wait_until(lambda: fake.calls == 1)  # the engine is now stuck on "first"
            body = b'{"listings": ["gone away"]}'
            _, sock = raw_request(base, "POST /v1/classify HTTP/1.1\r\nHost: x\r\n"  # type: ignore[misc]
                                  f"Authorization: Bearer {key}\r\n"
                                  f"Content-Length: {len(body)}", body, read=False)
            wait_until(lambda: app.state.nlp.batcher.queued_rows == 1)
            sock.close()
            wait_until(lambda: app.state.nlp.batcher.queued_rows == 0)  # dropped, never run
            gate.set()
            assert blocking.result().status_code == 200
        text = app.state.nlp.metrics.render()[0].decode()
    assert "gone away" not in fake.titles_seen
    assert 'nlp_ip_rejections_total{reason="client_disconnected"} 1.0' in text


def test_graceful_shutdown_finishes_in_flight_requests(keys: tuple[Path, str]) -> None:
    path, key = keys
    fake = FakeClassifier(delay_s=0.4)
    app = create_app(ServeSettings(api_keys_file=path, warmup=False, max_batch_rows=1), fake)
    headers = {"Authorization": f"Bearer {key}"}
    with running_server(app, graceful_s=20) as (server, base):
        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(httpx.post, base + "/v1/classify",
                                   json={"listings": [f"r{i}"]}, headers=headers, timeout=30)
                       for i in range(4)]
            # all four in flight: one in the engine (0.4 s each), three queued
            wait_until(lambda: fake.calls == 1 and app.state.nlp.batcher.queued_rows == 3)
            server.should_exit = True  # what SIGTERM does
            answers = [f.result() for f in futures]
    assert [a.status_code for a in answers] == [200] * 4
    assert sorted(fake.titles_seen) == ["r0", "r1", "r2", "r3"]
    with pytest.raises(httpx.ConnectError):
        httpx.get(base + "/healthz", timeout=2)


def test_sigterm_drains_kept_alive_connections_before_shutting_down(
        keys: tuple[Path, str]) -> None:
    """On SIGTERM new connections are refused at once, and each kept-alive connection gets
    its next answer (with ``Connection: close``, /readyz saying not ready) before it is
    closed: no client sending on a kept-alive connection is cut off without an answer."""
    import uvicorn

    from nlp_ip.draining import DrainMiddleware, draining_server

    path, key = keys
    app = create_app(ServeSettings(api_keys_file=path, warmup=False), FakeClassifier())
    drain = DrainMiddleware(app)
    config = uvicorn.Config(drain, host="127.0.0.1", port=0, log_level="warning",
                            lifespan="on", timeout_graceful_shutdown=5)
    server = draining_server(uvicorn, config, drain, 20.0,
                             on_drain=app.state.nlp.start_draining)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started)
    base = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    wait_until(lambda: app.state.nlp.ready)
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, headers=headers, timeout=10) as one, \
            httpx.Client(base_url=base, headers=headers, timeout=10) as two:
        before = one.post("/v1/classify", json={"listings": ["a"]})
        assert before.status_code == 200 and "close" not in before.headers.get("connection", "")
        assert two.get("/readyz").status_code == 200  # both connections kept alive
        started = time.monotonic()
        server.should_exit = True  # what SIGTERM does
        wait_until(lambda: drain.draining)
        with pytest.raises(httpx.ConnectError):  # the listener is closed
            httpx.get(base + "/healthz", timeout=2)
        during = one.post("/v1/classify", json={"listings": ["b"]})
        assert during.status_code == 200 and during.headers["connection"] == "close"
        ready = two.get("/readyz")
        assert ready.status_code == 503 and "draining" in ready.text
        assert ready.headers["connection"] == "close"
        with pytest.raises(httpx.ConnectError):  # closed after its answer: no reuse
            one.post("/v1/classify", json={"listings": ["c"]})
    thread.join(30)
    assert not thread.is_alive()
    # every connection closed, so the drain ended long before its 20 s
    assert time.monotonic() - started < 15
