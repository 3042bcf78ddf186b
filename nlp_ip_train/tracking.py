"""Record a training run in MLflow when the config says ``tracking: mlflow``.

:func:`check_tracking` runs before training, so a missing extra or an unusable
tracking store stops the run at once instead of after hours of training.
:func:`log_run` runs after the run folder is written and records, in one MLflow run
of the experiment named after the config's ``name``:

- params: the resolved config, flattened (``config.training.learning_rate``);
- metrics: the numeric final metrics of model-best (``validation.macro_f1``,
  ``calibration.temperature``, ...);
- tags: the run folder, git commit and model version;
- artifacts: ``config.yaml``, ``run.json``, ``metrics.json`` and model-best as a pyfunc
  model (:func:`nlp_ip.mlflow.log_model`) under ``model``.

The tracking store is MLflow's own setting, ``MLFLOW_TRACKING_URI``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from nlp_ip.errors import ConfigError, require
from nlp_ip_train.config import Config

logger = logging.getLogger(__name__)

#: Run-folder files logged as artifacts besides the model.
RUN_FILES = ("config.yaml", "run.json", "metrics.json")


def check_tracking(cfg: Config) -> None:
    """Fail fast when ``cfg.tracking`` asks for MLflow and it cannot be used.

    Raises :class:`~nlp_ip.errors.MissingExtraError` (``pip install "nlp-ip[mlflow]"``)
    when MLflow is not installed, and :class:`~nlp_ip.errors.ConfigError` when its
    tracking store cannot be opened.
    """
    if cfg.tracking != "mlflow":
        return
    require("mlflow", extra="mlflow", feature="tracking: mlflow in the training config")
    import mlflow

    import nlp_ip.mlflow  # noqa: F401  (raises MissingExtraError naming what else is missing)

    uri = mlflow.get_tracking_uri()
    try:
        mlflow.MlflowClient().search_experiments(max_results=1)
    except Exception as exc:  # MLflow raises several types for a store it cannot open
        raise ConfigError(
            f"tracking: mlflow, but MLflow cannot open its tracking store {uri!r}: {exc}. "
            "Set MLFLOW_TRACKING_URI to your MLflow server (http://HOST:5000) or to a local "
            "store, or set tracking: none") from exc


def flatten(tree: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(dotted.key, leaf)`` pairs of a nested mapping."""
    for key, value in tree.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            yield from flatten(value, name)
        else:
            yield name, value


def log_run(cfg: Config, run_dir: Path, model_dir: Path, metrics: Mapping[str, Any]) -> str:
    """Log the finished run in ``run_dir`` and its model folder ``model_dir`` to MLflow.

    ``metrics`` are the model folder's final metrics (``metrics.json``'s entry for it).
    Returns the MLflow run id.
    """
    import mlflow

    from nlp_ip.artifact import read_meta
    from nlp_ip.mlflow import log_model

    params = {key: json.dumps(value) if isinstance(value, list | dict) else value
              for key, value in flatten(cfg.model_dump(mode="json"), "config")}
    numbers = {key: float(value) for key, value in flatten(metrics)
               if isinstance(value, int | float) and not isinstance(value, bool)}
    run_info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    mlflow.set_experiment(cfg.name)
    with mlflow.start_run(run_name=run_dir.name) as run:
        mlflow.log_params(params)
        mlflow.log_metrics(numbers)
        mlflow.set_tags({"nlp_ip.run_dir": str(run_dir.resolve()),
                         "nlp_ip.git_commit": str(run_info.get("git_commit")),
                         "nlp_ip.model_version": read_meta(model_dir).model_version})
        for name in RUN_FILES:
            if (run_dir / name).is_file():
                mlflow.log_artifact(str(run_dir / name))
        log_model(model_dir, "model")
    logger.info("logged the run to MLflow (%s): run %s, experiment %r",
                mlflow.get_tracking_uri(), run.info.run_id, cfg.name)
    return str(run.info.run_id)
