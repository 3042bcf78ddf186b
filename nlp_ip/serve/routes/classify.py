"""The API routes: ``POST /v1/classify`` and ``GET /v1/model`` (keys with scope ``classify``).

Route functions carry no docstrings: FastAPI would publish them as the operations'
descriptions in the OpenAPI document.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from starlette.responses import JSONResponse, Response

from nlp_ip.errors import NlpIpError, RequestTimeoutError
from nlp_ip.serve import schemas
from nlp_ip.serve.batching import Job, MicroBatcher
from nlp_ip.serve.dependencies import ClassifyInput, admitted_listings, ready_state
from nlp_ip.serve.errors import error_response
from nlp_ip.serve.middleware import request_id_of
from nlp_ip.serve.schemas import classify_request_model
from nlp_ip.serve.settings import ServeSettings
from nlp_ip.serve.state import ServerState

logger = logging.getLogger(__name__)

#: ``GET /v1/model``.
router = APIRouter()


def classify_router(settings: ServeSettings) -> APIRouter:
    """The router of ``POST /v1/classify`` for a server with ``settings``: its documentation
    states the server's limits, so each app gets its own."""
    api = APIRouter()
    api.add_api_route(
        "/v1/classify", classify, methods=["POST"], tags=["classify"], response_model=None,
        summary="Classify listings",
        description=f"One prediction per listing, in request order, each with the listing's "
                    f"`id`. At most {settings.max_listings} listings and "
                    f"{settings.max_body_bytes:,} bytes per request. Requests from many "
                    "clients are batched together on the server.",
        responses={200: {"model": schemas.ClassifyResponse, "description": "predictions"},
                   **schemas.error_responses(401, 403, 413, 422, 429, 503)},
        openapi_extra={"requestBody": json_request_body(
            classify_request_model(settings.max_listings), "/v1/classify", "post",
            {"three listings": {"value": {"listings": schemas.LISTING_EXAMPLES}}})})
    return api


def json_request_body(model: type[BaseModel], path: str, method: str,
                      examples: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI ``requestBody`` of a JSON body that a dependency reads and ``model``
    validates.

    FastAPI documents only the bodies it reads itself, and it reads those before any
    dependency runs, that is before the key, readiness, queue room and byte limit are
    checked; so the body is read by :func:`~nlp_ip.serve.dependencies.admitted_listings`
    and its schema is given here, inline. OpenAPI resolves a ``$ref`` from the document's
    root, so the references point at the definitions where they sit in this operation.
    """
    location = ("paths", path, method, "requestBody", "content", "application/json", "schema",
                "$defs")
    pointer = "/".join(part.replace("~", "~0").replace("/", "~1") for part in location)
    template = pointer.replace("{", "{{").replace("}", "}}")  # a path such as /v2/models/{name}
    schema = model.model_json_schema(ref_template=f"#/{template}/{{model}}")
    return {"required": True,
            "content": {"application/json": {"schema": schema, "examples": examples}}}


async def classify(
    request: Request, call: Annotated[ClassifyInput, Depends(admitted_listings)],
) -> Response:
    state, settings = call.state, call.state.settings
    started = request.scope.get("state", {}).get("started", time.perf_counter())
    deadline = started + settings.request_timeout_s
    rid = request_id_of(request.scope)
    # the engine's queue, and with explain=true the explainer's: both take the listings or
    # neither does
    queues = state.queues(call.explain)
    for queue in queues:
        queue.check_capacity(len(call.listings))
    jobs: list[tuple[MicroBatcher[Any, Any], Job[Any, Any]]] = []
    watcher = asyncio.ensure_future(_client_gone(request.receive))
    try:
        for queue in queues:
            jobs.append((queue, queue.submit(call.listings)))
        answers: asyncio.Future[list[Any]] = asyncio.gather(*(job.future for _, job in jobs))
        remaining = max(0.0, deadline - time.perf_counter())
        waiters: set[asyncio.Future[Any]] = {answers, watcher}
        done, _ = await asyncio.wait(waiters, timeout=remaining,
                                     return_when=asyncio.FIRST_COMPLETED)
        if answers not in done:
            if watcher in done:
                state.metrics.rejections.labels("client_disconnected").inc()
                request.scope["state"]["status_override"] = 499
                logger.debug("request %s dropped: the client went away", rid)
                return Response(status_code=499)
            raise RequestTimeoutError(
                f"no answer within {settings.request_timeout_s:g} s; the server is busy, "
                "retry later or send fewer listings"
                + (" (or leave out explain=true)" if call.explain else ""))
        try:
            predictions, *signals = answers.result()
        except NlpIpError:
            raise
        except Exception as exc:
            explain_job = jobs[-1][1] if call.explain else None
            if explain_job is not None and explain_job.future.done() \
                    and not explain_job.future.cancelled() \
                    and explain_job.future.exception() is exc:
                logger.error("request %s: signal extraction failed", rid, exc_info=exc)
            # else the batcher has logged the engine failure with its traceback
            status, headers, error_body = error_response(exc, rid)
            return JSONResponse(error_body, status, headers)
    finally:
        watcher.cancel()
        for queue, job in jobs:
            if not job.future.done():  # out of the queue, or its results are dropped
                queue.cancel(job)
    for explained in signals:
        for prediction, signal in zip(predictions, explained, strict=True):
            prediction["signals"] = signal
    state.metrics.listings.inc(len(call.listings))
    # the version that answered: every row of a request is predicted by one model, even
    # when a new version is swapped in while the request waits
    version = predictions[0]["model_version"] if predictions else state.classifier.model_version
    with state.tracing.span("serialize"):
        return JSONResponse({"predictions": predictions,
                             "model_version": version,
                             "request_id": rid})


@router.get("/v1/model", tags=["model"], response_model=schemas.ModelInfo,
            summary="The model being served",
            responses=schemas.error_responses(401, 403, 503))
async def model_info(state: Annotated[ServerState, Depends(ready_state)]) -> Response:
    settings = state.settings
    meta = state.classifier.meta
    return JSONResponse({
        "labels": list(meta.labels), "model_version": state.classifier.model_version,
        "kind": meta.kind, "backend": state.classifier.backend_name,
        "max_length": meta.text.max_length, "temperature": meta.temperature,
        "blend": meta.blend.model_dump(mode="json") if meta.blend is not None else None,
        "thresholds": meta.policy.model_dump(mode="json"),
        "metrics": _metrics_summary(meta.metrics),
        "int8": state.classifier.int8_kernel,
        "cascade": state.classifier.cascade,
        "limits": {"max_listings": settings.max_listings,
                   "max_explain_listings": settings.max_explain_listings,
                   "max_body_bytes": settings.max_body_bytes,
                   "request_timeout_s": settings.request_timeout_s},
        "batching": {"max_batch_tokens": settings.max_batch_tokens,
                     "max_batch_rows": settings.max_batch_rows,
                     "max_wait_ms": settings.max_wait_ms,
                     "max_queue_rows": settings.max_queue_rows,
                     "max_queue_delay_s": settings.max_queue_delay_s,
                     "workers": state.workers,
                     "engine_concurrency": state.engine_concurrency}})


async def _client_gone(receive: Callable[[], Any]) -> None:
    """Returns when the client disconnects (after the body has been read)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


def _metrics_summary(metrics: dict[str, Any]) -> dict[str, Any]:
    """Scalar headline numbers per split (macro_f1, accuracy, ece, n, ...)."""
    summary: dict[str, Any] = {}
    for split, values in metrics.items():
        if isinstance(values, dict):
            scalars = {k: v for k, v in values.items()
                       if isinstance(v, (int, float)) and not isinstance(v, bool)}
            if scalars:
                summary[split] = scalars
        elif isinstance(values, (int, float)) and not isinstance(values, bool):
            summary[split] = values
    return summary
