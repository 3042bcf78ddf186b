"""FastAPI dependencies of the HTTP API: the server state, API keys, and admitting a request.

A classify request is let in by a chain of dependencies, in the order the server has always
checked it: the API key (the router's dependency), then the query, readiness and room in the
queue (:func:`admit`), then the body, read within the byte limit and validated
(:func:`admitted_listings`). Nothing of the body is read before the request is admitted, so
an overloaded server refuses without reading or parsing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

import anyio.to_thread
from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from nlp_ip.errors import AuthenticationError, FieldError, InputTooLargeError
from nlp_ip.serve.keys import KeyRecord, KeyStore
from nlp_ip.serve.schemas import ListingIn, classify_request_model
from nlp_ip.serve.state import ServerState

#: ``Authorization: Bearer KEY``; documented in the OpenAPI schema as ``bearerAuth``.
bearer = HTTPBearer(scheme_name="bearerAuth", description="a key from `nlp-ip keys add NAME`",
                    auto_error=False)


async def server_state(request: Request) -> ServerState:
    """The state of the app answering ``request``."""
    state: ServerState = request.app.state.nlp
    return state


async def ready_state(state: Annotated[ServerState, Depends(server_state)]) -> ServerState:
    """The server state, once the model is loaded and warm (else :class:`NotReadyError`)."""
    state.require_ready()
    return state


async def verify_key(keystore: KeyStore, credentials: HTTPAuthorizationCredentials | None,
                     scope: str) -> KeyRecord:
    """The record of a valid bearer key that has ``scope``.

    Raises :class:`AuthenticationError` (401) or :class:`PermissionDeniedError` (403), whose
    answers never say whether a key exists. Keys already verified are found without
    hashing; others are hashed on a worker thread so scrypt never blocks the event loop.
    Nothing from the header is ever logged.
    """
    if credentials is None:
        raise AuthenticationError("missing or invalid API key")
    record = keystore.lookup_cached(credentials.credentials)
    if record is None:
        record = await anyio.to_thread.run_sync(keystore.verify, credentials.credentials)
    keystore.authorize(record, scope)
    return record


def api_key(scope: str) -> Callable[..., Awaitable[KeyRecord]]:
    """A dependency that lets a request in only with an API key that has ``scope``."""

    async def key_with_scope(
        state: Annotated[ServerState, Depends(server_state)],
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> KeyRecord:
        return await verify_key(state.keystore, credentials, scope)

    return key_with_scope


@dataclass(frozen=True)
class Admission:
    """A classify request let in: the server can take it, and what it asked for."""

    state: ServerState
    explain: bool


@dataclass(frozen=True)
class ClassifyInput:
    """An admitted classify request with its validated listings."""

    state: ServerState
    explain: bool
    listings: list[ListingIn]


async def admit(
    state: Annotated[ServerState, Depends(server_state)],
    explain: Annotated[bool, Query(
        description="add rule-based `signals` to each prediction")] = False,
) -> Admission:
    """Admit a classify request before its body is read: the model is ready and the queue
    has room, and with ``explain`` so has the explainer's (:class:`NotReadyError`,
    :class:`OverloadedError`).

    FastAPI validates a dependency's own query parameters before calling it, so a bad
    ``explain`` is refused first, as it always was.
    """
    state.require_ready()
    for queue in state.queues(explain):
        queue.check_capacity(1)
    return Admission(state, explain)


async def admitted_listings(
    request: Request, admission: Annotated[Admission, Depends(admit)],
) -> ClassifyInput:
    """The listings of an admitted request: its body read within ``max_body_bytes``, then
    validated by :class:`~nlp_ip.serve.schemas.ClassifyRequest` (at most ``max_listings``,
    and at most ``max_explain_listings`` with ``explain``)."""
    settings = admission.state.settings
    body = await read_body(request, settings.max_body_bytes)
    listings = classify_request_model(settings.max_listings).from_json(body).listings
    if admission.explain and len(listings) > settings.max_explain_listings:
        limit = settings.max_explain_listings  # a size limit: 413, as max_listings is
        raise InputTooLargeError(
            f"{len(listings)} listings with explain=true; the limit is {limit} "
            "(max_explain_listings). Send fewer listings, or leave out explain=true",
            [FieldError("listings", f"has {len(listings)} items; with explain=true the limit "
                                    f"is {limit} (max_explain_listings)")])
    return ClassifyInput(admission.state, admission.explain, listings)


async def read_body(request: Request, limit: int) -> bytes:
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
