"""The FastAPI app: its routers, the API keys each needs, error handlers and middleware.

``create_app(settings, classifier=None)`` builds the app. Without a
classifier, the model named by ``settings.model`` is loaded in the background
after start-up, so ``/healthz`` answers at once and ``/readyz`` turns 200 when
the model is loaded and warm.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from nlp_ip.errors import require

require("fastapi", extra="serve", feature="nlp-ip serve")

from fastapi import APIRouter, Depends, FastAPI  # noqa: E402
from fastapi.routing import APIRoute  # noqa: E402

from nlp_ip.labels import LABEL_NAMES  # noqa: E402
from nlp_ip.serve.dependencies import api_key  # noqa: E402
from nlp_ip.serve.handlers import add_error_handlers  # noqa: E402
from nlp_ip.serve.middleware import RequestContextMiddleware  # noqa: E402
from nlp_ip.serve.routes import admin, classify, docs, ops, tei, v2  # noqa: E402
from nlp_ip.serve.settings import ServeSettings  # noqa: E402
from nlp_ip.serve.state import ServerState  # noqa: E402


def create_app(settings: ServeSettings, classifier: Any | None = None) -> FastAPI:
    """Build the HTTP app.

    ``classifier``: anything with ``predict(listings) -> list[Prediction]``, ``meta``
    (a :class:`~nlp_ip.artifact.ModelMeta`) and ``backend_name``; by default the
    model folder ``settings.model`` is loaded in the background.
    """
    from nlp_ip import __version__

    state = ServerState(settings, classifier)

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
        description="Send listings, get one prediction per listing, in order: `/v1`, or the "
                    "Open Inference Protocol (`/v2`) and Hugging Face's TEI routes "
                    "(`/predict`, `/info`). Every route but the health probes (`/healthz`, "
                    "`/readyz`, `/v2/health/*`) needs `Authorization: Bearer <key>` "
                    "(keys come from `nlp-ip keys add`). Guides: docs/serving.md, "
                    "docs/integrations.md.",
        lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None,
        redirect_slashes=False,  # see nlp_ip.serve.handlers.http_error
        telemetry=state.tracing.fastapi_telemetry)
    app.state.nlp = state

    # Each router with the API-key scope its routes need (None: no key).
    routers: list[tuple[APIRouter, str | None]] = [
        (classify.classify_router(settings), "classify"),
        (classify.router, "classify"),
        (v2.infer_router(settings), "classify"),
        (v2.router, "classify"),
        (v2.health_router, None),
        (tei.predict_router(settings), "classify"),
        (tei.router, "classify"),
        (ops.metrics_router, "metrics"),
        (admin.router, "admin"),
        (ops.health_router, None),
        (docs.router, None if settings.public_docs else "classify"),
    ]
    for router, scope in routers:
        key = [Depends(api_key(scope))] if scope is not None and state.keystore is not None \
            else []
        app.include_router(router, dependencies=key)
        state.key_scopes.update({route.path: scope for route in router.routes
                                 if isinstance(route, APIRoute)})
    add_error_handlers(app)

    # -- middleware (the last added runs first) ---------------------------------------------
    if settings.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware,  # type: ignore[arg-type]
                           allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
                           expose_headers=["X-Request-ID", "Retry-After"], max_age=600)
    if state.tracing.enabled:  # inside the request id's middleware, so the id is known
        from nlp_ip.serve.tracing import TracingMiddleware

        app.add_middleware(TracingMiddleware, tracing=state.tracing)  # type: ignore[arg-type]
    app.add_middleware(RequestContextMiddleware, metrics=state.metrics,  # type: ignore[arg-type]
                       known_paths=frozenset(state.key_scopes))
    return app
