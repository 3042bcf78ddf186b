"""Operations routes: liveness and readiness (no key), Prometheus metrics.

Route functions carry no docstrings: FastAPI would publish them as the operations'
descriptions in the OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import JSONResponse, Response

from nlp_ip.errors import NotReadyError
from nlp_ip.serve import schemas
from nlp_ip.serve.dependencies import ready_state, server_state
from nlp_ip.serve.state import ServerState

#: Public: probes of the process and the model.
health_router = APIRouter(tags=["ops"])
#: Needs a key with scope ``metrics``.
metrics_router = APIRouter(tags=["ops"])


@health_router.get("/healthz", response_model=schemas.Health,
                   summary="The process is alive (no key needed)")
async def healthz() -> Response:
    return JSONResponse({"status": "ok"})


@health_router.get("/readyz", response_model=schemas.Ready,
                   summary="The model is loaded and warm (no key needed)",
                   responses=schemas.error_responses(503))
async def readyz(state: Annotated[ServerState, Depends(ready_state)]) -> Response:
    if state.draining:
        raise NotReadyError("the server is shutting down (draining); send new requests to "
                            "another instance")
    return JSONResponse({"status": "ready",
                         "model_version": state.classifier.model_version,
                         "backend": state.classifier.backend_name})


@metrics_router.get("/metrics", summary="Prometheus metrics (key with scope 'metrics')",
                    response_class=Response,
                    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                                     "description": "Prometheus text format"},
                               **schemas.error_responses(401, 403)})
async def metrics(state: Annotated[ServerState, Depends(server_state)]) -> Response:
    body, content_type = state.metrics.render()
    return Response(body, media_type=content_type)
