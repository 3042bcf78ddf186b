"""The TF-IDF + logistic-regression baseline at inference time, in numpy.

Training (``nlp_ip_train/baseline.py``) fits scikit-learn's ``TfidfVectorizer``
(word and ``char_wb`` n-grams) and ``LogisticRegression``, then stores them
without pickle: ``tfidf.json`` (vocabularies and settings) and
``tfidf.safetensors`` (idf vectors, coefficients, intercept). This module
re-implements the transform so that serving needs neither scikit-learn nor
unpickling; a test checks it against scikit-learn.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlp_ip.errors import ModelLoadError

TFIDF_JSON = "tfidf.json"
TFIDF_WEIGHTS = "tfidf.safetensors"
_WHITESPACE = re.compile(r"\s\s+")
_CHUNK = 16384  # vocabulary entries built per step while loading


@dataclass
class _Vectorizer:
    analyzer: str  # "word" or "char_wb"
    ngram_range: tuple[int, int]
    vocabulary: dict[str, int]
    idf: np.ndarray
    sublinear_tf: bool
    token_pattern: re.Pattern[str] | None

    def ngrams(self, text: str) -> list[str]:
        text = text.lower()
        lo, hi = self.ngram_range
        if self.analyzer == "word":
            assert self.token_pattern is not None
            tokens = self.token_pattern.findall(text)
            grams: list[str] = []
            for n in range(lo, hi + 1):
                grams.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
            return grams
        text = _WHITESPACE.sub(" ", text)
        grams = []
        for word in text.split():
            word = f" {word} "
            length = len(word)
            for n in range(lo, hi + 1):
                offset = 0
                grams.append(word[offset:offset + n])
                while offset + n < length:
                    offset += 1
                    grams.append(word[offset:offset + n])
                if offset == 0:
                    break
        return grams

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The non-zero columns of one text's L2-normalised TF-IDF vector and their values."""
        counts: dict[int, int] = {}
        for gram in self.ngrams(text):
            index = self.vocabulary.get(gram)
            if index is not None:
                counts[index] = counts.get(index, 0) + 1
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        if self.sublinear_tf:
            tf = 1.0 + np.log(tf)
        values = tf * self.idf[idx]
        norm = np.sqrt((values ** 2).sum())
        return idx, (values / norm if norm > 0 else values)

    def transform(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(self.idf)), dtype=np.float64)
        for i, text in enumerate(texts):
            idx, values = self.row(text)
            out[i, idx] = values
        return out


def _parse_int(text: str) -> int:
    """``int`` for ``json.loads``, as a Python function on purpose.

    Folders written before ``terms`` keep each vocabulary as a 100,000-entry JSON object:
    parsed by the C scanner alone, ``json.loads`` holds the GIL for 60-90 ms, and in a
    server loading a new version beside the one serving (a hot swap) every request waits
    that long. A Python function called per number gives the interpreter a point to hand
    the GIL to a waiting thread at each entry, and the parse takes about as long in all
    (``benchmarks/reload_stall.py``).
    """
    return int(text)


def _vocabulary(part: dict[str, Any], width: int, folder: Path, i: int) -> dict[str, int]:
    """Term -> column of vectorizer ``i``: from ``terms`` (the terms in column order, joined
    by newlines: what training writes) or ``vocabulary`` (a term -> column object: folders
    written before ``terms``, or a vocabulary with a newline in a term)."""
    if "terms" in part:
        text = part["terms"]
        terms = text.split("\n") if text else []
        vocabulary: dict[str, int] = {}
        for start in range(0, len(terms), _CHUNK):  # a few ms each: the GIL can switch between
            vocabulary.update(zip(terms[start:start + _CHUNK], range(start, start + _CHUNK),
                                  strict=False))
        if len(vocabulary) != len(terms):
            raise ModelLoadError(f"{folder / TFIDF_JSON}: vectorizers[{i}].terms repeats a "
                                 "term, so the file is damaged: copy the model folder again "
                                 "from its training run")
        columns_fit = True  # columns 0..len-1 by construction
    else:
        vocabulary = part["vocabulary"]
        columns_fit = not vocabulary or max(vocabulary.values()) < width
    if len(vocabulary) != width or not columns_fit:
        raise ModelLoadError(f"{folder / TFIDF_JSON}: vectorizers[{i}] has {len(vocabulary)} "
                             f"terms for {width} idf values in {TFIDF_WEIGHTS}; the two files "
                             "come from different trainings: copy both from one model folder")
    return vocabulary


class TfidfScorer:
    """Logits of the baseline for built model-input texts."""

    def __init__(self, vectorizers: list[_Vectorizer], coef: np.ndarray, intercept: np.ndarray):
        self.vectorizers = vectorizers
        self.coef = coef
        self.intercept = intercept

    @classmethod
    def load(cls, folder: str | Path) -> TfidfScorer:
        from safetensors.numpy import load_file

        folder = Path(folder)
        try:
            spec: dict[str, Any] = json.loads((folder / TFIDF_JSON).read_text(encoding="utf-8"),
                                              parse_int=_parse_int)
            arrays = load_file(str(folder / TFIDF_WEIGHTS))
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelLoadError(f"{folder} is not a readable TF-IDF model folder: {exc}") from exc
        vectorizers = []
        for i, part in enumerate(spec["vectorizers"]):
            pattern = part.get("token_pattern")
            idf = arrays[f"idf_{i}"]
            vectorizers.append(_Vectorizer(
                analyzer=part["analyzer"], ngram_range=tuple(part["ngram_range"]),  # type: ignore[arg-type]
                vocabulary=_vocabulary(part, len(idf), folder, i), idf=idf,
                sublinear_tf=bool(part["sublinear_tf"]),
                token_pattern=re.compile(pattern) if pattern else None,
            ))
        return cls(vectorizers, arrays["coef"], arrays["intercept"])

    def features(self, texts: list[str]) -> np.ndarray:
        return np.hstack([v.transform(texts) for v in self.vectorizers])

    @property
    def n_features(self) -> int:
        """Columns of the feature vector (all vectorizers side by side)."""
        return sum(len(v.idf) for v in self.vectorizers)

    def logits(self, texts: list[str]) -> np.ndarray:
        """Logits, shape (N, K): the sparse rows times the coefficients, never densified."""
        return self.linear(texts, [(self.coef, self.intercept)])[0]

    def linear(self, texts: list[str],
               heads: list[tuple[np.ndarray, np.ndarray]]) -> list[np.ndarray]:
        """Scores of several linear ``heads`` (coefficients (K, n_features), intercept (K,))
        on the same TF-IDF rows, each text featurised once: the baseline's own head is
        ``(self.coef, self.intercept)``, the cascade's distilled head another."""
        outs = [np.tile(intercept, (len(texts), 1)) for _, intercept in heads]
        offset = 0
        for vectorizer in self.vectorizers:
            width = len(vectorizer.idf)
            coefs = [coef[:, offset:offset + width] for coef, _ in heads]
            for i, text in enumerate(texts):
                idx, values = vectorizer.row(text)
                if len(idx):
                    for out, coef in zip(outs, coefs, strict=True):
                        out[i] += coef[:, idx] @ values
            offset += width
        return outs

    def sparse_rows(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The L2-normalised TF-IDF rows of ``texts`` in CSR form ``(data, indices, indptr)``
        over :attr:`n_features` columns (for fitting heads on the same features)."""
        data: list[np.ndarray] = []
        indices: list[np.ndarray] = []
        lengths = np.zeros(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            offset = 0
            for vectorizer in self.vectorizers:
                idx, values = vectorizer.row(text)
                data.append(values)
                indices.append(idx + offset)
                lengths[i] += len(idx)
                offset += len(vectorizer.idf)
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        return (np.concatenate(data) if data else np.zeros(0),
                np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64), indptr)


def make_tfidf_pipeline(
    *,
    word_ngrams: tuple[int, int] = (1, 2),
    char_ngrams: tuple[int, int] = (2, 5),
    max_features: int = 200_000,
    min_df: int = 2,
    C: float = 4.0,
    max_iter: int = 2000,
    balanced: bool = True,
    seed: int = 0,
) -> Any:
    """The baseline's unfitted scikit-learn pipeline: word + ``char_wb`` TF-IDF, then
    logistic regression.

    Defined once here so the trained baseline (``nlp_ip_train/baseline.py``) and the
    cross-validated one behind ``nlp-ip review suspects`` cannot drift apart.
    scikit-learn is imported on call (it is not needed to serve a saved baseline).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    half = max_features // 2
    features = FeatureUnion([
        ("word", TfidfVectorizer(analyzer="word", ngram_range=tuple(word_ngrams),
                                 min_df=min_df, max_features=half, sublinear_tf=True)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(char_ngrams),
                                 min_df=min_df, max_features=half, sublinear_tf=True)),
    ])
    return Pipeline([
        ("features", features),
        ("clf", LogisticRegression(C=C, max_iter=max_iter,
                                   class_weight="balanced" if balanced else None,
                                   random_state=seed)),
    ])
