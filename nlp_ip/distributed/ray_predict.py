"""``nlp-ip predict --engine ray``: classify listing shards with Ray Data.

The pipeline is three Ray Data stages, nothing home-made:

1. read: one task per shard streams it through ``nlp_ip.io`` (bad rows become
   error rows, see :mod:`nlp_ip.distributed.source`);
2. classify: ``map_batches`` with :class:`ListingPredictor`, a callable class,
   so each actor loads the model folder once and keeps it for every batch;
3. write: ``write_parquet`` to a folder, the same columns as single-machine
   ``nlp-ip predict`` (:mod:`nlp_ip.inference.rows`).

Fault tolerance is Ray's: the actors are created with ``max_restarts`` and
``max_task_retries``, so a worker that dies is restarted and its batch is run
again; a batch's output is only kept once its task has finished, so each input
row is written exactly once.
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp_ip.distributed._ray import connect, require_ray
from nlp_ip.distributed.source import (
    InputFile,
    decode_item,
    expand_inputs,
    listing_datasource,
)
from nlp_ip.errors import DataFormatError, ModelLoadError
from nlp_ip.inference.rows import build_rows, result_arrow_schema

logger = logging.getLogger(__name__)

def actor_resources(backend: str, threads_per_worker: int,
                    gpus_per_actor: float | None = None) -> dict[str, float]:
    """The Ray resources each model actor asks for: ``num_cpus`` and ``num_gpus``.

    ``gpus_per_actor`` defaults to 1 for a GPU backend (``torch-cuda``, ``onnx-cuda``)
    and to 0 otherwise, ``auto`` included: Ray hides the GPUs from an actor that asks
    for none (``CUDA_VISIBLE_DEVICES`` is empty there), so ``auto`` runs on the CPU
    unless a GPU is asked for. A fraction (0.5) puts several actors on one GPU.
    """
    from nlp_ip.inference.backends import GPU_BACKENDS

    if gpus_per_actor is None:
        gpus_per_actor = 1.0 if backend in GPU_BACKENDS else 0.0
    if gpus_per_actor < 0:
        raise DataFormatError(f"--gpus-per-actor must be >= 0, got {gpus_per_actor}")
    if backend in GPU_BACKENDS and gpus_per_actor == 0:
        raise DataFormatError(f"--backend {backend} computes on a GPU, but --gpus-per-actor "
                              "is 0: Ray would hide the GPUs from the actors; give "
                              "--gpus-per-actor 1 (or a fraction such as 0.5)")
    return {"num_cpus": float(threads_per_worker), "num_gpus": float(gpus_per_actor)}


#: Ray's actor fault tolerance: a dead actor is restarted (it reloads the model)
#: and a batch it was running is retried on a live one. Ray Data's default retries
#: a batch without limit; a bounded count stops a batch that kills every worker
#: it touches (out of memory, a crash in native code) from looping forever.
FAULT_TOLERANCE: dict[str, Any] = {"max_restarts": -1, "max_task_retries": 3}


class ListingPredictor:
    """The ``map_batches`` callable: loads the model folder once per actor.

    Takes a block of ``(source, line, listing, error)`` rows as a pyarrow
    Table and returns the result rows as a pyarrow Table (schema
    :func:`~nlp_ip.inference.rows.result_arrow_schema`).
    """

    def __init__(self, model_dir: str, *, backend: str = "auto", num_threads: int = 1,
                 max_batch_tokens: int | None = None) -> None:
        from nlp_ip.inference import ListingClassifier
        self.classifier = ListingClassifier.from_pretrained(
            model_dir, backend=backend, num_threads=num_threads,
            max_batch_tokens=max_batch_tokens)
        self.schema = result_arrow_schema()

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        columns = batch.to_pydict()
        items = [(line, decode_item(listing, error)) for line, listing, error
                 in zip(columns["line"], columns["listing"], columns["error"], strict=True)]
        rows = build_rows(self.classifier, items, sources=columns["source"])
        return pa.Table.from_pylist(rows, schema=self.schema)


@dataclass(frozen=True)
class RayPredictResult:
    """What a Ray run wrote."""

    output: str
    files_read: int
    rows: int | None  # None when the output is remote and was not read back
    errors: int | None
    seconds: float
    num_workers: int
    threads_per_worker: int
    gpus_per_actor: float = 0.0

    @property
    def listings_per_s(self) -> float | None:
        return self.rows / self.seconds if self.rows is not None and self.seconds > 0 else None

    def to_dict(self) -> dict[str, Any]:
        return {"output": self.output, "files_read": self.files_read, "rows": self.rows,
                "errors": self.errors, "seconds": round(self.seconds, 3),
                "listings_per_s": self.listings_per_s, "num_workers": self.num_workers,
                "threads_per_worker": self.threads_per_worker,
                "gpus_per_actor": self.gpus_per_actor}


def _absolute(path: str) -> str:
    """``path`` made absolute unless it is a URI."""
    if "://" in path and not path.startswith("file://"):
        return path
    return os.path.abspath(path.removeprefix("file://"))


def _check_model(model_dir: str, ray_address: str | None) -> None:
    """Fail on the driver, before any actor starts, when the folder is unusable."""
    from nlp_ip.artifact import read_meta
    from nlp_ip.text import TEXT_BUILDER_VERSION

    if Path(model_dir).is_dir():
        meta = read_meta(Path(model_dir))  # raises ModelLoadError naming what is wrong
        if meta.text.builder_version != TEXT_BUILDER_VERSION:
            raise ModelLoadError(
                f"{model_dir} was trained with text builder v{meta.text.builder_version}, but "
                f"this nlp-ip builds inputs with v{TEXT_BUILDER_VERSION}; retrain the model or "
                "install the nlp-ip version that trained it")
        return
    if ray_address is None:
        raise ModelLoadError(f"--model {model_dir} is not a folder; give the model folder "
                             "written by `nlp-ip train` or `nlp-ip export`")
    # On a cluster the folder only has to exist on the worker nodes.
    logger.warning("model folder %s is not on this machine; the workers must have it",
                   model_dir)


def _check_output(output: str, overwrite: bool) -> None:
    if "://" in output and not output.startswith("file://"):
        return
    path = Path(output.removeprefix("file://"))
    if path.exists() and not path.is_dir():
        raise DataFormatError(f"--output {path} is a file; the Ray engine writes a folder of "
                              "Parquet files, give a folder path")
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise DataFormatError(f"--output folder {path} is not empty; remove it, choose another "
                              "folder, or pass --overwrite")


def _count_output(output: str) -> tuple[int | None, int | None]:
    """(rows, error rows) read back from the written Parquet files, local output only."""
    if "://" in output and not output.startswith("file://"):
        return None, None
    import pyarrow.compute as pc
    import pyarrow.dataset as pads

    dataset = pads.dataset(output.removeprefix("file://"), format="parquet")
    table = dataset.to_table(columns=["error"])
    return table.num_rows, table.num_rows - int(pc.sum(pc.is_null(table["error"])).as_py() or 0)


def predict_with_ray(
    model_dir: str | os.PathLike[str],
    inputs: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    ray_address: str | None = None,
    num_workers: int = 2,
    batch_size: int = 256,
    threads_per_worker: int = 1,
    gpus_per_actor: float | None = None,
    backend: str = "auto",
    max_batch_tokens: int | None = None,
    overwrite: bool = False,
    progress: bool = False,
    predictor_cls: type[ListingPredictor] = ListingPredictor,
) -> RayPredictResult:
    """Classify every row of the input shards on Ray and write Parquet result files.

    ``inputs``: a file, a folder, a quoted glob (``"shards/*.jsonl"``) or a URI
    folder (``s3://bucket/shards/``), or a list of them; JSONL, CSV or Parquet.
    ``output``: a folder (local or URI) that receives ``*.parquet`` files with the
    columns of single-machine ``nlp-ip predict``, one row per input row.
    ``ray_address``: ``None`` starts a local Ray on this machine with
    ``num_workers * threads_per_worker + 1`` CPUs (one for reading and writing);
    ``"auto"`` or ``"HOST:PORT"`` joins an existing cluster.
    ``num_workers`` actors each load the model once and run ``threads_per_worker``
    threads; ``batch_size`` rows go to an actor per call. ``gpus_per_actor``: the
    GPUs Ray gives each actor (:func:`actor_resources`: by default 1 for a GPU
    backend, else 0).
    ``predictor_cls``: a subclass of :class:`ListingPredictor` to run instead.
    """
    if num_workers < 1 or threads_per_worker < 1 or batch_size < 1:
        raise DataFormatError(
            f"--num-workers, --threads-per-worker and --batch-size must be at least 1, got "
            f"{num_workers}, {threads_per_worker} and {batch_size}")
    resources = actor_resources(backend, threads_per_worker, gpus_per_actor)
    ray = require_ray()
    # Workers do not share the driver's working directory: local paths go absolute.
    model = _absolute(os.fspath(model_dir))
    out = _absolute(os.fspath(output))
    files: list[InputFile] = expand_inputs(inputs, fmt=fmt)
    _check_model(model, ray_address)
    _check_output(out, overwrite)

    from ray.data import ActorPoolStrategy, DataContext, SaveMode

    started = connect(ray_address, num_cpus=num_workers * threads_per_worker + 1)
    context = DataContext.get_current()
    saved = (context.enable_progress_bars, context.print_on_execution_start)
    try:
        context.enable_progress_bars = context.print_on_execution_start = progress
        begin = time.perf_counter()
        dataset = ray.data.read_datasource(listing_datasource(files, batch_size))
        with warnings.catch_warnings():
            # Ray 2.60 deprecates passing actor options such as max_restarts through
            # map_batches' **ray_remote_args (to be replaced by named parameters in
            # 2.64); it is still the documented way to set them in the pinned version.
            warnings.filterwarnings("ignore", message=".*ray_remote_args.*deprecated")
            dataset = dataset.map_batches(
                predictor_cls,
                fn_constructor_args=(model,),
                fn_constructor_kwargs={"backend": backend, "num_threads": threads_per_worker,
                                       "max_batch_tokens": max_batch_tokens},
                batch_size=batch_size,
                batch_format="pyarrow",
                compute=ActorPoolStrategy(size=num_workers),
                **resources,
                **FAULT_TOLERANCE,
            )
        dataset.write_parquet(out, mode=SaveMode.OVERWRITE if overwrite else SaveMode.APPEND)
        seconds = time.perf_counter() - begin
    finally:
        context.enable_progress_bars, context.print_on_execution_start = saved
        if started:
            ray.shutdown()
    rows, errors = _count_output(out)
    result = RayPredictResult(out, len(files), rows, errors, seconds, num_workers,
                              threads_per_worker, resources["num_gpus"])
    logger.info("ray predict: %s", result.to_dict())
    return result
