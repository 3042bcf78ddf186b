"""The one place that maps the error hierarchy to HTTP status codes, and back.

=========================  ======  ===================
exception                  status  ``error.code``
=========================  ======  ===================
InputTooLargeError         413     ``input_too_large``
BadRequestError            400     ``bad_request`` (the ``/v2`` protocol's invalid input)
InvalidInputError          422     ``invalid_input``
OverloadedError            429     ``overloaded`` (+ ``Retry-After``)
NotReadyError              503     ``not_ready`` (+ ``Retry-After``)
RequestTimeoutError        503     ``timeout``
AuthenticationError        401     ``unauthenticated``
PermissionDeniedError      403     ``forbidden``
ModelLoadError             409     ``model_not_loaded`` (a reload failed; the old model serves)
RegistryError              409     ``registry_error`` (the registry has no production version)
anything else              500     ``internal_error``
=========================  ======  ===================

Every error body has the same shape::

    {"error": {"code": "...", "message": "...", "details": [{"field", "message", "index"}]},
     "request_id": "..."}

401 and 403 bodies carry a fixed message: they never say whether a key exists,
whose it is, or what was sent. 500 bodies never carry the exception text
(paths, internals); it is logged with the request id instead.

This module has no web-framework imports, so :mod:`nlp_ip.client` uses the
same table to turn responses back into exceptions.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from nlp_ip.errors import (
    AuthenticationError,
    BadRequestError,
    FieldError,
    InputTooLargeError,
    InvalidInputError,
    ModelLoadError,
    NlpIpError,
    NotReadyError,
    OverloadedError,
    PermissionDeniedError,
    RegistryError,
    RequestTimeoutError,
)

#: (exception class, HTTP status, error code); subclasses before their bases.
ERROR_TABLE: tuple[tuple[type[BaseException], int, str], ...] = (
    (InputTooLargeError, 413, "input_too_large"),
    (BadRequestError, 400, "bad_request"),
    (InvalidInputError, 422, "invalid_input"),
    (OverloadedError, 429, "overloaded"),
    (NotReadyError, 503, "not_ready"),
    (RequestTimeoutError, 503, "timeout"),
    (AuthenticationError, 401, "unauthenticated"),
    (PermissionDeniedError, 403, "forbidden"),
    (ModelLoadError, 409, "model_not_loaded"),
    (RegistryError, 409, "registry_error"),
)

#: Messages that replace the exception text, so these answers leak nothing.
FIXED_MESSAGES: dict[str, str] = {
    "unauthenticated": "missing or invalid API key; send 'Authorization: Bearer <key>'",
    "forbidden": "this API key is not allowed to use this endpoint",
    "internal_error": "internal server error; the server log has the details under this "
                      "request id",
}

#: Codes for HTTP errors raised by routing itself (unknown path, wrong method, ...).
HTTP_STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "input_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
}

#: Retry hint for 503 not-ready answers (model still loading, or shutting down).
NOT_READY_RETRY_AFTER_S = 2


def status_for(exc: BaseException) -> tuple[int, str]:
    """HTTP status and error code for an exception."""
    for cls, status, code in ERROR_TABLE:
        if isinstance(exc, cls):
            return status, code
    return 500, "internal_error"


def _details(exc: BaseException) -> list[dict[str, Any]]:
    if not isinstance(exc, InvalidInputError):
        return []
    return [{"field": e.field, "message": e.message, "index": e.index} for e in exc.errors]


def error_payload(status: int, code: str, message: str, request_id: str | None,
                  details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The JSON body of an error answer."""
    return {"error": {"code": code, "message": FIXED_MESSAGES.get(code, message),
                      "details": details or []},
            "request_id": request_id}


def error_response(exc: BaseException, request_id: str | None
                   ) -> tuple[int, dict[str, str], dict[str, Any]]:
    """(status, headers, body) for an exception raised while answering a request."""
    status, code = status_for(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, OverloadedError):
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    elif isinstance(exc, NotReadyError):
        headers["Retry-After"] = str(NOT_READY_RETRY_AFTER_S)
    elif status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="nlp-ip"'
    return status, headers, error_payload(status, code, str(exc), request_id, _details(exc))


# -- client side: answers back into exceptions ---------------------------------------------


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        seconds = when - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def error_from_response(status: int, body: Any, headers: Mapping[str, str]) -> NlpIpError:
    """The library exception for an error answer of the API (the inverse of the table)."""
    error = body.get("error") if isinstance(body, dict) else None
    code = str(error.get("code", "")) if isinstance(error, dict) else ""
    message = str(error.get("message", "")) if isinstance(error, dict) else ""
    request_id = body.get("request_id") if isinstance(body, dict) else None
    suffix = f" (HTTP {status}, request id {request_id})" if request_id else f" (HTTP {status})"
    text = (message or f"the server answered HTTP {status}") + suffix
    if code in ("input_too_large", "invalid_input") or status in (413, 422):
        raw = error.get("details", []) if isinstance(error, dict) else []
        fields = [FieldError(field=str(d.get("field", "")), message=str(d.get("message", "")),
                             index=d.get("index")) for d in raw if isinstance(d, dict)]
        cls = InputTooLargeError if (code == "input_too_large" or status == 413) else \
            InvalidInputError
        return cls(text, fields)
    if status == 429 or code == "overloaded":
        retry = parse_retry_after(headers.get("retry-after"))
        return OverloadedError(text, retry_after=1.0 if retry is None else retry)
    if status == 503:
        return RequestTimeoutError(text) if code == "timeout" else NotReadyError(text)
    if status == 401:
        return AuthenticationError(text)
    if status == 403:
        return PermissionDeniedError(text)
    return NlpIpError(text)
