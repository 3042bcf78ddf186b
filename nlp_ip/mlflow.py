"""MLflow pyfunc flavour: log a model folder to MLflow, load it back with ``mlflow.pyfunc``.

::

    import mlflow
    from nlp_ip.mlflow import log_model

    with mlflow.start_run():
        info = log_model("runs/default/model-best")
    model = mlflow.pyfunc.load_model(info.model_uri)
    model.predict(pandas.DataFrame([{"title": "G-U-C-C-I belt 1:1", "price": 25}]))

``predict`` takes a DataFrame with the listing columns (``title`` required;
``description``, ``price``, ``currency``, ``brand``, ``id`` optional; others are kept as
metadata, as in files) and returns a DataFrame with the columns of ``nlp-ip predict``
(:data:`~nlp_ip.inference.rows.RESULT_COLUMNS`), one row per input row, in order. A bad
row becomes an error row (``error`` set, the prediction columns null), as in
``nlp-ip predict``; rows without an id get their 1-based row number, as a Parquet file's
rows do.

Nothing is pickled. The model folder is logged as an artifact (its safetensors and JSON
files, unchanged), and the pyfunc wrapper is logged as code (MLflow's "models from
code"): MLflow copies :mod:`nlp_ip._mlflow_entry` into the logged model and runs it on
load, which builds :class:`ListingClassifierModel`; that class loads the folder with
:meth:`ListingClassifier.from_pretrained <nlp_ip.inference.ListingClassifier.from_pretrained>`.
The loading environment therefore needs nlp-ip installed (``pip install
"nlp-ip[mlflow]"``), which the logged requirements name.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nlp_ip.errors import InvalidInputError, MissingExtraError

try:
    import mlflow
    import pandas as pd
    from mlflow.models import ModelSignature
    from mlflow.pyfunc import PythonModel
    from mlflow.types import ColSpec, Schema
    from mlflow.types.schema import AnyType
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingExtraError("mlflow", getattr(exc, "name", None) or "mlflow",
                            "nlp_ip.mlflow (the MLflow flavour)") from exc

from nlp_ip.inference.rows import PROB_COLUMNS, RESULT_COLUMNS, build_rows
from nlp_ip.io import listing_or_error
from nlp_ip.labels import LABEL_NAMES

if TYPE_CHECKING:
    from mlflow.models.model import ModelInfo

    from nlp_ip.inference import ListingClassifier

__all__ = ["INPUT_COLUMNS", "ListingClassifierModel", "log_model", "model_signature",
           "predict_frame"]

#: The listing columns the model reads; only ``title`` is required.
INPUT_COLUMNS: tuple[str, ...] = ("title", "description", "price", "currency", "brand", "id")
#: The name of the model folder among the logged model's artifacts.
MODEL_ARTIFACT = "model_dir"
#: The models-from-code file MLflow runs on load.
_ENTRY = Path(__file__).with_name("_mlflow_entry.py")
_FLOAT_COLUMNS = (*PROB_COLUMNS, "confidence")
#: What the logged model's input example shows (and MLflow checks against the signature).
_EXAMPLE = [
    {"id": "a-1", "title": "G-U-C-C-I belt 1:1 mirror quality",
     "description": "AAA grade, ships from the factory", "price": 25.0, "currency": "USD",
     "brand": "Gucci"},
    {"id": "a-2", "title": "Chewy Vuiton plush dog toy", "description": "Squeaky parody toy",
     "price": 12.5, "currency": "USD", "brand": "Chewy Vuiton"},
]


def model_signature() -> ModelSignature:
    """The pyfunc signature: listing columns in, ``nlp-ip predict`` result columns out.

    ``id`` may be a string or an integer (as in files), so its type is left open.
    """
    inputs = Schema([
        ColSpec("string", "title"),
        ColSpec("string", "description", required=False),
        ColSpec("double", "price", required=False),
        ColSpec("string", "currency", required=False),
        ColSpec("string", "brand", required=False),
        ColSpec(AnyType(), "id", required=False),
    ])
    outputs = Schema([
        ColSpec("double" if column in _FLOAT_COLUMNS else "string", column,
                required=column == "id")
        for column in RESULT_COLUMNS
    ])
    return ModelSignature(inputs=inputs, outputs=outputs)


def _plain(value: Any) -> Any:
    """A DataFrame cell as a plain Python value; missing (NaN, None, NA) as None."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # numpy scalars: np.int64 is no int to the schema
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    columns = [str(column) for column in frame.columns]
    if "title" not in columns:
        raise InvalidInputError(
            f"the DataFrame has no 'title' column (columns: {', '.join(columns) or 'none'}); "
            f"give one listing per row with columns {', '.join(INPUT_COLUMNS)} "
            "(only title is required)")
    cells = frame.astype(object).where(frame.notna(), None)
    return [{column: _plain(value) for column, value in zip(columns, row, strict=True)}
            for row in cells.itertuples(index=False, name=None)]


def predict_frame(classifier: ListingClassifier, frame: Any) -> pd.DataFrame:
    """Result rows of ``nlp-ip predict`` for the listings in ``frame``, as a DataFrame.

    ``frame`` is a DataFrame (or anything ``pandas.DataFrame`` accepts, e.g. a list of
    dicts) with one listing per row. Bad rows become error rows in place; a frame without
    a ``title`` column raises :class:`~nlp_ip.errors.InvalidInputError`.
    """
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(frame)
    items = [(line, listing_or_error(record, line=line, source="dataframe"))
             for line, record in enumerate(_records(frame), start=1)]
    rows = build_rows(classifier, items)
    result = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    return result.astype(dict.fromkeys(_FLOAT_COLUMNS, "float64"))


class ListingClassifierModel(PythonModel):  # type: ignore[misc]
    """The pyfunc model: loads the logged folder and classifies DataFrames of listings."""

    def load_context(self, context: Any) -> None:
        from nlp_ip.inference import ListingClassifier

        self.classifier = ListingClassifier.from_pretrained(context.artifacts[MODEL_ARTIFACT])

    def predict(self, context: Any, model_input: pd.DataFrame,
                params: dict[str, Any] | None = None) -> pd.DataFrame:
        return predict_frame(self.classifier, model_input)


def default_pip_requirements() -> list[str]:
    """What the logged model needs: nlp-ip (which pins torch and the rest), MLflow, pandas."""
    from nlp_ip import __version__

    return [f"nlp-ip=={__version__}", f"mlflow-skinny=={mlflow.__version__}",
            f"pandas=={pd.__version__}"]


def log_model(model_dir: str | Path, artifact_path: str = "model", *,
              registered_model_name: str | None = None,
              pip_requirements: list[str] | None = None, **kwargs: Any) -> ModelInfo:
    """Log the model folder ``model_dir`` to MLflow as a pyfunc model named ``artifact_path``.

    Logs into the active run (MLflow starts one if none is active). The folder is checked
    first (a folder that is not a model raises :class:`~nlp_ip.errors.ModelLoadError`).
    ``pip_requirements`` defaults to :func:`default_pip_requirements`; other keyword
    arguments go to ``mlflow.pyfunc.log_model``. Returns MLflow's ``ModelInfo``, whose
    ``model_uri`` ``mlflow.pyfunc.load_model`` takes.
    """
    from nlp_ip.artifact import read_meta

    folder = Path(model_dir)
    meta = read_meta(folder)
    return mlflow.pyfunc.log_model(
        name=artifact_path,
        python_model=str(_ENTRY),
        artifacts={MODEL_ARTIFACT: str(folder)},
        signature=model_signature(),
        input_example=pd.DataFrame(_EXAMPLE, columns=list(INPUT_COLUMNS)),
        pip_requirements=pip_requirements or default_pip_requirements(),
        registered_model_name=registered_model_name,
        metadata={"nlp_ip_model_version": meta.model_version, "labels": list(LABEL_NAMES)},
        **kwargs,
    )
