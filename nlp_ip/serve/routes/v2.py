"""The Open Inference Protocol (KServe v2, Triton's HTTP/REST API) beside ``/v1``.

- ``GET /v2/health/live``, ``GET /v2/health/ready`` (no key): the server is alive; the model
  is ready (503 until it is);
- ``GET /v2``: server metadata; ``GET /v2/models/nlp-ip``: the model's tensors;
  ``GET /v2/models/nlp-ip/ready``: ``{"name", "ready": true}`` (503 until ready);
- ``POST /v2/models/nlp-ip/infer``: one output row per listing.

A request sends one tensor of shape ``[N]`` per listing field: ``title`` (required),
``description``, ``brand``, ``currency`` (``BYTES``; an empty string means none) and
``price`` (``FP32`` or ``FP64``; ``NaN``, or ``null`` in JSON, means none). Row ``i`` of
each tensor is listing ``i``. The answer has ``label`` and ``decision`` (``BYTES``, ``[N]``)
and ``probabilities`` (``FP32``, ``[N, 4]``, columns in the order its ``labels`` parameter
gives). Tensor data may come as JSON or in the binary tensor data extension (what
``tritonclient`` sends by default); outputs are returned as binary data when asked
(``binary_data_output``, or ``binary_data`` per output).

Keys with scope ``classify`` use every route but the two health probes. Errors have the
protocol's body ``{"error": "..."}``; bad input is answered 400 (the protocol's status), and
the other statuses are those of ``/v1`` (401, 403, 404, 413, 429, 503). Route functions
carry no docstrings: FastAPI would publish them as the operations' descriptions.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Sequence
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from nlp_ip import __version__
from nlp_ip.errors import BadRequestError, FieldError, InputTooLargeError, InvalidInputError
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.schema import Listing, parse_listings
from nlp_ip.serve import schemas
from nlp_ip.serve.dependencies import ready_state
from nlp_ip.serve.middleware import request_id_of
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

#: The name the model is served under: ``/v2/models/nlp-ip/...``.
MODEL_NAME = "nlp-ip"
INFER_PATH = "/v2/models/{name}/infer"
TEXT_INPUTS = ("title", "description", "brand", "currency")
OUTPUT_NAMES = ("label", "probabilities", "decision")
#: ``probabilities`` parameter: the label of each column, comma-separated (the protocol's
#: parameter values are strings, numbers or booleans).
LABELS_PARAMETER: dict[str, Any] = {"labels": ",".join(LABEL_NAMES)}
#: The request header that gives the length of the JSON part of a binary request.
HEADER_LENGTH = "inference-header-content-length"

Parameter = bool | int | float | str


class V2Error(BaseModel):
    """The protocol's error body."""

    error: str = Field(description="what went wrong and how to fix it")


class V2Route(ProtocolRoute):
    @staticmethod
    def error_body(body: dict[str, Any]) -> dict[str, Any]:
        return {"error": body["error"]["message"]}


# -- requests ---------------------------------------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def _data_in_json(schema: dict[str, Any]) -> None:
    # the JSON form needs `data`; a binary request leaves it out (and is not JSON alone)
    schema["required"] = [*schema.get("required", []), "data"]


class InputParameters(_Strict):
    binary_data_size: NonNegativeInt | None = Field(
        default=None, description="binary tensor data extension: bytes of this tensor after "
                                  "the JSON part (then `data` is left out)")


Shape = Annotated[list[NonNegativeInt], Field(
    min_length=1, max_length=1, description="[N], N listings")]


class TextInput(_Strict):
    """A text field of N listings (``title`` is required)."""

    model_config = ConfigDict(json_schema_extra=_data_in_json)

    name: Literal["title", "description", "brand", "currency"]
    shape: Shape
    datatype: Literal["BYTES"]
    parameters: InputParameters | None = None
    data: list[str] | None = Field(
        default=None, description="one string per listing (left out for binary data)")


class PriceInput(_Strict):
    """The prices of N listings; NaN (or null in JSON) means no price."""

    model_config = ConfigDict(json_schema_extra=_data_in_json)

    name: Literal["price"]
    shape: Shape
    datatype: Literal["FP32", "FP64"]
    parameters: InputParameters | None = None
    data: list[float | None] | None = Field(
        default=None, description="one number (or null) per listing (left out for binary data)")


class OutputParameters(_Strict):
    binary_data: bool | None = Field(default=None,
                                     description="return this output as binary data")


class RequestedOutput(_Strict):
    name: Literal["label", "probabilities", "decision"]
    parameters: OutputParameters | None = None


class RequestParameters(BaseModel):
    """Parameters of the request; those other than ``binary_data_output`` are accepted and
    not used (``priority``, ``timeout``, ...)."""

    model_config = ConfigDict(extra="allow", strict=True)
    __pydantic_extra__: dict[str, Parameter]

    binary_data_output: bool | None = Field(
        default=None, description="return every output as binary data unless an output says "
                                  "otherwise")


class InferenceRequest(_Strict):
    """Body of ``POST /v2/models/nlp-ip/infer``."""

    id: str | None = Field(default=None, description="echoed in the answer")
    parameters: RequestParameters | None = None
    inputs: list[Annotated[TextInput | PriceInput, Field(discriminator="name")]] = Field(
        min_length=1, max_length=5, description="one tensor per listing field, each at most "
                                                "once; `title` is required")
    outputs: list[RequestedOutput] | None = Field(
        default=None, description="the outputs to return (default: all)")


def decode_request(body: bytes, header_length: str | None
                   ) -> tuple[InferenceRequest, dict[str, list[Any]]]:
    """The request and the values of each input, one per listing.

    ``header_length`` is the ``Inference-Header-Content-Length`` header: when given, the
    body is that many bytes of JSON followed by the binary data of the inputs that have a
    ``binary_data_size``, in their order. Raises :class:`BadRequestError` naming the fault.
    """
    json_part, binary = _split_body(body, header_length)
    data = json_body(json_part, BadRequestError, 'an inference request {"inputs": [...]}')
    request: InferenceRequest = validated(
        InferenceRequest, data, BadRequestError,
        "the body is not an inference request of the Open Inference Protocol")
    names = [tensor.name for tensor in request.inputs]
    _require_unique(names, "inputs", "input")
    _require_unique([o.name for o in request.outputs or ()], "outputs", "output")
    if "title" not in names:
        raise BadRequestError("the request has no 'title' input; every listing needs a title",
                              [FieldError("inputs", "needs a tensor named 'title'")])
    rows = request.inputs[0].shape[0]
    values: dict[str, list[Any]] = {}
    offset = 0
    for i, tensor in enumerate(request.inputs):
        where = f"inputs.{i}"
        if tensor.shape[0] != rows:
            raise BadRequestError(
                f"input '{tensor.name}' has shape {tensor.shape} but '{names[0]}' has "
                f"[{rows}]; every input holds one value per listing",
                [FieldError(f"{where}.shape", f"must be [{rows}]")])
        size = tensor.parameters.binary_data_size if tensor.parameters else None
        if (size is None) == (tensor.data is None):
            raise BadRequestError(
                f"input '{tensor.name}' needs its values either in 'data' or as binary data "
                "(parameters.binary_data_size), not both or neither",
                [FieldError(where, "give 'data' or 'parameters.binary_data_size'")])
        if size is None:
            assert tensor.data is not None
            found: list[Any] = list(tensor.data)
        else:
            found = _binary_values(tensor.name, tensor.datatype, binary[offset:offset + size])
            offset += size
        if tensor.datatype == "FP32":
            found = _fp32_decimals(found)
        if len(found) != rows:
            raise BadRequestError(
                f"input '{tensor.name}' has shape [{rows}] but {len(found)} values",
                [FieldError(where, f"holds {len(found)} values, not {rows}")])
        values[tensor.name] = found
    if offset != len(binary):
        raise BadRequestError(
            f"the body has {len(binary)} bytes after the JSON part but the inputs' "
            f"binary_data_size add up to {offset}",
            [FieldError("body", "binary data does not match binary_data_size")])
    return request, values


def _split_body(body: bytes, header_length: str | None) -> tuple[bytes, bytes]:
    if header_length is None:
        return body, b""
    if not header_length.strip().isdigit() or int(header_length) > len(body):
        raise BadRequestError(
            f"Inference-Header-Content-Length is {header_length!r}; it must be the length "
            f"of the JSON part, at most the body's {len(body)} bytes",
            [FieldError("Inference-Header-Content-Length", "is not a length within the body")])
    split = int(header_length)
    return body[:split], body[split:]


def _require_unique(names: Sequence[str], field: str, what: str) -> None:
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise BadRequestError(f"{what}(s) {repeated} given more than once",
                              [FieldError(field, f"names {repeated} more than once")])


def _binary_values(name: str, datatype: str, data: bytes) -> list[Any]:
    """The values of one tensor sent in the binary tensor data extension."""
    if datatype == "BYTES":
        values = []
        offset = 0
        while offset < len(data):
            length = struct.unpack_from("<I", data, offset)[0] if offset + 4 <= len(data) \
                else len(data)
            offset += 4
            if offset + length > len(data):
                raise BadRequestError(
                    f"the binary data of input '{name}' ends inside an element; BYTES "
                    "elements are a 4-byte little-endian length followed by that many bytes",
                    [FieldError(name, "binary data is cut short")])
            try:
                values.append(data[offset:offset + length].decode("utf-8"))
            except UnicodeDecodeError:
                raise BadRequestError(
                    f"input '{name}' holds bytes that are not UTF-8 text",
                    [FieldError(name, f"element {len(values)} is not valid UTF-8")]) from None
            offset += length
        return values
    width = 4 if datatype == "FP32" else 8
    if len(data) % width:
        raise BadRequestError(f"the binary data of input '{name}' ({datatype}) is "
                              f"{len(data)} bytes, not a multiple of {width}",
                              [FieldError(name, f"is not a whole number of {datatype} values")])
    return np.frombuffer(data, dtype=f"<f{width}").tolist()


def _fp32_decimals(values: list[float | None]) -> list[float | None]:
    """FP32 values as the shortest decimals they stand for: a price sent as the float32
    nearest 39.9 (39.900001525878906) is 39.9, as the client meant."""
    with np.errstate(over="ignore"):
        return [None if v is None else float(str(np.float32(v))) for v in values]


def listings_from(values: dict[str, list[Any]], max_listings: int) -> list[Listing]:
    """One listing per row of the input tensors (an empty string or a NaN price: none)."""
    rows = len(values["title"])
    if rows == 0:
        raise BadRequestError("the inputs hold no listings; send shape [N] with N >= 1",
                              [FieldError("inputs", "shape is [0]")])
    if rows > max_listings:
        raise InputTooLargeError(
            f"{rows} listings in one request; the limit is {max_listings}. Split the request",
            [FieldError("inputs", f"has {rows} rows; the limit is {max_listings}")])
    items = []
    for i in range(rows):
        item: dict[str, Any] = {name: values[name][i] or None for name in TEXT_INPUTS
                                if name in values}
        item["title"] = values["title"][i]
        price = values.get("price", [None] * rows)[i]
        item["price"] = None if price is None or math.isnan(price) else price
        items.append(item)
    try:
        schemas._check_unicode(items)
        return parse_listings(items)
    except InputTooLargeError:
        raise
    except InvalidInputError as exc:
        raise BadRequestError(str(exc), exc.errors) from None


# -- answers ----------------------------------------------------------------------------------

class ResponseOutput(BaseModel):
    name: Literal["label", "probabilities", "decision"]
    datatype: Literal["BYTES", "FP32"]
    shape: list[int]
    parameters: dict[str, Parameter] | None = Field(
        default=None, description="`labels` (probabilities: the label of each column); "
                                  "`binary_data_size` for binary data")
    data: list[str] | list[float] | None = Field(
        default=None, description="row-major values (left out for binary data)")


class InferenceResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "model_name": MODEL_NAME, "model_version": "minilm-3f2a9c1e", "id": "42",
        "outputs": [
            {"name": "label", "datatype": "BYTES", "shape": [1], "data": ["infringing"]},
            {"name": "probabilities", "datatype": "FP32", "shape": [1, 4],
             "parameters": LABELS_PARAMETER, "data": [0.96, 0.01, 0.02, 0.01]},
            {"name": "decision", "datatype": "BYTES", "shape": [1], "data": ["remove"]}]}]})

    model_name: str
    model_version: str
    id: str = Field(description="the request's `id`, else its X-Request-ID")
    outputs: list[ResponseOutput]


def output_tensors(predictions: Sequence[dict[str, Any]]
                   ) -> dict[str, tuple[str, list[int], list[Any]]]:
    """name -> (datatype, shape, row-major values) of each output."""
    rows = len(predictions)
    return {
        "label": ("BYTES", [rows], [p["label"] for p in predictions]),
        "probabilities": ("FP32", [rows, len(LABEL_NAMES)],
                          [p["probabilities"][label] for p in predictions
                           for label in LABEL_NAMES]),
        "decision": ("BYTES", [rows], [p["decision"] for p in predictions]),
    }


def _binary(datatype: str, values: list[Any]) -> bytes:
    if datatype == "BYTES":
        encoded = [str(v).encode("utf-8") for v in values]
        return b"".join(struct.pack("<I", len(e)) + e for e in encoded)
    return np.asarray(values, dtype="<f4").tobytes()


def infer_response(state: ServerState, request: InferenceRequest, request_id: str,
                   predictions: Sequence[dict[str, Any]]) -> Response:
    """The protocol's answer: JSON, or JSON then binary data for the outputs asked so."""
    tensors = output_tensors(predictions)
    default_binary = bool(request.parameters and request.parameters.binary_data_output)
    asked = request.outputs or [RequestedOutput.model_validate({"name": name})
                                for name in OUTPUT_NAMES]
    outputs: list[dict[str, Any]] = []
    binary_parts: list[bytes] = []
    for wanted in asked:
        datatype, shape, values = tensors[wanted.name]
        output: dict[str, Any] = {"name": wanted.name, "datatype": datatype, "shape": shape}
        parameters: dict[str, Any] = dict(LABELS_PARAMETER) if wanted.name == "probabilities" \
            else {}
        binary = wanted.parameters.binary_data if wanted.parameters is not None and \
            wanted.parameters.binary_data is not None else default_binary
        if binary:
            binary_parts.append(_binary(datatype, values))
            parameters["binary_data_size"] = len(binary_parts[-1])
        else:
            output["data"] = values
        if parameters:
            output["parameters"] = parameters
        outputs.append(output)
    # the version that predicted these rows (one per request, even across a hot swap)
    version = predictions[0]["model_version"] if predictions else state.classifier.model_version
    content = {"model_name": MODEL_NAME, "model_version": version,
               "id": request.id if request.id is not None else request_id, "outputs": outputs}
    if not binary_parts:
        return answer(state, content)
    with state.tracing.span("serialize"):
        header = json.dumps(content, ensure_ascii=False, allow_nan=False,
                            separators=(",", ":")).encode("utf-8")
        return Response(header + b"".join(binary_parts), media_type="application/octet-stream",
                        headers={"Inference-Header-Content-Length": str(len(header))})


# -- metadata ---------------------------------------------------------------------------------

class MetadataTensor(BaseModel):
    name: str
    datatype: str
    shape: list[int] = Field(description="-1: one row per listing")
    parameters: dict[str, Parameter] | None = None


class ModelMetadata(BaseModel):
    name: str
    versions: list[str]
    platform: str
    inputs: list[MetadataTensor]
    outputs: list[MetadataTensor]


class ServerMetadata(BaseModel):
    name: str
    version: str
    extensions: list[str]


class ServerLive(BaseModel):
    live: bool


class ServerReady(BaseModel):
    ready: bool


class ModelReady(BaseModel):
    name: str
    ready: bool


def model_metadata(state: ServerState) -> dict[str, Any]:
    """Tensor metadata of the served model (``GET /v2/models/nlp-ip``)."""
    inputs = [{"name": name, "datatype": "BYTES", "shape": [-1]} for name in TEXT_INPUTS]
    inputs.insert(4, {"name": "price", "datatype": "FP32", "shape": [-1]})
    return {"name": MODEL_NAME, "versions": [state.classifier.model_version],
            "platform": f"nlp-ip_{state.classifier.backend_name}", "inputs": inputs,
            "outputs": [{"name": "label", "datatype": "BYTES", "shape": [-1]},
                        {"name": "probabilities", "datatype": "FP32",
                         "shape": [-1, len(LABEL_NAMES)], "parameters": LABELS_PARAMETER},
                        {"name": "decision", "datatype": "BYTES", "shape": [-1]}]}


# -- routes -----------------------------------------------------------------------------------

#: Health probes (no key).
health_router = APIRouter(route_class=V2Route, tags=["open inference protocol (v2)"])
#: Metadata (key with scope ``classify``).
router = APIRouter(route_class=V2Route, tags=["open inference protocol (v2)"])

#: The 422 that FastAPI documents for every route with a path parameter, in this protocol's body.
_PATH_422 = {422: "a path parameter FastAPI could not read (never for the model's name, which "
                  "is any text: a bad request body is answered 400)"}

ModelName = Annotated[str, Path(description=f"the served model's name: `{MODEL_NAME}`",
                                json_schema_extra={"enum": [MODEL_NAME]})]


async def served_model(name: ModelName) -> str:
    """The model named in the path; any other name is answered 404."""
    if name != MODEL_NAME:
        raise HTTPException(404, f"no model named {name!r} is served here; this server "
                                 f"serves '{MODEL_NAME}'")
    return name


@health_router.get("/v2/health/live", response_model=ServerLive,
                   summary="The server is alive (no key needed)")
async def live() -> Response:
    return JSONResponse({"live": True})


@health_router.get("/v2/health/ready", response_model=ServerReady,
                   summary="The model is loaded and warm (no key needed)",
                   responses=error_responses(V2Error, 503))
async def ready(state: Annotated[ServerState, Depends(ready_state)]) -> Response:
    return JSONResponse({"ready": True})


@router.get("/v2", response_model=ServerMetadata, summary="Server metadata",
            responses=error_responses(V2Error, 401, 403))
async def server_metadata() -> Response:
    return JSONResponse({"name": "nlp-ip", "version": __version__,
                         "extensions": ["binary_tensor_data"]})


@router.get("/v2/models/{name}", response_model=ModelMetadata,
            summary="The model's inputs and outputs",
            responses=error_responses(V2Error, 401, 403, 404, 422, 503, descriptions=_PATH_422))
async def metadata(name: Annotated[str, Depends(served_model)],
                   state: Annotated[ServerState, Depends(ready_state)]) -> Response:
    return JSONResponse(model_metadata(state))


@router.get("/v2/models/{name}/ready", response_model=ModelReady,
            summary="The model is ready for inference",
            responses=error_responses(V2Error, 401, 403, 404, 422, 503, descriptions=_PATH_422))
async def model_ready(name: Annotated[str, Depends(served_model)],
                      state: Annotated[ServerState, Depends(ready_state)]) -> Response:
    return JSONResponse({"name": name, "ready": True})


async def infer(request: Request, name: Annotated[str, Depends(served_model)],
                call: Annotated[AdmittedBody, Depends(admitted_body)]) -> Response:
    state = call.state
    inference, values = decode_request(call.body, request.headers.get(HEADER_LENGTH))
    listings = listings_from(values, state.settings.max_listings)
    predictions = await batched_predictions(request, state, listings)
    if predictions is None:
        return client_gone_response()
    return infer_response(state, inference, request_id_of(request.scope) or "", predictions)


_EXAMPLE = {"id": "42", "inputs": [
    {"name": "title", "shape": [3], "datatype": "BYTES",
     "data": [x["title"] for x in schemas.LISTING_EXAMPLES]},
    {"name": "price", "shape": [3], "datatype": "FP32", "data": [25, 39.9, None]},
    {"name": "currency", "shape": [3], "datatype": "BYTES", "data": ["USD", "EUR", ""]}]}


def infer_router(settings: ServeSettings) -> APIRouter:
    """The router of ``POST /v2/models/{name}/infer``: its documentation states the server's
    limits, so each app gets its own."""
    api = APIRouter(route_class=V2Route)
    api.add_api_route(
        INFER_PATH, infer, methods=["POST"], tags=["open inference protocol (v2)"],
        response_model=None, summary="Classify listings (Open Inference Protocol)",
        description=f"One tensor of shape [N] per listing field (`title` required; "
                    f"`description`, `brand`, `currency` as BYTES, `price` as FP32 or FP64), "
                    f"N at most {settings.max_listings} and {settings.max_body_bytes:,} bytes "
                    "per request. Outputs: `label`, `decision` (BYTES [N]) and "
                    "`probabilities` (FP32 [N, 4], columns in the order of its `labels` "
                    "parameter). The binary tensor data extension is supported: with an "
                    "`Inference-Header-Content-Length` header, the body is that many bytes of "
                    "JSON followed by the inputs' binary data; outputs come back the same way "
                    "when asked (`binary_data_output`, or `binary_data` per output). Batched "
                    "on the server with the requests of every other route.",
        responses={200: {"model": InferenceResponse, "description": "one row per listing",
                         "content": {"application/octet-stream": {
                             "schema": {"type": "string", "format": "binary"}}}},
                   **error_responses(V2Error, 400, 401, 403, 404, 413, 422, 429, 503,
                                     descriptions=_PATH_422)},
        openapi_extra={"requestBody": json_request_body(
            InferenceRequest, INFER_PATH, "post", {"three listings": {"value": _EXAMPLE}})})
    return api

