"""Assemble the labeled splits a run trains and validates on.

Sources, all recorded in the run's data fingerprint:

- a generated corpus (``data.generate``: built deterministically on first use
  and cached under ``data.cache_dir``), or a ready folder (``data.corpus_dir``)
  with ``train.jsonl``, ``validation.jsonl`` and ``test.jsonl``;
- the hand-written seed file: rows with ``split == "train"`` only. A fixed
  share of them (by a hash of the id) is held out as seed-validation; rows
  with ``split == "test"`` (seed-test) are never read by training;
- extra labeled files (e.g. reviewer corrections), each with a loss weight.
"""

from __future__ import annotations

import glob
import hashlib
import json
import logging
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlp_ip.atomic import atomic_folder
from nlp_ip.brands import load_catalog
from nlp_ip.errors import ConfigError
from nlp_ip.io import file_sha256, read_listings
from nlp_ip.schema import Listing
from nlp_ip_train.config import Config, GenerateSpec

logger = logging.getLogger(__name__)

SEED_VALIDATION_SHARE = 0.25


@dataclass
class Example:
    listing: Listing
    weight: float = 1.0
    origin: str = "generated"


@dataclass
class Splits:
    train: list[Example]
    validation: list[Example]
    test: list[Example] = field(default_factory=list)  # the generated test split
    files: dict[str, str] = field(default_factory=dict)  # path -> sha256

    def fingerprint(self) -> dict[str, object]:
        combined = hashlib.sha256(json.dumps(self.files, sort_keys=True).encode()).hexdigest()
        return {"files": dict(self.files), "combined": combined,
                "sizes": {"train": len(self.train), "validation": len(self.validation),
                          "test": len(self.test)}}


def ensure_corpus(spec: GenerateSpec, brands_path: str, cache_dir: str,
                  seed_path: Path | None = None) -> Path:
    """The folder of the generated corpus for ``spec``, generating it if needed.

    The generator drops generated rows that near-duplicate seed-test rows, so the
    seed file's hash is part of the cache key.
    """
    from nlp_ip_train.datagen.generator import GENERATOR_VERSION, build_corpus

    # corpora without pairs or twins keep their key
    extras = (f":pairs={spec.pairs}" if spec.pairs else "") + (
        f":twins={spec.twins}" if spec.twins else "")
    key = hashlib.sha256(
        f"{spec.n}:{spec.seed}:{GENERATOR_VERSION}:{file_sha256(brands_path)}:"
        f"{file_sha256(seed_path) if seed_path and seed_path.is_file() else '-'}{extras}".encode()
    ).hexdigest()[:12]
    name = (f"corpus-n{spec.n}-s{spec.seed}" + (f"-p{spec.pairs:g}" if spec.pairs else "")
            + (f"-t{spec.twins:g}" if spec.twins else ""))
    folder = Path(cache_dir) / f"{name}-{key}"
    if (folder / "train.jsonl").is_file() and (folder / "test.jsonl").is_file():
        logger.info("using cached corpus %s", folder)
        return folder
    logger.info("generating corpus (n=%d, seed=%d) into %s", spec.n, spec.seed, folder)
    # another process may finish the same corpus first: then its copy is kept
    with atomic_folder(folder, keep_existing=True) as tmp:
        build_corpus(load_catalog(brands_path), spec.n, spec.seed, tmp,
                     seed_path=seed_path if seed_path and seed_path.is_file() else None,
                     audit=False, pairs=spec.pairs, twins=spec.twins)
    return folder


def _read_labeled(path: Path, origin: str, weight: float) -> list[Example]:
    listings, report = read_listings(path)
    if report.errors:
        logger.warning("%s: skipped %d bad rows (first: %s)", path, len(report.errors),
                       report.errors[0])
    unlabeled = [x for x in listings if x.label is None]
    if unlabeled:
        raise ConfigError(f"{path} has {len(unlabeled)} rows without a label (first id "
                          f"{unlabeled[0].id!r}); training files need a label on every row")
    return [Example(x, weight, origin) for x in listings]


def is_seed_validation(listing_id: str | None) -> bool:
    """Deterministic membership of a seed-train row in seed-validation."""
    digest = hashlib.sha256(str(listing_id).encode()).digest()
    return digest[0] / 256 < SEED_VALIDATION_SHARE


def _expand(pattern: str, resolve: Any) -> list[tuple[str, Path]]:
    """``(name, path)`` of the files a ``data.extra`` path names; a glob (``dir/*.jsonl``)
    expands to its matches, sorted, and matching nothing is an error."""
    path = resolve(pattern)
    if not glob.has_magic(pattern):
        return [(pattern, path)]
    matches = sorted(glob.glob(str(path)))
    if not matches:
        raise ConfigError(f"data.extra path {pattern!r} matches no file")
    root = resolve(".")
    return [(m if Path(pattern).is_absolute() else os.path.relpath(m, root), Path(m))
            for m in matches]


def load_splits(cfg: Config, root: Path | None = None) -> Splits:
    """Read every source named by ``cfg`` into train / validation / test examples."""
    root = root or Path.cwd()

    def resolve(p: str) -> Path:
        path = Path(p)
        return path if path.is_absolute() else root / path

    files: dict[str, str] = {}
    data = cfg.data
    brands = resolve(data.brands)
    files[str(data.brands)] = file_sha256(brands)
    if data.corpus_dir:
        corpus = resolve(data.corpus_dir)
    elif data.generate is not None:
        seed_path = resolve(data.seed_file) if data.seed_file else None
        corpus = ensure_corpus(data.generate, str(brands), str(resolve(data.cache_dir)), seed_path)
    else:
        corpus = None
    train: list[Example] = []
    validation: list[Example] = []
    test: list[Example] = []
    if corpus is not None:
        for name, bucket in (("train", train), ("validation", validation), ("test", test)):
            path = corpus / f"{name}.jsonl"
            if not path.is_file():
                raise ConfigError(f"corpus folder {corpus} has no {name}.jsonl")
            files[f"corpus/{name}.jsonl"] = file_sha256(path)
            bucket.extend(_read_labeled(path, "generated", 1.0))
    if data.seed_file and data.use_seed_train:
        seed_path = resolve(data.seed_file)
        files[str(data.seed_file)] = file_sha256(seed_path)
        for example in _read_labeled(seed_path, "seed", data.seed_train_weight):
            split = example.listing.metadata.get("split")
            if split == "train":
                if is_seed_validation(example.listing.id):
                    example.weight = 1.0
                    example.origin = "seed-validation"
                    validation.append(example)
                else:
                    train.extend([example] * data.seed_train_repeat)
            elif split != "test":
                raise ConfigError(f"{seed_path}: row {example.listing.id!r} has split "
                                  f"{split!r}; expected 'train' or 'test'")
    for extra in data.extra:
        for name, path in _expand(extra.path, resolve):
            files[name] = file_sha256(path)
            for example in _read_labeled(path, f"extra:{name}", extra.weight):
                train.extend([example] * extra.repeat)
    if not train:
        raise ConfigError("the config yields no training rows; set data.generate, "
                          "data.corpus_dir, data.seed_file or data.extra")
    if not validation:
        raise ConfigError("the config yields no validation rows; a generated corpus or "
                          "a seed file provides them")
    rng = random.Random(cfg.seed)
    if data.max_train_rows and len(train) > data.max_train_rows:
        train = _stratified_sample(train, data.max_train_rows, rng)
    if data.max_eval_rows:
        if len(validation) > data.max_eval_rows:
            validation = _stratified_sample(validation, data.max_eval_rows, rng)
        if len(test) > data.max_eval_rows:
            test = _stratified_sample(test, data.max_eval_rows, rng)
    return Splits(train=train, validation=validation, test=test, files=files)


def _stratified_sample(rows: list[Example], n: int, rng: random.Random) -> list[Example]:
    """``n`` rows keeping the label shares and always keeping seed/extra rows first."""
    priority = [r for r in rows if r.origin != "generated"]
    rest = [r for r in rows if r.origin == "generated"]
    if len(priority) >= n:
        return rng.sample(priority, n)
    budget = n - len(priority)
    # minimal pairs (data.generate.pairs) are kept or dropped whole, in their share of the rows
    pairs: dict[str, list[Example]] = {}
    singles: list[Example] = []
    for row in rest:
        group = row.listing.metadata.get("pair_group")
        if group:
            pairs.setdefault(str(group), []).append(row)
        else:
            singles.append(row)
    picked: list[Example] = []
    if pairs:
        pair_rows = sum(len(rows) for rows in pairs.values())
        keep = min(len(pairs), round(budget * pair_rows / len(rest)) // 2)
        for group in rng.sample(sorted(pairs), keep):
            picked.extend(pairs[group])
    by_label: dict[str, list[Example]] = {}
    for row in singles:
        by_label.setdefault(str(row.listing.label), []).append(row)
    single_budget = budget - len(picked)
    for label_rows in by_label.values():
        share = round(single_budget * len(label_rows) / max(1, len(singles)))
        picked.extend(rng.sample(label_rows, min(share, len(label_rows))))
    out = priority + picked
    rng.shuffle(out)
    return out
