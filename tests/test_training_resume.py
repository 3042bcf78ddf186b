"""Killing a run with SIGKILL and resuming it gives the run an uninterrupted one gives."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# A tiny run long enough to be killed between checkpoints.
OVERRIDES = ["training.max_steps=12", "training.save_steps=4", "training.eval_steps=4",
             "training.save_total_limit=5"]


def _cmd(run_dir: Path, cache: Path, *extra: str) -> list[str]:
    sets = [f"--set={o}" for o in [*OVERRIDES, f"data.cache_dir={cache}"]]
    return [sys.executable, "-m", "nlp_ip", "train", "--config", str(ROOT / "configs/tiny.yaml"),
            "--output", str(run_dir), *sets, *extra]


def _metrics(run_dir: Path) -> dict[str, float]:
    data = json.loads((run_dir / "metrics.json").read_text())["model-last"]["validation"]
    return {"macro_f1": data["macro_f1"], "brier": data["brier"], "ece": data["ece"]}


def test_resume_after_kill_9_matches_an_uninterrupted_run(tmp_path: Path, tiny_cache: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    straight = tmp_path / "straight"
    subprocess.run(_cmd(straight, tiny_cache), cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=600)

    killed = tmp_path / "killed"
    proc = subprocess.Popen(_cmd(killed, tiny_cache), cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    marker = killed / "checkpoints" / "checkpoint-4" / "trainer_state.json"
    deadline = time.time() + 600
    while not marker.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the run never wrote its first checkpoint"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert not (killed / "model-best").exists(), "a killed run must not leave a model folder"
    assert not (killed / "metrics.json").exists()

    # Without --resume the half-finished run is protected.
    again = subprocess.run(_cmd(killed, tiny_cache), cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=600)
    assert again.returncode != 0 and "pass --resume" in again.stderr

    subprocess.run(_cmd(killed, tiny_cache, "--resume"), cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=600)
    resumed, reference = _metrics(killed), _metrics(straight)
    assert abs(resumed["macro_f1"] - reference["macro_f1"]) <= 0.01
    assert abs(resumed["brier"] - reference["brier"]) <= 0.01
    assert not [p for p in killed.iterdir() if p.name.startswith(".")], "temporary folders left"


@pytest.mark.slow
def test_data_parallel_under_accelerate_matches_one_process(tmp_path: Path,
                                                           tiny_cache: Path) -> None:
    pytest.importorskip("accelerate")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    one = tmp_path / "one"
    two = tmp_path / "two"
    subprocess.run(_cmd(one, tiny_cache), cwd=ROOT, env=env, check=True, capture_output=True,
                   timeout=900)
    launcher = [sys.executable, "-m", "accelerate.commands.launch", "--cpu",
                "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no",
                "--dynamo_backend", "no", "-m", "nlp_ip"]
    cmd = launcher + _cmd(two, tiny_cache)[3:]
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (two / "model-best" / "nlp_ip.json").is_file()
    a, b = _metrics(one), _metrics(two)
    # Two processes see the same rows in half the steps each: equal within noise.
    assert abs(a["macro_f1"] - b["macro_f1"]) <= 0.1
