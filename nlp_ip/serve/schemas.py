"""Request and response shapes of the HTTP API: what validates a request and what ``/docs`` shows.

:class:`ClassifyRequest` validates the body of ``POST /v1/classify`` and documents it from the
same model. Each listing is a :class:`ListingIn`, which is :class:`~nlp_ip.schema.Listing`
(the same fields and validators as every other stage) plus the documentation of its JSON form.
A bad body raises the project's :class:`~nlp_ip.errors.InvalidInputError` (or
:class:`~nlp_ip.errors.InputTooLargeError`) naming each field, as before.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Annotated, Any, ClassVar, Literal, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from nlp_ip.errors import FieldError, InputTooLargeError, InvalidInputError
from nlp_ip.labels import LABEL_NAMES, Label
from nlp_ip.policy import Decision
from nlp_ip.schema import (
    ISO_CURRENCIES,
    MAX_DESCRIPTION_CHARS,
    MAX_PRICE,
    MAX_SHORT_FIELD_CHARS,
    MAX_TITLE_CHARS,
    JsonPath,
    Listing,
    load_json,
    parse_listings,
)

# Not anchored: "contains a character that is not white space". The \x1c-\x1f range is
# spelled out because Python's str.strip() (what Listing applies) treats those
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


class ListingIn(Listing):
    """One listing. Fields other than these are accepted and ignored by the model."""

    # Listing's validators check every field, exactly as in every other stage. The
    # annotations below only document the JSON this API takes (what Listing accepts before
    # it normalizes: an integer id, a null description, ...), so they change no validation.
    model_config = ConfigDict(json_schema_extra={"examples": cast(Any, LISTING_EXAMPLES[:1])})

    title: Annotated[str, WithJsonSchema({
        "type": "string", "minLength": 1, "maxLength": MAX_TITLE_CHARS, "pattern": _NON_BLANK,
    })] = Field(description="required; must contain a visible character")
    description: Annotated[str, WithJsonSchema({"anyOf": [
        {"type": "string", "maxLength": MAX_DESCRIPTION_CHARS}, {"type": "null"}]})] = Field(
        default="", json_schema_extra={"default": None})
    price: Annotated[float | None, WithJsonSchema({"anyOf": [
        {"type": "number", "minimum": 0, "exclusiveMaximum": MAX_PRICE},
        {"type": "null"}]})] = Field(default=None, description="amount in `currency`")
    currency: Annotated[str | None, WithJsonSchema({"anyOf": [
        {"type": "string", "enum": sorted(ISO_CURRENCIES)}, {"type": "null"}]})] = Field(
        default=None, description="ISO 4217 code")
    brand: Annotated[str | None, WithJsonSchema({"anyOf": [
        {"type": "string", "maxLength": MAX_SHORT_FIELD_CHARS}, {"type": "null"}]})] = Field(
        default=None, description="brand the seller states, if any")
    label: SkipJsonSchema[Label | None] = None  # training data only; not part of a request
    id: Annotated[str | None, WithJsonSchema({"anyOf": [
        {"type": "string", "minLength": 1, "maxLength": MAX_SHORT_FIELD_CHARS,
         "pattern": _NON_BLANK},
        {"type": "integer"}, {"type": "null"}]})] = Field(
        default=None, description="your id; echoed in the answer")


TitleOnly = Annotated[str, Field(min_length=1, max_length=MAX_TITLE_CHARS, pattern=_NON_BLANK)]


def _document_request(schema: dict[str, Any], model: type[Any]) -> None:
    schema["examples"] = [{"listings": LISTING_EXAMPLES}]
    schema["properties"]["listings"]["maxItems"] = model.max_listings


class ClassifyRequest(BaseModel):
    """Body of ``POST /v1/classify``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_document_request)

    #: Listings per request, at most: :func:`classify_request_model` sets this per server.
    max_listings: ClassVar[int] = 256

    listings: list[ListingIn] = Field(
        description="1 to max_listings listings; a plain string is a title")

    @classmethod
    def from_json(cls, body: bytes) -> ClassifyRequest:
        """Validate a raw request body.

        Raises :class:`InvalidInputError` (or :class:`InputTooLargeError` for too many
        listings or a field over its size limit) whose ``errors`` name each bad field.
        """
        data = _decode_json(body)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise _raised_by_validator(exc) from None

    @model_validator(mode="before")
    @classmethod
    def _only_listings(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "listings" not in data:
            raise InvalidInputError('the body must be an object {"listings": [...]}',
                                    [FieldError("listings", 'is required: send {"listings": '
                                                '[{"title": ...}, ...]}')])
        unknown = sorted(str(k) for k in data if k != "listings")
        if unknown:
            _check_unicode([{k: None for k in unknown}])
            raise InvalidInputError(
                f"unknown field(s) {unknown}; the body has only 'listings'",
                [FieldError(k, "is not a field of the request; put listing fields inside "
                               "'listings'") for k in unknown])
        return data

    @field_validator("listings", mode="plain", json_schema_input_type=Annotated[
        list[ListingIn | TitleOnly], Field(min_length=1)])
    @classmethod
    def _listings(cls, items: Any) -> list[ListingIn]:
        if not isinstance(items, list):
            raise InvalidInputError("'listings' must be a list of listings",
                                    [FieldError("listings", f"must be a list, got "
                                                f"{type(items).__name__}")])
        if not items:
            raise InvalidInputError("'listings' is empty; send 1 or more listings",
                                    [FieldError("listings", "is empty")])
        if len(items) > cls.max_listings:
            raise InputTooLargeError(
                f"{len(items)} listings in one request; the limit is {cls.max_listings}. "
                "Split the request (nlp_ip.client.Client does that for you)",
                [FieldError("listings", f"has {len(items)} items; the limit is "
                                        f"{cls.max_listings}")])
        _check_unicode(items)
        return _as_listings(items)


@cache
def classify_request_model(max_listings: int) -> type[ClassifyRequest]:
    """:class:`ClassifyRequest` for a server that takes at most ``max_listings`` per request."""
    namespace = {"__doc__": ClassifyRequest.__doc__, "__module__": __name__,
                 "max_listings": max_listings}
    return cast(type[ClassifyRequest], type("ClassifyRequest", (ClassifyRequest,), namespace))


def _field_in_request(path: JsonPath) -> tuple[str, int | None]:
    """A path in the body as the field and listing index the error details give."""
    if len(path) >= 2 and path[0] == "listings" and isinstance(path[1], int):
        return ".".join(str(part) for part in path[2:]) or "listing", path[1]
    return ".".join(str(part) for part in path) or "body", None


def _decode_json(body: bytes) -> Any:
    try:
        return load_json(body, locate=_field_in_request)
    except UnicodeDecodeError:
        raise InvalidInputError("the body is not UTF-8 text; send JSON encoded as UTF-8",
                                [FieldError("body", "is not valid UTF-8")]) from None
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"the body is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
            'send {"listings": [{"title": ...}, ...]}',
            [FieldError("body", f"is not valid JSON: {exc.msg}")]) from None
    except RecursionError:
        raise InvalidInputError("the body is nested too deeply",
                                [FieldError("body", "is nested too deeply")]) from None


def _check_unicode(items: list[Any]) -> None:
    """Reject unpaired surrogates (JSON ``\\ud800`` escapes): they are not text."""
    errors = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        for key, value in item.items():
            for text, what in ((key, "field name"), (value, "value")):
                if isinstance(text, str) and not text.isascii():
                    try:
                        text.encode("utf-8")
                    except UnicodeEncodeError:
                        field = key.encode("ascii", "backslashreplace").decode("ascii")
                        errors.append(FieldError(field, f"{what} contains an unpaired "
                                                 "surrogate escape; send valid Unicode", i))
    if errors:
        raise InvalidInputError("; ".join(str(e) for e in errors), errors)


def _as_listings(items: list[Any]) -> list[ListingIn]:
    """Each item as a :class:`ListingIn`; a plain string is a title.

    ListingIn accepts exactly what Listing accepts, so when an item is bad,
    :func:`~nlp_ip.schema.parse_listings` names every bad field of the batch, as every
    stage reports them.
    """
    try:
        return [ListingIn.model_validate({"title": item} if isinstance(item, str) else item)
                for item in items]
    except ValidationError:
        parse_listings(items)
        raise


def _raised_by_validator(exc: ValidationError) -> Exception:
    """The project's error that a validator raised (pydantic wraps it as a value error)."""
    for error in exc.errors():
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, InvalidInputError):
            return cause
    return exc


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
    prediction_set: list[Literal[LABEL_NAMES]] | None = Field(  # type: ignore[valid-type]
        default=None,
        description="the labels the model cannot rule out at its conformal coverage (only "
                    "when the model folder has conformal sets); more than one label sends "
                    "the listing to review")


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
    cascade: bool = Field(
        default=False, description="whether the blend's TF-IDF part decides alone the listings "
                                   "it is sure of (model_version then ends in +cascade)")
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


_ERROR_DESCRIPTIONS = {
    401: "missing or invalid API key", 403: "the key lacks this endpoint's scope",
    413: "body or listing count over the limit", 422: "invalid input, per field",
    409: "the new model could not be loaded (the old one keeps serving)",
    429: "queue full; retry after Retry-After seconds",
    503: "not ready, shutting down, or the request timed out"}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error answers a route can give (all :class:`ErrorBody`)."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {"model": ErrorBody, "description": _ERROR_DESCRIPTIONS[status]}
        if status in (429, 503):
            entry["headers"] = {"Retry-After": {"description": "seconds to wait",
                                                "schema": {"type": "string"}}}
        out[status] = entry
    return out


class ReloadResult(BaseModel):
    """Answer of ``POST /v1/admin/reload``."""

    reloaded: bool = Field(description="false when the version to serve was already served")
    model_version: str = Field(description="the version served from now on")
    previous_version: str
    reason: str
    seconds: float | None = Field(default=None, description="load, warm-up, switch and drain")
