"""The Open Inference Protocol (/v2) and Hugging Face TEI routes, against clients we did not
write: tritonclient's HTTP client and huggingface_hub's InferenceClient on a real uvicorn
server, plus the protocols' errors and limits in-process."""

from __future__ import annotations

import asyncio
import json
import struct
import threading
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from serve_helpers import FakeClassifier, asgi_client, make_key, running_server

from nlp_ip.labels import LABEL_NAMES
from nlp_ip.schema import Listing
from nlp_ip.serve import ServeSettings, create_app

TRITON_INSTALL = 'pip install "tritonclient[http]==2.67.0"'

LISTINGS = [
    {"title": "G-U-C-C-I belt 1:1 mirror quality", "price": 25.0, "currency": "USD"},
    {"title": "Quilted chain flap bag, no logo", "brand": "Generic",
     "description": "Vegan leather, gold-tone chain. Not affiliated with any brand.",
     "price": 39.9, "currency": "EUR"},
    {"title": "Case for iPhone 15, clear silicone"},
]


class AllFieldsClassifier(FakeClassifier):
    """A fake whose answer depends on every field, so a field lost on the way shows."""

    def predict_proba(self, listings: Any) -> np.ndarray:
        rows = [x if isinstance(x, Listing) else Listing.model_validate(x) for x in listings]
        return np.stack([self.probs_for(json.dumps(
            [x.title, x.description, x.brand, x.currency, x.price])) for x in rows])


def settings(keys_file: Path, **kw: Any) -> ServeSettings:
    return ServeSettings(api_keys_file=keys_file, **kw)


def v1_predictions(base: str, key: str, listings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    r = httpx.post(f"{base}/v1/classify", json={"listings": listings},
                   headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert r.status_code == 200, r.text
    return list(r.json()["predictions"])


# -- real clients on a real server ------------------------------------------------------------

def test_tritonclient_gets_the_answers_of_v1_classify(keys_file: Path, key: str) -> None:
    httpclient = pytest.importorskip("tritonclient.http", reason=TRITON_INSTALL)
    from tritonclient.utils import InferenceServerException

    app = create_app(settings(keys_file), AllFieldsClassifier())
    auth = {"Authorization": f"Bearer {key}"}
    with running_server(app) as (_, base):
        expected = v1_predictions(base, key, LISTINGS)
        client = httpclient.InferenceServerClient(base.removeprefix("http://"))
        try:
            assert client.is_server_live() and client.is_server_ready()
            assert client.is_model_ready("nlp-ip", headers=auth)
            meta = client.get_model_metadata("nlp-ip", headers=auth)
            assert [(t["name"], t["datatype"], t["shape"]) for t in meta["inputs"]] == [
                ("title", "BYTES", [-1]), ("description", "BYTES", [-1]),
                ("brand", "BYTES", [-1]), ("currency", "BYTES", [-1]),
                ("price", "FP32", [-1])]
            labels = next(t for t in meta["outputs"] if t["name"] == "probabilities")
            assert labels["parameters"]["labels"].split(",") == list(LABEL_NAMES)

            def tensor(name: str, values: list[Any], binary: bool) -> Any:
                datatype = "FP32" if name == "price" else "BYTES"
                array = np.array(values, dtype=np.float32 if name == "price" else object)
                infer_input = httpclient.InferInput(name, [len(values)], datatype)
                return infer_input.set_data_from_numpy(array, binary_data=binary)

            for binary in (True, False):  # the binary tensor extension (the default), and JSON
                inputs = [tensor(name, [x.get(name, default) for x in LISTINGS], binary)
                          for name, default in (("title", ""), ("description", ""),
                                                ("brand", ""), ("currency", ""),
                                                ("price", float("nan")))]
                outputs = None if binary else [
                    httpclient.InferRequestedOutput(name, binary_data=False)
                    for name in ("label", "probabilities", "decision")]
                # a copy: tritonclient adds Inference-Header-Content-Length to the dict given
                result = client.infer("nlp-ip", inputs, outputs=outputs, request_id="r-1",
                                      headers=dict(auth))
                assert result.get_response()["id"] == "r-1"
                assert result.get_response()["model_version"] == "fake-1"
                got_labels = [x.decode() if isinstance(x, bytes) else x
                              for x in result.as_numpy("label")]
                got_decisions = [x.decode() if isinstance(x, bytes) else x
                                 for x in result.as_numpy("decision")]
                assert got_labels == [p["label"] for p in expected]
                assert got_decisions == [p["decision"] for p in expected]
                probabilities = result.as_numpy("probabilities")
                assert probabilities.shape == (3, 4) and probabilities.dtype == np.float32
                np.testing.assert_allclose(
                    probabilities, [[p["probabilities"][label] for label in LABEL_NAMES]
                                    for p in expected], atol=1e-6)

            with pytest.raises(InferenceServerException, match="invalid API key") as failed:
                client.infer("nlp-ip", inputs, headers={"Authorization": "Bearer nope"})
            assert failed.value.status() == "401"
            title = httpclient.InferInput("title", [1], "BYTES")
            title.set_data_from_numpy(np.array(["   "], dtype=object))
            with pytest.raises(InferenceServerException, match="is blank") as failed:
                client.infer("nlp-ip", [title], headers=dict(auth))
            assert failed.value.status() == "400"
            with pytest.raises(InferenceServerException, match="no model named"):
                client.get_model_metadata("other", headers=auth)
        finally:
            client.close()


def test_huggingface_hub_inference_client_gets_the_answers_of_v1_classify(
        keys_file: Path, key: str) -> None:
    from huggingface_hub import InferenceClient
    from huggingface_hub.errors import HfHubHTTPError

    texts = [x["title"] for x in LISTINGS]
    app = create_app(settings(keys_file), AllFieldsClassifier())
    with running_server(app) as (_, base):
        expected = v1_predictions(base, key, [{"title": t} for t in texts])
        client = InferenceClient(model=base, token=key, timeout=30)
        for text, want in zip(texts, expected, strict=True):
            got = client.text_classification(text)
            assert [x.label for x in got] == sorted(
                LABEL_NAMES, key=lambda label: -want["probabilities"][label])
            assert got[0].label == want["label"]
            for element in got:
                assert element.score == pytest.approx(want["probabilities"][element.label],
                                                      abs=1e-6)
        top = client.text_classification(texts[0], top_k=2)
        assert [x.label for x in top] == [x.label for x in client.text_classification(
            texts[0])][:2]
        logs = client.text_classification(texts[0], function_to_apply="none")
        assert logs[0].score == pytest.approx(np.log(expected[0]["probabilities"][
            logs[0].label]), abs=1e-6)
        with pytest.raises(HfHubHTTPError) as failed:
            InferenceClient(model=base, token="nope").text_classification(texts[0])
        assert failed.value.response.status_code == 401


# -- /v2 in-process ---------------------------------------------------------------------------

anyio = pytest.mark.anyio

INFER = "/v2/models/nlp-ip/infer"


def titles(*values: str) -> dict[str, Any]:
    return {"name": "title", "shape": [len(values)], "datatype": "BYTES", "data": list(values)}


@anyio
async def test_v2_json_inference_matches_v1_and_echoes_the_id(keys_file: Path,
                                                                key: str) -> None:
    app = create_app(settings(keys_file), AllFieldsClassifier())
    async with asgi_client(app, key) as client:
        v1 = (await client.post("/v1/classify", json={"listings": LISTINGS})).json()
        body = {"id": "abc", "inputs": [
            {"name": name, "shape": [3], "datatype": "FP64" if name == "price" else "BYTES",
             "data": [x.get(name) if name == "price" else x.get(name, "") for x in LISTINGS]}
            for name in ("title", "description", "brand", "currency", "price")],
            "outputs": [{"name": "probabilities"}, {"name": "label"}]}
        r = await client.post(INFER, json=body)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["id"] == "abc" and answer["model_name"] == "nlp-ip"
    assert [o["name"] for o in answer["outputs"]] == ["probabilities", "label"]
    probabilities = answer["outputs"][0]
    assert probabilities["shape"] == [3, 4]
    assert probabilities["data"] == [p["probabilities"][label] for p in v1["predictions"]
                                     for label in LABEL_NAMES]
    assert answer["outputs"][1]["data"] == [p["label"] for p in v1["predictions"]]


def binary_request(body: dict[str, Any], tail: bytes) -> tuple[bytes, dict[str, str]]:
    header = json.dumps(body).encode()
    return header + tail, {"Inference-Header-Content-Length": str(len(header))}


def bytes_tensor(*values: str) -> bytes:
    return b"".join(struct.pack("<I", len(v.encode())) + v.encode() for v in values)


@anyio
async def test_v2_binary_tensors_in_and_out(keys_file: Path, key: str) -> None:
    app = create_app(settings(keys_file), AllFieldsClassifier())
    names = bytes_tensor("belt 1:1", "plain mug")
    prices = np.array([12.5, np.nan], dtype="<f4").tobytes()
    content, headers = binary_request({"parameters": {"binary_data_output": True}, "inputs": [
        {"name": "title", "shape": [2], "datatype": "BYTES",
         "parameters": {"binary_data_size": len(names)}},
        {"name": "price", "shape": [2], "datatype": "FP32",
         "parameters": {"binary_data_size": len(prices)}}],
        "outputs": [{"name": "label", "parameters": {"binary_data": False}},
                    {"name": "probabilities"}]}, names + prices)
    async with asgi_client(app, key) as client:
        v1 = (await client.post("/v1/classify", json={"listings": [
            {"title": "belt 1:1", "price": 12.5}, {"title": "plain mug"}]})).json()
        r = await client.post(INFER, content=content, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/octet-stream"
    split = int(r.headers["inference-header-content-length"])
    answer = json.loads(r.content[:split])
    label, probabilities = answer["outputs"]
    assert label["data"] == [p["label"] for p in v1["predictions"]]
    assert probabilities["parameters"]["binary_data_size"] == 2 * 4 * 4
    values = np.frombuffer(r.content[split:], dtype="<f4").reshape(2, 4)
    np.testing.assert_allclose(values, [[p["probabilities"][x] for x in LABEL_NAMES]
                                        for p in v1["predictions"]], atol=1e-6)


@anyio
@pytest.mark.parametrize(("body", "message"), [
    ({"inputs": [{"name": "price", "shape": [1], "datatype": "FP32", "data": [1]}]},
     "no 'title' input"),
    ({"inputs": [titles("a"), titles("b")]}, "more than once"),
    ({"inputs": [{**titles("a", "b"), "shape": [3]}]}, "but 2 values"),
    ({"inputs": [titles("a"), {"name": "brand", "shape": [2], "datatype": "BYTES",
                               "data": ["x", "y"]}]}, "every input holds one value"),
    ({"inputs": [{**titles("a"), "datatype": "FP32"}]}, "datatype"),
    ({"inputs": [{**titles("a"), "shape": [1, 1]}]}, "shape"),
    ({"inputs": [{**titles("a"), "name": "colour"}]}, "colour"),
    ({"inputs": [{"name": "title", "shape": [1], "datatype": "BYTES"}]}, "either in 'data'"),
    ({"inputs": [titles()]}, "no listings"),
    ({"inputs": [titles("a")], "outputs": [{"name": "label", "parameters": {
        "classification": 2}}]}, "classification"),
    ({"inputs": [titles("a")], "outputs": [{"name": "label"}, {"name": "label"}]},
     "more than once"),
    ({"inputs": [titles("a"), {"name": "currency", "shape": [1], "datatype": "BYTES",
                               "data": ["EURO"]}]}, "ISO 4217"),
    ({"inputs": [titles("a"), {"name": "price", "shape": [1], "datatype": "FP32",
                               "data": [-1]}]}, "must be >= 0"),
    ({"inputs": [titles("a\ud800")]}, "unpaired surrogate"),
    ({"listings": ["a"]}, "not an inference request"),
])
async def test_v2_bad_requests_get_400_with_the_protocols_error_body(
        keys_file: Path, key: str, body: dict[str, Any], message: str) -> None:
    app = create_app(settings(keys_file), FakeClassifier())
    async with asgi_client(app, key) as client:
        r = await client.post(INFER, content=json.dumps(body),
                              headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert set(r.json()) == {"error"}
    assert message in r.json()["error"]


@anyio
@pytest.mark.parametrize(("tail", "header", "message"), [
    (bytes_tensor("ab")[:-1], None, "ends inside an element"),
    (bytes_tensor("ab") + b"x", None, "add up to"),
    (struct.pack("<I", 2) + b"\xff\xfe", None, "not UTF-8 text"),
    (bytes_tensor("ab"), "999999", "Inference-Header-Content-Length"),
])
async def test_v2_bad_binary_data_gets_400(keys_file: Path, key: str, tail: bytes,
                                           header: str | None, message: str) -> None:
    size = len(bytes_tensor("ab"))
    content, headers = binary_request({"inputs": [
        {"name": "title", "shape": [1], "datatype": "BYTES",
         "parameters": {"binary_data_size": size}}]}, tail)
    if header is not None:
        headers["Inference-Header-Content-Length"] = header
    app = create_app(settings(keys_file), FakeClassifier())
    async with asgi_client(app, key) as client:
        r = await client.post(INFER, content=content, headers=headers)
    assert r.status_code == 400, r.text
    assert message in r.text


@anyio
async def test_v2_keys_limits_and_readiness_answer_like_v1(keys_file: Path, key: str) -> None:
    metrics_key = make_key(keys_file, "prometheus", ("metrics",))
    gate = threading.Event()
    fake = FakeClassifier(gate=gate)
    app = create_app(settings(keys_file, max_listings=2, max_body_bytes=2048), fake)
    async with asgi_client(app, wait_ready=False) as client:
        assert (await client.get("/v2/health/live")).json() == {"live": True}
        r = await client.get("/v2/health/ready")  # the warm-up waits on the gate
        assert r.status_code == 503 and r.headers["retry-after"]
        assert set(r.json()) == {"error"}
        gate.set()
        await asyncio.wait_for(_ready(client), 20)
        auth = {"Authorization": f"Bearer {key}"}
        for headers, status in (({}, 401), ({"Authorization": f"Bearer {metrics_key}"}, 403)):
            r = await client.post(INFER, json={"inputs": [titles("a")]}, headers=headers)
            assert r.status_code == status and set(r.json()) == {"error"}
        r = await client.post(INFER, json={"inputs": [titles("a", "b", "c")]}, headers=auth)
        assert r.status_code == 413 and "limit is 2" in r.json()["error"]
        r = await client.post(INFER, json={"inputs": [titles("a" * 3000)]}, headers=auth)
        assert r.status_code == 413
        r = await client.post("/v2/models/other/infer", json={"inputs": [titles("a")]},
                              headers=auth)
        assert r.status_code == 404 and "nlp-ip" in r.json()["error"]
        assert (await client.get("/v2/models/nlp-ip/ready", headers=auth)).json() == {
            "name": "nlp-ip", "ready": True}
        metrics = (await client.get("/metrics",
                                    headers={"Authorization": f"Bearer {metrics_key}"})).text
    assert 'route="/v2/models/{name}/infer"' in metrics


async def _ready(client: httpx.AsyncClient) -> None:
    while (await client.get("/v2/health/ready")).status_code != 200:
        await asyncio.sleep(0.01)


@anyio
async def test_a_full_queue_gets_429_on_every_protocol(keys_file: Path, key: str) -> None:
    gate = threading.Event()
    fake = FakeClassifier(gate=gate)
    app = create_app(settings(keys_file, max_queue_rows=1, warmup=False), fake)
    async with asgi_client(app, key) as client:
        first = asyncio.ensure_future(client.post("/v1/classify", json={"listings": ["a"]}))
        await asyncio.wait_for(_until(lambda: fake.calls == 1), 20)  # in the engine
        second = asyncio.ensure_future(client.post("/v1/classify", json={"listings": ["b"]}))
        await asyncio.wait_for(_until(lambda: app.state.nlp.batcher.queued_rows == 1), 20)
        r_v2 = await client.post(INFER, json={"inputs": [titles("c")]})
        r_tei = await client.post("/predict", json={"inputs": "d"})
        gate.set()
        assert (await first).status_code == 200 and (await second).status_code == 200
    assert r_v2.status_code == 429 and set(r_v2.json()) == {"error"}
    assert r_tei.status_code == 429 and r_tei.json()["error_type"] == "overloaded"
    assert r_v2.headers["retry-after"] and r_tei.headers["retry-after"]


async def _until(condition: Any) -> None:
    while not condition():
        await asyncio.sleep(0.005)


@anyio
async def test_v1_v2_and_tei_requests_share_engine_batches(keys_file: Path, key: str) -> None:
    gate = threading.Event()
    fake = FakeClassifier(gate=gate)
    app = create_app(settings(keys_file, warmup=False, max_wait_ms=50), fake)
    async with asgi_client(app, key) as client:
        blocker = asyncio.ensure_future(client.post("/v1/classify", json={"listings": ["z"]}))
        await asyncio.wait_for(_until(lambda: fake.calls == 1), 20)
        requests = [client.post("/v1/classify", json={"listings": ["v1 title"]}),
                    client.post(INFER, json={"inputs": [titles("v2 title")]}),
                    client.post("/predict", json={"inputs": "tei title"})]
        pending = [asyncio.ensure_future(r) for r in requests]
        await asyncio.wait_for(_until(lambda: app.state.nlp.batcher.queued_rows == 3), 20)
        gate.set()
        answers = await asyncio.gather(blocker, *pending)
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    assert fake.batches == [1, 3]  # the three protocols' listings in one engine batch


# -- TEI in-process ---------------------------------------------------------------------------

@anyio
async def test_tei_predict_reads_inputs_as_tei_does(keys_file: Path, key: str) -> None:
    app = create_app(settings(keys_file), AllFieldsClassifier())
    pair = ["Quilted bag", "no logo, vegan leather"]
    async with asgi_client(app, key) as client:
        v1 = (await client.post("/v1/classify", json={"listings": [
            "Leather belt", {"title": pair[0], "description": pair[1]}]})).json()["predictions"]
        single = (await client.post("/predict", json={"inputs": "Leather belt"})).json()
        same = (await client.post("/", json={"inputs": ["Leather belt"]})).json()
        paired = (await client.post("/predict", json={"inputs": pair})).json()
        batch = (await client.post("/predict", json={"inputs": [["Leather belt"], pair]})).json()
        raw = (await client.post("/predict", json={"inputs": "Leather belt",
                                                   "raw_scores": True})).json()
        hub = (await client.post("/", json={"inputs": "Leather belt",
                                            "parameters": {"top_k": 1}})).json()
        raw_wins = (await client.post("/", json={
            "inputs": "Leather belt", "raw_scores": True,
            "parameters": {"function_to_apply": "softmax"}})).json()
    assert single == same == batch[0]
    assert paired == batch[1]
    for answer, want in ((single, v1[0]), (paired, v1[1])):
        assert [x["label"] for x in answer] == sorted(
            LABEL_NAMES, key=lambda label: -want["probabilities"][label])
        assert {x["label"]: x["score"] for x in answer} == want["probabilities"]
    assert [x["label"] for x in raw] == [x["label"] for x in single]
    np.testing.assert_allclose(np.exp([x["score"] for x in raw]), [x["score"] for x in single])
    assert hub == [single[:1]]
    assert raw_wins == [raw]


@anyio
@pytest.mark.parametrize(("body", "status", "message"), [
    ({"inputs": ["a", "b", "c"]}, 422, "[title, description]"),
    ({"inputs": []}, 422, "empty"),
    ({"inputs": "   "}, 422, "is blank"),
    ({"inputs": "a", "truncate": False}, 422, "always reads"),
    ({"inputs": "a", "truncation_direction": "left"}, 422, "truncation_direction"),
    ({"inputs": "a", "raw_scores": 0}, 422, "valid boolean"),
    ({"inputs": "a", "parameters": {"top_k": "2"}}, 422, "valid integer"),
    ({"inputs": "a", "parameters": {"function_to_apply": "sigmoid"}}, 422,
     "'softmax' or 'none'"),
    ({"inputs": "a", "model": "x"}, 422, "model"),
    ({"inputs": [["a"]] * 3}, 413, "maximum allowed batch size 2"),
    ({"inputs": "t" * 1001}, 413, "the limit is"),
])
async def test_tei_errors_have_teis_body(keys_file: Path, key: str, body: dict[str, Any],
                                         status: int, message: str) -> None:
    app = create_app(settings(keys_file, max_listings=2), FakeClassifier())
    async with asgi_client(app, key) as client:
        r = await client.post("/predict", json=body)
    assert r.status_code == status, r.text
    assert set(r.json()) == {"error", "error_type"}
    assert r.json()["error_type"] == "validation"
    assert message in r.json()["error"]


@anyio
async def test_tei_info_describes_the_model_and_limits(keys_file: Path, key: str) -> None:
    app = create_app(settings(keys_file, max_listings=7), FakeClassifier())
    async with asgi_client(app, key) as client:
        info = (await client.get("/info")).json()
        unauthorised = await client.get("/info", headers={"Authorization": "Bearer x"})
    assert info["model_type"] == {"classifier": {
        "id2label": {str(i): label for i, label in enumerate(LABEL_NAMES)},
        "label2id": {label: i for i, label in enumerate(LABEL_NAMES)}}}
    assert info["max_client_batch_size"] == 7 and info["max_input_length"] == 64
    assert info["model_id"] == "fake-1" and info["auto_truncate"] is True
    assert unauthorised.status_code == 401
    assert unauthorised.json()["error_type"] == "unauthenticated"


def test_all_fields_classifier_sees_every_field() -> None:
    fake = AllFieldsClassifier()
    a, b = fake.predict_proba([{"title": "x"}, {"title": "x", "brand": "y"}])
    assert not np.allclose(a, b)


@anyio
@pytest.mark.parametrize(("path", "status", "error"), [
    (INFER, 400, {"error"}), ("/predict", 422, {"error", "error_type"})])
async def test_bodies_that_are_not_json_say_what_the_protocol_expects(
        keys_file: Path, key: str, path: str, status: int, error: set[str]) -> None:
    app = create_app(settings(keys_file), FakeClassifier())
    async with asgi_client(app, key) as client:
        for content in (b"{not json", b"\xff\xfe{}", b"[" * 100_000 + b"]" * 100_000):
            r = await client.post(path, content=content)
            assert r.status_code == status, r.text
            assert set(r.json()) == error
            assert "listings" not in r.json()["error"]  # no /v1 advice on another protocol
