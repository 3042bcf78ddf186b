"""Reading labeled evaluation data: files, split selection, label ids."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from nlp_ip.errors import DataFormatError, InvalidInputError
from nlp_ip.io import read_listings
from nlp_ip.labels import LABEL2ID
from nlp_ip.schema import Listing

logger = logging.getLogger(__name__)

#: Splits derived from the seed file the way training derives them
#: (``nlp_ip_train.data.is_seed_validation``): seed rows with ``split == "train"``
#: are either seed-validation (held out, never trained on) or seed-train.
DERIVED_SPLITS = ("seed-validation", "seed-train")


def select_split(listings: Sequence[Listing], split: str | None, source: str) -> list[Listing]:
    """Rows whose ``split`` metadata equals ``split`` (all rows when ``split`` is None).

    ``seed-validation`` / ``seed-train`` select the seed-train rows held out /
    kept by training, so a policy can be tuned on seed rows the model never saw.
    """
    if split is None:
        return list(listings)
    values = [x.metadata.get("split") for x in listings]
    if all(v is None for v in values):
        raise InvalidInputError(
            f"{source}: --split {split!r} was given but no row has a 'split' field; drop "
            "--split or use a file whose rows carry split: train|test")
    if split in DERIVED_SPLITS:
        from nlp_ip_train.data import is_seed_validation

        want_validation = split == "seed-validation"
        return [x for x, v in zip(listings, values, strict=True)
                if v == "train" and is_seed_validation(x.id) == want_validation]
    chosen = [x for x, v in zip(listings, values, strict=True) if v == split]
    if not chosen:
        found = sorted({str(v) for v in values if v is not None})
        raise InvalidInputError(
            f"{source}: no row has split {split!r}; the file has {', '.join(found)} "
            f"(or use one of {', '.join(DERIVED_SPLITS)})")
    return chosen


def parse_data_arg(arg: str | Path, split: str | None) -> tuple[Path, str | None]:
    """``FILE`` or ``FILE:SPLIT`` -> (path, split); a per-file split overrides ``split``.

    An existing path is always taken whole, so a colon inside a real file name
    still works.
    """
    path = Path(arg)
    text = str(arg)
    if not path.exists() and ":" in text:
        head, _, tail = text.rpartition(":")
        if head and tail and Path(head).exists():
            return Path(head), tail
    return path, split


def _read(paths: Sequence[str | Path], split: str | None) -> Iterator[tuple[Path, list[Listing]]]:
    """Each file of ``paths`` (``FILE`` or ``FILE:SPLIT``) and its chosen rows; bad rows are
    logged and skipped (as ``nlp-ip validate`` reports them)."""
    if not paths:
        raise InvalidInputError("no data file given; pass --data FILE")
    for arg in paths:
        path, file_split = parse_data_arg(arg, split)
        listings, report = read_listings(path)
        if report.errors:
            logger.warning("%s: skipped %d bad rows (first: %s)", path, len(report.errors),
                           report.errors[0])
        yield path, select_split(listings, file_split, str(path))


def load_labeled(paths: Sequence[str | Path], split: str | None = None) -> list[Listing]:
    """Every labeled row of ``paths`` (after split selection), in file order.

    Each entry is ``FILE`` (rows filtered by ``split`` when given) or
    ``FILE:SPLIT`` (its own split, e.g. ``data/seed/listings.jsonl:seed-validation``
    next to a generated ``validation.jsonl`` that has no split field).
    Bad rows are logged and skipped (as ``nlp-ip validate`` reports them); a
    row without a label is an error, since it cannot be scored.
    """
    rows: list[Listing] = []
    for path, chosen in _read(paths, split):
        unlabeled = [x for x in chosen if x.label is None]
        if unlabeled:
            raise InvalidInputError(
                f"{path}: {len(unlabeled)} rows have no 'label' (first id "
                f"{unlabeled[0].id!r}); evaluation needs the true label on every row")
        rows.extend(chosen)
    if not rows:
        raise DataFormatError(f"no labeled rows in {', '.join(map(str, paths))}"
                              + (f" for split {split!r}" if split else ""))
    return rows


def load_listings(paths: Sequence[str | Path], split: str | None = None) -> list[Listing]:
    """Every row of ``paths`` (``FILE`` or ``FILE:SPLIT``), labeled or not, in file order."""
    rows = [x for _, chosen in _read(paths, split) for x in chosen]
    if not rows:
        raise DataFormatError(f"no listings in {', '.join(map(str, paths))}")
    return rows


def label_ids(listings: Sequence[Listing]) -> np.ndarray:
    """True label ids in ``nlp_ip.labels`` order."""
    return np.array([LABEL2ID[x.label.value] for x in listings  # type: ignore[union-attr]
                     ], dtype=np.int64)
