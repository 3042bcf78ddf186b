"""Shortcut audit of a generated corpus (needs scikit-learn, the ``[train]`` extra).

Two checks:

* **surface shortcut**: a classifier that sees only length, price (and whether
  it is missing), punctuation, emoji and digit counts and the upper-case ratio.
  If it predicts the label well the generator leaks the label through style;
  it must stay under :data:`SHORTCUT_MAX_F1` macro-F1 on the generated test split.
* **artifact gap**: a TF-IDF (word 1-2 + char_wb 2-5 n-grams) + logistic
  regression baseline trained on generated train, scored on the generated test
  split *and* on the hand-written seed test set. A large gap (generated test
  far above seed) means the generator teaches its own habits.
"""

from __future__ import annotations

import logging
import math
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nlp_ip.errors import require
from nlp_ip.labels import LABEL_NAMES
from nlp_ip_train.datagen.context import RATES

logger = logging.getLogger(__name__)

#: The surface-feature classifier must stay below this macro-F1 on generated test.
SHORTCUT_MAX_F1 = 0.45
SURFACE_FEATURES: tuple[str, ...] = (
    "title_chars",
    "description_chars",
    "log_price_usd",
    "price_missing",
    "punctuation",
    "emoji",
    "digits",
    "upper_ratio",
)


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x1F000 <= cp <= 0x1FAFF
        or 0x2600 <= cp <= 0x27BF
        or 0x2B00 <= cp <= 0x2BFF
        or unicodedata.category(ch) == "So"
    )


def surface_features(row: Mapping[str, Any]) -> list[float]:
    """Length, price, punctuation, emoji, digits and upper-case ratio of one listing."""
    title = str(row.get("title") or "")
    desc = str(row.get("description") or "")
    text = f"{title} {desc}"
    price = row.get("price")
    currency = str(row.get("currency") or "USD").upper()
    letters = [ch for ch in text if ch.isalpha()]
    upper = sum(ch.isupper() for ch in letters)
    if price is None:
        log_price, missing = 0.0, 1.0
    else:
        log_price, missing = math.log1p(float(price) / RATES.get(currency, 1.0)), 0.0
    return [
        float(len(title)),
        float(len(desc)),
        log_price,
        missing,
        float(sum(unicodedata.category(ch).startswith("P") for ch in text)),
        float(sum(_is_emoji(ch) for ch in text)),
        float(sum(ch.isdigit() for ch in text)),
        upper / len(letters) if letters else 0.0,
    ]


def model_text(row: Mapping[str, Any]) -> str:
    """The text the baseline sees: title, description and stated brand."""
    parts = [str(row.get("title") or ""), str(row.get("description") or "")]
    if row.get("brand"):
        parts.append(f"brand: {row['brand']}")
    return "\n".join(parts)


def _labels(rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
    return np.array([LABEL_NAMES.index(str(r["label"])) for r in rows])


def _labeled(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [
        r
        for r in rows
        if str(r.get("label") or "") in LABEL_NAMES and (r.get("title") or "").strip()
    ]


def _f1(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, Any]:
    from sklearn.metrics import confusion_matrix, f1_score

    per = f1_score(
        y_true, y_pred, labels=list(range(len(LABEL_NAMES))), average=None, zero_division=0
    )
    return {
        "macro_f1": round(float(np.mean(per)), 4),
        "per_label_f1": {
            name: round(float(v), 4) for name, v in zip(LABEL_NAMES, per, strict=True)
        },
        "accuracy": round(float(np.mean(y_true == y_pred)), 4),
        "confusion": confusion_matrix(
            y_true, y_pred, labels=list(range(len(LABEL_NAMES)))
        ).tolist(),
        "n": len(y_true),
    }


def shortcut_audit(
    train: Sequence[Mapping[str, Any]],
    test: Sequence[Mapping[str, Any]],
    seed_test: Sequence[Mapping[str, Any]] = (),
    *,
    seed: int = 0,
) -> dict[str, Any]:
    """Macro-F1 of surface-only classifiers (logistic regression, gradient boosting)."""
    require("sklearn", extra="train", feature="the shortcut audit")
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x_tr = np.array([surface_features(r) for r in train])
    y_tr = _labels(train)
    x_te = np.array([surface_features(r) for r in test])
    y_te = _labels(test)
    seed_rows = _labeled(seed_test)
    models = {
        "logistic_regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
        "gradient_boosting": HistGradientBoostingClassifier(
            max_iter=100, learning_rate=0.1, random_state=seed
        ),
    }
    from threadpoolctl import threadpool_limits

    result: dict[str, Any] = {
        "features": list(SURFACE_FEATURES),
        "threshold": SHORTCUT_MAX_F1,
        "models": {},
    }
    for name, model in models.items():
        # one thread: OpenMP spinning on a busy shared machine is far slower than serial
        with threadpool_limits(limits=1):
            model.fit(x_tr, y_tr)
        entry = {"generated_test": _f1(y_te, model.predict(x_te))}
        if seed_rows:
            x_s = np.array([surface_features(r) for r in seed_rows])
            entry["seed_test"] = _f1(_labels(seed_rows), model.predict(x_s))
        result["models"][name] = entry
    result["max_macro_f1"] = max(m["generated_test"]["macro_f1"] for m in result["models"].values())
    result["passed"] = result["max_macro_f1"] < SHORTCUT_MAX_F1
    return result


def tfidf_baseline(
    train: Sequence[Mapping[str, Any]],
    test: Sequence[Mapping[str, Any]],
    seed_test: Sequence[Mapping[str, Any]] = (),
    *,
    max_char_features: int = 300_000,
    return_predictions: bool = False,
) -> dict[str, Any]:
    """TF-IDF word (1-2) + char_wb (2-5) + logistic regression: generated test vs seed test."""
    require("sklearn", extra="train", feature="the TF-IDF baseline")
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    word = TfidfVectorizer(
        analyzer="word", ngram_range=(1, 2), min_df=2, sublinear_tf=True, lowercase=True
    )
    char = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        min_df=2,
        sublinear_tf=True,
        max_features=max_char_features,
        lowercase=True,
    )
    texts = [model_text(r) for r in train]
    x_tr = hstack([word.fit_transform(texts), char.fit_transform(texts)]).tocsr()
    clf = LogisticRegression(max_iter=2000, C=4.0)
    clf.fit(x_tr, _labels(train))

    def predict(rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        t = [model_text(r) for r in rows]
        return np.asarray(clf.predict(hstack([word.transform(t), char.transform(t)]).tocsr()))

    result: dict[str, Any] = {"generated_test": _f1(_labels(test), predict(test))}
    seed_rows = _labeled(seed_test)
    if seed_rows:
        pred = predict(seed_rows)
        result["seed_test"] = _f1(_labels(seed_rows), pred)
        result["gap"] = round(
            result["generated_test"]["macro_f1"] - result["seed_test"]["macro_f1"], 4
        )
        if return_predictions:
            result["seed_predictions"] = [
                {"id": r.get("id"), "label": r["label"], "predicted": LABEL_NAMES[int(p)]}
                for r, p in zip(seed_rows, pred, strict=True)
            ]
    return result


def run_audit(
    splits: Mapping[str, Sequence[Mapping[str, Any]]],
    seed_test: Sequence[Mapping[str, Any]] = (),
    *,
    seed_source: str = "none",
    seed: int = 0,
    baseline: bool = True,
) -> dict[str, Any]:
    """Both checks on a corpus; JSON-ready."""
    train, test = splits["train"], splits["test"]
    out: dict[str, Any] = {
        "seed_test_source": seed_source,
        "seed_test_rows": len(_labeled(seed_test)),
        "shortcut": shortcut_audit(train, test, seed_test, seed=seed),
    }
    if baseline:
        out["tfidf_baseline"] = tfidf_baseline(train, test, seed_test)
    return out


def audit_markdown(audit: Mapping[str, Any]) -> str:
    """The audit figures as Markdown."""
    sc = audit["shortcut"]
    lines = [
        "## Shortcut audit",
        "",
        f"Surface-only classifier ({', '.join(sc['features'])}); must stay under "
        f"{sc['threshold']} macro-F1 on generated test: **{sc['max_macro_f1']:.3f}** "
        f"({'passed' if sc['passed'] else 'FAILED'}).",
        "",
        "| model | generated test macro-F1 | seed test macro-F1 |",
        "|---|---|---|",
    ]
    for name, m in sc["models"].items():
        seed_f1 = m.get("seed_test", {}).get("macro_f1", "n/a")
        lines.append(f"| {name} | {m['generated_test']['macro_f1']:.3f} | {seed_f1} |")
    if "tfidf_baseline" in audit:
        tb = audit["tfidf_baseline"]
        seed_f1 = tb.get("seed_test", {}).get("macro_f1", "n/a")
        lines += [
            "",
            "## TF-IDF + logistic regression baseline",
            "",
            f"Seed test: {audit['seed_test_source']} ({audit['seed_test_rows']} rows).",
            "",
            "| scored on | macro-F1 | " + " | ".join(LABEL_NAMES) + " |",
            "|---" * (2 + len(LABEL_NAMES)) + "|",
        ]
        for key in ("generated_test", "seed_test"):
            if key in tb:
                per = tb[key]["per_label_f1"]
                lines.append(
                    f"| {key} | {tb[key]['macro_f1']:.3f} | "
                    + " | ".join(f"{per[n]:.3f}" for n in LABEL_NAMES)
                    + " |"
                )
        if "gap" in tb:
            lines.append(f"\nGap (generated test - seed test): {tb['gap']:+.3f}")
    return "\n".join(lines)
