"""``nlp-ip predict`` killed with SIGKILL at random moments, then resumed, again and again.

Each cycle starts the real command in its own process, kills it at a random time
(before it has loaded, while rows are written, during a Parquet merge, while the
run record is rewritten), and resumes. Whenever a run completes, its output must
equal an uninterrupted run's row for row: every id exactly once, the same labels
and probabilities. The default suite runs two cycles on Parquet; the slow test
runs ``NLP_IP_FAULT_CYCLES`` (default 100) per format.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "seed" / "listings.jsonl"


def _input(path: Path, rows: int) -> Path:
    seed = [json.loads(line) for line in SEED.read_text(encoding="utf-8").splitlines()]
    with path.open("w", encoding="utf-8") as handle:
        for i in range(rows):
            r = seed[i % len(seed)]
            record = {"id": f"row-{i:05d}", "title": r["title"],
                      "description": r.get("description"), "price": r.get("price"),
                      "currency": r.get("currency")}
            if i % 97 == 5:
                record["title"] = " "  # error rows are results too
            handle.write(json.dumps(record) + "\n")
    return path


def _command(model: Path, source: Path, target: Path) -> list[str]:
    return [sys.executable, "-m", "nlp_ip", "predict", "--model", str(model), "--input",
            str(source), "--output", str(target), "--no-progress", "--resume",
            "--shard-rows", "37", "--batch-size", "64"]


def _rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        return list(pq.read_table(path).to_pylist())
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _compare(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    ids = [r["id"] for r in got]
    assert len(ids) == len(set(ids)), "an id was written twice"
    assert set(ids) == {r["id"] for r in want}, "an id is missing or foreign"
    by_id = {r["id"]: r for r in got}
    for row in want:
        other = by_id[row["id"]]
        assert other["label"] == row["label"] and other["error"] == row["error"], row["id"]
        for key, value in row.items():
            if key.startswith("prob_") and value is not None:
                assert other[key] == pytest.approx(value, abs=1e-9), (row["id"], key)


def kill_resume_cycles(model: Path, tmp_path: Path, fmt: str, cycles: int,
                       seed: int) -> dict[str, int]:
    """Run kill/resume cycles until ``cycles`` kills happened; check each completed output."""
    rng = random.Random(seed)
    source = _input(tmp_path / "in.jsonl", 400)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    reference = tmp_path / f"reference.{fmt}"
    started = time.perf_counter()
    subprocess.run(_command(model, source, reference), check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    full_run_s = time.perf_counter() - started
    want = _rows(reference)
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
        _compare(_rows(target), want)
    return stats


def test_predict_survives_random_kills(tfidf_model: Path, tmp_path: Path) -> None:
    stats = kill_resume_cycles(tfidf_model, tmp_path, "parquet", cycles=2, seed=11)
    assert stats["kills"] >= 2 and stats["completed_runs"] >= 1


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_predict_survives_many_random_kills(tfidf_model: Path, tmp_path: Path,
                                            fmt: str) -> None:
    cycles = int(os.environ.get("NLP_IP_FAULT_CYCLES", "100"))
    stats = kill_resume_cycles(tfidf_model, tmp_path, fmt, cycles=cycles, seed=2026)
    print(f"{fmt}: {stats}")  # reported by -s; the assertions are in the cycles
    assert stats["kills"] >= cycles
