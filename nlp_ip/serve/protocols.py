"""What the inference protocols beside ``/v1`` share: the Open Inference Protocol (``/v2``,
:mod:`nlp_ip.serve.routes.v2`) and Hugging Face's TEI routes (:mod:`nlp_ip.serve.routes.tei`).

A protocol request is let in as ``/v1/classify`` is: the API key (the router's dependency),
then readiness and room in the queue, then the body, read within ``max_body_bytes``
(:func:`admitted_body`). Its listings go through the server's one micro-batcher
(:func:`batched_predictions`), so they share engine batches with ``/v1`` requests.

Errors keep the status code of the one table in :mod:`nlp_ip.serve.errors`; only the body
takes the protocol's shape, through the ``error_body`` of the protocol's route class
(:class:`ProtocolRoute`), which the app's exception handlers apply (:func:`error_body_for`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.responses import JSONResponse, Response

from nlp_ip.errors import FieldError, InvalidInputError, RequestTimeoutError
from nlp_ip.schema import Listing
from nlp_ip.serve import schemas
from nlp_ip.serve.dependencies import read_body, server_state
from nlp_ip.serve.state import ServerState

#: Descriptions of the statuses the protocol routes add to those of ``/v1``.
_EXTRA_DESCRIPTIONS = {400: "the request breaks the protocol, or a field is invalid",
                       404: "no model of that name is served here"}


class ProtocolRoute(APIRoute):
    """A route whose error answers take its protocol's body; subclasses override
    :meth:`error_body`."""

    @staticmethod
    def error_body(body: dict[str, Any]) -> dict[str, Any]:
        """The protocol's error body for ``body``, an error body of ``/v1``."""
        return body


def error_body_for(scope: Any, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` (an error body of ``/v1``) in the shape of the protocol of the route that
    answered, when that route is a :class:`ProtocolRoute`."""
    route = scope.get("route")
    return route.error_body(body) if isinstance(route, ProtocolRoute) else body


def error_responses(model: type[BaseModel], *statuses: int,
                    descriptions: dict[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` of a protocol's error answers, whose body is ``model``
    (``descriptions`` replaces the usual description of a status)."""
    documented = schemas.error_responses(*(s for s in statuses if s not in _EXTRA_DESCRIPTIONS))
    extra: dict[int | str, dict[str, Any]] = {
        s: {"description": _EXTRA_DESCRIPTIONS[s]} for s in statuses if s in _EXTRA_DESCRIPTIONS}
    replaced = descriptions or {}
    return {status: {**entry, "model": model,
                     "description": replaced.get(int(status), entry["description"])}
            for status, entry in sorted({**documented, **extra}.items(), key=lambda x: str(x[0]))}


def json_body(body: bytes, error: type[InvalidInputError], expected: str) -> Any:
    """``body`` parsed as JSON; a body that is not raises ``error`` saying what to send."""
    try:
        return json.loads(body)
    except UnicodeDecodeError:
        reason = "is not UTF-8 text"
    except json.JSONDecodeError as exc:
        reason = f"is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
    except RecursionError:
        reason = "is nested too deeply"
    raise error(f"the body {reason}; send {expected}", [FieldError("body", reason)])


def validated(model: type[BaseModel], data: Any, error: type[InvalidInputError],
              what: str) -> Any:
    """``data`` validated by ``model``; a problem raises ``error`` naming each field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = [FieldError(".".join(str(part) for part in e.get("loc", ())) or "body",
                             str(e.get("msg", "invalid")).removeprefix("Value error, "))
                  for e in exc.errors()]
        raise error(f"{what}: " + "; ".join(str(f) for f in fields[:20]), fields) from None


@dataclass(frozen=True)
class AdmittedBody:
    """A protocol request let in, with its raw body."""

    state: ServerState
    body: bytes


async def admitted_body(request: Request,
                        state: Annotated[ServerState, Depends(server_state)]) -> AdmittedBody:
    """The body of a request the server can take: the model is ready and the queue has room
    (checked before anything is read), and the body is within ``max_body_bytes``."""
    state.require_ready()
    state.batcher.check_capacity(1)
    return AdmittedBody(state, await read_body(request, state.settings.max_body_bytes))


async def batched_predictions(request: Request, state: ServerState,
                              listings: Sequence[Listing]) -> list[dict[str, Any]] | None:
    """One prediction per listing (``Prediction.to_dict()``), from the micro-batcher that
    ``/v1/classify`` uses, within the request's deadline.

    ``None`` when the client went away first: its rows leave the queue, and the request is
    counted with status 499. Past the deadline, :class:`RequestTimeoutError` (503).
    """
    settings = state.settings
    deadline = request.scope.get("state", {}).get("started", time.perf_counter()) \
        + settings.request_timeout_s
    job = state.batcher.submit(listings)
    watcher = asyncio.ensure_future(_client_gone(request.receive))
    waiters: set[asyncio.Future[Any]] = {job.future, watcher}
    try:
        done, _ = await asyncio.wait(waiters,
                                     timeout=max(0.0, deadline - time.perf_counter()),
                                     return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
    if job.future not in done:
        state.batcher.cancel(job)
        if watcher in done:
            state.metrics.rejections.labels("client_disconnected").inc()
            request.scope["state"]["status_override"] = 499
            return None
        raise RequestTimeoutError(
            f"no answer within {settings.request_timeout_s:g} s; the server is busy, retry "
            "later or send fewer listings")
    predictions: list[dict[str, Any]] = job.future.result()
    state.metrics.listings.inc(len(listings))
    return predictions


def client_gone_response() -> Response:
    """What a request whose client went away answers (nobody reads it)."""
    return Response(status_code=499)


def answer(state: ServerState, content: Any, **kwargs: Any) -> JSONResponse:
    """``content`` as a JSON answer, serialised inside the request's ``serialize`` span."""
    with state.tracing.span("serialize"):
        return JSONResponse(content, **kwargs)


async def _client_gone(receive: Callable[[], Any]) -> None:
    while True:
        if (await receive())["type"] == "http.disconnect":
            return
