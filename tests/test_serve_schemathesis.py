"""schemathesis against a real server process with the tiny model (slow)."""

from __future__ import annotations

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
