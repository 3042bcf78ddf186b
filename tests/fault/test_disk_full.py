"""A full disk (``ENOSPC`` injected at the write) during predict, export, a training checkpoint
and a review decision: a clear error that names the path and the fix, the previous good
state intact (the rows written so far, the old model folder, the last checkpoint, the
decisions already made), and no temporary file left behind.
"""

from __future__ import annotations

import json
import pathlib
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fault_support import (
    ROOT,
    FillingFile,
    compare_results,
    folder_digest,
    result_rows,
    write_listings,
    write_then_fail,
)

from nlp_ip.cli import main
from nlp_ip.errors import DiskFullError


def _predict(model: Path, source: Path, target: Path, *extra: str) -> int:
    return main(["predict", "--model", str(model), "--input", str(source), "--output",
                 str(target), "--no-progress", "--batch-size", "64", "--shard-rows", "50",
                 *extra])


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_listings(tmp_path / "in.jsonl", 300)


def _reference_run(model: Path, source: Path, folder: Path, suffix: str) -> tuple[Path, Path]:
    """An uninterrupted run's output, and the output the test will fill the disk with."""
    reference = folder / f"reference.{suffix}"
    assert _predict(model, source, reference) == 0
    return reference, folder / f"out.{suffix}"


def _fails_for_lack_of_space(model: Path, source: Path, target: Path,
                             capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert _predict(model, source, target) == 1
    error = capsys.readouterr().err
    assert f"error: no space left on the device holding {target}" in error, error
    assert "with --resume" in error and "Traceback" not in error
    return error


def test_predict_jsonl_on_a_full_disk_keeps_its_rows_and_resumes(
        tfidf_model: Path, source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    reference, target = _reference_run(tfidf_model, source, tmp_path, "jsonl")
    real_open = pathlib.Path.open

    def open_on_a_filling_disk(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = real_open(self, mode, *args, **kwargs)
        return FillingFile(handle, room=9_000) if self == target and "r" not in mode else handle

    monkeypatch.setattr(pathlib.Path, "open", open_on_a_filling_disk)
    error = _fails_for_lack_of_space(tfidf_model, source, target, capsys)
    assert "The rows written so far are kept" in error
    monkeypatch.undo()
    written = target.read_text(encoding="utf-8").splitlines()
    assert 0 < len(written) < 300
    want = result_rows(reference)
    whole = [line for line in written if line.endswith("}")]
    compare_results([json.loads(line) for line in whole], want[:len(whole)])
    assert _predict(tfidf_model, source, target, "--resume") == 0
    compare_results(result_rows(target), want)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "in.jsonl", "out.jsonl", "out.jsonl.run.json", "reference.jsonl",
        "reference.jsonl.run.json"]


def test_predict_parquet_on_a_full_disk_keeps_its_shards_and_resumes(
        tfidf_model: Path, source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import pyarrow.parquet as pq

    reference, target = _reference_run(tfidf_model, source, tmp_path, "parquet")
    real_write = pq.write_table
    shards: list[str] = []

    def write_table(table: Any, where: Any, *args: Any, **kwargs: Any) -> None:
        shards.append(str(where))
        if len(shards) >= 3:  # from the third shard on, the disk is full
            write_then_fail(where, b"PAR1 partial")
        real_write(table, where, *args, **kwargs)

    monkeypatch.setattr(pq, "write_table", write_table)
    assert "part-00002.parquet" in _fails_for_lack_of_space(tfidf_model, source, target, capsys)
    monkeypatch.undo()
    parts = tmp_path / "out.parquet.parts"
    assert sorted(p.name for p in parts.iterdir()) == ["part-00000.parquet",
                                                       "part-00001.parquet"]
    assert not target.exists()
    assert _predict(tfidf_model, source, target, "--resume") == 0
    compare_results(result_rows(target), result_rows(reference))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "in.jsonl", "out.parquet", "out.parquet.run.json", "reference.parquet",
        "reference.parquet.run.json"]


def test_export_on_a_full_disk_keeps_the_previous_model_folder(
        tiny_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nlp_ip.exporters import export_onnx

    target = tmp_path / "model-onnx"
    export_onnx(tiny_run / "model-best", target, optimize=False)
    before = folder_digest(target)
    real_copy = shutil.copyfile

    def copy_on_a_full_disk(src: Any, dst: Any, *args: Any, **kwargs: Any) -> Any:
        if Path(dst).name == "brands.yaml":
            write_then_fail(dst, Path(src).read_bytes()[:100])
        return real_copy(src, dst, *args, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", copy_on_a_full_disk)
    with pytest.raises(DiskFullError, match=f"no space left on the device holding {target} "
                                            rf".*{target} is as it was.*Free space"):
        export_onnx(tiny_run / "model-best", target, overwrite=True, optimize=False)
    assert folder_digest(target) == before
    assert [p.name for p in tmp_path.iterdir()] == ["model-onnx"]  # no temporary folder


def test_training_on_a_full_disk_keeps_the_last_checkpoint_and_resumes(
        tiny_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: a checkpoint cut off by a full disk stayed behind half-written, and
    `--resume` picked it (the newest) and failed."""
    import torch

    from nlp_ip_train.config import load_config
    from nlp_ip_train.run import train

    cfg = load_config(ROOT / "configs" / "tiny.yaml", [f"data.cache_dir={tiny_cache}"])
    run_dir = tmp_path / "run"
    real_save = torch.save

    def save(obj: Any, where: Any, *args: Any, **kwargs: Any) -> Any:
        if str(where).endswith("optimizer.pt") and "checkpoint-8" in str(where):
            write_then_fail(where, b"partial optimizer state")
        return real_save(obj, where, *args, **kwargs)

    monkeypatch.setattr(torch, "save", save)
    folder = run_dir / "checkpoints" / "checkpoint-8"
    with pytest.raises(DiskFullError, match=rf"holding {folder} .*checkpoint-4 is intact.*"
                                            "--resume"):
        train(cfg, run_dir, root=ROOT)
    monkeypatch.undo()
    assert [p.name for p in (run_dir / "checkpoints").iterdir()] == ["checkpoint-4"]
    assert (run_dir / "checkpoints" / "checkpoint-4" / "trainer_state.json").is_file()
    result = train(cfg, run_dir, resume=True, root=ROOT)
    assert (result.model_best / "nlp_ip.json").is_file()
    assert not [p for p in run_dir.rglob("*") if ".tmp-" in p.name]


def test_review_decision_on_a_full_disk_is_refused_and_changes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("fastapi")
    import re

    from fastapi.testclient import TestClient
    from review_support import PASSWORD, fill_store

    from nlp_ip.review.app import create_review_app
    from nlp_ip.review.auth import add_user
    from nlp_ip.review.store import ReviewStore

    store = fill_store(tmp_path / "review.sqlite")
    add_user(store, "ana", PASSWORD)
    client = TestClient(create_review_app(store.path, secret="s" * 32), follow_redirects=False)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"username": "ana", "password": PASSWORD, "csrf_token": token})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"',  # type: ignore[union-attr]
                     client.get("/items/1").text).group(1)
    real_open = ReviewStore._open

    def open_on_a_full_disk(self: ReviewStore) -> sqlite3.Connection:
        # SQLite's own SQLITE_FULL: the database may not grow by a single page
        conn = real_open(self)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(ReviewStore, "_open", open_on_a_full_disk)
    answers = []
    for i in range(300):  # until a decision needs a new page
        answer = client.post(f"/items/{1 + i % 4}/decision", headers={"accept": "text/html"},
                             data={"decision": ("parody", "skip")[i % 2], "csrf_token": csrf,
                                   "submission_id": f"fill-{i}", "note": "n" * 1500})
        answers.append(answer)
        if answer.status_code != 303:
            break
    monkeypatch.undo()
    refused = answers[-1]
    assert refused.status_code == 507, refused.text
    assert "disk is full" in refused.text and "nothing was saved" in refused.text
    history = store.history()
    assert [h["submission_id"] for h in history] == [f"fill-{i}" for i in range(len(answers) - 1)]
    last = {}
    for h in history:
        if h["action"] != "skip":
            last[h["item_id"]] = h["id"]
    assert {d["item_id"]: d["history_id"] for d in store.decisions()} == last
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
