"""``evaluate()`` and ``calibrate_model_policy()``: model folder + data file -> files.

Both go through :class:`nlp_ip.inference.ListingClassifier` (transformer, ONNX
and TF-IDF folders alike); a test may pass any object with ``predict_proba`` and
``meta`` instead.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlp_ip.errors import InvalidInputError
from nlp_ip.policy import DecisionPolicy
from nlp_ip.schema import Listing
from nlp_ip_train.evaluation.cases import DEFAULT_CASES, load_cases, probe_cases
from nlp_ip_train.evaluation.contrast import contrast_metrics
from nlp_ip_train.evaluation.data import label_ids, load_labeled
from nlp_ip_train.evaluation.metrics import evaluation_metrics
from nlp_ip_train.evaluation.tuning import PolicyCalibration, calibrate_policy

logger = logging.getLogger(__name__)


@dataclass
class EvaluationResult:
    metrics: dict[str, Any]
    output: Path
    cases: dict[str, Any] | None


def load_classifier(model_dir: str | Path, *, blend: bool = True) -> Any:
    from nlp_ip.inference import ListingClassifier

    return ListingClassifier.from_pretrained(model_dir, blend=blend)


def timed_predict(classifier: Any, listings: Sequence[Listing]) -> tuple[np.ndarray, float]:
    """Calibrated probabilities and the wall time the prediction took."""
    started = time.perf_counter()
    probs = np.asarray(classifier.predict_proba(list(listings)), dtype=np.float64)
    return probs, time.perf_counter() - started


def model_info(classifier: Any, model_dir: str | Path | None) -> dict[str, Any]:
    meta = getattr(classifier, "meta", None)
    return {
        "path": str(model_dir) if model_dir is not None else None,
        "model_version": getattr(meta, "model_version", None),
        "kind": getattr(meta, "kind", None),
        "backend": getattr(classifier, "backend_name", None),
    }


def resolve_cases(cases: str | Path | None) -> Path | None:
    """``"auto"``: the repository's probe file when it exists; None: no probe."""
    if cases is None:
        return None
    if str(cases) == "auto":
        return DEFAULT_CASES if DEFAULT_CASES.is_file() else None
    return Path(cases)


def default_output(model_dir: str | Path, data: Sequence[str | Path], split: str | None
                   ) -> Path:
    folder = Path(model_dir).resolve()
    stem = "+".join(Path(d).stem for d in data)
    name = f"{folder.parent.name}-{folder.name}-{stem}" + (f"-{split}" if split else "")
    return Path("reports") / name


def evaluate(model_dir: str | Path | None, data: Sequence[str | Path], *,
             output: str | Path | None = None, slice_by: Sequence[str] = (),
             split: str | None = None, cases: str | Path | None = "auto",
             n_bootstrap: int = 1000, seed: int = 0, worst_k: int = 12,
             classifier: Any = None, html_report: bool = True,
             blend: bool = True) -> EvaluationResult:
    """Score ``model_dir`` on labeled ``data``; write metrics.json, report.html and more.

    Files written to ``output``: ``metrics.json``, ``report.html``,
    ``predictions.jsonl`` (id, true label, probabilities, decision per row) and,
    with a case file, ``cases.json``.
    """
    from nlp_ip_train.evaluation.report import ReportInputs, render_report, rows_shown
    from nlp_ip_train.evaluation.signals import listing_spans

    if classifier is None:
        if model_dir is None:
            raise ValueError("pass model_dir or classifier")
        classifier = load_classifier(model_dir, blend=blend)
    listings = load_labeled(list(data), split)
    y_true = label_ids(listings)
    policy: DecisionPolicy = classifier.meta.policy
    probs, seconds = timed_predict(classifier, listings)
    metrics = evaluation_metrics(probs, y_true, policy, [x.to_record() for x in listings],
                                 slice_by=slice_by, n_bootstrap=n_bootstrap, seed=seed)
    contrast = contrast_metrics(listings, y_true, probs.argmax(axis=1),
                                n_bootstrap=n_bootstrap, seed=seed)
    if contrast is not None:
        metrics["contrast"] = contrast
    metrics["model"] = model_info(classifier, model_dir)
    metrics["data"] = {"path": ", ".join(str(d) for d in data),
                       "split": split, "n": len(listings)}
    metrics["throughput"] = {"rows": len(listings), "seconds": round(seconds, 4),
                             "rows_per_s": round(len(listings) / seconds, 2) if seconds else None,
                             "backend": metrics["model"]["backend"]}

    case_path = resolve_cases(cases)
    probe = None
    cases_note = None
    if case_path is not None:
        case_rows = load_cases(case_path)
        case_probs, _ = timed_predict(classifier, case_rows)
        probe = probe_cases(case_probs, case_rows, policy)
        probe["path"] = str(case_path)
        metrics["legal_case_probe"] = probe["summary"]
    else:
        cases_note = "No case file was given (data/cases/cases.jsonl not found)."

    out = Path(output) if output is not None else default_output(model_dir or "model", data,
                                                                 split)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    decisions = policy.decide_codes(probs)
    with (out / "predictions.jsonl").open("w", encoding="utf-8") as handle:
        for listing, row, dec in zip(listings, probs, decisions, strict=True):
            handle.write(json.dumps({
                "id": listing.id, "label": listing.label.value,  # type: ignore[union-attr]
                "predicted": metrics["labels"][int(np.argmax(row))],
                "probabilities": dict(zip(metrics["labels"], map(float, row), strict=True)),
                "decision": str(dec)}, ensure_ascii=False) + "\n")
    if probe is not None:
        (out / "cases.json").write_text(json.dumps(probe, indent=2, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
    if html_report:
        catalog = Path(model_dir) / "brands.yaml" if model_dir is not None else None
        catalog = catalog if catalog is not None and catalog.is_file() else None
        shown = rows_shown(probs, y_true, [str(d) for d in decisions], worst_k)
        spans = {i: listing_spans(listings[i], catalog) for i in shown}
        page = render_report(ReportInputs(
            metrics=metrics, probs=probs, y_true=y_true, listings=listings, spans=spans,
            model=metrics["model"], data=metrics["data"], cases=probe, cases_note=cases_note,
            worst_k=worst_k,
            signals_available=not spans or any(v is not None for v in spans.values())))
        (out / "report.html").write_text(page, encoding="utf-8")
    logger.info("wrote %s", out)
    return EvaluationResult(metrics=metrics, output=out, cases=probe)


def calibrate_model_policy(model_dir: str | Path, data: Sequence[str | Path], *,
                           split: str | None = None, target_precision: float = 0.99,
                           target_recall: float = 0.95, min_removals: int = 10,
                           max_over_enforcement: float | None = None, write: bool = True,
                           classifier: Any = None) -> PolicyCalibration:
    """Tune the policy of ``model_dir`` on held-out ``data``; store it in ``nlp_ip.json``."""
    from nlp_ip.artifact import update_meta

    if classifier is None:
        classifier = load_classifier(model_dir)
    listings = load_labeled(list(data), split)
    probs, _ = timed_predict(classifier, listings)
    result = calibrate_policy(probs, label_ids(listings), classifier.meta.policy,
                              target_precision=target_precision, target_recall=target_recall,
                              min_removals=min_removals,
                              max_over_enforcement=max_over_enforcement)
    if write:
        record = result.to_dict()
        record["data"] = {"path": [str(d) for d in data], "split": split, "n": len(listings)}

        def change(meta: Any) -> None:
            meta.policy = result.after
            meta.metrics["policy_calibration"] = record

        update_meta(model_dir, change)
    return result


def calibrate_model_cascade(model_dir: str | Path, data: Sequence[str | Path], *,
                            split: str | None = None, target_agreement: float = 0.995,
                            min_rows: int = 20, enable: bool = False,
                            write: bool = True, budget: str = "skipped",
                            mix: dict[str, float] | None = None,
                            distill: Sequence[str | Path] | None = None,
                            distill_c: float = 16.0) -> Any:
    """Fit the cascade thresholds of the blend folder ``model_dir`` on held-out ``data``.

    Stores them in ``nlp_ip.json`` (``blend.cascade``) unless ``write=False``;
    ``enable`` makes the cascade the folder's default. ``budget`` and ``mix``: see
    :func:`nlp_ip_train.cascade.fit_cascade` and :func:`~nlp_ip_train.cascade.mix_weights`.
    ``distill`` (listing files, labels not needed, none of them in ``data``) first fits
    the distilled head on the full blend's answers to those listings
    (:func:`nlp_ip_train.cascade.fit_head`, inverse regularisation ``distill_c``), its
    temperature on ``data``, and the thresholds on its confidence; it is written to
    ``cascade_head.safetensors``. Returns the :class:`~nlp_ip.artifact.CascadeMeta`.
    """
    from nlp_ip.artifact import read_meta, update_meta
    from nlp_ip.atomic import atomic_path
    from nlp_ip.inference import ListingClassifier
    from nlp_ip.inference.cascade import HEAD_FILE
    from nlp_ip.io import exact_text_key
    from nlp_ip.text import build_model_inputs
    from nlp_ip.tfidf import TfidfScorer
    from nlp_ip_train.cascade import fit_cascade, fit_head, mix_weights
    from nlp_ip_train.evaluation.data import load_listings
    from nlp_ip_train.metrics import fit_temperature

    folder = Path(model_dir)
    meta = read_meta(folder)
    if meta.blend is None:
        raise InvalidInputError(f"{folder} is not a blend folder (no 'blend' in nlp_ip.json); "
                                "the cascade needs a TF-IDF part to run first")
    listings = load_labeled(list(data), split)
    unlabeled: list[Listing] = []
    if distill:
        unlabeled = load_listings(list(distill))
        held = {exact_text_key(x.title, x.description) for x in listings}
        shared = sum(exact_text_key(x.title, x.description) in held for x in unlabeled)
        if shared:
            raise InvalidInputError(
                f"--distill: {shared} of its listings are also in --data; the thresholds "
                "must be fitted on listings the head was not fitted on (use a separate "
                "file, e.g. a generated corpus's train split)")
    with ListingClassifier.from_pretrained(folder, cascade=False) as classifier:
        blend_probs = classifier.predict_proba(listings)
        distill_probs = classifier.predict_proba(unlabeled) if unlabeled else None
    catalog = folder / "brands.yaml"

    def model_inputs(rows: list[Listing]) -> list[str]:
        return build_model_inputs(rows, hints=meta.text.hints,
                                  catalog_path=catalog if catalog.is_file() else None)

    scorer = TfidfScorer.load(folder)
    texts = model_inputs(listings)
    head: tuple[np.ndarray, np.ndarray] | None = None
    if distill_probs is None:
        first, first_temperature = scorer.logits(texts), meta.blend.tfidf_temperature
    else:
        from scipy.sparse import csr_matrix

        rows = csr_matrix(scorer.sparse_rows(model_inputs(unlabeled)),
                          shape=(len(unlabeled), scorer.n_features))
        try:
            head = fit_head(rows, distill_probs, C=distill_c)
        except ValueError as exc:
            raise InvalidInputError(f"--distill: {exc}") from None
        # the thresholds are fitted on what the folder will hold: float32 weights
        head = (head[0].astype(np.float32).astype(np.float64),
                head[1].astype(np.float32).astype(np.float64))
        first = scorer.linear(texts, [head])[0]
        first_temperature = fit_temperature(first, label_ids(listings))
    try:
        weights = (mix_weights([str(x.label) for x in listings], mix) if mix else None)
    except ValueError as exc:
        raise InvalidInputError(f"--mix: {exc}") from None
    spec = fit_cascade(first, first_temperature, blend_probs, meta.policy,
                       target_agreement=target_agreement, min_rows=min_rows, budget=budget,
                       weights=weights)
    spec.enabled = enable
    spec.fitted["data"] = {"path": [str(d) for d in data], "split": split, "n": len(listings)}
    if mix:
        spec.fitted["mix"] = mix
    if head is not None:
        spec.head, spec.head_temperature = HEAD_FILE, first_temperature
        spec.fitted["distill"] = {"path": [str(d) for d in distill or ()], "n": len(unlabeled),
                                  "C": distill_c}
    if write:
        if head is not None:
            from safetensors.numpy import save_file

            with atomic_path(folder / HEAD_FILE) as tmp:
                save_file({"coef": head[0].astype(np.float32),
                           "intercept": head[1].astype(np.float32)}, str(tmp))

        def change(m: Any) -> None:
            m.blend.cascade = spec

        update_meta(folder, change)
        if head is None:  # a head of an earlier fit that the folder no longer names
            (folder / HEAD_FILE).unlink(missing_ok=True)
    return spec


def calibrate_model_conformal(model_dir: str | Path, data: Sequence[str | Path], *,
                              split: str | None = None, alpha: float = 0.05,
                              write: bool = True) -> tuple[Any, dict[str, Any]]:
    """Fit conformal prediction sets for ``model_dir`` on held-out labeled ``data`` and
    store them in its policy (``nlp_ip.json`` -> ``policy.conformal``) unless
    ``write=False``. Returns the :class:`~nlp_ip.policy.ConformalSets` and its coverage
    report on the calibration rows (:func:`nlp_ip_train.conformal.set_report`)."""
    from nlp_ip.artifact import update_meta
    from nlp_ip.inference import ListingClassifier
    from nlp_ip.labels import LABEL2ID
    from nlp_ip_train.conformal import fit_conformal, set_report

    folder = Path(model_dir)
    listings = load_labeled(list(data), split)
    with ListingClassifier.from_pretrained(folder, cascade=False) as classifier:
        probs = classifier.predict_proba(listings)
    y = np.array([LABEL2ID[str(x.label)] for x in listings])
    spec = fit_conformal(probs, y, alpha, data={"path": [str(d) for d in data], "split": split,
                                                "n": len(listings)})
    report = set_report(spec, probs, y)
    if write:
        def change(m: Any) -> None:
            m.policy = m.policy.model_copy(update={"conformal": spec})

        update_meta(folder, change)
    return spec, report


def remove_model_conformal(model_dir: str | Path) -> None:
    """Take the conformal sets out of ``model_dir``'s policy."""
    from nlp_ip.artifact import update_meta

    def change(m: Any) -> None:
        m.policy = m.policy.model_copy(update={"conformal": None})

    update_meta(Path(model_dir), change)
