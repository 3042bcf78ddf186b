"""Writing self-describing model folders (see ``nlp_ip.artifact``)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from nlp_ip.artifact import (
    BRANDS_FILE,
    ModelMeta,
    TextSettings,
    library_versions,
    write_meta,
)
from nlp_ip.atomic import atomic_folder
from nlp_ip.policy import DecisionPolicy
from nlp_ip_train.config import Config


def git_commit(root: Path | None = None) -> str | None:
    """The current commit (with ``-dirty`` when the tree has changes), if in a git checkout."""
    try:
        cwd = str(root or Path.cwd())
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True,
                                text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=cwd, capture_output=True, text=True, check=True,
                               timeout=10).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def make_meta(cfg: Config, *, kind: str, model_version: str, builder_version: int,
              temperature: float, fingerprint: dict[str, Any], metrics: dict[str, Any],
              commit: str | None) -> ModelMeta:
    return ModelMeta(
        kind=kind,  # type: ignore[arg-type]
        model_version=model_version,
        text=TextSettings(builder_version=builder_version, hints=cfg.text.hints,
                          max_length=cfg.text.max_length),
        temperature=temperature,
        policy=DecisionPolicy(**cfg.policy.model_dump()),
        config=cfg.model_dump(mode="json"),
        data_fingerprint=fingerprint,
        metrics=metrics,
        seed=cfg.seed,
        git_commit=commit,
        versions=library_versions(),
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


def write_model_folder(target: Path, meta: ModelMeta, brands_path: Path,
                       write_weights: Any) -> Path:
    """Write a model folder atomically; ``write_weights(folder)`` saves the model files."""
    with atomic_folder(target) as tmp:
        write_weights(tmp)
        shutil.copyfile(brands_path, tmp / BRANDS_FILE)
        write_meta(tmp, meta)
        (tmp / "README.md").write_text(model_card(meta), encoding="utf-8")
    return target


def _fmt(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def model_card(meta: ModelMeta) -> str:
    """A model card: intended use, data, metrics, limits."""
    cfg = meta.config
    lines = [
        "---",
        "library_name: transformers" if meta.kind == "transformer" else "library_name: nlp-ip",
        "pipeline_tag: text-classification",
        "tags: [nlp-ip, trademark, marketplace-moderation]",
        "---",
        f"# nlp-ip model `{meta.model_version}`",
        "",
        "Classifies a marketplace listing as **infringing**, **parody**, **lookalike** or "
        "**legitimate**, following the project's labeling guide.",
        "",
        "## Intended use",
        "Triage of marketplace listings for brand-protection moderation: calibrated "
        "probabilities and a decision (`remove`, `review`, `allow`) from the stored policy. "
        "Parody and lookalike are never removed automatically; borderline cases go to a "
        "person. Not a legal opinion: a court decides trademark questions on facts the "
        "listing text does not show (images, the goods themselves, sales channels).",
        "",
        "## Model",
        f"- kind: {meta.kind}; base: {cfg.get('model', {}).get('base')} "
        f"({cfg.get('model', {}).get('kind')})",
        f"- input: text builder v{meta.text.builder_version}, hints={meta.text.hints}, "
        f"max length {meta.text.max_length} tokens",
        f"- calibration temperature: {meta.temperature:.3f}",
    ]
    if meta.blend is not None:
        b = meta.blend
        lines += [
            f"- blend: the transformer's calibrated log-probabilities x {b.weight:.2f} plus a "
            f"TF-IDF word + character n-gram logistic regression's x {1 - b.weight:.2f} "
            f"(`tfidf.json`, `tfidf.safetensors`; part temperatures {b.transformer_temperature:.3f}"
            f" and {b.tfidf_temperature:.3f}), weight chosen on validation log-loss. nlp-ip "
            "(Python API, CLI, HTTP) serves the blend; `transformers.pipeline` on this folder "
            "runs the transformer part alone, uncalibrated.",
        ]
    lines += [
        f"- decision policy: {meta.policy.model_dump()}",
        "",
        "## Data",
        "Generated listings (`nlp-ip data generate`) plus the hand-written seed-train rows "
        "and the config's extra files (`data.extra`); "
        "validation mixes the generated validation split with a held-out share of seed-train. "
        "The hand-written seed-test split is never trained on. Input files and hashes:",
        "",
    ]
    for name, digest in sorted(meta.data_fingerprint.get("files", {}).items()):
        lines.append(f"- `{name}`: sha256 {digest[:16]}...")
    lines += ["", "## Metrics", ""]
    for split, values in meta.metrics.items():
        if isinstance(values, dict) and "macro_f1" in values:
            lines.append(f"- {split}: macro-F1 {_fmt(values['macro_f1'])}, accuracy "
                         f"{_fmt(values.get('accuracy'))}, ECE {_fmt(values.get('ece'))}, "
                         f"n={values.get('n')}")
    lines += [
        "",
        "## Limits",
        "- Trained mostly on generated text; figures on generated splits overstate "
        "real-world quality. Hand-written sets are closer: seed-test (read while the project's "
        "data and models were designed, so optimistic) and `data/holdout` (never used for a "
        "choice; `nlp-ip evaluate --data data/holdout/listings.jsonl`).",
        "- The packaged base model (all-MiniLM-L6-v2) is English-only: listings in other "
        "languages lean on the TF-IDF part of a blend, or on the brand hints.",
        "- Reads text only: a counterfeit described in neutral words with a plausible price "
        "looks legitimate to it.",
        "- Brand knowledge comes from the brand catalog shipped in this folder "
        "(`brands.yaml`); brands outside it are recognised only from context.",
        "",
        f"Seed {meta.seed}; git commit {meta.git_commit}; created {meta.created}.",
        "",
    ]
    return "\n".join(lines)
