"""schemathesis against a real server process with the tiny model (slow): every operation of
the OpenAPI document, /v2 (Open Inference Protocol) and the TEI routes included."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_schemathesis_finds_no_server_errors_or_schema_violations(tiny_model: Path) -> None:
    pytest.importorskip("schemathesis")
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "api_fuzz.py"), "--model", str(tiny_model),
         "--backend", "torch-fp32", "--max-examples", "40"],
        capture_output=True, text=True, timeout=1500, cwd=ROOT)
    report = out.stdout + out.stderr
    assert out.returncode == 0, report[-6000:]
    assert "generated" in report and "unique failure" not in report, report[-6000:]
    # every operation of the (pinned) document was tested, and the server logged no error
    document = json.loads((ROOT / "tests" / "snapshots" / "openapi-serve.json").read_text())
    operations = sum(len(methods) for methods in document["paths"].values())
    assert any(path.startswith("/v2/") for path in document["paths"])
    assert "/predict" in document["paths"]
    assert f"Tested: {operations}" in report, report[-3000:]
    assert "'Traceback' or 'ERROR': 0" in report, report[-3000:]
