"""The HTML report renders in headless Chromium with the network off."""

from __future__ import annotations

import importlib.util
import struct
from pathlib import Path

import pytest
from test_evaluation_report import ROWS, FakeClassifier, run_eval

ROOT = Path(__file__).resolve().parents[1]


def load_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "screenshot_report", ROOT / "scripts" / "screenshot_report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_report_screenshot_in_headless_chromium(tmp_path: Path) -> None:
    script = load_script()
    if script.find_browser() is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium, or set $CHROME); "
                    "the offline-rendering check needs a headless browser")
    data = tmp_path / "eval.jsonl"
    import json

    data.write_text("".join(json.dumps({"id": r[0], "title": f"listing {r[0]}",
                                        "label": r[1], "language": r[3]}) + "\n"
                            for r in ROWS), encoding="utf-8")
    out = tmp_path / "report"
    run_eval(data, out, FakeClassifier({r[0]: r[4] for r in ROWS}), slice_by=["language"],
             cases=ROOT / "data" / "cases" / "cases.jsonl")
    png = tmp_path / "shot.png"
    cmd = script.screenshot(out / "report.html", png, width=1000, height=1600)
    assert "--proxy-server=127.0.0.1:9" in cmd
    raw = png.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", raw[16:24])
    assert (width, height) == (1000, 1600)
    assert len(raw) > 20_000  # a blank page compresses to a few kB
