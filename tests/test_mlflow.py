"""The MLflow flavour (nlp_ip.mlflow).

Everything runs against a local file store under tmp_path. Without MLflow the tests that
need it skip, naming the install line.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from doc_snippets import doc_snippet

from nlp_ip.errors import InvalidInputError, ModelLoadError
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
