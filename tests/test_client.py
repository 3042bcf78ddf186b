"""nlp_ip.client.Client: batching, retries honouring Retry-After, the library's errors."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest
from serve_helpers import FakeClassifier, make_key, running_server

from nlp_ip.client import Client
from nlp_ip.errors import (
    AuthenticationError,
    InputTooLargeError,
    InvalidInputError,
    NlpIpError,
    NotReadyError,
    OverloadedError,
    PermissionDeniedError,
    RequestTimeoutError,
)
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.serve import ServeSettings, create_app


def prediction(listing: dict) -> dict:
    return {"id": listing.get("id"), "label": LABEL_NAMES[0],
            "probabilities": dict.fromkeys(LABEL_NAMES, 0.25), "confidence": 0.25,
            "decision": "review", "model_version": "mock-1"}


class Script:
    """A MockTransport handler answering from a list of (status, headers, body)."""

    def __init__(self, *answers: tuple[int, dict, object]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, headers, body = self.answers.pop(0) if self.answers else (200, {}, None)
        if status == 200 and body is None:
            listings = json.loads(request.content)["listings"]
            body = {"predictions": [prediction(x) for x in listings],
                    "model_version": "mock-1", "request_id": "r"}
        return httpx.Response(status, headers=headers, json=body)


def client(script: Script, **kw: object) -> tuple[Client, list[float]]:
    sleeps: list[float] = []
    c = Client("http://mock", "nlpip_secret", transport=httpx.MockTransport(script),
               sleep=sleeps.append, **kw)  # type: ignore[arg-type]
    return c, sleeps


def error(code: str, details: list | None = None) -> dict:
    return {"error": {"code": code, "message": code, "details": details or []},
            "request_id": "rid"}


def test_batches_long_lists_and_keeps_order_and_ids() -> None:
    script = Script()
    c, _ = client(script, batch_size=4)
    listings = [{"id": f"i{i}", "title": f"t{i}"} for i in range(10)]
    out = c.classify(listings)
    assert [p.id for p in out] == [x["id"] for x in listings]
    assert [len(json.loads(r.content)["listings"]) for r in script.requests] == [4, 4, 2]
    assert script.requests[0].headers["authorization"] == "Bearer nlpip_secret"
    assert "secret" not in repr(c)


def test_retries_429_and_503_honouring_retry_after() -> None:
    script = Script((429, {"Retry-After": "3"}, error("overloaded")),
                    (503, {"Retry-After": "1"}, error("not_ready")),
                    (503, {}, error("timeout")))
    c, sleeps = client(script)
    assert len(c.classify(["a"])) == 1
    assert sleeps[:2] == [3.0, 1.0]
    assert 0.5 <= sleeps[2] <= 1.5  # no header: backoff 0.25 * 2**attempt, jittered
    assert len(script.requests) == 4


def test_retry_after_is_capped_and_http_dates_are_understood() -> None:
    script = Script((429, {"Retry-After": "3600"}, error("overloaded")),
                    (429, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, error("overloaded")))
    c, sleeps = client(script, max_backoff_s=5)
    c.classify(["a"])
    assert sleeps == [5.0, 0.0]  # a date in the past means "now"


def test_gives_up_with_the_library_error_after_max_retries() -> None:
    c, sleeps = client(Script(*[(429, {"Retry-After": "2"}, error("overloaded"))] * 3),
                       max_retries=2)
    with pytest.raises(OverloadedError) as info:
        c.classify(["a"])
    assert info.value.retry_after == 2.0 and sleeps == [2.0, 2.0]
    c, _ = client(Script(*[(503, {}, error("timeout"))] * 2), max_retries=1)
    with pytest.raises(RequestTimeoutError):
        c.classify(["a"])
    c, _ = client(Script(*[(503, {}, error("not_ready"))] * 2), max_retries=1)
    with pytest.raises(NotReadyError):
        c.classify(["a"])


@pytest.mark.parametrize(("status", "code", "exc"), [
    (401, "unauthenticated", AuthenticationError),
    (403, "forbidden", PermissionDeniedError),
    (413, "input_too_large", InputTooLargeError),
    (500, "internal_error", NlpIpError),
])
def test_other_errors_are_raised_at_once(status: int, code: str, exc: type) -> None:
    script = Script((status, {}, error(code)))
    c, sleeps = client(script)
    with pytest.raises(exc, match=f"HTTP {status}, request id rid"):
        c.classify(["a"])
    assert sleeps == [] and len(script.requests) == 1


def test_422_field_errors_carry_indices_in_the_callers_list() -> None:
    details = [{"field": "title", "message": "is odd", "index": 1}]
    script = Script((200, {}, None), (422, {}, error("invalid_input", details)))
    c, _ = client(script, batch_size=3)
    with pytest.raises(InvalidInputError) as info:
        c.classify([f"t{i}" for i in range(6)])
    assert [(e.field, e.index) for e in info.value.errors] == [("title", 4)]


def test_invalid_listings_fail_locally_before_any_request() -> None:
    script = Script()
    c, _ = client(script)
    with pytest.raises(InvalidInputError, match="row 1: field 'title'"):
        c.classify(["fine", {"title": "  "}])
    assert script.requests == []


def test_connection_errors_are_retried_then_raised() -> None:
    calls = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ConnectError("refused", request=request)

    sleeps: list[float] = []
    c = Client("http://mock", transport=httpx.MockTransport(refuse), sleep=sleeps.append,
               max_retries=2)
    with pytest.raises(NotReadyError, match="cannot reach http://mock after 3 attempt"):
        c.classify(["a"])
    assert len(calls) == 3 and len(sleeps) == 2


def test_explain_is_passed_and_signals_come_back() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.params["explain"] == "true"
        listings = json.loads(request.content)["listings"]
        preds = [{**prediction(x), "signals": {"k": 1}} for x in listings]
        return httpx.Response(200, json={"predictions": preds, "model_version": "m",
                                         "request_id": "r"})

    c = Client("http://mock", transport=httpx.MockTransport(handler))
    assert c.classify(["a"], explain=True)[0].signals == {"k": 1}


def test_against_a_real_server_with_retries_while_it_warms_up(tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    key = make_key(keys)
    gate = threading.Event()
    fake = FakeClassifier(gate=gate)
    app = create_app(ServeSettings(api_keys_file=keys, max_listings=50), fake)
    with running_server(app, wait_ready=False) as (_, base):
        assert not app.state.nlp.ready
        threading.Timer(0.3, gate.set).start()
        with Client(base, key, batch_size=50) as c:
            assert c.healthy()
            listings = [{"id": i, "title": f"listing {i}"} for i in range(120)]
            out = c.classify(listings)  # first answer is 503 not ready, then retried
            assert [p.id for p in out] == [str(i) for i in range(120)]
            assert c.ready()
            assert c.model_info()["backend"] == "fake"
            with pytest.raises(InvalidInputError):
                c.classify([{"title": "x", "currency": "ZZZ"}])
        with Client(base, "nlpip_000000000000_" + "x" * 43) as bad:
            with pytest.raises(AuthenticationError):
                bad.classify(["a"])
    assert sum(fake.batches) == 1 + 8 + 32 + 120
