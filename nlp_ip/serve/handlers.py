"""The app's exception handlers: every error answer of the HTTP API is made here.

The status code, error code and body shape come from the one table in
:mod:`nlp_ip.serve.errors`; this module applies it to what routes, dependencies and FastAPI
raise, counts refusals in the metrics and logs server errors with the request id. Routes of
another inference protocol (``/v2``, TEI) give the body that protocol's shape
(:func:`~nlp_ip.serve.protocols.error_body_for`).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import URL
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from nlp_ip.errors import (
    FieldError,
    InvalidInputError,
    NlpIpError,
    NotReadyError,
    RequestTimeoutError,
)
from nlp_ip.serve.dependencies import bearer, server_state, verify_key
from nlp_ip.serve.errors import HTTP_STATUS_CODES, error_payload, error_response
from nlp_ip.serve.middleware import request_id_of
from nlp_ip.serve.protocols import error_body_for

logger = logging.getLogger(__name__)

#: Routing answers (no route took the request) that need a key like the routes do.
_ROUTING_ERRORS = frozenset({404, 405})


async def library_error(request: Request, exc: NlpIpError) -> Response:
    """The answer for an error of the project's hierarchy."""
    status, headers, body = error_response(exc, request_id_of(request.scope))
    if status < 500 or isinstance(exc, (NotReadyError, RequestTimeoutError)):
        (await server_state(request)).metrics.rejections.labels(body["error"]["code"]).inc()
    else:
        logger.error("request %s failed: %s", body["request_id"], exc)
    return JSONResponse(error_body_for(request.scope, body), status, headers)


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    """FastAPI's parameter errors (``?explain=maybe``) in the project's error shape."""
    fields = [FieldError(".".join(str(p) for p in e.get("loc", ())[1:]) or "request",
                         str(e.get("msg", "invalid"))) for e in exc.errors()]
    return await library_error(request, InvalidInputError(
        "; ".join(str(f) for f in fields), fields))


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """HTTP errors of routing (unknown path, wrong method).

    With API keys on, a request that no route took must still carry a valid key (of the
    scope of the path it asked for, as routes require), so the answer never tells a
    client without a key which paths exist. Only then is a path that differs from a route
    by a trailing slash redirected to it, as Starlette's ``redirect_slashes`` would (the
    app turns that off because it redirects before any dependency runs).
    """
    state = await server_state(request)
    path = request.scope["path"]
    if exc.status_code in _ROUTING_ERRORS:
        scope = state.key_scopes.get(path, "classify")
        if state.keystore is not None and scope is not None:
            try:
                await verify_key(state.keystore, await bearer(request), scope)
            except NlpIpError as auth_error:
                return await library_error(request, auth_error)
        twin = path.rstrip("/") if path.endswith("/") else path + "/"
        if exc.status_code == 404 and path != "/" and twin in state.key_scopes:
            return RedirectResponse(str(URL(scope={**request.scope, "path": twin})))
    code = HTTP_STATUS_CODES.get(exc.status_code, "http_error")
    body = error_payload(exc.status_code, code, str(exc.detail), request_id_of(request.scope))
    return JSONResponse(error_body_for(request.scope, body), exc.status_code,
                        dict(exc.headers or {}))


async def unexpected_error(request: Request, exc: Exception) -> Response:
    """Anything else: 500 with the request id, the details only in the log."""
    request_id = request_id_of(request.scope)
    logger.exception("request %s failed", request_id)
    status, headers, body = error_response(exc, request_id)
    return JSONResponse(error_body_for(request.scope, body), status, headers)


def add_error_handlers(app: FastAPI) -> None:
    """Register the handlers above on ``app``."""
    app.add_exception_handler(NlpIpError, library_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, unexpected_error)
