"""The HTTP app with a fake classifier, in-process (fast): routes, errors, auth, batching."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from pathlib import Path

import httpx
import pytest
from serve_helpers import FakeClassifier, asgi_client, async_wait_until, make_key

from nlp_ip.labels import LABEL_NAMES
from nlp_ip.serve import ServeSettings, create_app

pytestmark = pytest.mark.anyio

WARMUP_BATCHES = [1, 8, 32]


def settings(keys_file: Path, **kw: object) -> ServeSettings:
    return ServeSettings(api_keys_file=keys_file, **kw)  # type: ignore[arg-type]


async def test_classify_returns_one_prediction_per_listing_in_order_with_ids(
        keys_file: Path, key: str) -> None:
    fake = FakeClassifier()
    app = create_app(settings(keys_file), fake)
    listings = [{"id": f"x{i}", "title": f"listing number {i}"} for i in range(7)]
    async with asgi_client(app, key) as client:
        r = await client.post("/v1/classify", json={"listings": listings})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [p["id"] for p in body["predictions"]] == [x["id"] for x in listings]
    assert body["model_version"] == "fake-1"
    assert body["request_id"] == r.headers["x-request-id"]
    for listing, p in zip(listings, body["predictions"], strict=True):
        expected = FakeClassifier.probs_for(listing["title"])
        assert p["label"] == LABEL_NAMES[int(expected.argmax())]
        assert p["probabilities"] == pytest.approx(dict(zip(LABEL_NAMES, expected,
                                                            strict=True)))
        assert sum(p["probabilities"].values()) == pytest.approx(1.0)
        assert p["decision"] in {"remove", "review", "allow"}
        assert "signals" not in p


async def test_concurrent_requests_each_get_their_own_rows_and_are_batched_together(
        keys_file: Path, key: str) -> None:
    fake = FakeClassifier(delay_s=0.005)
    app = create_app(settings(keys_file, max_wait_ms=5.0), fake)

    async def one(client: httpx.AsyncClient, r: int) -> None:
        n = 1 + r % 4
        listings = [{"id": f"r{r}-{i}", "title": f"req {r} row {i} " + "x" * (r % 7)}
                    for i in range(n)]
        resp = await client.post("/v1/classify", json={"listings": listings})
        assert resp.status_code == 200, resp.text
        preds = resp.json()["predictions"]
        assert [p["id"] for p in preds] == [x["id"] for x in listings]
        for listing, p in zip(listings, preds, strict=True):
            want = FakeClassifier.probs_for(listing["title"])
            assert p["confidence"] == pytest.approx(float(want.max()))

    async with asgi_client(app, key) as client:
        await asyncio.gather(*(one(client, r) for r in range(120)))
    served = fake.batches[len(WARMUP_BATCHES):]
    assert sum(served) == sum(1 + r % 4 for r in range(120))
    assert max(served) > 4, f"no cross-request batching happened: {served}"
    assert len(served) < 120


async def test_missing_and_wrong_keys_get_401_that_leaks_nothing(keys_file: Path,
                                                                 key: str) -> None:
    app = create_app(settings(keys_file), FakeClassifier())
    wrong_same_id = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    async with asgi_client(app) as client:
        answers = []
        for headers in ({}, {"Authorization": "Bearer nope"},
                        {"Authorization": f"Bearer {wrong_same_id}"},
                        {"Authorization": f"Basic {key}"},
                        {"Authorization": "Bearer nlpip_000000000000_" + "a" * 43}):
            r = await client.post("/v1/classify", json={"listings": ["x"]}, headers=headers)
            assert r.status_code == 401
            assert r.headers["www-authenticate"].startswith("Bearer")
            answers.append(r.json()["error"])
        for path in ("/v1/model", "/metrics", "/openapi.json", "/docs", "/no-such-route"):
            assert (await client.get(path)).status_code == 401
    # every 401 body is the same: no hint whether the key id exists, nothing echoed
    assert all(a == answers[0] for a in answers)
    assert answers[0]["code"] == "unauthenticated"
    assert "moderation" not in json.dumps(answers) and key[:18] not in json.dumps(answers)


async def test_key_without_the_scope_gets_403(keys_file: Path, key: str) -> None:
    metrics_key = make_key(keys_file, "prometheus", ("metrics",))
    app = create_app(settings(keys_file), FakeClassifier())
    async with asgi_client(app) as client:
        r = await client.post("/v1/classify", json={"listings": ["x"]},
                              headers={"Authorization": f"Bearer {metrics_key}"})
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "forbidden"
        assert "prometheus" not in r.text and "metrics" not in r.text
        r = await client.get("/metrics", headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 403
        r = await client.get("/metrics", headers={"Authorization": f"Bearer {metrics_key}"})
        assert r.status_code == 200


async def test_health_and_ready_need_no_key_and_readiness_waits_for_the_model(
        keys_file: Path, key: str) -> None:
    gate = threading.Event()
    fake = FakeClassifier(gate=gate)
    app = create_app(settings(keys_file), fake)
    async with asgi_client(app, wait_ready=False) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        r = await client.get("/readyz")  # warm-up is blocked on the gate
        assert r.status_code == 503
        assert r.json()["error"]["code"] == "not_ready"
        assert r.headers["retry-after"]
        r = await client.post("/v1/classify", json={"listings": ["x"]},
                              headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 503
        gate.set()
        for _ in range(200):
            if (await client.get("/readyz")).status_code == 200:
                break
            await asyncio.sleep(0.01)
        r = await client.get("/readyz")
        assert r.status_code == 200 and r.json()["model_version"] == "fake-1"
    assert fake.batches == WARMUP_BATCHES  # the warm-up ran before ready


async def test_invalid_listings_get_422_naming_each_field_and_index(keys_file: Path,
                                                                    key: str) -> None:
    app = create_app(settings(keys_file), FakeClassifier())
    bad = [{"title": "fine"}, {"title": "   "}, {"title": "ok", "price": -3},
           {"description": "no title"}, {"title": "x", "currency": "EURO"}]
    async with asgi_client(app, key) as client:
        r = await client.post("/v1/classify", json={"listings": bad})
    assert r.status_code == 422
    details = r.json()["error"]["details"]
    assert {(d["field"], d["index"]) for d in details} == {
        ("title", 1), ("price", 2), ("title", 3), ("currency", 4)}
    assert any("ISO 4217" in d["message"] for d in details)


@pytest.mark.parametrize(("body", "field"), [
    (b"{not json", "body"),
    (b'{"items": []}', "listings"),
    (b'{"listings": "a"}', "listings"),
    (b'{"listings": []}', "listings"),
    (b'{"listings": ["a"], "extra": 1}', "extra"),
    (b'{"listings": [{"title": "a\\ud800"}]}', "title"),
    # a non-ASCII field name with a surrogate in its value was a 500 (found by
    # benchmarks/fuzz_inputs.py)
    (b'{"listings": [{"title": "a", "\\u00f4t\\u00e9": "\\udcff"}]}', "\\xf4t\\xe9"),
    (b"\xff\xfe{}", "body"),
    (b"[" * 100_000 + b"]" * 100_000, "body"),
])
async def test_malformed_bodies_get_422(keys_file: Path, key: str, body: bytes,
                                        field: str) -> None:
    app = create_app(settings(keys_file), FakeClassifier())
    async with asgi_client(app, key) as client:
        r = await client.post("/v1/classify", content=body,
                              headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["field"] == field


@pytest.mark.parametrize(("body", "field", "index"), [
    (b'{"listings": [{"title": "a", "price": ' + b"9" * 400 + b"}]}", "price", 0),
    (b'{"listings": ["x", {"title": "a", "price": -' + b"9" * 400 + b"}]}", "price", 1),
    (b'{"listings": [{"title": "a", "price": ' + b"9" * 5000 + b"}]}", "price", 0),
    (b'{"listings": ["x", "y", {"title": "a", "id": -' + b"1" * 4301 + b"}]}", "id", 2),
    (b'{"listings": [{"title": "a", "seller": {"ratings": [1, ' + b"7" * 9000 + b"]}}]}",
     "seller.ratings.1", 0),
    (b'{"listings": [' + b"9" * 5000 + b"]}", "listing", 0),
    (b'{"listings": ["a"], "n": ' + b"9" * 5000 + b"}", "n", None),
])
async def test_huge_integers_in_the_body_get_422_naming_the_field(
        keys_file: Path, key: str, body: bytes, field: str, index: int | None) -> None:
    """Regression: a negative 400-digit price raised OverflowError, and any integer of more
    than 4,300 digits ValueError in json.loads: both answered 500."""
    app = create_app(settings(keys_file), FakeClassifier())
    async with asgi_client(app, key) as client:
        r = await client.post("/v1/classify", content=body,
                              headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_input"
    assert (error["details"][0]["field"], error["details"][0]["index"]) == (field, index)
    assert "digits" in error["details"][0]["message"] or ">= 0" in error["details"][0][
        "message"]


async def test_too_many_listings_and_too_large_bodies_get_413(keys_file: Path,
                                                              key: str) -> None:
    fake = FakeClassifier()
    app = create_app(settings(keys_file, max_listings=5, max_body_bytes=2048), fake)
    async with asgi_client(app, key) as client:
        r = await client.post("/v1/classify", json={"listings": ["x"] * 6})
        assert r.status_code == 413
        assert "limit is 5" in r.json()["error"]["message"]
        r = await client.post("/v1/classify", json={"listings": [{"title": "y" * 3000}]})
        assert r.status_code == 413
        assert r.json()["error"]["code"] == "input_too_large"

        async def chunked() -> object:  # no Content-Length: counted while reading
            for _ in range(10):
                yield b" " * 1000

        r = await client.post("/v1/classify", content=chunked(),
                              headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        # a listing field over the schema's limit is also "too large"
        r = await client.post("/v1/classify", json={"listings": [{"title": "t" * 1001}]})
        assert r.status_code == 413
        assert r.json()["error"]["details"][0]["field"] == "title"
    assert fake.batches == WARMUP_BATCHES  # nothing but the warm-up reached the engine


async def test_full_queue_gets_429_with_retry_after(keys_file: Path, key: str) -> None:
    gate = threading.Event()
    fake = FakeClassifier(gate=gate)
    metrics_key = make_key(keys_file, "m", ("metrics",))
    app = create_app(settings(keys_file, max_queue_rows=4, max_batch_rows=2, warmup=False,
                              request_timeout_s=20), fake)
    async with asgi_client(app, key, wait_ready=True) as client:
        first = asyncio.ensure_future(client.post("/v1/classify", json={"listings": ["a"]}))
        await async_wait_until(lambda: fake.calls == 1)  # the engine now blocks on "a"
        queued = [asyncio.ensure_future(client.post("/v1/classify",
                                                    json={"listings": ["b", "c"]}))
                  for _ in range(2)]
        await async_wait_until(lambda: app.state.nlp.batcher.queued_rows == 4)
        r = await client.post("/v1/classify", json={"listings": ["d"]})
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        assert r.json()["error"]["code"] == "overloaded"
        m = await client.get("/metrics", headers={"Authorization": f"Bearer {metrics_key}"})
        assert 'nlp_ip_rejections_total{reason="overloaded"} 1.0' in m.text
        assert "nlp_ip_queue_depth_rows 4.0" in m.text
        gate.set()
        for resp in [await first, *(await asyncio.gather(*queued))]:
            assert resp.status_code == 200


async def test_request_timeout_gets_503_and_the_job_leaves_the_queue(keys_file: Path,
                                                                      key: str) -> None:
    gate = threading.Event()
    fake = FakeClassifier(gate=gate)
    app = create_app(settings(keys_file, request_timeout_s=2.0, max_queue_delay_s=1.0,
                              warmup=False), fake)
    async with asgi_client(app, key) as client:
        stuck = asyncio.ensure_future(client.post("/v1/classify", json={"listings": ["a"]}))
        await async_wait_until(lambda: fake.calls == 1)
        r = await client.post("/v1/classify", json={"listings": ["b"]})
        assert r.status_code == 503
        assert r.json()["error"]["code"] == "timeout"
        assert app.state.nlp.batcher.queued_rows == 0
        gate.set()
        assert (await stuck).status_code == 503
    assert "b" not in fake.titles_seen  # the timed-out request never reached the engine


async def test_explain_adds_signals(keys_file: Path, key: str,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import nlp_ip.serve.state as state_module

    monkeypatch.setattr(state_module, "_signals",
                        lambda listings, catalog: [{"title_len": len(x.title)} for x in listings])
    app = create_app(settings(keys_file), FakeClassifier())
    async with asgi_client(app, key) as client:
        r = await client.post("/v1/classify?explain=true",
                              json={"listings": ["ab", {"title": "abcd"}]})
        assert r.status_code == 200
        assert [p["signals"] for p in r.json()["predictions"]] == [
            {"title_len": 2}, {"title_len": 4}]
        r = await client.post("/v1/classify?explain=maybe", json={"listings": ["ab"]})
        assert r.status_code == 422
        assert r.json()["error"]["details"][0]["field"] == "explain"


async def test_explain_over_max_explain_listings_gets_413_naming_the_setting(
        keys_file: Path, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: ?explain=true took any number of listings per request."""
    import nlp_ip.serve.state as state_module

    monkeypatch.setattr(state_module, "_signals", lambda listings, catalog: [{}] * len(listings))
    app = create_app(settings(keys_file, max_explain_listings=2), FakeClassifier())
    async with asgi_client(app, key) as client:
        r = await client.post("/v1/classify?explain=true", json={"listings": ["a", "b", "c"]})
        assert r.status_code == 413, r.text  # a size limit, like max_listings
        assert r.json()["error"]["code"] == "input_too_large"
        detail = r.json()["error"]["details"][0]
        assert detail["field"] == "listings" and "max_explain_listings" in detail["message"]
        assert (await client.post("/v1/classify?explain=true",
                                  json={"listings": ["a", "b"]})).status_code == 200
        assert (await client.post("/v1/classify",
                                  json={"listings": ["a", "b", "c"]})).status_code == 200


async def test_explain_work_is_admitted_like_classification(
        keys_file: Path, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: explanations ran outside the queue's admission control: however many
    waited for the explain thread, ?explain=true requests were let in, then timed out."""
    import nlp_ip.serve.state as state_module

    gate = threading.Event()
    started: list[int] = []
    explained: list[str] = []

    def slow_signals(listings: list, catalog: object) -> list[dict]:
        started.append(len(listings))
        gate.wait(30)
        explained.extend(x.title for x in listings)
        return [{"n": 1}] * len(listings)

    monkeypatch.setattr(state_module, "_signals", slow_signals)
    fake = FakeClassifier()
    app = create_app(settings(keys_file, max_queue_rows=4, max_batch_rows=2, warmup=False,
                              request_timeout_s=3.0, max_queue_delay_s=1.0), fake)
    async with asgi_client(app, key) as client:
        first = asyncio.ensure_future(client.post("/v1/classify?explain=true",
                                                  json={"listings": ["a"]}))
        # "a" classified, and the explain thread stuck on it
        await async_wait_until(lambda: len(started) == 1 and fake.calls == 1)
        queued = [asyncio.ensure_future(client.post("/v1/classify?explain=true",
                                                    json={"listings": ["b", "c"]}))
                  for _ in range(2)]
        await async_wait_until(lambda: fake.calls == 3)  # 4 listings wait for explanations
        r = await client.post("/v1/classify?explain=true", json={"listings": ["d"]})
        assert r.status_code == 429, r.text
        assert r.json()["error"]["code"] == "overloaded" and int(r.headers["retry-after"]) >= 1
        # classification alone is not held up by the explanations' queue
        assert (await client.post("/v1/classify", json={"listings": ["e"]})).status_code == 200
        gate.set()
        answers = [await first, *(await asyncio.gather(*queued))]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert "d" not in explained


async def test_model_info_and_metrics(keys_file: Path, key: str) -> None:
    fake = FakeClassifier()
    fake.meta.metrics.update({"validation": {"macro_f1": 0.9, "n": 10,
                                             "per_class": {"x": {"f1": 1}}}})
    metrics_key = make_key(keys_file, "scraper", ("metrics",))
    app = create_app(settings(keys_file), fake)
    async with asgi_client(app, key) as client:
        info = (await client.get("/v1/model")).json()
        await client.post("/v1/classify", json={"listings": ["a", "b"]})
        await client.post("/v1/classify", json={"listings": []})
        text = (await client.get("/metrics",
                                 headers={"Authorization": f"Bearer {metrics_key}"})).text
    assert info["labels"] == list(LABEL_NAMES)
    assert info["backend"] == "fake" and info["model_version"] == "fake-1"
    assert info["thresholds"]["remove_threshold"] == 0.9
    assert info["metrics"] == {"validation": {"macro_f1": 0.9, "n": 10}}
    assert info["limits"]["max_listings"] == 256
    assert 'nlp_ip_requests_total{method="POST",route="/v1/classify",status="200"} 1.0' in text
    assert 'nlp_ip_requests_total{method="POST",route="/v1/classify",status="422"} 1.0' in text
    assert "nlp_ip_request_duration_seconds_bucket" in text
    assert "nlp_ip_batch_size_rows_bucket" in text
    assert "nlp_ip_listings_total 2.0" in text
    assert 'nlp_ip_model_info{backend="fake",model_version="fake-1"} 1.0' in text
    assert 'nlp_ip_rejections_total{reason="invalid_input"} 1.0' in text


async def test_keys_never_appear_in_logs(keys_file: Path, key: str,
                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    app = create_app(settings(keys_file), FakeClassifier())
    wrong = key[:-3] + "zzz"
    async with asgi_client(app) as client:
        for k in (key, wrong, key):
            await client.post("/v1/classify", json={"listings": ["x", {"title": " "}]},
                              headers={"Authorization": f"Bearer {k}"})
            await client.get("/v1/model", headers={"Authorization": f"Bearer {k}"})
    assert caplog.records, "nothing was logged, so the test proves nothing"
    secret_part = key.split("_", 2)[2]
    for text in (key, wrong, secret_part, wrong.split("_", 2)[2]):
        assert text not in caplog.text


async def test_openapi_documents_routes_examples_and_bearer_auth(keys_file: Path,
                                                                 key: str) -> None:
    app = create_app(settings(keys_file, max_listings=17), FakeClassifier())
    async with asgi_client(app, key) as client:
        schema = (await client.get("/openapi.json")).json()
        docs = await client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    paths = schema["paths"]
    assert {"/v1/classify", "/v1/model", "/healthz", "/readyz", "/metrics"} <= set(paths)
    body = paths["/v1/classify"]["post"]["requestBody"]["content"]["application/json"]
    assert body["examples"]
    # the body is read and validated by a dependency, so its schema is inline (not a component)
    request_schema = body["schema"]
    assert request_schema["title"] == "ClassifyRequest"
    assert request_schema["properties"]["listings"]["maxItems"] == 17
    assert schema["components"]["schemas"]["ClassifyResponse"]["examples"]
    assert paths["/v1/classify"]["post"]["security"] == [{"bearerAuth": []}]
    assert "security" not in paths["/healthz"]["get"]
    assert set(paths["/v1/classify"]["post"]["responses"]) >= {
        "200", "401", "403", "413", "422", "429", "503"}


async def test_public_docs_option_opens_only_the_docs(keys_file: Path, key: str) -> None:
    app = create_app(settings(keys_file, public_docs=True), FakeClassifier())
    async with asgi_client(app) as client:
        assert (await client.get("/openapi.json")).status_code == 200
        assert (await client.get("/v1/model")).status_code == 401


async def test_cors_is_off_by_default_and_allows_only_listed_origins(keys_file: Path,
                                                                      key: str) -> None:
    preflight = {"Origin": "https://tool.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}
    app = create_app(settings(keys_file), FakeClassifier())
    async with asgi_client(app, key) as client:
        r = await client.post("/v1/classify", json={"listings": ["a"]},
                              headers={"Origin": "https://tool.example"})
        assert "access-control-allow-origin" not in r.headers
        r = await client.options("/v1/classify", headers=preflight)
        assert "access-control-allow-origin" not in r.headers
    app = create_app(settings(keys_file, cors_origins="https://tool.example"), FakeClassifier())
    async with asgi_client(app, key) as client:
        r = await client.options("/v1/classify", headers=preflight)
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == "https://tool.example"
        r = await client.options("/v1/classify",
                                 headers={**preflight, "Origin": "https://evil.example"})
        assert r.headers.get("access-control-allow-origin") != "https://evil.example"


async def test_request_id_from_the_client_is_kept_when_safe(keys_file: Path, key: str) -> None:
    app = create_app(settings(keys_file), FakeClassifier())
    async with asgi_client(app, key) as client:
        r = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
        assert r.headers["x-request-id"] == "abc-123"
        r = await client.get("/healthz", headers={"X-Request-ID": "bad id\r\n"[:6]})
        assert r.headers["x-request-id"] != "bad id"


async def test_engine_failure_gives_500_without_details(keys_file: Path, key: str) -> None:
    class Broken(FakeClassifier):
        def predict(self, listings: object) -> list:  # type: ignore[override]
            if self.batches:
                raise RuntimeError("secret internal path /srv/model")
            self.batches.append(0)
            return []

    app = create_app(settings(keys_file, warmup=False), Broken())
    async with asgi_client(app, key) as client:
        r = await client.post("/v1/classify", json={"listings": ["a"]})
        assert r.status_code == 500
        assert "secret" not in r.text and r.json()["error"]["code"] == "internal_error"
        r = await client.post("/v1/classify", json={"listings": ["a"]})
        assert r.status_code == 500


async def test_no_auth_mode_on_loopback(tmp_path: Path) -> None:
    app = create_app(ServeSettings(auth=False), FakeClassifier())
    async with asgi_client(app) as client:
        r = await client.post("/v1/classify", json={"listings": ["a"]})
    assert r.status_code == 200
