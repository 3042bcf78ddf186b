"""Typed configuration of ``nlp-ip retrain`` and ``nlp-ip gate`` (``configs/retrain.yaml``).

Read like the training configs (``extends``, dotted ``--set`` overrides, unknown keys
refused with their path and the closest valid key), but validated as
:class:`LifecycleConfig`: it is not a training config. The training config of a
retrain is the production version's own, taken from its registry record.
"""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from nlp_ip_train.config import apply_overrides, read_config_file, validate_model

#: Lifecycle configs shipped in ``configs/`` (they are not training configs).
LIFECYCLE_CONFIGS: tuple[str, ...] = ("retrain.yaml",)
#: Evaluation sets kept for final measurements: the gate never scores them.
RESERVED_DATA: tuple[tuple[str, str], ...] = (("data", "fresh"), ("data", "contrast"),
                                             ("data", "contrast-2"), ("data", "contrast-3"))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DecisionsConfig(_Strict):
    """Which reviewer decisions a retrain adds, and how much they weigh."""

    #: Review databases (``nlp-ip review build``/``suspects``); ``--db`` adds more.
    databases: list[str] = Field(default_factory=list)
    #: Loss weight of each decision row (``data.extra`` weight).
    weight: float = Field(default=2.0, gt=0)
    #: How many times each decision row appears per epoch (``data.extra`` repeat).
    repeat: int = Field(default=1, ge=1, le=100)
    #: Also take decisions on suspected mislabels (``review suspects`` relabels).
    include_suspects: bool = True
    #: Two databases' decisions on one listing with different labels, this close in
    #: time, contradict each other: reported, never guessed. Further apart, the later wins.
    contradiction_window_hours: float = Field(default=24.0, ge=0)
    #: Retrain even when no decision is new since the production version's data.
    allow_no_new: bool = False


class HoldoutConfig(_Strict):
    """The most recent new decisions, held out for the gate and never trained on."""

    fraction: float = Field(default=0.2, ge=0, lt=1)


class RetrainTrainingConfig(_Strict):
    """How the candidate is trained from the production version's config."""

    #: production: fine-tune the production version's weights (warm start); base:
    #: start from the production config's own base model, as it was first trained.
    init_from: Literal["production", "base"] = "production"
    #: Dotted overrides on the production config (``training.max_steps=200``).
    overrides: list[str] = Field(default_factory=list)


class GateSet(_Strict):
    """One frozen labeled set the gate scores both models on."""

    name: str
    path: str
    #: Keep rows whose ``split`` field has this value (e.g. ``test`` of the seed file).
    split: str | None = None

    @field_validator("path")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        parts = PurePath(value).parts
        for reserved in RESERVED_DATA:
            for i in range(len(parts) - 1):
                if parts[i:i + 2] == reserved:
                    raise ValueError(f"{'/'.join(reserved)} is reserved for final "
                                     "measurements and is never scored by the gate; drop "
                                     "this set")
        return value


def _default_sets() -> list[GateSet]:
    return [GateSet(name="seed-test", path="data/seed/listings.jsonl", split="test"),
            GateSet(name="holdout", path="data/holdout/listings.jsonl"),
            GateSet(name="cases", path="data/cases/cases.jsonl"),
            GateSet(name="litigated-2", path="data/cases/litigated-2.jsonl")]


class GateConfig(_Strict):
    """The promotion gate: frozen sets, bootstrap and thresholds."""

    sets: list[GateSet] = Field(default_factory=_default_sets, min_length=1)
    #: Also score the candidate run's held-out recent decisions, when it has them.
    recent_decisions: bool = True
    n_bootstrap: int = Field(default=1000, ge=100)
    seed: int = 0
    #: Level of the paired bootstrap intervals.
    level: float = Field(default=0.95, gt=0.5, lt=1)
    #: Refuse when the candidate's ECE exceeds production's by more than this.
    ece_margin: float = Field(default=0.02, ge=0)
    #: ECE is compared only on sets of at least this many rows (it is noisy below).
    ece_min_rows: int = Field(default=100, ge=1)

    @field_validator("sets")
    @classmethod
    def _unique_names(cls, value: list[GateSet]) -> list[GateSet]:
        names = [s.name for s in value]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"gate set names must be unique; repeated: {repeated}")
        return value


class LifecycleConfig(_Strict):
    """``configs/retrain.yaml``."""

    #: The model registry folder.
    registry: str = "registry"
    #: The model name in the registry.
    name: str = "listing-classifier"
    #: Retrain runs go to ``<output>/<name>-<UTC time>`` unless ``--output`` is given.
    output: str = "runs/retrain"
    decisions: DecisionsConfig = Field(default_factory=DecisionsConfig)
    holdout: HoldoutConfig = Field(default_factory=HoldoutConfig)
    training: RetrainTrainingConfig = Field(default_factory=RetrainTrainingConfig)
    gate: GateConfig = Field(default_factory=GateConfig)


def load_lifecycle_config(path: str | Path | None,
                          overrides: list[str] | None = None) -> LifecycleConfig:
    """Read ``path`` (None: the defaults), apply dotted overrides, validate."""
    raw = (read_config_file(path, overrides) if path is not None
           else apply_overrides({}, overrides or []))
    return validate_model(LifecycleConfig, raw, source=str(path or "retrain defaults"))
