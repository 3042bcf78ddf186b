"""``nlp-ip doctor``: machine facts, the int8 kernel path and what auto picks, and why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp_ip.cli import main
from nlp_ip.doctor import environment_report
from nlp_ip.inference.cpu import int8_kernel


def test_report_names_the_cpu_kind_and_int8_path() -> None:
    report = environment_report()
    kernel = int8_kernel()
    assert report["int8"]["name"] == kernel.name
    assert report["int8"]["variant"] == ("u8u8" if kernel.saturates else "u8s8")
    assert report["versions"]["numpy"] and report["threads"]["usable_cores"] >= 1
    assert isinstance(report["cpu"]["instruction_sets"], list)
    assert "model" not in report


def test_doctor_with_a_model_says_which_backend_auto_chose_and_why(
        tiny_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--model", str(tiny_run / "model-best"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    model = report["model"]
    assert model["backend"] in ("torch-fp32", "torch-bf16")
    # the reason names the backend chosen, on CPUs with bf16 (a timed probe) and without
    assert any(line.startswith(f"backend auto -> {model['backend']} (") for line in model["why"])
    assert main(["doctor", "--model", str(tiny_run / "model-best")]) == 0
    text = capsys.readouterr().out
    assert "int8 kernel" in text and "auto backend" in text and "why" in text
