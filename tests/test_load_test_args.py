"""benchmarks/load_test.py refuses flag combinations that measure nothing meaningful."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_test() -> Any:
    spec = importlib.util.spec_from_file_location("load_test", ROOT / "benchmarks" / "load_test.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_promote_is_only_the_control_of_a_swap(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        _load_test().main(["--model", "unused", "--no-promote"])
    assert exc.value.code == 2
    assert "--no-promote is the control of --swap; add --swap" in capsys.readouterr().err
