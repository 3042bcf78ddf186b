"""Hugging Face's text-classification protocol, as text-embeddings-inference (TEI) serves it.

- ``POST /predict`` and ``POST /`` (TEI's route for a classifier): ``{"inputs": ...}``, where
  ``inputs`` is a text, ``[text]``, a pair ``[title, description]``, or a batch of those
  (``[["text 1"], ["title", "description"], ...]``), as TEI reads it. Each text becomes a
  listing with that title (a pair: title and description). The answer lists all four labels
  with their score, highest first: one list for a single input, a list of lists for a batch.
- ``GET /info``: the model and the server's limits, in TEI's ``Info`` shape.

Options: ``raw_scores`` gives log-probabilities (logits up to a constant per input: their
softmax gives back the scores) instead of probabilities; ``truncate`` may be ``true`` or
left out: the model always reads the first ``max_input_length`` tokens (``auto_truncate``
in ``/info``), and a text over the listing limits (1,000 characters for a title) is refused
with 413, never cut; ``truncation_direction`` may only be ``right``.

``huggingface_hub.InferenceClient(model=URL).text_classification(text)`` posts
``{"inputs": text, "parameters": {...}}`` to the URL itself (``top_k``,
``function_to_apply`` in ``parameters``) and reads the answer as the Inference API writes it,
a list holding one list per input. A request with ``parameters`` is answered that way
(``top_k`` keeps the best k labels; ``function_to_apply`` ``softmax`` gives probabilities,
``none`` log-probabilities, as does ``raw_scores`` whatever ``parameters`` say); TEI itself
answers a single input with a flat list, from which that client returns only the top label.

Keys with scope ``classify``; errors have TEI's body ``{"error", "error_type"}`` and the
status codes of ``/v1`` (401, 403, 413, 422, 429, 503). Route functions carry no
docstrings: FastAPI would publish them as the operations' descriptions.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PositiveInt,
    RootModel,
    WithJsonSchema,
    field_validator,
)
from starlette.responses import JSONResponse, Response

from nlp_ip import __version__
from nlp_ip.errors import FieldError, InputTooLargeError, InvalidInputError
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.schema import MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS, Listing, parse_listings
from nlp_ip.serve import schemas
from nlp_ip.serve.dependencies import ready_state
from nlp_ip.serve.protocols import (
    AdmittedBody,
    ProtocolRoute,
    admitted_body,
    answer,
    batched_predictions,
    client_gone_response,
    error_responses,
    json_body,
    validated,
)
from nlp_ip.serve.routes.classify import json_request_body
from nlp_ip.serve.settings import ServeSettings
from nlp_ip.serve.state import ServerState

TAG = "hugging face text classification (TEI)"
#: TEI's ``error_type`` for the error codes of the one table (others keep their code).
ERROR_TYPES = {"invalid_input": "validation", "input_too_large": "validation",
               "bad_request": "validation", "overloaded": "overloaded",
               "not_ready": "unhealthy", "timeout": "unhealthy", "internal_error": "backend"}


class TeiError(BaseModel):
    """TEI's error body."""

    error: str
    error_type: str = Field(description="validation, overloaded, unhealthy, backend, "
                                        "unauthenticated, forbidden, not_found, ...")


class TeiRoute(ProtocolRoute):
    @staticmethod
    def error_body(body: dict[str, Any]) -> dict[str, Any]:
        code = body["error"]["code"]
        return {"error": body["error"]["message"], "error_type": ERROR_TYPES.get(code, code)}


# -- requests ---------------------------------------------------------------------------------

_TITLE = {"type": "string", "minLength": 1, "maxLength": MAX_TITLE_CHARS,
          "pattern": schemas._NON_BLANK, "description": "a text: the listing's title"}
_SEQUENCE = {"type": "array", "minItems": 1, "maxItems": 2,
             "prefixItems": [_TITLE, {"type": "string", "maxLength": MAX_DESCRIPTION_CHARS,
                                      "description": "the listing's description"}],
             "description": "[title] or a pair [title, description]"}


def _integral_float_to_int(value: Any) -> Any:
    """3.0 -> 3 (JSON numbers with no fraction are integers); anything else unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class HubParameters(BaseModel):
    """What ``huggingface_hub.InferenceClient.text_classification`` sends."""

    model_config = ConfigDict(extra="forbid", strict=True)

    # JSON Schema's "integer" includes 3.0; strict pydantic would refuse it
    top_k: Annotated[PositiveInt | None, BeforeValidator(_integral_float_to_int)] = Field(
        default=None, description="keep the best k labels")
    function_to_apply: Literal["softmax", "none"] | None = Field(
        default=None, description="softmax: probabilities (default); none: log-probabilities")


def _request_schema(max_listings: int) -> Any:
    return WithJsonSchema({"anyOf": [
        _TITLE, _SEQUENCE,
        {"type": "array", "minItems": 1, "maxItems": max_listings, "items": _SEQUENCE,
         "description": f"a batch of 1 to {max_listings} inputs"}]})


class PredictRequest(BaseModel):
    """Body of ``POST /predict`` and ``POST /``."""

    model_config = ConfigDict(extra="forbid", strict=True)

    inputs: str | list[str] | list[list[str]]
    truncate: Annotated[Literal[True] | None, WithJsonSchema({
        "anyOf": [{"type": "boolean", "enum": [True]}, {"type": "null"}],
        "description": "true or left out: the model reads the first max_input_length "
                       "tokens"})] = None
    truncation_direction: Literal["right", "Right"] = "right"
    raw_scores: bool = Field(default=False, description="log-probabilities instead of "
                                                        "probabilities (whatever "
                                                        "`parameters` say)")
    parameters: HubParameters | None = Field(
        default=None, description="Inference API form (huggingface_hub's InferenceClient): "
                                  "answered with one list per input")

    @field_validator("truncate", mode="before")
    @classmethod
    def _always_truncated(cls, value: Any) -> Any:
        if value is False:
            raise ValueError("the model always reads the first max_input_length tokens "
                             "(as /v1/classify does); send true or leave it out")
        return value


def predict_request_model(max_listings: int) -> type[PredictRequest]:
    """:class:`PredictRequest` documented with the server's batch limit."""
    return type("PredictRequest", (PredictRequest,), {
        "__module__": __name__, "__doc__": PredictRequest.__doc__,
        "__annotations__": {"inputs": Annotated[str | list[str] | list[list[str]],
                                                _request_schema(max_listings)]}})


def sequences_of(inputs: str | list[str] | list[list[str]]) -> tuple[list[list[str]], bool]:
    """The sequences (``[title]`` or ``[title, description]``) of ``inputs``, and whether it
    was a batch, read as TEI reads them."""
    if isinstance(inputs, str):
        return [[inputs]], False
    if not inputs:
        raise InvalidInputError("'inputs' is empty; send a text or a batch of texts",
                                [FieldError("inputs", "is empty")])
    batch = isinstance(inputs[0], list)
    sequences: list[list[str]] = [list(x) for x in inputs] if batch else \
        [[str(x) for x in inputs]]
    for i, sequence in enumerate(sequences):
        if not 1 <= len(sequence) <= 2:
            raise InvalidInputError(
                f"a sequence is [title] or [title, description], got {len(sequence)} texts; "
                'send several inputs as a batch: [["text 1"], ["text 2"]]',
                [FieldError("inputs", f"has {len(sequence)} texts", i if batch else None)])
    return sequences, batch


def listings_of(sequences: Sequence[list[str]], max_listings: int) -> list[Listing]:
    if len(sequences) > max_listings:
        raise InputTooLargeError(
            f"batch size {len(sequences)} > maximum allowed batch size {max_listings}",
            [FieldError("inputs", f"has {len(sequences)} inputs; the limit is {max_listings}")])
    items = [{"title": s[0], "description": s[1] if len(s) > 1 else ""} for s in sequences]
    schemas._check_unicode(items)
    return parse_listings(items)


def ranked(prediction: dict[str, Any], *, log: bool, top_k: int | None) -> list[dict[str, Any]]:
    """``[{"label", "score"}]`` for one prediction, highest score first."""
    scores = [(label, float(p)) for label, p in prediction["probabilities"].items()]
    if log:  # floored: a probability that underflowed to 0 has no finite logarithm
        scores = [(label, math.log(max(p, sys.float_info.min))) for label, p in scores]
    scores.sort(key=lambda pair: pair[1], reverse=True)
    return [{"label": label, "score": score} for label, score in scores[:top_k]]


# -- answers ----------------------------------------------------------------------------------

class Prediction(BaseModel):
    score: float
    label: Literal[tuple(LABEL_NAMES)]  # type: ignore[valid-type]


class PredictResponse(RootModel[list[Prediction] | list[list[Prediction]]]):
    """All four labels with their score, highest first: a list for one input, a list of
    lists for a batch (or for the Inference API form)."""


class ClassifierModel(BaseModel):
    id2label: dict[str, str]
    label2id: dict[str, int]


class ModelType(BaseModel):
    classifier: ClassifierModel


class Info(BaseModel):
    """TEI's ``Info``: the model and the server's limits."""

    model_id: str = Field(description="the model version")
    model_sha: str | None
    model_dtype: str = Field(description="the inference backend, e.g. onnx-int8")
    served_model_name: str
    model_type: ModelType
    max_concurrent_requests: int = Field(description="listings that may wait in the queue")
    max_input_length: int = Field(description="tokens the model reads per listing")
    max_batch_tokens: int
    max_batch_requests: int | None = Field(description="rows in one engine batch")
    max_client_batch_size: int = Field(description="inputs per request")
    auto_truncate: bool
    tokenization_workers: int
    version: str
    sha: str | None
    docker_label: str | None


def info(state: ServerState) -> dict[str, Any]:
    """``GET /info``."""
    settings, classifier = state.settings, state.classifier
    return {"model_id": classifier.model_version, "model_sha": None,
            "model_dtype": classifier.backend_name, "served_model_name": "nlp-ip",
            "model_type": {"classifier": {
                "id2label": {str(i): label for i, label in enumerate(LABEL_NAMES)},
                "label2id": {label: i for i, label in enumerate(LABEL_NAMES)}}},
            "max_concurrent_requests": settings.max_queue_rows,
            "max_input_length": int(classifier.meta.text.max_length),
            "max_batch_tokens": settings.max_batch_tokens,
            "max_batch_requests": settings.max_batch_rows,
            "max_client_batch_size": settings.max_listings, "auto_truncate": True,
            "tokenization_workers": state.workers, "version": __version__, "sha": None,
            "docker_label": None}


# -- routes -----------------------------------------------------------------------------------

#: ``GET /info`` (key with scope ``classify``).
router = APIRouter(route_class=TeiRoute, tags=[TAG])


@router.get("/info", response_model=Info, summary="The model and the server's limits (TEI)",
            responses=error_responses(TeiError, 401, 403, 503))
async def get_info(state: Annotated[ServerState, Depends(ready_state)]) -> Response:
    return JSONResponse(info(state))


async def predict(request: Request,
                  call: Annotated[AdmittedBody, Depends(admitted_body)]) -> Response:
    state = call.state
    max_listings = state.settings.max_listings
    data = json_body(call.body, InvalidInputError, '{"inputs": "a text"}')
    body: PredictRequest = validated(PredictRequest, data, InvalidInputError,
                                     "the body is not a TEI predict request")
    hub = body.parameters
    sequences, batch = sequences_of(body.inputs)
    listings = listings_of(sequences, max_listings)
    predictions = await batched_predictions(request, state, listings)
    if predictions is None:
        return client_gone_response()
    log = body.raw_scores or (hub is not None and hub.function_to_apply == "none")
    top_k = hub.top_k if hub is not None else None
    answers = [ranked(p, log=log, top_k=top_k) for p in predictions]
    return answer(state, answers if batch or hub is not None else answers[0])


_EXAMPLES = {
    "one text": {"value": {"inputs": schemas.LISTING_EXAMPLES[0]["title"]}},
    "a batch": {"value": {"inputs": [[schemas.LISTING_EXAMPLES[0]["title"]],
                                     [schemas.LISTING_EXAMPLES[1]["title"],
                                      schemas.LISTING_EXAMPLES[1]["description"]]]}},
    "huggingface_hub InferenceClient": {"value": {
        "inputs": schemas.LISTING_EXAMPLES[2]["title"], "parameters": {"top_k": 2}}},
}


def predict_router(settings: ServeSettings) -> APIRouter:
    """The router of ``POST /predict`` and ``POST /``: its documentation states the server's
    limits, so each app gets its own."""
    api = APIRouter(route_class=TeiRoute)
    model = predict_request_model(settings.max_listings)
    for path, summary in (("/predict", "Classify texts (Hugging Face TEI)"),
                          ("/", "Classify texts (TEI's route for a classifier)")):
        api.add_api_route(
            path, predict, methods=["POST"], tags=[TAG], response_model=None, summary=summary,
            description=f"`inputs`: a text, a pair [title, description], or a batch of up to "
                        f"{settings.max_listings} of those ([[\"text\"], [\"title\", "
                        "\"description\"]]). Each text is classified as a listing with that "
                        "title. Answer: all four labels with their score, highest first; a "
                        "list per input for a batch, or when the body has `parameters` (the "
                        "Inference API form that huggingface_hub's InferenceClient sends).",
            responses={200: {"model": PredictResponse,
                             "description": "labels and scores, highest first"},
                       **error_responses(TeiError, 401, 403, 413, 422, 429, 503)},
            openapi_extra={"requestBody": json_request_body(model, path, "post", _EXAMPLES)})
    return api

