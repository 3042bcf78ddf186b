"""benchmarks/gpu_check.sh and its steps (benchmarks/gpu_check.py), without a GPU.

The check itself runs on a GPU machine; here its plans, its wheel handling, its summary
and, in a slow test, the whole script in ``--cpu-dry-run`` mode are checked, so that a
session with a GPU only has to run it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu_check.sh"


def _load_gpu_check() -> Any:
    spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "benchmarks" / "gpu_check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gpu_check"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


gpu_check = _load_gpu_check()


def test_gpu_plan_fits_the_scripts_time_limit_and_tests_torch_cuda() -> None:
    plan = gpu_check.plan_for("gpu", cpu_bf16=False, onnx_cuda=False)
    assert plan.backend == "torch-cuda"
    assert plan.bench_backends == ("torch-fp32", "onnx-int8", "torch-cuda")
    assert "torch-bf16" in gpu_check.plan_for("gpu", cpu_bf16=True).bench_backends
    assert "onnx-cuda" in gpu_check.plan_for("gpu", onnx_cuda=True).bench_backends
    limit = int(re.search(r"GPU_CHECK_LIMIT_S:-(\d+)", SCRIPT.read_text()).group(1))  # type: ignore[union-attr]
    # the check's own deadline, plus writing the summary, ends before the script's backstop,
    # and the backstop before the device tool's 600 s per command
    assert plan.deadline_s + 15 < limit < 600
    dry = gpu_check.plan_for("cpu-dry-run")
    assert dry.backend == "torch-fp32" and "torch-cuda" not in dry.bench_backends
    with pytest.raises(SystemExit, match="unknown mode"):
        gpu_check.plan_for("tpu")


def test_carried_wheels_are_the_versions_this_project_runs() -> None:
    lines = (ROOT / "benchmarks" / "gpu_check_wheels.txt").read_text().splitlines()
    pins = [line.split("==") for line in lines if line.strip() and not line.startswith("#")]
    assert pins and all(len(pin) == 2 for pin in pins)
    assert {name: version(name) for name, _ in pins} == dict(pins)
    assert "spacy" not in dict(pins)  # configs/gpu-check.yaml needs no spaCy


def test_wheels_are_installed_only_where_missing_or_older(tmp_path: Path) -> None:
    here = version("pydantic")
    for name in ("pydantic-0.1-py3-none-any.whl", "pydantic-999.0-py3-none-any.whl",
                 "surely_not_installed_here-1.0-py3-none-any.whl"):
        (tmp_path / name).write_bytes(b"")
    chosen = [wheel.name for wheel in gpu_check.wheels_to_install(tmp_path)]
    assert chosen == ["pydantic-999.0-py3-none-any.whl",
                      "surely_not_installed_here-1.0-py3-none-any.whl"], here
    assert gpu_check.unmet_requirements(["pydantic"]) == []
    assert gpu_check.unmet_requirements(["surely_not_installed_here"]) == [
        "surely_not_installed_here: not installed"]


def test_summary_of_a_partial_run_says_what_failed_and_sizes_from_the_sweep() -> None:
    results = {"mode": "gpu", "seconds": 300.0, "steps": {
        "env": {"status": "ok", "seconds": 5.0, "result": {
            "gpu": "cuda:0 NVIDIA H100 (sm_90)", "precision": "bf16", "cpu": "x", "cpu_count": 16,
            "imports": {"datasets": "ImportError: no"}, "unmet_requirements": ["datasets x"]}},
        "train": {"status": "failed (exit 1)", "seconds": 9.0},
        "sweep": {"status": "ok", "seconds": 50.0, "result": {
            "backend": "torch-cuda", "device": "cuda:0", "precision": "bf16",
            "listings": 40000, "rows": [
                {"max_batch_tokens": 32768, "chunk_size": 1024, "model_per_s": 2.0,
                 "texts_per_s": 2.0, "end_to_end_per_s": 10000.0, "gpu_peak_mib": 900}]}}}}
    summary = gpu_check.render_summary(results)
    assert "| train | failed (exit 1) | 9.0 |" in summary
    assert "Imports that failed" in summary and "Unmet requirements" in summary
    assert gpu_check.gpus_needed(10_000.0) == 11  # ceil(90,000 / (10,000 x 0.85))
    assert "**11**" in summary
    results["steps"]["sweep"]["result"]["device"] = "cpu"  # a dry run sizes no GPUs
    assert "Not computed: the sweep ran torch-cuda on the CPU" in gpu_check.render_summary(results)


@pytest.mark.slow
@pytest.mark.timeout(1800)  # several minutes on 2 busy cores, over the suite's 600 s
def test_cpu_dry_run_runs_every_step(tmp_path: Path) -> None:
    env = dict(os.environ, OUT=str(tmp_path / "out"), PYTHON=sys.executable,
               PYTHONPATH=str(ROOT))
    proc = subprocess.run(["bash", str(SCRIPT), "--cpu-dry-run"], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=1800, check=False)
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    statuses = {name: step["status"] for name, step in results["steps"].items()}
    assert statuses == dict.fromkeys(("env", "train", "tests", "sweep", "bench", "load"), "ok"), \
        proc.stdout[-3000:]
    assert proc.returncode == 0
    env_info = results["steps"]["env"]["result"]
    assert "hidden by gpu_check" in env_info["absent_there"]["spacy"]  # as on the GPU machine
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "## Side by side" in summary and "Not computed: the sweep ran torch-fp32" in summary
    assert {p.name for p in (tmp_path / "out").iterdir()} == {
        "summary.md", "results.json", "steps.log", "check.log"}
