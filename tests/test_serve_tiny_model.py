"""The server with the tiny trained model: real engine, real model folder, real process."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import numpy as np
import pytest
from serve_helpers import asgi_client, async_wait_until, make_key

from nlp_ip.client import Client
from nlp_ip.errors import (
    AuthenticationError,
    InputTooLargeError,
    InvalidInputError,
    PermissionDeniedError,
)
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.serve import ServeSettings, create_app

ROOT = Path(__file__).resolve().parents[1]
BACKEND = "torch-fp32"  # exact comparisons with the offline engine


def seed_listings(n: int) -> list[dict]:
    rows = []
    with (ROOT / "data" / "seed" / "listings.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            raw = json.loads(line)
            rows.append({k: raw[k] for k in ("title", "description", "price", "currency",
                                             "brand") if raw.get(k) is not None})
            if len(rows) == n:
                break
    return rows


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, str, str]:
    path = tmp_path / "keys.json"
    return path, make_key(path, "moderation"), make_key(path, "scraper", ("metrics",))


@pytest.mark.anyio
async def test_concurrent_requests_get_their_own_rows_matching_the_offline_engine(
        tiny_model: Path, keys: tuple[Path, str, str]) -> None:
    from nlp_ip.inference import ListingClassifier

    path, key, _ = keys
    listings = seed_listings(120)
    offline = ListingClassifier.from_pretrained(tiny_model, backend=BACKEND)
    expected = offline.predict_proba(listings)
    offline.close()
    app = create_app(ServeSettings(model=tiny_model, backend=BACKEND, api_keys_file=path,
                                   max_wait_ms=5))
    requests, start = [], 0
    while start < len(listings):
        n = 1 + len(requests) % 4
        requests.append([{**x, "id": f"row-{start + i}"}
                         for i, x in enumerate(listings[start:start + n])])
        start += n

    async with asgi_client(app, key) as client:
        assert app.state.nlp.ready, app.state.nlp.load_error
        answers = await asyncio.gather(*(client.post("/v1/classify", json={"listings": r})
                                         for r in requests))
        text = (await client.get("/v1/model")).json()
    for sent, answer in zip(requests, answers, strict=True):
        assert answer.status_code == 200, answer.text
        preds = answer.json()["predictions"]
        assert [p["id"] for p in preds] == [x["id"] for x in sent]
        for listing, p in zip(sent, preds, strict=True):
            row = int(listing["id"].split("-")[1])
            got = np.array([p["probabilities"][name] for name in LABEL_NAMES])
            np.testing.assert_allclose(got, expected[row], atol=1e-5)
            assert p["label"] == LABEL_NAMES[int(expected[row].argmax())]
    batches = app.state.nlp.batcher.batches_run
    assert batches < len(requests), "requests were not batched together"
    assert text["backend"] == BACKEND and text["labels"] == list(LABEL_NAMES)


@pytest.mark.anyio
async def test_error_paths_with_the_tiny_model(tiny_model: Path,
                                               keys: tuple[Path, str, str]) -> None:
    path, key, metrics_key = keys
    app = create_app(ServeSettings(model=tiny_model, backend=BACKEND, api_keys_file=path,
                                   max_listings=8, max_queue_rows=2))
    async with asgi_client(app) as client:
        auth = {"Authorization": f"Bearer {key}"}
        assert (await client.post("/v1/classify", json={"listings": ["x"]})).status_code == 401
        r = await client.post("/v1/classify", json={"listings": ["x"]},
                              headers={"Authorization": f"Bearer {metrics_key}"})
        assert r.status_code == 403
        r = await client.post("/v1/classify", json={"listings": ["x"] * 9}, headers=auth)
        assert r.status_code == 413
        r = await client.post("/v1/classify", json={"listings": ["ok", {"title": ""}]},
                              headers=auth)
        assert r.status_code == 422
        assert r.json()["error"]["details"][0] == {
            "field": "title", "index": 1,
            "message": "is blank; every listing needs a title with visible text"}
        # block the real engine on its next batch to fill the queue deterministically
        gate = threading.Event()
        entered = threading.Event()
        real_predict = app.state.nlp.classifier.predict

        def gated(rows: object) -> object:
            entered.set()
            gate.wait(10)
            return real_predict(rows)

        app.state.nlp.classifier.predict = gated
        first = asyncio.ensure_future(client.post("/v1/classify", json={"listings": ["a"]},
                                                  headers=auth))
        await async_wait_until(entered.is_set)
        second = asyncio.ensure_future(client.post("/v1/classify",
                                                   json={"listings": ["b", "c"]}, headers=auth))
        await async_wait_until(lambda: app.state.nlp.batcher.queued_rows == 2)
        r = await client.post("/v1/classify", json={"listings": ["d"]}, headers=auth)
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        gate.set()
        assert (await first).status_code == 200 and (await second).status_code == 200


@pytest.mark.anyio
async def test_readiness_follows_loading_and_warm_up(tiny_model: Path,
                                                     keys: tuple[Path, str, str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from nlp_ip.serve.state import ServerState

    path, key, _ = keys
    gate = threading.Event()
    real_load = ServerState._load

    def slow_load(self: ServerState) -> object:
        gate.wait(20)
        return real_load(self)

    monkeypatch.setattr(ServerState, "_load", slow_load)
    app = create_app(ServeSettings(model=tiny_model, backend=BACKEND, api_keys_file=path))
    async with asgi_client(app, key, wait_ready=False) as client:
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).status_code == 503
        assert (await client.post("/v1/classify", json={"listings": ["x"]})).status_code == 503
        gate.set()
        for _ in range(600):
            if (await client.get("/readyz")).status_code == 200:
                break
            await asyncio.sleep(0.05)
        assert (await client.get("/readyz")).status_code == 200
        assert (await client.post("/v1/classify", json={"listings": ["x"]})).status_code == 200


@pytest.mark.anyio
async def test_explain_returns_signals_from_the_text_layer(tiny_model: Path,
                                                           keys: tuple[Path, str, str]) -> None:
    path, key, _ = keys
    app = create_app(ServeSettings(model=tiny_model, backend=BACKEND, api_keys_file=path))
    async with asgi_client(app, key) as client:
        r = await client.post("/v1/classify?explain=true", json={"listings": [
            {"id": "g", "title": "G.U.C.C.I belt 1:1 mirror quality", "price": 25,
             "currency": "USD"}, {"id": "p", "title": "Plain leather belt"}]})
        plain = await client.post("/v1/classify", json={"listings": ["Plain leather belt"]})
    assert r.status_code == 200, r.text
    first, second = r.json()["predictions"]
    assert first["signals"]["brands"][0]["brand"] == "Gucci"
    assert first["signals"]["cues"], "the counterfeit cue '1:1' was not reported"
    assert second["signals"]["brands"] == []
    assert "signals" not in plain.json()["predictions"][0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(env_extra: dict[str, str], tmp_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "NLP_IP_PORT": str(port), "NLP_IP_HOST": "127.0.0.1", **env_extra}
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "nlp_ip", "serve"], env=env, stdout=log,
                            stderr=subprocess.STDOUT, cwd=ROOT)
    return proc, f"http://127.0.0.1:{port}"


@pytest.mark.slow  # a server subprocess loading torch: 20-120 s on 2 busy cores
def test_cli_server_process_from_env_variables_serves_and_stops_cleanly(
        tiny_model: Path, keys: tuple[Path, str, str], tmp_path: Path) -> None:
    path, key, metrics_key = keys
    proc, base = start({"NLP_IP_MODEL": str(tiny_model), "NLP_IP_API_KEYS_FILE": str(path),
                        "NLP_IP_BACKEND": BACKEND, "NLP_IP_MAX_LISTINGS": "10"}, tmp_path)
    try:
        with Client(base, key, batch_size=10) as client:
            client.wait_ready(timeout=120)
            listings = [{"id": f"i{i}", "title": t["title"]}
                        for i, t in enumerate(seed_listings(25))]
            out = client.classify(listings)
            assert [p.id for p in out] == [x["id"] for x in listings]
            assert client.model_info()["limits"]["max_listings"] == 10
            with pytest.raises(InvalidInputError, match="row 1: field 'title'"):
                client.classify(["ok", " "])
        with Client(base, metrics_key) as scraper, pytest.raises(PermissionDeniedError):
            scraper.classify(["x"])
        with Client(base, "wrong") as bad, pytest.raises(AuthenticationError):
            bad.model_info()
        big = httpx.post(base + "/v1/classify", json={"listings": ["x"] * 11},
                         headers={"Authorization": f"Bearer {key}"})
        assert big.status_code == 413
        with pytest.raises(InputTooLargeError):
            raise_from(big)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    log = (tmp_path / "server.log").read_text()
    # uvicorn re-raises the signal after its graceful shutdown, as daemons conventionally do
    assert code in (0, -signal.SIGTERM), log
    assert "Application shutdown complete" in log
    assert key not in log and metrics_key not in log
    assert "ready: model" in log


def raise_from(response: httpx.Response) -> None:
    from nlp_ip.serve.errors import error_from_response

    raise error_from_response(response.status_code, response.json(), response.headers)


@pytest.mark.slow  # a server subprocess loading torch: 20-120 s on 2 busy cores
def test_cli_server_exits_with_an_error_when_the_model_cannot_load(
        tiny_model: Path, keys: tuple[Path, str, str], tmp_path: Path) -> None:
    path, _, _ = keys
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model, broken)
    for weights in broken.glob("*.safetensors"):
        weights.write_bytes(b"not weights")
    proc, _ = start({"NLP_IP_MODEL": str(broken), "NLP_IP_API_KEYS_FILE": str(path),
                        "NLP_IP_BACKEND": BACKEND}, tmp_path)
    code = proc.wait(timeout=120)
    log = (tmp_path / "server.log").read_text()
    assert code == 1, log
    assert "could not be loaded" in log


@pytest.mark.slow  # a server subprocess loading torch: 20-120 s on 2 busy cores
def test_loaded_server_does_not_import_the_training_stack(tiny_model: Path,
                                                          keys: tuple[Path, str, str]) -> None:
    path, _, _ = keys
    code = f"""
import sys, json
from nlp_ip.inference import ListingClassifier
from nlp_ip.serve import ServeSettings, create_app
clf = ListingClassifier.from_pretrained({str(tiny_model)!r}, backend={BACKEND!r})
clf.predict(["a listing"])
create_app(ServeSettings(model={str(tiny_model)!r}, api_keys_file={str(path)!r}), clf)
print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} &
                        {{'nlp_ip_train', 'datasets', 'sklearn'}})))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=300, cwd=ROOT)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
