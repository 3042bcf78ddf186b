"""Request and response shapes of the HTTP API, for the OpenAPI schema at ``/docs``.

Input is validated by :func:`nlp_ip.schema.parse_listings` (the same rules as
every other stage), not by these models: they document the wire format, with
examples, and the constraints they state match what the server checks.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, create_model

from nlp_ip.labels import LABEL_NAMES, Label
from nlp_ip.policy import Decision
from nlp_ip.schema import (
    ISO_CURRENCIES,
    MAX_DESCRIPTION_CHARS,
    MAX_SHORT_FIELD_CHARS,
    MAX_TITLE_CHARS,
)

# Not anchored: "contains a character that is not white space". The \x1c-\x1f range is
# spelled out because Python's str.strip() (what the server applies) treats those
# separators as white space while Unicode's White_Space (most regex engines) does not.
_NON_BLANK = r"[^\s\x1c-\x1f]"

LISTING_EXAMPLES: list[dict[str, Any]] = [
    {"id": "a-1001", "title": "G-U-C-C-I belt 1:1 mirror quality", "price": 25,
     "currency": "USD"},
    {"id": "a-1002", "title": "Quilted chain flap bag, no logo, designer-inspired",
     "description": "Vegan leather, gold-tone chain. Not affiliated with any brand.",
     "price": 39.9, "currency": "EUR"},
    {"id": "a-1003", "title": "Case for iPhone 15, clear silicone"},
]


class ListingIn(BaseModel):
    """One listing. Fields other than these are accepted and ignored by the model."""

    model_config = ConfigDict(extra="allow",
                              json_schema_extra={"examples": cast(Any, LISTING_EXAMPLES[:1])})

    title: str = Field(min_length=1, max_length=MAX_TITLE_CHARS, pattern=_NON_BLANK,
                       description="required; must contain a visible character")
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION_CHARS)
    price: float | None = Field(default=None, ge=0, description="amount in `currency`")
    currency: Literal[tuple(sorted(ISO_CURRENCIES))] | None = Field(  # type: ignore[valid-type]
        default=None, description="ISO 4217 code")
    brand: str | None = Field(default=None, max_length=MAX_SHORT_FIELD_CHARS,
                              description="brand the seller states, if any")
    id: str | int | None = Field(default=None, description="your id; echoed in the answer",
                                 json_schema_extra={"anyOf": [
                                     {"type": "string", "minLength": 1,
                                      "maxLength": MAX_SHORT_FIELD_CHARS,
                                      "pattern": _NON_BLANK},
                                     {"type": "integer"}, {"type": "null"}]})


TitleOnly = Annotated[str, Field(min_length=1, max_length=MAX_TITLE_CHARS, pattern=_NON_BLANK)]


class ClassifyRequest(BaseModel):
    """Body of ``POST /v1/classify``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": cast(Any, [{"listings": LISTING_EXAMPLES}])})

    listings: list[ListingIn | TitleOnly] = Field(
        min_length=1, description="1 to max_listings listings; a plain string is a title")


Probabilities = create_model(  # type: ignore[call-overload]
    "Probabilities",
    __config__=ConfigDict(extra="forbid"),
    **{name: (float, Field(ge=0.0, le=1.0)) for name in LABEL_NAMES},
)


class PredictionOut(BaseModel):
    """The model's answer for one listing."""

    id: str | None = Field(description="the listing's id, or null when it had none")
    label: Literal[LABEL_NAMES]  # type: ignore[valid-type]
    probabilities: Probabilities  # type: ignore[valid-type]
    confidence: float = Field(ge=0.0, le=1.0, description="probability of `label`")
    decision: Literal[tuple(d.value for d in Decision)]  # type: ignore[valid-type]
    model_version: str
    signals: dict[str, Any] | None = Field(
        default=None, description="rule-based evidence, only with ?explain=true")


class ClassifyResponse(BaseModel):
    """Answer of ``POST /v1/classify``: one prediction per listing, in request order."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "predictions": [{
            "id": "a-1001", "label": Label.INFRINGING.value,
            "probabilities": dict(zip(LABEL_NAMES, (0.96, 0.01, 0.02, 0.01), strict=True)),
            "confidence": 0.96, "decision": Decision.REMOVE.value,
            "model_version": "minilm-3f2a9c1e"}],
        "model_version": "minilm-3f2a9c1e",
        "request_id": "5b0d6f3f9c0e4a55"}]})

    predictions: list[PredictionOut]
    model_version: str
    request_id: str


class ModelInfo(BaseModel):
    """Answer of ``GET /v1/model``."""

    labels: list[str]
    model_version: str
    kind: str
    backend: str
    max_length: int
    temperature: float
    blend: dict[str, Any] | None = Field(
        default=None, description="the TF-IDF model blended into the transformer's scores "
                                  "(weight of the transformer, part temperatures), if any")
    thresholds: dict[str, Any] = Field(description="the decision policy")
    metrics: dict[str, Any] = Field(description="headline evaluation metrics per split")
    int8: dict[str, Any] | None = Field(
        default=None, description="for an int8 model: the CPU's int8 kernel path "
                                  "(kernel, instruction, saturates) and the graph variant run")
    limits: dict[str, Any]
    batching: dict[str, Any]


class FieldErrorOut(BaseModel):
    field: str
    message: str
    index: int | None = Field(description="position of the listing in the request")


class ErrorDetail(BaseModel):
    code: str = Field(description="invalid_input, input_too_large, overloaded, not_ready, "
                                  "timeout, unauthenticated, forbidden, not_found, ...")
    message: str
    details: list[FieldErrorOut]


class ErrorBody(BaseModel):
    """Every error answer has this shape."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "error": {"code": "invalid_input", "message": "1 invalid field(s): row 0: field "
                  "'title': is blank; every listing needs a title with visible text",
                  "details": [{"field": "title", "index": 0,
                               "message": "is blank; every listing needs a title with "
                                          "visible text"}]},
        "request_id": "5b0d6f3f9c0e4a55"}]})

    error: ErrorDetail
    request_id: str | None


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready"]
    model_version: str
    backend: str
