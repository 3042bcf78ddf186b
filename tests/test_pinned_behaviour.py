"""Pinned behaviour: what a behaviour-neutral restructuring must leave exactly as it was.

Four snapshots, stored under ``tests/snapshots/``:

- the sha256 of a small generated corpus (n=400, seed=5, every field of every row);
- ``extract_signals`` on 300 seed listings (brands, spans, cues, price checks);
- the model inputs the text builder makes for the same listings;
- the tiny model's probabilities on a fixed file (trained as ``tiny_run`` is);
- the OpenAPI documents of the HTTP API and of the review workbench.

A change that is meant to alter behaviour regenerates them on purpose, and says so in its
commit: ``NLP_IP_UPDATE_SNAPSHOTS=1 pytest tests/test_pinned_behaviour.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = ROOT / "tests" / "snapshots"
SEED = ROOT / "data" / "seed" / "listings.jsonl"
UPDATE = os.environ.get("NLP_IP_UPDATE_SNAPSHOTS") == "1"


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=1) + "\n"


def _check(name: str, value: Any) -> None:
    path = SNAPSHOTS / name
    text = _canonical(value)
    if UPDATE or not path.exists():
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{path} did not exist and was written; commit it and run again")
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} changed; if that is intended, regenerate with NLP_IP_UPDATE_SNAPSHOTS=1")


def _seed_listings(n: int = 300) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in SEED.read_text(encoding="utf-8").splitlines() if line]
    keep = ("id", "title", "description", "price", "currency", "brand")
    return [{k: r.get(k) for k in keep} for r in rows[:n]]


def test_generated_corpus_is_pinned() -> None:
    from nlp_ip.brands import load_catalog
    from nlp_ip_train.datagen.generator import generate_corpus

    corpus = generate_corpus(load_catalog(ROOT / "data" / "brands.yaml"), 400, 5)
    digest = {split: hashlib.sha256(_canonical(rows).encode()).hexdigest()
              for split, rows in sorted(corpus.items())}
    _check("corpus-n400-s5.json", {"rows": {k: len(v) for k, v in corpus.items()},
                                   "sha256": digest})


def test_extract_signals_is_pinned() -> None:
    from nlp_ip.text import extract_signals_batch

    listings = _seed_listings()
    signals = extract_signals_batch(listings)
    _check("signals-seed300.json", [{"id": x["id"], **s.to_dict()}
                                     for x, s in zip(listings, signals, strict=True)])


def test_model_inputs_are_pinned() -> None:
    from nlp_ip.text import build_model_inputs

    listings = _seed_listings()
    _check("model-inputs-seed300.json", {
        "hints": build_model_inputs(listings, hints=True),
        "plain": build_model_inputs(listings, hints=False)})


def test_tiny_model_probabilities_are_pinned(tiny_run: Path) -> None:
    from nlp_ip.inference import ListingClassifier

    clf = ListingClassifier.from_pretrained(tiny_run / "model-best", backend="torch-fp32")
    probs = clf.predict_proba(_seed_listings(64))
    # Training on another CPU kind rounds differently; on one machine the values are
    # bit-identical, so compare with a tolerance far below any behaviour change.
    path = SNAPSHOTS / "tiny-probs-seed64.json"
    if UPDATE or not path.exists():
        path.write_text(_canonical(probs.round(8).tolist()), encoding="utf-8")
    want = np.array(json.loads(path.read_text(encoding="utf-8")))
    np.testing.assert_allclose(probs, want, atol=2e-4)


def test_openapi_documents_are_pinned(tmp_path: Path) -> None:
    pytest.importorskip("fastapi")
    from serve_helpers import FakeClassifier, make_key

    from nlp_ip.review.app import create_review_app
    from nlp_ip.serve import ServeSettings, create_app

    make_key(tmp_path / "keys.json", "pin")
    serve = create_app(ServeSettings(model="fake", api_keys_file=tmp_path / "keys.json"),
                       FakeClassifier())
    _check("openapi-serve.json", serve.openapi())
    from review_support import fill_store

    store = fill_store(tmp_path / "review.sqlite")
    review = create_review_app(store.path, secret="pinned-secret-of-32-bytes-length")
    _check("openapi-review.json", review.openapi())
