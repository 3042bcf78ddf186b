"""OpenTelemetry tracing of the server (``--tracing``): the span tree of a request, with the
request id and model version, JSON logs carrying the same ids, and with tracing off no
OpenTelemetry import of ours and no span at all."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from serve_helpers import FakeClassifier, asgi_client, memory_spans, wait_until

from nlp_ip.errors import MissingExtraError
from nlp_ip.serve import ServeSettings, create_app

pytest.importorskip("opentelemetry.sdk.trace", reason='pip install "nlp-ip[otel]"')

TESTS = Path(__file__).resolve().parent
PARENT_TRACE = "0af7651916cd43dd8448eb211c80319c"
PARENT_SPAN = "b7ad6b7169203331"

REQUESTS = {
    "/v1/classify": {"listings": ["G-U-C-C-I belt 1:1"]},
    "/v2/models/nlp-ip/infer": {"inputs": [{"name": "title", "shape": [1], "datatype": "BYTES",
                                            "data": ["G-U-C-C-I belt 1:1"]}]},
    "/predict": {"inputs": "G-U-C-C-I belt 1:1"},
}


def traced_app(tmp_path: Path, **kw: Any) -> Any:
    return create_app(ServeSettings(api_keys_file=tmp_path / "keys.json", tracing=True, **kw),
                      FakeClassifier())


def by_name(spans: Any) -> dict[str, Any]:
    named = {span.name: span for span in spans}
    assert len(named) == len(spans), [span.name for span in spans]
    return named


@pytest.mark.anyio
@pytest.mark.parametrize("path", list(REQUESTS))
async def test_a_request_yields_the_span_tree_with_its_ids(tmp_path: Path, key: str,
                                                           path: str) -> None:
    spans = memory_spans()
    spans.clear()
    app = traced_app(tmp_path)
    route = "/v2/models/{name}/infer" if path.startswith("/v2") else path
    async with asgi_client(app, key) as client:
        r = await client.post(path, json=REQUESTS[path], headers={
            "X-Request-ID": "req-1", "traceparent": f"00-{PARENT_TRACE}-{PARENT_SPAN}-01"})
        assert r.status_code == 200, r.text
        wait_until(lambda: any(s.name == f"POST {route}" for s in spans.get_finished_spans()))
    named = by_name(spans.get_finished_spans())
    assert set(named) == {f"POST {route}", "queue", "batch", "model", "serialize"}
    request = named[f"POST {route}"]
    # FastAPI's server span, the child of the caller's traceparent
    assert format(request.context.trace_id, "032x") == PARENT_TRACE
    assert format(request.parent.span_id, "016x") == PARENT_SPAN
    assert request.kind.name == "SERVER"
    assert request.attributes["http.route"] == route
    assert request.attributes["http.response.status_code"] == 200
    for name in ("queue", "batch", "serialize"):
        assert named[name].parent.span_id == request.context.span_id, name
    assert named["model"].parent.span_id == named["batch"].context.span_id
    for span in named.values():
        assert span.context.trace_id == request.context.trace_id
    for name in (request.name, "queue", "batch", "model", "serialize"):
        assert named[name].attributes["nlp_ip.request_id"] == "req-1", name
        assert named[name].attributes["nlp_ip.model_version"] == "fake-1", name
    assert named["batch"].attributes["nlp_ip.batch.rows"] == 1
    assert named["batch"].attributes["nlp_ip.batch.requests"] == 1
    assert named["model"].attributes["nlp_ip.backend"] == "fake"
    queue, batch, model = named["queue"], named["batch"], named["model"]
    assert queue.end_time <= batch.start_time <= model.start_time <= model.end_time \
        <= batch.end_time <= request.end_time


@pytest.mark.anyio
async def test_logs_are_json_lines_with_the_trace_span_and_request_ids(tmp_path: Path,
                                                                       key: str) -> None:
    from nlp_ip.serve.tracing import configure_json_logs

    spans = memory_spans()
    spans.clear()
    stream = io.StringIO()
    log = logging.getLogger("nlp_ip.serve.tracing")
    handler = logging.StreamHandler(stream)
    log.addHandler(handler)
    configure_json_logs(log)
    level = log.level
    log.setLevel(logging.DEBUG)
    try:
        async with asgi_client(traced_app(tmp_path), key) as client:
            r = await client.post("/v1/classify", json=REQUESTS["/v1/classify"])
            wait_until(lambda: "answered 200" in stream.getvalue())
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
    entry = json.loads(stream.getvalue().splitlines()[-1])
    request = by_name(spans.get_finished_spans())["POST /v1/classify"]
    assert entry["request_id"] == r.headers["x-request-id"]
    assert entry["trace_id"] == format(request.context.trace_id, "032x")
    assert entry["span_id"] == format(request.context.span_id, "016x")
    assert entry["level"] == "DEBUG" and entry["message"] == "POST /v1/classify answered 200"


def test_with_tracing_off_nothing_of_opentelemetry_is_imported_or_recorded(
        tmp_path: Path) -> None:
    # FastAPI imports the OpenTelemetry API itself: the server must add no import to it,
    # and make no span even when the process has a tracer provider
    code = f"""
import asyncio, sys
sys.path.insert(0, {str(TESTS)!r})
import fastapi
def otel(): return sorted(m for m in sys.modules if m.startswith("opentelemetry"))
by_fastapi = otel()
from serve_helpers import FakeClassifier, asgi_client, make_key, memory_spans
from nlp_ip.serve import ServeSettings, create_app
from pathlib import Path

async def classify(app, key):
    async with asgi_client(app, key) as client:
        r = await client.post("/v1/classify", json={{"listings": ["a"]}})
        assert r.status_code == 200, r.text

key = make_key(Path({str(tmp_path)!r}) / "keys.json")
settings = ServeSettings(api_keys_file=Path({str(tmp_path)!r}) / "keys.json")
asyncio.run(classify(create_app(settings, FakeClassifier()), key))
print("imports added:", sorted(set(otel()) - set(by_fastapi)))
spans = memory_spans()
asyncio.run(classify(create_app(settings, FakeClassifier()), key))
print("spans:", len(spans.get_finished_spans()))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-2:] == ["imports added: []", "spans: 0"]


def test_tracing_is_a_setting_off_by_default() -> None:
    assert ServeSettings(auth=False).tracing is False
    on = ServeSettings.from_env(environ={"NLP_IP_AUTH": "0", "NLP_IP_TRACING": "1",
                                         "NLP_IP_TRACING_EXPORTER": "none"})
    assert on.tracing is True and on.tracing_exporter == "none"


def test_span_exporters_name_the_extra_that_is_missing() -> None:
    from opentelemetry.sdk.trace.export import SpanExportResult

    from nlp_ip.serve.tracing import span_exporter

    assert span_exporter("none").export([]) is SpanExportResult.SUCCESS
    try:
        import opentelemetry.exporter.otlp.proto.http.trace_exporter  # noqa: F401
    except ImportError:
        with pytest.raises(MissingExtraError, match=r'pip install "nlp-ip\[otel\]"'):
            span_exporter("otlp")
    else:
        assert type(span_exporter("otlp")).__name__ == "OTLPSpanExporter"
