"""Plain ASGI middleware: request ids and metrics (outermost), then API-key checks.

Pure ASGI rather than ``BaseHTTPMiddleware``: no extra task per request, and
the request's ``receive`` channel reaches the endpoint untouched (it watches it
for client disconnects).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from nlp_ip.errors import AuthenticationError, NlpIpError, PermissionDeniedError
from nlp_ip.serve.errors import error_response

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id_of(scope: Scope) -> str | None:
    state = scope.get("state")
    return state.get("request_id") if isinstance(state, dict) else None


async def send_error(send: Send, exc: BaseException, request_id: str | None) -> int:
    """Answer with the mapped error body; returns the status."""
    status, headers, body = error_response(exc, request_id)
    payload = json.dumps(body).encode("utf-8")
    raw = [(b"content-type", b"application/json"),
           (b"content-length", str(len(payload)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})
    return status


class RequestContextMiddleware:
    """Gives every request an id (``X-Request-ID``) and records its status and latency."""

    def __init__(self, app: ASGIApp, metrics: Any, known_paths: frozenset[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.known_paths = known_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = None
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                candidate = value.decode("latin-1")
                if _CLIENT_REQUEST_ID.match(candidate):
                    request_id = candidate
                break
        request_id = request_id or uuid.uuid4().hex[:16]
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["started"] = started
        status_holder = [500]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                headers = list(message.get("headers", ()))
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path = scope.get("path", "")
            route = path if path in self.known_paths else "other"
            status = str(state.get("status_override", status_holder[0]))
            self.metrics.requests.labels(route, scope.get("method", ""), status).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)


class AuthMiddleware:
    """``Authorization: Bearer KEY`` on every path but the public ones.

    Keys already verified are found without hashing; others are hashed on a
    worker thread so scrypt never blocks the event loop. Nothing from the
    header is ever logged.
    """

    def __init__(self, app: ASGIApp, keystore: Any, public_paths: frozenset[str],
                 scope_of: Callable[[str], str], metrics: Any) -> None:
        self.app = app
        self.keystore = keystore
        self.public_paths = public_paths
        self.scope_of = scope_of
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.public_paths:
            await self.app(scope, receive, send)
            return
        token = None
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                scheme, _, credentials = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and credentials.strip():
                    token = credentials.strip()
                break
        try:
            if token is None:
                raise AuthenticationError("missing or invalid API key")
            record = self.keystore.lookup_cached(token)
            if record is None:
                import anyio.to_thread

                record = await anyio.to_thread.run_sync(self.keystore.verify, token)
            self.keystore.authorize(record, self.scope_of(scope["path"]))
        except (AuthenticationError, PermissionDeniedError) as exc:
            reason = "unauthenticated" if isinstance(exc, AuthenticationError) else "forbidden"
            self.metrics.rejections.labels(reason).inc()
            await send_error(send, exc, request_id_of(scope))
            return
        except NlpIpError as exc:  # pragma: no cover - keys file trouble
            logger.error("API key check failed: %s", exc)
            await send_error(send, exc, request_id_of(scope))
            return
        scope.setdefault("state", {})["api_key_name"] = record.name
        await self.app(scope, receive, send)
