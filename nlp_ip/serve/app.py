"""The FastAPI app: routes, lifecycle, and wiring of batcher, keys and metrics.

The state the app owns (model, batcher, keys, metrics) is :class:`~nlp_ip.serve.state.ServerState`.

``create_app(settings, classifier=None)`` builds the app. Without a
classifier, the model named by ``settings.model`` is loaded in the background
after start-up, so ``/healthz`` answers at once and ``/readyz`` turns 200 when
the model is loaded and warm.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from nlp_ip.errors import (
    FieldError,
    InputTooLargeError,
    InvalidInputError,
    NlpIpError,
    NotReadyError,
    RequestTimeoutError,
    require,
)

require("fastapi", extra="serve", feature="nlp-ip serve")

from fastapi import FastAPI, Query, Request  # noqa: E402
from fastapi.exceptions import RequestValidationError  # noqa: E402
from fastapi.openapi.utils import get_openapi  # noqa: E402
from starlette.exceptions import HTTPException as StarletteHTTPException  # noqa: E402
from starlette.responses import Response  # noqa: E402

from nlp_ip.labels import LABEL_NAMES  # noqa: E402
from nlp_ip.serve import schemas  # noqa: E402
from nlp_ip.serve.errors import HTTP_STATUS_CODES, error_payload, error_response  # noqa: E402
from nlp_ip.serve.middleware import (  # noqa: E402
    AuthMiddleware,
    RequestContextMiddleware,
    request_id_of,
)
from nlp_ip.serve.settings import ServeSettings  # noqa: E402
from nlp_ip.serve.state import ServerState  # noqa: E402

logger = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({"/healthz", "/readyz"})
DOC_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/openapi.json"})
KNOWN_PATHS = frozenset({"/v1/classify", "/v1/model", "/healthz", "/readyz", "/metrics"}
                        | DOC_PATHS)

def _scope_of(path: str) -> str:
    return "metrics" if path == "/metrics" else "classify"


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode("utf-8")
    return Response(body, status_code=status, headers=headers, media_type="application/json")


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


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes.

    Checks ``Content-Length`` first, then counts while reading, so chunked
    bodies without a length are stopped too; nothing is parsed before.
    """
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise InputTooLargeError(
            f"the body is {int(declared):,} bytes; the limit is {limit:,}. Send fewer "
            "listings per request", [FieldError("body", f"is over {limit:,} bytes")])
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise InputTooLargeError(
                f"the body is over {limit:,} bytes; send fewer listings per request",
                [FieldError("body", f"is over {limit:,} bytes")])
        chunks.append(chunk)
    return b"".join(chunks)


async def _client_gone(receive: Callable[[], Any]) -> None:
    """Returns when the client disconnects (after the body has been read)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


def _error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    text = {401: "missing or invalid API key", 403: "the key lacks this endpoint's scope",
            413: "body or listing count over the limit", 422: "invalid input, per field",
            429: "queue full; retry after Retry-After seconds",
            503: "not ready, shutting down, or the request timed out"}
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {"model": schemas.ErrorBody, "description": text[status]}
        if status in (429, 503):
            entry["headers"] = {"Retry-After": {"description": "seconds to wait",
                                                "schema": {"type": "string"}}}
        out[status] = entry
    return out


def create_app(settings: ServeSettings, classifier: Any | None = None) -> FastAPI:
    """Build the HTTP app.

    ``classifier``: anything with ``predict(listings) -> list[Prediction]``, ``meta``
    (a :class:`~nlp_ip.artifact.ModelMeta`) and ``backend_name``; by default the
    model folder ``settings.model`` is loaded in the background.
    """
    from nlp_ip import __version__

    state = ServerState(settings, classifier)
    request_model = schemas.classify_request_model(settings.max_listings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await state.start()
        try:
            yield
        finally:
            await state.stop()

    app = FastAPI(
        title="nlp-ip",
        version=__version__,
        summary="Classify marketplace listings: " + ", ".join(LABEL_NAMES) + ".",
        description="Send listings, get one prediction per listing, in order. Every route but "
                    "`/healthz` and `/readyz` needs `Authorization: Bearer <key>` "
                    "(keys come from `nlp-ip keys add`). Guide: docs/serving.md.",
        lifespan=lifespan, docs_url="/docs", redoc_url=None, openapi_url="/openapi.json")
    app.state.nlp = state

    # -- errors: one mapping (nlp_ip.serve.errors) -----------------------------------------
    @app.exception_handler(NlpIpError)
    async def _library_error(request: Request, exc: NlpIpError) -> Response:
        status, headers, body = error_response(exc, request_id_of(request.scope))
        if status >= 500:
            if isinstance(exc, (NotReadyError, RequestTimeoutError)):
                state.metrics.rejections.labels(body["error"]["code"]).inc()
            else:
                logger.error("request %s failed: %s", body["request_id"], exc)
        else:
            state.metrics.rejections.labels(body["error"]["code"]).inc()
        return _json(body, status, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        fields = [FieldError(".".join(str(p) for p in e.get("loc", ())[1:]) or "request",
                             str(e.get("msg", "invalid"))) for e in exc.errors()]
        return await _library_error(request, InvalidInputError(
            "; ".join(str(f) for f in fields), fields))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = HTTP_STATUS_CODES.get(exc.status_code, "http_error")
        body = error_payload(exc.status_code, code, str(exc.detail),
                             request_id_of(request.scope))
        return _json(body, exc.status_code, dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        rid = request_id_of(request.scope)
        logger.exception("request %s failed", rid)
        status, headers, body = error_response(exc, rid)
        return _json(body, status, headers)

    # -- routes ----------------------------------------------------------------------------
    @app.post(
        "/v1/classify", tags=["classify"], response_model=None,
        summary="Classify listings",
        description=f"One prediction per listing, in request order, each with the listing's "
                    f"`id`. At most {settings.max_listings} listings and "
                    f"{settings.max_body_bytes:,} bytes per request. Requests from many "
                    "clients are batched together on the server.",
        responses={200: {"model": schemas.ClassifyResponse, "description": "predictions"},
                   **_error_responses(401, 403, 413, 422, 429, 503)},
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/ClassifyRequest"},
            "examples": {"three listings": {
                "value": {"listings": schemas.LISTING_EXAMPLES}}}}}}})
    async def classify(
        request: Request,
        explain: bool = Query(False, description="add rule-based `signals` to each prediction"),
    ) -> Response:
        state.require_ready()
        started = request.scope.get("state", {}).get("started", time.perf_counter())
        deadline = started + settings.request_timeout_s
        state.batcher.check_capacity(1)  # overloaded: refuse before reading and parsing
        body = await _read_body(request, settings.max_body_bytes)
        listings = request_model.from_json(body).listings
        job = state.batcher.submit(listings)
        signals_future = asyncio.ensure_future(state.explain(listings)) if explain else None
        watcher = asyncio.ensure_future(_client_gone(request.receive))
        rid = request_id_of(request.scope)
        try:
            remaining = max(0.0, deadline - time.perf_counter())
            waiters: set[asyncio.Future[Any]] = {job.future, watcher}
            done, _ = await asyncio.wait(waiters, timeout=remaining,
                                         return_when=asyncio.FIRST_COMPLETED)
            if job.future not in done:
                state.batcher.cancel(job)
                if watcher in done:
                    state.metrics.rejections.labels("client_disconnected").inc()
                    request.scope["state"]["status_override"] = 499
                    logger.debug("request %s dropped: the client went away", rid)
                    return Response(status_code=499)
                raise RequestTimeoutError(
                    f"no answer within {settings.request_timeout_s:g} s; the server is busy, "
                    "retry later or send fewer listings")
            try:
                predictions = job.future.result()
                if signals_future is not None:
                    remaining = max(0.0, deadline - time.perf_counter())
                    signals = await asyncio.wait_for(signals_future, remaining)
                    for prediction, signal in zip(predictions, signals, strict=True):
                        prediction["signals"] = signal
            except asyncio.TimeoutError:
                raise RequestTimeoutError(
                    f"the signals were not ready within {settings.request_timeout_s:g} s; "
                    "retry without explain=true or with fewer listings") from None
            except NlpIpError:
                raise
            except Exception as exc:
                if signals_future is not None and signals_future.done() \
                        and signals_future.exception() is exc:
                    logger.error("request %s: signal extraction failed", rid, exc_info=exc)
                # else the batcher has logged the engine failure with its traceback
                status, headers, error_body = error_response(exc, rid)
                return _json(error_body, status, headers)
        finally:
            watcher.cancel()
            if signals_future is not None and not signals_future.done():
                signals_future.cancel()
        state.metrics.listings.inc(len(listings))
        return _json({"predictions": predictions,
                      "model_version": state.classifier.meta.model_version,
                      "request_id": request_id_of(request.scope)})

    @app.get("/v1/model", tags=["model"], response_model=schemas.ModelInfo,
             summary="The model being served",
             responses=_error_responses(401, 403, 503))
    async def model_info() -> Response:
        state.require_ready()
        meta = state.classifier.meta
        return _json({
            "labels": list(meta.labels), "model_version": meta.model_version,
            "kind": meta.kind, "backend": state.classifier.backend_name,
            "max_length": meta.text.max_length, "temperature": meta.temperature,
            "blend": meta.blend.model_dump(mode="json") if meta.blend is not None else None,
            "thresholds": meta.policy.model_dump(mode="json"),
            "metrics": _metrics_summary(meta.metrics),
            "int8": state.classifier.int8_kernel,
            "limits": {"max_listings": settings.max_listings,
                       "max_body_bytes": settings.max_body_bytes,
                       "request_timeout_s": settings.request_timeout_s},
            "batching": {"max_batch_tokens": settings.max_batch_tokens,
                         "max_batch_rows": settings.max_batch_rows,
                         "max_wait_ms": settings.max_wait_ms,
                         "max_queue_rows": settings.max_queue_rows,
                         "max_queue_delay_s": settings.max_queue_delay_s,
                         "workers": state.workers,
                         "engine_concurrency": state.engine_concurrency}})

    @app.get("/healthz", tags=["ops"], response_model=schemas.Health,
             summary="The process is alive (no key needed)")
    async def healthz() -> Response:
        return _json({"status": "ok"})

    @app.get("/readyz", tags=["ops"], response_model=schemas.Ready,
             summary="The model is loaded and warm (no key needed)",
             responses=_error_responses(503))
    async def readyz() -> Response:
        state.require_ready()
        return _json({"status": "ready", "model_version": state.classifier.meta.model_version,
                      "backend": state.classifier.backend_name})

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics (key with scope 'metrics')",
             response_class=Response,
             responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                              "description": "Prometheus text format"},
                        **_error_responses(401, 403)})
    async def metrics() -> Response:
        body, content_type = state.metrics.render()
        return Response(body, media_type=content_type)

    # -- OpenAPI: document the body the endpoint parses itself, and bearer auth -------------
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, summary=app.summary,
                             description=app.description, routes=app.routes)
        components = schema.setdefault("components", {})
        defs = components.setdefault("schemas", {})
        request_schema = request_model.model_json_schema(
            ref_template="#/components/schemas/{model}")
        defs.update(request_schema.pop("$defs", {}))
        defs["ClassifyRequest"] = request_schema
        components["securitySchemes"] = {"bearerAuth": {
            "type": "http", "scheme": "bearer",
            "description": "a key from `nlp-ip keys add NAME`"}}
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                if path not in PUBLIC_PATHS and settings.auth:
                    operation["security"] = [{"bearerAuth": []}]
                # FastAPI documents its own 422 shape; ours is ErrorBody.
                if "422" in operation.get("responses", {}) and path != "/v1/classify":
                    operation["responses"]["422"]["content"] = {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ErrorBody"}}}
        for name in ("HTTPValidationError", "ValidationError"):
            if not any(name in json.dumps(v) for k, v in schema["paths"].items()):
                defs.pop(name, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

    # -- middleware (the last added runs first) ---------------------------------------------
    if state.keystore is not None:
        public = PUBLIC_PATHS | (DOC_PATHS if settings.public_docs else frozenset())
        app.add_middleware(AuthMiddleware, keystore=state.keystore,  # type: ignore[arg-type]
                           public_paths=public, scope_of=_scope_of, metrics=state.metrics)
    if settings.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware,  # type: ignore[arg-type]
                           allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
                           expose_headers=["X-Request-ID", "Retry-After"], max_age=600)
    app.add_middleware(RequestContextMiddleware, metrics=state.metrics,  # type: ignore[arg-type]
                       known_paths=KNOWN_PATHS)
    return app
