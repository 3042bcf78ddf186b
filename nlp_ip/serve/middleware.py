"""Plain ASGI middleware: request ids and metrics, around everything else.

Pure ASGI rather than ``BaseHTTPMiddleware``: no extra task per request, and
the request's ``receive`` channel reaches the endpoint untouched (it watches it
for client disconnects).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id_of(scope: Scope) -> str | None:
    """The id :class:`RequestContextMiddleware` gave the request (``None`` outside it)."""
    state = scope.get("state")
    return state.get("request_id") if isinstance(state, dict) else None


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
            # the route's template (/v2/models/{name}/infer), else the path; unknown: "other"
            path = getattr(scope.get("route"), "path", None) or scope.get("path", "")
            route = path if path in self.known_paths else "other"
            status = str(state.get("status_override", status_holder[0]))
            self.metrics.requests.labels(route, scope.get("method", ""), status).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)
