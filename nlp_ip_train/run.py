"""``train()``: one reproducible run from a config to calibrated model folders.

The run folder (spaCy's model-best/model-last + meta) holds:

- ``config.yaml`` (resolved), ``run.json`` (seed, git commit, data fingerprint,
  device and precision, wall time, peak memory), ``metrics.json`` (final
  metrics), ``metrics.jsonl`` and ``tensorboard/`` (training logs), ``train.log``
  (written by the CLI);
- ``checkpoints/`` (for ``--resume``), ``model-best/`` and ``model-last/``.

With ``tracking: mlflow`` the run is also logged to MLflow (:mod:`nlp_ip_train.tracking`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import resource
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from nlp_ip.errors import ConfigError
from nlp_ip.labels import LABEL2ID
from nlp_ip.numerics import softmax
from nlp_ip_train.config import Config
from nlp_ip_train.data import Example, load_splits
from nlp_ip_train.export import git_commit, make_meta, write_model_folder
from nlp_ip_train.metrics import expected_calibration_error, fit_temperature, summary
from nlp_ip_train.tracking import check_tracking, log_run

logger = logging.getLogger(__name__)


@dataclass
class TrainResult:
    run_dir: Path
    model_best: Path
    model_last: Path
    metrics: dict[str, Any]


def build_texts(examples: list[Example], hints: bool) -> list[str]:
    """Model inputs for examples, through the one shared text builder."""
    from nlp_ip.text import build_model_inputs

    return build_model_inputs([e.listing for e in examples], hints=hints)


def _columns(examples: list[Example], hints: bool) -> tuple[list[str], list[int], list[float]]:
    texts = build_texts(examples, hints)
    labels = [LABEL2ID[e.listing.label.value] for e in examples]  # type: ignore[union-attr]
    weights = [float(e.weight) for e in examples]
    return texts, labels, weights


def _fact_columns(examples: list[Example]) -> tuple[list[list[float]], list[list[float]]]:
    """The fact heads' (targets, mask) per example (:func:`nlp_ip_train.facts.fact_targets`)."""
    from nlp_ip_train.facts import fact_targets

    pairs = [fact_targets(e.listing.label.value, e.listing.metadata)  # type: ignore[union-attr]
             for e in examples]
    return [t for t, _ in pairs], [m for _, m in pairs]


def _prepare_run_dir(cfg: Config, run_dir: Path, resume: bool) -> None:
    from nlp_ip_train.transformer import has_checkpoint

    resolved = yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False)
    config_file = run_dir / "config.yaml"
    if resume:
        if cfg.model.kind == "tfidf":
            raise ConfigError("the tfidf baseline has no checkpoints to resume; run it again "
                              "without --resume (it takes seconds)")
        if not has_checkpoint(run_dir):
            raise ConfigError(f"--resume: {run_dir} has no checkpoint to resume from; start "
                              "the run without --resume")
        if config_file.is_file() and config_file.read_text(encoding="utf-8") != resolved:
            raise ConfigError(f"--resume: the config differs from the one in {config_file}; "
                              "resume with the same config and overrides")
    elif run_dir.exists() and any(run_dir.iterdir()):
        if (run_dir / "checkpoints").exists() or (run_dir / "model-best").exists():
            raise ConfigError(f"{run_dir} already holds a run; pass --resume to continue it "
                              "or choose another --output")
    run_dir.mkdir(parents=True, exist_ok=True)
    config_file.write_text(resolved, encoding="utf-8")


def train(cfg: Config, output: str | Path, *, resume: bool = False,
          root: Path | None = None,
          fingerprint_extra: Mapping[str, Any] | None = None) -> TrainResult:
    """Train, calibrate and export the model described by ``cfg`` into ``output``.

    ``fingerprint_extra`` adds entries to the data fingerprint (``run.json`` and the
    model folders' ``nlp_ip.json``); ``nlp-ip retrain`` records there which reviewer
    decisions the run trained on.
    """
    started = time.time()
    check_tracking(cfg)
    run_dir = Path(output)
    _prepare_run_dir(cfg, run_dir, resume)
    splits = load_splits(cfg, root)
    fingerprint = splits.fingerprint()
    fingerprint.update(fingerprint_extra or {})
    logger.info("data: %s", fingerprint["sizes"])
    train_cols = _columns(splits.train, cfg.text.hints)
    val_cols = _columns(splits.validation, cfg.text.hints)
    test_cols = _columns(splits.test, cfg.text.hints) if splits.test else None
    val_origins = np.array([x.origin for x in splits.validation])
    if cfg.calibration.conformal.enabled and "seed-validation" not in set(val_origins.tolist()):
        raise ConfigError("calibration.conformal needs hand-written held-out rows: set "
                          "data.seed_file with data.use_seed_train (its seed-validation rows "
                          "are the calibration set), or turn calibration.conformal off and "
                          "run nlp-ip calibrate-conformal on a held-out file")
    commit = git_commit(root)
    brands_path = (root or Path.cwd()) / cfg.data.brands
    version_stub = hashlib.sha256(str(fingerprint["combined"]).encode()).hexdigest()[:8]
    from nlp_ip.text import TEXT_BUILDER_VERSION

    tfidf: Any = None  # the TF-IDF model of a blend (model.blend.enabled)

    def finish(kind: str, label: str, logits_fn: Any, write_weights: Any,
               step: int | None) -> dict[str, Any]:
        y_val = np.asarray(val_cols[1])
        val_logits = logits_fn(val_cols[0])
        facts = None
        if cfg.model.fact_heads.enabled and kind != "tfidf":
            from nlp_ip.facts import label_scores
            from nlp_ip_train.facts import fit_fact_weight

            raw_fn = logits_fn
            facts = fit_fact_weight(val_logits, y_val, cfg.model.fact_heads.weights,
                                    calibrate=cfg.calibration.enabled)
            val_logits = label_scores(val_logits, facts.meta.weight)

            def logits_fn(texts: list[str]) -> np.ndarray:  # the label scores of both heads
                return label_scores(raw_fn(texts), facts.meta.weight)
        blend = None
        score_fn, weights_fn = logits_fn, write_weights
        if tfidf is not None:
            from nlp_ip_train.baseline import baseline_logits, save_baseline
            from nlp_ip_train.blend import fit_blend

            val_tfidf = baseline_logits(tfidf, val_cols[0])
            blend = fit_blend(val_logits, val_tfidf, y_val, cfg.model.blend,
                              calibrate=cfg.calibration.enabled)

            def score_fn(texts: list[str]) -> np.ndarray:  # the blend's scores
                return blend.scores(logits_fn(texts), baseline_logits(tfidf, texts))

            def weights_fn(folder: Path) -> None:
                write_weights(folder)
                save_baseline(tfidf, folder)

            val_logits = blend.scores(val_logits, val_tfidf)
        temperature = fit_temperature(val_logits, y_val) if cfg.calibration.enabled else 1.0
        metrics: dict[str, Any] = {
            "validation": summary(softmax(val_logits, temperature), y_val),
            "calibration": {
                "temperature": temperature,
                "ece_before": expected_calibration_error(softmax(val_logits), y_val),
                "ece_after": expected_calibration_error(softmax(val_logits, temperature), y_val),
            },
        }
        if blend is not None:
            metrics["blend"] = blend.report()
        if facts is not None:
            metrics["fact_heads"] = facts.report()
        if test_cols is not None:
            test_logits = score_fn(test_cols[0])
            metrics["generated_test"] = summary(softmax(test_logits, temperature),
                                                np.asarray(test_cols[1]))
        suffix = f"-step{step}" if step is not None else ""
        meta = make_meta(cfg, kind=kind, model_version=f"{cfg.name}-{version_stub}{suffix}",
                         builder_version=TEXT_BUILDER_VERSION, temperature=temperature,
                         fingerprint=fingerprint, metrics=metrics, commit=commit)
        if facts is not None:
            meta.facts = facts.meta
        if cfg.calibration.conformal.enabled:
            meta.policy = meta.policy.model_copy(update={"conformal": _fit_conformal(
                cfg, softmax(val_logits, temperature), y_val, val_origins)})
            metrics["conformal"] = meta.policy.conformal.fitted
        if blend is not None:
            meta.blend = blend.meta
            if cfg.model.blend.cascade.enabled:
                from nlp_ip_train.cascade import fit_cascade

                cascade = fit_cascade(
                    val_tfidf, blend.meta.tfidf_temperature, softmax(val_logits, temperature),
                    meta.policy, target_agreement=cfg.model.blend.cascade.target_agreement,
                    min_rows=cfg.model.blend.cascade.min_rows)
                cascade.enabled = True
                cascade.fitted["data"] = {"split": "validation", "n": len(y_val)}
                meta.blend = meta.blend.model_copy(update={"cascade": cascade})
                metrics["cascade"] = cascade.fitted
        write_model_folder(run_dir / label, meta, brands_path, weights_fn)
        return metrics

    results: dict[str, Any] = {}
    trained_on: dict[str, str] = {"device": "cpu", "precision": "fp64"}  # the TF-IDF baseline
    if cfg.model.kind == "tfidf":
        from nlp_ip_train.baseline import baseline_logits, fit_baseline, save_baseline

        model = fit_baseline(train_cols[0], train_cols[1], train_cols[2], cfg.model.tfidf,
                             cfg.seed, balanced=cfg.training.class_weights == "balanced")
        results["model-best"] = finish("tfidf", "model-best",
                                       lambda texts: baseline_logits(model, texts),
                                       lambda folder: save_baseline(model, folder), None)
        import shutil

        shutil.copytree(run_dir / "model-best", run_dir / "model-last", dirs_exist_ok=True)
        results["model-last"] = results["model-best"]
    else:
        from transformers import AutoModelForSequenceClassification

        from nlp_ip_train.transformer import predict_logits, train_transformer

        out = train_transformer(
            cfg, run_dir,
            {"train": train_cols[0], "validation": val_cols[0]},
            {"train": train_cols[1], "validation": val_cols[1]},
            {"train": train_cols[2], "validation": val_cols[2]},
            resume=resume,
            facts=({"train": _fact_columns(splits.train),
                    "validation": _fact_columns(splits.validation)}
                   if cfg.model.fact_heads.enabled else None),
        )
        if not out["is_main"]:
            return TrainResult(run_dir, run_dir / "model-best", run_dir / "model-last", {})
        trained_on = asdict(out["device"])
        if cfg.model.blend.enabled:
            from nlp_ip_train.baseline import fit_baseline

            tfidf = fit_baseline(train_cols[0], train_cols[1], train_cols[2], cfg.model.tfidf,
                                 cfg.seed, balanced=cfg.training.class_weights == "balanced")
            logger.info("blend: fitted the TF-IDF part on %d rows", len(train_cols[0]))
        tokenizer = out["tokenizer"]
        best_model = out["trainer"].model
        max_len = cfg.text.max_length

        def saver(model: Any) -> Any:
            def write(folder: Path) -> None:
                model.save_pretrained(folder, safe_serialization=True)
                tokenizer.save_pretrained(folder)
            return write

        best_step = _step_of(out["best_checkpoint"]) or out["global_step"]
        results["model-best"] = finish(
            "transformer", "model-best",
            lambda texts: predict_logits(best_model, tokenizer, texts, max_len),
            saver(best_model), best_step)
        last_path = out["last_checkpoint"]
        if last_path and last_path != out["best_checkpoint"]:
            last_model = AutoModelForSequenceClassification.from_pretrained(last_path)
            results["model-last"] = finish(
                "transformer", "model-last",
                lambda texts: predict_logits(last_model, tokenizer, texts, max_len),
                saver(last_model), out["global_step"])
        else:
            import shutil

            shutil.copytree(run_dir / "model-best", run_dir / "model-last", dirs_exist_ok=True)
            results["model-last"] = results["model-best"]
    wall = time.time() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    run_info = {"name": cfg.name, "seed": cfg.seed, "git_commit": commit,
                "data_fingerprint": fingerprint, **trained_on, "wall_time_s": round(wall, 1),
                "peak_rss_mb": round(peak_mb, 1), "resumed": resume}
    (run_dir / "run.json").write_text(json.dumps(run_info, indent=2) + "\n", encoding="utf-8")
    (run_dir / "metrics.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if cfg.tracking == "mlflow":
        log_run(cfg, run_dir, run_dir / "model-best", results["model-best"])
    return TrainResult(run_dir, run_dir / "model-best", run_dir / "model-last", results)


def _fit_conformal(cfg: Config, probs: np.ndarray, y_val: np.ndarray,
                   origins: np.ndarray) -> Any:
    """Conformal sets on the seed-validation rows (hand-written, held out from training)."""
    from nlp_ip_train.conformal import fit_conformal, set_report

    rows = origins == "seed-validation"  # present: train() checked before training
    spec = fit_conformal(probs[rows], y_val[rows], cfg.calibration.conformal.alpha,
                         data={"split": "seed-validation", "n": int(rows.sum())})
    spec.fitted["on_calibration_data"] = set_report(spec, probs[rows], y_val[rows])
    return spec


def _step_of(checkpoint: str | None) -> int | None:
    if not checkpoint:
        return None
    tail = Path(checkpoint).name.split("-")[-1]
    return int(tail) if tail.isdigit() else None
