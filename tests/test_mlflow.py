"""The MLflow flavour (nlp_ip.mlflow) and ``tracking: mlflow`` in training configs.

Everything runs against a local file store under tmp_path. Without MLflow the tests that
need it skip, naming the install line.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from doc_snippets import doc_snippet

from nlp_ip.errors import ConfigError, InvalidInputError, MissingExtraError, ModelLoadError
from nlp_ip.inference.rows import PROB_COLUMNS, RESULT_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
INSTALL = 'MLflow is not installed: pip install "nlp-ip[mlflow]"'
needs_mlflow = pytest.mark.skipif(find_spec("mlflow") is None or find_spec("pandas") is None,
                                  reason=INSTALL)
FLOAT_COLUMNS = [*PROB_COLUMNS, "confidence"]
TEXT_COLUMNS = [c for c in RESULT_COLUMNS if c not in FLOAT_COLUMNS]


def use_local_store(monkeypatch: pytest.MonkeyPatch, folder: Path) -> str:
    """Point MLflow at a file store in ``folder`` (through its own environment variables)."""
    uri = (folder / "mlruns").as_uri()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    return uri


@pytest.fixture(scope="module")
def doc_run(tiny_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """docs/integrations.md's MLflow snippet, run on a copy of the tiny model."""
    if find_spec("mlflow") is None:
        pytest.skip(INSTALL)
    work = tmp_path_factory.mktemp("mlflow-doc")
    model_dir = work / "model-best"
    shutil.copytree(tiny_run / "model-best", model_dir)
    code = doc_snippet("integrations.md", "mlflow")
    assert '"runs/default/model-best"' in code
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_local_store(monkeypatch, work)
        monkeypatch.chdir(work)
        namespace: dict[str, Any] = {}
        exec(compile(code.replace('"runs/default/model-best"', repr(str(model_dir))),
                     "docs/integrations.md#mlflow", "exec"), namespace)
        namespace["model_dir"] = model_dir
        yield namespace


def predict_with_cli(model_dir: Path, frame: Any, folder: Path) -> Any:
    """``nlp-ip predict`` on ``frame`` written as a Parquet file, its rows read back."""
    import pandas as pd

    from nlp_ip.cli import main

    source, target = folder / "listings.parquet", folder / "predictions.parquet"
    frame.to_parquet(source, index=False)
    assert main(["predict", "--model", str(model_dir), "--input", str(source),
                 "--output", str(target), "--overwrite", "--no-progress"]) == 0
    return pd.read_parquet(target)


def assert_same_rows(pyfunc: Any, cli: Any) -> None:
    import pandas as pd

    assert list(pyfunc.columns) == list(RESULT_COLUMNS)
    assert len(pyfunc) == len(cli)
    for column in TEXT_COLUMNS:
        ours = [None if pd.isna(v) else v for v in pyfunc[column]]
        theirs = [None if pd.isna(v) else v for v in cli[column]]
        assert ours == theirs, column
    np.testing.assert_allclose(pyfunc[FLOAT_COLUMNS].to_numpy(float),
                               cli[FLOAT_COLUMNS].to_numpy(float), rtol=0, atol=1e-9,
                               equal_nan=True)


@needs_mlflow
def test_the_doc_snippet_predicts_what_nlp_ip_predict_writes(doc_run: dict[str, Any],
                                                             tmp_path: Path) -> None:
    predictions = doc_run["predictions"]
    assert predictions["id"].tolist() == ["a-1", "a-2", "a-3"]
    assert predictions["error"].isna().tolist() == [True, True, False]
    assert "title" in predictions.loc[2, "error"] and "blank" in predictions.loc[2, "error"]
    cli = predict_with_cli(doc_run["model_dir"], doc_run["listings"], tmp_path)
    assert_same_rows(predictions, cli)


@needs_mlflow
def test_awkward_rows_match_nlp_ip_predict(doc_run: dict[str, Any], tmp_path: Path) -> None:
    # missing cells, integer ids (nullable), bad fields of each kind, an extra column
    import pandas as pd

    frame = pd.DataFrame({
        "title": ["Rolex Submariner replica AAA", "Case compatible with AirPods Pro 2", "",
                  "Nike style running shoes", "LV Neverfull MM top quality 1:1", "Plain mug"],
        "description": ["mirror quality", None, "no title", None, "ships fast", None],
        "price": [80.5, np.nan, 3.0, -3.0, 59.0, 1e12],
        "currency": ["usd", None, "USD", "EUR", "EURO", None],
        "brand": [None, "Apple", None, "Nike", None, None],
        "id": pd.array([101, None, 103, None, 105, 106], dtype="Int64"),
        "seller": ["s1", "s2", "s3", "s4", "s5", "s6"],
    })
    predictions = doc_run["model"].predict(frame)
    assert predictions["id"].tolist() == ["101", "2", "103", "4", "105", "106"]
    assert predictions["error"].notna().tolist() == [False, False, True, True, True, True]
    assert_same_rows(predictions, predict_with_cli(doc_run["model_dir"], frame, tmp_path))


@needs_mlflow
def test_the_logged_model_is_code_and_the_folder_unchanged(doc_run: dict[str, Any]) -> None:
    from mlflow.artifacts import download_artifacts

    local = Path(download_artifacts(doc_run["info"].model_uri))
    files = [p for p in local.rglob("*") if p.is_file()]
    assert not [p for p in files if p.suffix in {".pkl", ".pickle", ".joblib", ".cloudpickle"}]
    assert (local / "_mlflow_entry.py").is_file()
    logged = next(p for p in local.rglob("nlp_ip.json")).parent
    source = doc_run["model_dir"]
    assert sorted(p.name for p in logged.iterdir()) == sorted(p.name for p in source.iterdir())
    for path in source.iterdir():
        assert (logged / path.name).read_bytes() == path.read_bytes(), path.name
    assert "python_model.pkl" not in (local / "MLmodel").read_text(encoding="utf-8")


@needs_mlflow
def test_the_signature_names_the_listing_and_result_columns(doc_run: dict[str, Any]) -> None:
    import mlflow

    info = mlflow.models.get_model_info(doc_run["info"].model_uri)
    inputs = {spec.name: spec for spec in info.signature.inputs.inputs}
    assert list(inputs) == ["title", "description", "price", "currency", "brand", "id"]
    assert inputs["title"].required and not inputs["price"].required
    assert info.signature.outputs.input_names() == list(RESULT_COLUMNS)
    assert info.saved_input_example_info is not None
    assert info.metadata["labels"] == ["infringing", "parody", "lookalike", "legitimate"]


@needs_mlflow
def test_a_frame_without_titles_is_refused_with_the_columns_it_needs(
        doc_run: dict[str, Any]) -> None:
    import pandas as pd

    from nlp_ip.mlflow import predict_frame

    classifier = doc_run["model"].unwrap_python_model().classifier
    with pytest.raises(InvalidInputError, match=r"no 'title' column \(columns: name\).*title, "
                                                r"description, price"):
        predict_frame(classifier, pd.DataFrame({"name": ["belt"]}))
    empty = predict_frame(classifier, pd.DataFrame({"title": []}))
    assert list(empty.columns) == list(RESULT_COLUMNS) and len(empty) == 0


@needs_mlflow
def test_log_model_refuses_a_folder_that_is_not_a_model(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from nlp_ip.mlflow import log_model

    use_local_store(monkeypatch, tmp_path)
    (tmp_path / "not-a-model").mkdir()
    with pytest.raises(ModelLoadError):
        log_model(tmp_path / "not-a-model")


# -- training: tracking: mlflow ------------------------------------------------------
def test_tracking_is_off_by_default_and_checked() -> None:
    from nlp_ip_train.config import load_config

    assert load_config(ROOT / "configs" / "default.yaml").tracking == "none"
    assert load_config(ROOT / "configs" / "tiny.yaml", ["tracking=mlflow"]).tracking == "mlflow"
    with pytest.raises(ConfigError, match="'tracking'"):
        load_config(ROOT / "configs" / "tiny.yaml", ["tracking=wandb"])


def test_tracking_mlflow_without_mlflow_names_the_pip_line(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from nlp_ip_train.config import load_config
    from nlp_ip_train.tracking import check_tracking

    monkeypatch.setitem(sys.modules, "mlflow", None)  # import mlflow now raises ImportError
    cfg = load_config(ROOT / "configs" / "tiny.yaml", ["tracking=mlflow"])
    with pytest.raises(MissingExtraError, match=r'pip install "nlp-ip\[mlflow\]"'):
        check_tracking(cfg)


@needs_mlflow
def test_a_store_mlflow_cannot_open_stops_the_run_before_training(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nlp_ip_train.config import load_config
    from nlp_ip_train.run import train

    # MLflow 3.17 refuses the plain-folder store unless MLFLOW_ALLOW_FILE_STORE is set
    monkeypatch.setenv("MLFLOW_TRACKING_URI", (tmp_path / "mlruns").as_uri())
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)
    cfg = load_config(ROOT / "configs" / "tiny.yaml", ["tracking=mlflow"])
    with pytest.raises(ConfigError, match=r"MLflow cannot open its tracking store.*"
                                          r"MLFLOW_TRACKING_URI"):
        train(cfg, tmp_path / "run", root=ROOT)
    assert not (tmp_path / "run").exists()


@needs_mlflow
def test_a_training_run_logs_params_metrics_and_the_model(
        tmp_path: Path, tiny_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    import mlflow
    import pandas as pd

    from nlp_ip_train.config import load_config
    from nlp_ip_train.run import train

    use_local_store(monkeypatch, tmp_path)
    # the TF-IDF kind trains in seconds; the logging is the same for every kind
    cfg = load_config(ROOT / "configs" / "tiny.yaml",
                      [f"data.cache_dir={tiny_cache}", "model.kind=tfidf", "tracking=mlflow"])
    result = train(cfg, tmp_path / "run", root=ROOT)
    runs = mlflow.search_runs(experiment_names=["tiny"], output_format="list")
    assert len(runs) == 1
    run = runs[0]
    assert run.info.run_name == "run"
    assert run.data.params["config.model.kind"] == "tfidf"
    assert run.data.params["config.training.learning_rate"] == "0.001"
    best = result.metrics["model-best"]
    assert run.data.metrics["validation.macro_f1"] == pytest.approx(best["validation"]["macro_f1"])
    assert run.data.metrics["calibration.temperature"] == pytest.approx(
        best["calibration"]["temperature"])
    meta = json.loads((result.model_best / "nlp_ip.json").read_text(encoding="utf-8"))
    assert run.data.tags["nlp_ip.model_version"] == meta["model_version"]
    logged = {a.path for a in mlflow.MlflowClient().list_artifacts(run.info.run_id)}
    assert {"config.yaml", "run.json", "metrics.json"} <= logged
    model = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    rows = model.predict(pd.DataFrame({"title": ["Chewy Vuiton plush dog toy"]}))
    assert rows.loc[0, "model_version"] == meta["model_version"]
