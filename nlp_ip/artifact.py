"""The self-describing model folder.

A model folder holds everything needed to run the model, and nothing that
needs unpickling:

- ``nlp_ip.json``: labels, model kind, text-builder settings, max length,
  calibration temperature, decision policy, resolved config, data fingerprint,
  metrics, seed, git commit, library versions (:class:`ModelMeta`);
- ``model.safetensors`` + ``config.json`` (with ``id2label``/``label2id``) and
  the tokenizer files for transformer models, so the folder also loads in
  ``transformers.pipeline("text-classification", model=DIR)``;
  ``model.onnx`` for exported ONNX models; ``tfidf.json`` +
  ``tfidf.safetensors`` for the TF-IDF baseline, or beside the transformer
  weights when a TF-IDF model is blended in (``blend`` in ``nlp_ip.json``);
- ``brands.yaml``: the brand catalog the text layer used in training;
- ``README.md``: the model card.

Folders are written to a temporary sibling and renamed into place, so a crash
never leaves a half-written model folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
)

from nlp_ip.atomic import write_text_atomic
from nlp_ip.errors import ModelLoadError
from nlp_ip.labels import LABEL_NAMES, Label
from nlp_ip.policy import DecisionPolicy

META_FILE = "nlp_ip.json"
#: The ONNX graph of an exported folder (``OnnxMeta.file``).
ONNX_FILE = "model.onnx"
BRANDS_FILE = "brands.yaml"
FORMAT_VERSION = 1

ModelKind = Literal["transformer", "onnx", "tfidf"]
#: The precision of an exported ONNX graph.
OnnxPrecision = Literal["fp32", "int8"]


class TextSettings(BaseModel):
    """How listings become model input (must match between training and serving)."""

    model_config = ConfigDict(extra="forbid")

    builder_version: int
    hints: bool = True
    max_length: int = Field(default=128, gt=8, le=512)


class CascadeMeta(BaseModel):
    """When the TF-IDF part of a blend may decide a listing alone (``blend.cascade``).

    A listing whose calibrated TF-IDF probability for its top label reaches that
    label's threshold skips the transformer; labels without a threshold (always
    parody and lookalike) never skip. Thresholds are chosen on validation data
    (``nlp-ip calibrate-cascade``) so that the skipped rows agree with the full
    blend on the label and the decision at ``target_agreement`` or better.
    ``enabled`` is the folder's default; the engine, ``nlp-ip predict`` and the
    server can turn it on or off.

    With a ``head`` (``nlp-ip calibrate-cascade --distill``), the first stage is not the
    TF-IDF part's own logistic regression but a second linear head on the same TF-IDF
    features, fitted to reproduce the full blend's probabilities (distillation), with its
    own temperature: thresholds then apply to its calibrated confidence, and the rows it
    decides get its probabilities. The features are computed once for both.
    """

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    thresholds: dict[str, float] = Field(default_factory=dict)
    target_agreement: float = Field(default=0.995, gt=0.0, le=1.0)
    #: File of the distilled head in the folder (``coef`` (K, features), ``intercept`` (K,)).
    head: str | None = None
    head_temperature: float = Field(default=1.0, gt=0.0)
    #: What the thresholds were fitted on, and the validation figures they gave.
    fitted: dict[str, Any] = Field(default_factory=dict)

    @field_validator("head")
    @classmethod
    def _a_file_of_the_folder(cls, value: str | None) -> str | None:
        if value is not None and (not value or Path(value).name != value or value in (".", "..")):
            raise ValueError(f"cascade head {value!r} must be a file name inside the model "
                             "folder, e.g. cascade_head.safetensors")
        return value

    @field_validator("thresholds")
    @classmethod
    def _never_parody_or_lookalike(cls, value: dict[str, float]) -> dict[str, float]:
        allowed = {Label.INFRINGING.value, Label.LEGITIMATE.value}
        bad = sorted(set(value) - allowed)
        if bad:
            raise ValueError(f"cascade thresholds for {bad}: only {sorted(allowed)} may skip "
                             "the transformer (parody and lookalike never do)")
        return value


class BlendMeta(BaseModel):
    """A TF-IDF model blended into a transformer's scores (``nlp_ip.json`` ``blend``).

    The folder then also holds ``tfidf.json`` + ``tfidf.safetensors``. The scores the
    engine calibrates with ``ModelMeta.temperature`` are
    ``weight * log_softmax(transformer / transformer_temperature)
    + (1 - weight) * log_softmax(tfidf / tfidf_temperature)``: a weighted product of
    the two calibrated distributions, with ``weight`` chosen on validation.
    """

    model_config = ConfigDict(extra="forbid")

    kind: Literal["tfidf"] = "tfidf"
    weight: float = Field(ge=0.0, le=1.0)
    transformer_temperature: float = Field(default=1.0, gt=0.0)
    tfidf_temperature: float = Field(default=1.0, gt=0.0)
    #: Thresholds for letting the TF-IDF part decide alone (see :class:`CascadeMeta`).
    cascade: CascadeMeta | None = None


class FactsMeta(BaseModel):
    """Fact heads (``nlp_ip.json`` ``facts``; :mod:`nlp_ip.facts`): the transformer outputs
    the label logits, then one logit per fact of ``names``; the label scores are
    ``weight * log_softmax(labels) + (1 - weight) * log(guide order of the facts)``."""

    model_config = ConfigDict(extra="forbid")

    names: list[str]
    weight: float = Field(ge=0.0, le=1.0)

    @field_validator("names")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        from nlp_ip.facts import FACTS

        if list(value) != list(FACTS):
            raise ValueError(f"facts.names must be {list(FACTS)} (this version's fact heads), "
                             f"got {value}; the folder was written by another version")
        return value


class _ExportRecord(BaseModel):
    """A part of ``nlp_ip.json`` ``onnx`` as the exporter writes it.

    Fields that older exports lack default to None and are left out of the
    JSON while None, so a folder's ``onnx`` section reads and writes back with
    the same keys; keys unknown here are kept (``extra="allow"``).
    """

    model_config = ConfigDict(extra="allow")

    @model_serializer(mode="wrap")
    def _omit_absent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        fields = type(self).model_fields
        return {k: v for k, v in data.items()
                if v is not None or k not in fields or fields[k].default is not None}


class RowwiseQuantization(_ExportRecord):
    """int8 weights per output channel, activations per row at run time (the default)."""

    method: Literal["rowwise"] = "rowwise"
    weight_type: str
    op: str
    activations: str
    outlier_channels_fp32: int | None = None  # exports since the outlier channels
    portable: str | None = None  # exports since the portable int8 graphs
    outlier_ratio: float | None = None
    matmuls_quantized: int
    nodes_excluded: list[str]


class BlockwiseQuantization(_ExportRecord):
    """``MatMulNBits``: 8-bit weights in blocks along K."""

    method: Literal["blockwise"] = "blockwise"
    weight_type: str
    op: str
    block_size: int
    accuracy_level: int
    activations: str
    matmuls_quantized: int
    nodes_excluded: list[str]


class DynamicQuantization(_ExportRecord):
    """onnxruntime's ``quantize_dynamic`` (one activation scale per batch tensor)."""

    method: Literal["dynamic"] = "dynamic"
    weight_type: str
    op: str
    activations: str
    per_channel: bool
    reduce_range: bool
    nodes_excluded: list[str]
    portable: str | None = None  # exports since the portable int8 graphs


#: The method-specific part of an int8 export, told apart by ``method``.
Quantization = Annotated[RowwiseQuantization | BlockwiseQuantization | DynamicQuantization,
                         Field(discriminator="method")]


class ExportCheck(_ExportRecord):
    """How far the export is from the torch model on the export's check texts."""

    max_abs_logit_diff: float
    max_prob_diff: float
    #: int8: the CPU's int8 kernel path and the graph variant the check ran on.
    int8_kernel: str | None = None
    int8_variant: str | None = None


class OnnxMeta(BaseModel):
    """An exported ONNX folder's ``nlp_ip.json`` ``onnx`` (``nlp-ip export``).

    Every field is always written (``quantization`` is null for fp32); keys
    unknown here are kept, as in :class:`ModelMeta`.
    """

    model_config = ConfigDict(extra="allow")

    file: str = ONNX_FILE
    precision: OnnxPrecision = "fp32"
    quantization: Quantization | None = None  # int8 only
    opset: int
    exporter: str
    onnxruntime: str
    optimized: bool
    source_model_version: str
    source_folder: str
    check: ExportCheck


class ModelMeta(BaseModel):
    """Contents of ``nlp_ip.json``."""

    model_config = ConfigDict(extra="allow")

    format_version: int = FORMAT_VERSION
    kind: ModelKind
    model_version: str
    labels: list[str] = Field(default_factory=lambda: list(LABEL_NAMES))
    text: TextSettings
    temperature: float = Field(default=1.0, gt=0.0)
    policy: DecisionPolicy = Field(default_factory=DecisionPolicy)
    onnx: OnnxMeta | None = None  # how an onnx folder was exported (kind == "onnx")
    blend: BlendMeta | None = None  # a TF-IDF model blended in (transformer and onnx kinds)
    facts: FactsMeta | None = None  # fact heads after the label logits (transformer, onnx)
    config: dict[str, Any] = Field(default_factory=dict)
    data_fingerprint: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    seed: int | None = None
    git_commit: str | None = None
    versions: dict[str, str] = Field(default_factory=dict)
    created: str | None = None


def read_meta(model_dir: str | os.PathLike[str]) -> ModelMeta:
    """Read and check ``nlp_ip.json`` of a model folder."""
    folder = Path(model_dir)
    path = folder / META_FILE
    if not folder.is_dir():
        raise ModelLoadError(f"model folder {folder} does not exist; pass a folder written by "
                             "`nlp-ip train` or `nlp-ip export`")
    if not path.is_file():
        raise ModelLoadError(f"{folder} has no {META_FILE}; it was not written by nlp-ip "
                             "(train or export a model into it first)")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        meta = ModelMeta.model_validate(raw)
    except (json.JSONDecodeError, ValidationError) as exc:
        raise ModelLoadError(f"{path} is not a valid model description: {exc}") from exc
    if meta.format_version > FORMAT_VERSION:
        raise ModelLoadError(f"{path} has format_version {meta.format_version}; this nlp-ip "
                             f"reads up to {FORMAT_VERSION}. Upgrade nlp-ip")
    if tuple(meta.labels) != LABEL_NAMES:
        raise ModelLoadError(f"{path} lists labels {meta.labels}; expected {list(LABEL_NAMES)}")
    if meta.blend is not None and meta.kind == "tfidf":
        raise ModelLoadError(f"{path}: a tfidf model cannot have a blend; blends belong to "
                             "transformer and onnx folders")
    return meta


def write_meta(model_dir: str | os.PathLike[str], meta: ModelMeta) -> None:
    write_text_atomic(Path(model_dir) / META_FILE, meta.model_dump_json(indent=2) + "\n")


def update_meta(model_dir: str | os.PathLike[str],
                change: Callable[[ModelMeta], None]) -> ModelMeta:
    """Read, change and atomically rewrite ``nlp_ip.json`` (e.g. a new policy)."""
    meta = read_meta(model_dir)
    change(meta)
    meta = ModelMeta.model_validate(meta.model_dump())
    write_meta(model_dir, meta)
    return meta




def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape a model's numbers."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("nlp-ip", "torch", "transformers", "tokenizers", "spacy", "numpy",
                 "scikit-learn", "datasets", "accelerate", "onnxruntime"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found
