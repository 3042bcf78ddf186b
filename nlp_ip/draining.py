"""Graceful shutdown that does not cut off kept-alive clients, for both servers (``nlp-ip
serve``, ``nlp-ip review serve``).

On SIGTERM uvicorn stops accepting connections and at once closes every *idle* kept-alive
connection. A client that sends its next request on such a connection at that moment gets
the connection closed under it with no answer ("server disconnected"): HTTP/1.1's
keep-alive race. It cannot be removed, only made unlikely. With a drain of ``drain_s``
seconds the shutdown goes in this order instead:

1. the listening sockets close: a new connection is refused, which a client sees as
   such (a connect error) and may retry elsewhere; ``/readyz`` says not ready on the
   connections still open;
2. every connection still open gets its next answer with ``Connection: close`` and is
   closed after it, so an active client leaves cleanly after an answer, never in the
   middle of a request;
3. when every connection has closed, or ``drain_s`` has passed, uvicorn's own graceful
   shutdown runs: it closes what is still idle (a client idle for the whole drain) and
   waits for requests in flight.

A second SIGINT/SIGTERM during the drain ends it at once (uvicorn's force exit).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

#: Default drain period in seconds (``--drain-s``).
DEFAULT_DRAIN_S = 2.0


class DrainMiddleware:
    """ASGI middleware: while :attr:`draining`, every HTTP answer says ``Connection: close``."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.draining = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.draining:
            await self.app(scope, receive, send)
            return

        async def send_closing(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, send_closing)


def draining_server(uvicorn: Any, config: Any, middleware: DrainMiddleware, drain_s: float,
                    on_drain: Callable[[], None] | None = None) -> Any:
    """A ``uvicorn.Server`` for ``config`` (whose app is wrapped in ``middleware``) that
    drains for up to ``drain_s`` seconds before its graceful shutdown (see the module);
    ``on_drain`` runs when the drain starts (e.g. to report not ready)."""

    class DrainingServer(uvicorn.Server):  # type: ignore[misc, name-defined]
        async def shutdown(self, sockets: Any = None) -> None:
            if drain_s > 0 and not self.force_exit:
                middleware.draining = True
                if on_drain is not None:
                    on_drain()
                for server in self.servers:  # stop accepting (uvicorn's close repeats it)
                    server.close()
                for sock in sockets or []:
                    sock.close()
                logger.info("draining (up to %.1f s): new connections are refused, each open "
                            "one closes after its next answer", drain_s)
                deadline = time.monotonic() + drain_s
                while (self.server_state.connections and time.monotonic() < deadline
                       and not self.force_exit):
                    await asyncio.sleep(0.02)
            await super().shutdown(sockets)

    return DrainingServer(config)
