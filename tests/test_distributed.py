"""``nlp-ip predict --engine ray`` on a local Ray with 2 workers.

Skipped when Ray is not installed. One local Ray (3 CPUs, 500 MB object store, no
dashboard) serves the whole module and is shut down at the end.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ray = pytest.importorskip(
    "ray", reason='Ray is an optional extra; install it with pip install "nlp-ip[distributed]"')
pytest.importorskip(
    "ray.data", reason='Ray Data is missing; install it with pip install "nlp-ip[distributed]"')

from nlp_ip.cli import main  # noqa: E402
from nlp_ip.distributed._ray import connect  # noqa: E402
from nlp_ip.distributed.ray_predict import ListingPredictor, predict_with_ray  # noqa: E402
from nlp_ip.errors import DataFormatError  # noqa: E402
from nlp_ip.inference.rows import RESULT_COLUMNS, row_id  # noqa: E402
from nlp_ip.io import iter_listings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "seed" / "listings.jsonl"

# Actors unpickle the crashing predictor below; this module is not importable on
# the workers, so it travels by value.
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def local_ray() -> Any:
    # The library's own local start: 3 CPUs (2 actors + reading/writing), a 500 MB
    # object store, no dashboard, patient start-up timeouts for a busy machine.
    assert connect(None, num_cpus=3), "a Ray was already running in the test process"
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def shard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """240 seed listings (every third without an id) and 4 bad rows, as JSONL bytes."""
    lines = SEED.read_bytes().splitlines()[:240]
    out: list[bytes] = []
    for i, raw in enumerate(lines):
        record = json.loads(raw)
        if i % 3 == 0:
            record.pop("id", None)
        out.append(json.dumps(record, ensure_ascii=False).encode())
        if i == 10:
            out.append(b'{"title": "broken json",')
        if i == 50:
            out.append(b'{"title": "   ", "id": "blank-title"}')
        if i == 90:
            out.append(b'{"title": 12345, "id": "number-title"}')
        if i == 130:
            out.append(b'{"title": "bad \xff utf8"}')
    path = tmp_path_factory.mktemp("shards") / "listings.jsonl"
    path.write_bytes(b"\n".join(out) + b"\n")
    return path


def _read_rows(path: Path) -> dict[str, dict[str, Any]]:
    import pyarrow.dataset as pads

    table = pads.dataset(str(path), format="parquet").to_table()
    assert tuple(table.column_names) == RESULT_COLUMNS
    rows = table.to_pylist()
    ids = Counter(row["id"] for row in rows)
    assert max(ids.values()) == 1, f"duplicate ids: {[k for k, v in ids.items() if v > 1]}"
    return {row["id"]: row for row in rows}


def test_ray_path_matches_single_machine_row_by_row(
        local_ray: Any, tiny_run: Path, shard: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    model = tiny_run / "model-best"
    local_out = tmp_path / "local.parquet"
    assert main(["predict", "--model", str(model), "--input", str(shard), "--output",
                 str(local_out), "--backend", "torch-fp32"]) == 0
    ray_out = tmp_path / "ray"
    capsys.readouterr()
    assert main(["predict", "--engine", "ray", "--num-workers", "2", "--batch-size", "32",
                 "--model", str(model), "--input", str(shard), "--output", str(ray_out),
                 "--backend", "torch-fp32"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    local = _read_rows(local_out)
    distributed = _read_rows(ray_out)
    assert summary["rows"] == len(local) == 244 and summary["errors"] == 4
    assert summary["num_workers"] == 2
    assert set(distributed) == set(local)
    for rid, expected in local.items():
        got = distributed[rid]
        for column in RESULT_COLUMNS:
            if column.startswith("prob_") or column == "confidence":
                if expected[column] is None:
                    assert got[column] is None, (rid, column)
                else:
                    assert got[column] == pytest.approx(expected[column], abs=1e-5), (
                        rid, column)
            else:
                assert got[column] == expected[column], (rid, column)
    errors = {k: v["error"] for k, v in distributed.items() if v["error"]}
    assert len(errors) == 4 and "blank-title" in errors and "number-title" in errors


class CrashOncePredictor(ListingPredictor):
    """Dies (the whole worker process) on its second batch, once across all actors."""

    marker: str = ""

    def __init__(self, model_dir: str, **kwargs: Any) -> None:
        super().__init__(model_dir, **kwargs)
        self.calls = 0

    def __call__(self, batch: Any) -> Any:
        self.calls += 1
        if self.calls == 2:
            try:
                os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                pass
            else:
                os._exit(1)
        return super().__call__(batch)


def test_killed_worker_batch_is_retried_and_each_id_written_once(
        local_ray: Any, tiny_run: Path, shard: Path, tmp_path: Path) -> None:
    marker = tmp_path / "crashed"
    crashing = type("CrashOnce", (CrashOncePredictor,), {"marker": str(marker)})
    result = predict_with_ray(tiny_run / "model-best", shard, tmp_path / "out",
                              num_workers=2, batch_size=16, backend="torch-fp32",
                              predictor_cls=crashing)
    assert marker.exists(), "no worker was killed: the test did not test anything"
    rows = _read_rows(tmp_path / "out")  # asserts no id appears twice
    expected = [row_id(line, item) for line, item in iter_listings(shard)]
    assert len(expected) == 244
    assert set(rows) == set(expected)
    assert result.rows == len(rows) == len(expected)


def test_local_engine_options_are_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match=r"--resume belongs to the local engine"):
        main_or_raise(["predict", "--engine", "ray", "--resume", "--model", str(tmp_path),
                       "--input", str(tmp_path), "--output", str(tmp_path / "out")])


def test_non_empty_output_folder_is_refused(tiny_run: Path, shard: Path,
                                            tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.parquet").write_bytes(b"")
    with pytest.raises(DataFormatError, match=r"is not empty; remove it, choose another folder"):
        predict_with_ray(tiny_run / "model-best", shard, out)


def main_or_raise(argv: list[str]) -> int:
    """The CLI's handler without main()'s error printing, so the exception is visible."""
    from nlp_ip.cli import build_parser

    args = build_parser().parse_args(argv)
    return int(args.func(args))
