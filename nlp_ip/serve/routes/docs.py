"""The OpenAPI document and Swagger UI: ``/openapi.json``, ``/docs``.

Declared here rather than by FastAPI itself so that they take the same API-key dependency
as the routes they describe (unless the server runs with ``--public-docs``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from starlette.responses import HTMLResponse, JSONResponse

OPENAPI_PATH = "/openapi.json"
DOCS_PATH = "/docs"
OAUTH2_REDIRECT_PATH = "/docs/oauth2-redirect"

router = APIRouter(include_in_schema=False)


def _root_path(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


@router.api_route(OPENAPI_PATH, methods=["GET", "HEAD"])
async def openapi(request: Request) -> JSONResponse:
    schema = request.app.openapi()
    root_path = _root_path(request)
    if root_path and request.app.root_path_in_servers:
        if root_path not in {s.get("url") for s in schema.get("servers", [])}:
            schema = {**schema, "servers": [{"url": root_path}, *schema.get("servers", [])]}
    return JSONResponse(schema)


@router.api_route(DOCS_PATH, methods=["GET", "HEAD"])
async def swagger_ui(request: Request) -> HTMLResponse:
    root_path = _root_path(request)
    return get_swagger_ui_html(openapi_url=root_path + OPENAPI_PATH,
                               title=f"{request.app.title} - Swagger UI",
                               oauth2_redirect_url=root_path + OAUTH2_REDIRECT_PATH)


@router.api_route(OAUTH2_REDIRECT_PATH, methods=["GET", "HEAD"])
async def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()
