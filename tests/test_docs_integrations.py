"""The snippets of docs/integrations.md's protocol and tracing sections, run as they stand
against a server on 127.0.0.1 (a fake model)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from doc_snippets import doc_snippet
from serve_helpers import FakeClassifier, memory_spans, running_server, wait_until

from nlp_ip.serve import ServeSettings, create_app

DOC_URL = "127.0.0.1:8000"


def run_snippet(name: str, base: str) -> dict[str, Any]:
    code = doc_snippet("integrations.md", name)
    assert DOC_URL in code
    namespace: dict[str, Any] = {}
    exec(compile(code.replace(DOC_URL, base.removeprefix("http://")),
                 f"docs/integrations.md#{name}", "exec"), namespace)
    return namespace


def v1_labels(base: str, key: str, listings: list[Any]) -> list[str]:
    r = httpx.post(f"{base}/v1/classify", json={"listings": listings},
                   headers={"Authorization": f"Bearer {key}"})
    return [p["label"] for p in r.json()["predictions"]]


@pytest.fixture(autouse=True)
def key_in_environment(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NLP_IP_KEY", key)  # where the snippets read it


def test_the_kserve_v2_snippet(tmp_path: Path, key: str) -> None:
    pytest.importorskip("tritonclient.http", reason='pip install "tritonclient[http]==2.67.0"')
    app = create_app(ServeSettings(api_keys_file=tmp_path / "keys.json"), FakeClassifier())
    with running_server(app) as (_, base):
        found = run_snippet("kserve-v2", base)
        want = v1_labels(base, key, [
            {"title": "G-U-C-C-I belt 1:1 mirror quality", "price": 25.0},
            "Case for iPhone 15, clear silicone"])
    assert [x.decode() for x in found["labels"]] == want
    assert found["probabilities"].shape == (2, 4)


def test_the_tei_snippet(tmp_path: Path, key: str) -> None:
    app = create_app(ServeSettings(api_keys_file=tmp_path / "keys.json"), FakeClassifier())
    with running_server(app) as (_, base):
        found = run_snippet("tei", base)
        want = v1_labels(base, key, ["G-U-C-C-I belt 1:1 mirror quality"])
    assert found["best"].label == want[0] and len(found["ranked"]) == 4
    assert len(found["top_two"]) == 2


def test_the_otel_snippet_puts_the_servers_spans_in_the_callers_trace(tmp_path: Path,
                                                                      key: str) -> None:
    pytest.importorskip("opentelemetry.sdk.trace", reason='pip install "nlp-ip[otel]"')
    spans = memory_spans()
    spans.clear()
    app = create_app(ServeSettings(api_keys_file=tmp_path / "keys.json", tracing=True),
                     FakeClassifier())
    with running_server(app) as (_, base):
        code = doc_snippet("integrations.md", "otel").replace(
            DOC_URL, base.removeprefix("http://"))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=120, env={**os.environ, "NLP_IP_KEY": key})
        assert out.returncode == 0, out.stderr[-3000:]
        request_id, trace_id = out.stdout.split()
        wait_until(lambda: any(s.name == "POST /v1/classify"
                               for s in spans.get_finished_spans()))
    traced = [s for s in spans.get_finished_spans()
              if format(s.context.trace_id, "032x") == trace_id]
    assert {"POST /v1/classify", "queue", "batch", "model", "serialize"} <= {
        s.name for s in traced}
    assert all(s.attributes["nlp_ip.request_id"] == request_id for s in traced
               if s.name in ("POST /v1/classify", "queue", "batch", "model", "serialize"))
