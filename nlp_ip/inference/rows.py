"""Result rows of ``nlp-ip predict``: one flat row per input row, error rows included.

The single-machine path and the Ray path (``nlp_ip.distributed``) both build
their output rows here, so the two engines write the same columns with the
same values for the same input.

Columns (:data:`RESULT_COLUMNS`): ``id``, ``label``, ``prob_<label>`` for each
label in :data:`~nlp_ip.labels.LABEL_NAMES` order, ``confidence``,
``decision``, ``model_version``, ``error``. A valid row has ``error`` null; an
error row has ``error`` set and the prediction columns null.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from nlp_ip.io import RowError
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.schema import Listing

if TYPE_CHECKING:
    from nlp_ip.inference.engine import ListingClassifier, Prediction

PROB_COLUMNS: tuple[str, ...] = tuple(f"prob_{name}" for name in LABEL_NAMES)
RESULT_COLUMNS: tuple[str, ...] = ("id", "label", *PROB_COLUMNS, "confidence", "decision",
                                   "model_version", "error")


def result_arrow_schema() -> Any:
    """The Arrow (Parquet) schema of result rows: ids and labels as strings, floats as float64."""
    import pyarrow as pa

    fields = [("id", pa.string()), ("label", pa.string())]
    fields += [(column, pa.float64()) for column in PROB_COLUMNS]
    fields += [("confidence", pa.float64()), ("decision", pa.string()),
               ("model_version", pa.string()), ("error", pa.string())]
    return pa.schema(fields)


def row_id(line: int, item: Listing | RowError | dict[str, Any] | None = None, *,
           source: str | None = None) -> str:
    """The ``id`` of a result row: the input's own id, else its row number.

    ``source`` (a file name) prefixes the row number when one run reads several
    files, so row numbers of different files cannot collide (``"part-1.jsonl:12"``).
    """
    own: Any = None
    if isinstance(item, Listing | RowError):
        own = item.id
    elif isinstance(item, dict):
        own = item.get("id")
    if own is not None and str(own).strip():
        return str(own)
    return f"{source}:{line}" if source else str(line)


def prediction_row(row_id: str, prediction: Prediction) -> dict[str, Any]:
    """The result row of a classified listing."""
    row: dict[str, Any] = {"id": row_id, "label": prediction.label}
    for name, column in zip(LABEL_NAMES, PROB_COLUMNS, strict=True):
        row[column] = float(prediction.probabilities[name])
    row.update(confidence=float(prediction.confidence), decision=prediction.decision,
               model_version=prediction.model_version, error=None)
    return row


def error_row(row_id: str, error: RowError | BaseException | str) -> dict[str, Any]:
    """The result row of an input that could not be classified, with the reason
    (on one line, so CSV and log readers keep one row per input)."""
    if isinstance(error, RowError):
        reason = f"field '{error.field}': {error.message}"
    else:
        reason = str(error)
    row: dict[str, Any] = dict.fromkeys(RESULT_COLUMNS)
    row.update(id=row_id, error=" ".join(reason.split()))
    return row


def build_rows(classifier: ListingClassifier,
               items: Sequence[tuple[int, Listing | RowError]], *,
               sources: Sequence[str | None] | None = None) -> list[dict[str, Any]]:
    """Result rows for ``(line, Listing | RowError)`` items, in the same order.

    Valid listings are classified in one :meth:`ListingClassifier.predict` call
    (so the engine sorts and packs them); bad rows become error rows in place.
    ``sources``, one per item, name the file of each row (see :func:`row_id`).
    """
    listings = [item for _, item in items if isinstance(item, Listing)]
    predictions = iter(classifier.predict(listings) if listings else [])
    rows = []
    for position, (line, item) in enumerate(items):
        rid = row_id(line, item, source=sources[position] if sources is not None else None)
        if isinstance(item, Listing):
            rows.append(prediction_row(rid, next(predictions)))
        else:
            rows.append(error_row(rid, item))
    return rows
