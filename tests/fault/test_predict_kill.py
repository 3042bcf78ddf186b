"""``nlp-ip predict`` killed with SIGKILL at random moments, then resumed, again and again.

Each cycle starts the real command in its own process, kills it at a random time
(before it has loaded, while rows are written, during a Parquet merge, while the
run record is rewritten), and resumes. Whenever a run completes, its output must
equal an uninterrupted run's row for row: every id exactly once, the same labels
and probabilities. The default suite runs two cycles on Parquet; the slow test
runs ``NLP_IP_FAULT_CYCLES`` (default 100) per format.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fault_support import ROOT, compare_results, result_rows, write_listings


def _command(model: Path, source: Path, target: Path) -> list[str]:
    return [sys.executable, "-m", "nlp_ip", "predict", "--model", str(model), "--input",
            str(source), "--output", str(target), "--no-progress", "--resume",
            "--shard-rows", "37", "--batch-size", "64"]


def kill_resume_cycles(model: Path, tmp_path: Path, fmt: str, cycles: int,
                       seed: int) -> dict[str, int]:
    """Run kill/resume cycles until ``cycles`` kills happened; check each completed output."""
    rng = random.Random(seed)
    source = write_listings(tmp_path / "in.jsonl", 400)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    reference = tmp_path / f"reference.{fmt}"
    started = time.perf_counter()
    subprocess.run(_command(model, source, reference), check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    full_run_s = time.perf_counter() - started
    want = result_rows(reference)
    stats = {"kills": 0, "completed_runs": 0, "resumes": 0}
    target = tmp_path / f"out.{fmt}"
    while stats["kills"] < cycles:
        for leftover in (target, target.with_name(target.name + ".run.json")):
            leftover.unlink(missing_ok=True)
        parts = target.with_name(target.name + ".parts")
        if parts.exists():
            import shutil

            shutil.rmtree(parts)
        while True:  # one output: killed and resumed until a run completes
            proc = subprocess.Popen(_command(model, source, target), env=env, cwd=ROOT,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                _, err = proc.communicate(timeout=rng.uniform(0.0, 1.15 * full_run_s))
                assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
                break
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.communicate()
                stats["kills"] += 1
                stats["resumes"] += 1
        stats["completed_runs"] += 1
        compare_results(result_rows(target), want)
    return stats


def test_predict_survives_random_kills(tfidf_model: Path, tmp_path: Path) -> None:
    stats = kill_resume_cycles(tfidf_model, tmp_path, "parquet", cycles=2, seed=11)
    assert stats["kills"] >= 2 and stats["completed_runs"] >= 1


CYCLES = int(os.environ.get("NLP_IP_FAULT_CYCLES", "100"))


@pytest.mark.slow
@pytest.mark.timeout(120 + 15 * CYCLES)  # about 8 s a cycle on 2 cores; the default is 600 s
@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_predict_survives_many_random_kills(tfidf_model: Path, tmp_path: Path,
                                            fmt: str) -> None:
    cycles = CYCLES
    stats = kill_resume_cycles(tfidf_model, tmp_path, fmt, cycles=cycles, seed=2026)
    print(f"{fmt}: {stats}")  # reported by -s; the assertions are in the cycles
    assert stats["kills"] >= cycles
