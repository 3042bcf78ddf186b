"""TF-IDF word and character n-grams + logistic regression (scikit-learn).

Saved without pickle: vocabularies and settings in ``tfidf.json``, idf vectors
and the linear model in ``tfidf.safetensors``; ``nlp_ip.tfidf`` reads them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from nlp_ip.tfidf import TFIDF_JSON, TFIDF_WEIGHTS, make_tfidf_pipeline
from nlp_ip_train.config import TfidfSpec


def fit_baseline(texts: list[str], labels: list[int], weights: list[float], spec: TfidfSpec,
                 seed: int, balanced: bool = True) -> Any:
    model = make_tfidf_pipeline(word_ngrams=spec.word_ngrams, char_ngrams=spec.char_ngrams,
                                max_features=spec.max_features, min_df=spec.min_df, C=spec.C,
                                max_iter=spec.max_iter, balanced=balanced, seed=seed)
    model.fit(texts, labels, clf__sample_weight=np.asarray(weights, dtype=np.float64))
    return model


def baseline_logits(model: Any, texts: list[str]) -> np.ndarray:
    return np.asarray(model.decision_function(texts), dtype=np.float64)


def _vocabulary_entry(vocabulary: dict[str, int]) -> dict[str, Any]:
    """A vectorizer's vocabulary for ``tfidf.json``.

    ``terms``: the terms in column order, joined by newlines, one JSON string that
    loads in a few milliseconds (a server loading a new version beside the one serving
    holds the GIL for far less than while parsing a 100,000-entry object). The analyzers
    never keep a newline in a term (``char_wb`` folds white space to one space, word
    tokens are runs of word characters); should one appear, the ``vocabulary`` object is written
    instead, which every version of the loader reads.
    """
    columns = {term: int(index) for term, index in vocabulary.items()}
    if any("\n" in term for term in columns) or sorted(columns.values()) != list(
            range(len(columns))):
        return {"vocabulary": columns}
    terms = [""] * len(columns)
    for term, index in columns.items():
        terms[index] = term
    return {"terms": "\n".join(terms)}


def save_baseline(model: Any, folder: Path) -> None:
    """Write ``tfidf.json`` + ``tfidf.safetensors`` (no pickle)."""
    from safetensors.numpy import save_file

    parts = []
    arrays: dict[str, np.ndarray] = {}
    for i, (_, vectorizer) in enumerate(model.named_steps["features"].transformer_list):
        parts.append({
            "analyzer": vectorizer.analyzer,
            "ngram_range": list(vectorizer.ngram_range),
            "sublinear_tf": bool(vectorizer.sublinear_tf),
            "token_pattern": vectorizer.token_pattern if vectorizer.analyzer == "word" else None,
            **_vocabulary_entry(vectorizer.vocabulary_),
        })
        arrays[f"idf_{i}"] = np.ascontiguousarray(vectorizer.idf_, dtype=np.float64)
    clf = model.named_steps["clf"]
    # safetensors writes the raw buffer: a Fortran-ordered coef_ (what lbfgs returns)
    # would come back scrambled, so store C-contiguous copies
    arrays["coef"] = np.ascontiguousarray(clf.coef_, dtype=np.float64)
    arrays["intercept"] = np.ascontiguousarray(clf.intercept_, dtype=np.float64)
    (folder / TFIDF_JSON).write_text(json.dumps({"vectorizers": parts}, ensure_ascii=False),
                                     encoding="utf-8")
    save_file(arrays, str(folder / TFIDF_WEIGHTS))
