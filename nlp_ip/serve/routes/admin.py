"""Admin routes: swap the served model without downtime (key with scope ``admin``).

Route functions carry no docstrings: FastAPI would publish them as the operations'
descriptions in the OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import JSONResponse, Response

from nlp_ip.serve import schemas
from nlp_ip.serve.dependencies import ready_state
from nlp_ip.serve.state import ServerState

#: Needs a key with scope ``admin``.
router = APIRouter(tags=["admin"])


@router.post("/v1/admin/reload", response_model=schemas.ReloadResult,
             summary="Load the model to serve now (the registry's production version, or the "
                     "folder again), warm it beside the current one and switch without "
                     "dropping requests (key with scope 'admin')",
             responses=schemas.error_responses(401, 403, 409, 503))
async def reload(state: Annotated[ServerState, Depends(ready_state)]) -> Response:
    return JSONResponse(await state.reload("admin request"))
