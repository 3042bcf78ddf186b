"""The review web app: a FastAPI application over one review database.

Run it alone with ``nlp-ip review serve --db review.sqlite``, or mount it into
another FastAPI app (``nlp-ip serve``)::

    from nlp_ip.review.app import create_review_app
    app.mount("/review", create_review_app("review.sqlite"))

All links, redirects and the cookie path follow the mount point (ASGI
``root_path``), so the same app works at ``/`` and at ``/review``.

Security: every page and action needs a session (else a redirect to the sign-in
page); every POST carries the session's CSRF token (else 403); failed sign-ins are limited
per account (growing waits) and across all accounts (a budget per minute); listing text is
always
HTML-escaped (Jinja autoescape) and the pages send a Content-Security-Policy that
allows scripts from this app only.
"""

from __future__ import annotations

import logging
import math
import os
import urllib.parse
from pathlib import Path
from typing import Any

from nlp_ip.errors import DiskFullError, InvalidInputError, MissingExtraError, ResourceBusyError
from nlp_ip.review import auth
from nlp_ip.review.store import ReviewStore
from nlp_ip.review.web import LOGIN_COOKIE, SESSION_COOKIE

try:  # the [review] extra
    import jinja2  # noqa: F401
    import python_multipart  # noqa: F401  (FastAPI needs it to read forms)
    from fastapi import FastAPI, Request
    from fastapi.responses import RedirectResponse
    from fastapi.staticfiles import StaticFiles
except ImportError as _exc:  # pragma: no cover - depends on the environment
    _MISSING: ImportError | None = _exc
else:
    _MISSING = None

__all__ = ["LOGIN_COOKIE", "SESSION_COOKIE", "create_review_app"]

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def create_review_app(
    db_path: str | os.PathLike[str],
    *,
    secret: bytes | str | None = None,
    secret_file: str | os.PathLike[str] | None = None,
    session_ttl_s: float = 8 * 3600,
    secure_cookies: bool = False,
    login_max_failures: int = 5,
    login_backoff_s: float = 30.0,
    login_backoff_max_s: float = 900.0,
    login_failures_per_minute: int = 20,
    page_size: int = 50,
    busy_timeout_s: float = 2.0,
    registry: str | os.PathLike[str] | None = None,
    model_name: str | None = None,
) -> Any:
    """The review app for the database at ``db_path``.

    ``secret`` signs session cookies; without it ``$NLP_IP_REVIEW_SECRET``,
    ``secret_file`` or ``<db>.secret`` (created on first use, mode 0600) is used.
    ``secure_cookies=True`` marks cookies Secure (set it behind HTTPS).
    Sign-in limits (:class:`~nlp_ip.review.auth.SignInLimits`): after
    ``login_max_failures`` failures in a row an account waits ``login_backoff_s``, doubled
    with each further failure up to ``login_backoff_max_s``; at most
    ``login_failures_per_minute`` sign-ins may fail per minute across all accounts; over
    either, sign-in answers 429 with ``Retry-After``. A browser that signed in to an account
    before is counted on its own (device cookie). A request waits at most ``busy_timeout_s``
    for another writer's lock on the database, then gets 503 with ``Retry-After``.
    With a model ``registry`` and ``model_name``, items whose decision the production model
    was trained on are marked (:mod:`nlp_ip.review.learned`).
    """
    if _MISSING is not None:
        raise MissingExtraError("review", _MISSING.name or "fastapi",
                                "the review web app") from _MISSING
    from nlp_ip.review.web import queue, session
    from nlp_ip.review.web.site import (
        BadRequest,
        Forbidden,
        LoginRequired,
        ReviewSite,
        base_path,
        make_templates,
    )

    store = ReviewStore(db_path, busy_timeout_s=busy_timeout_s)
    site = ReviewSite(
        store=store, templates=make_templates(), session_ttl_s=session_ttl_s,
        secret=auth.load_secret(secret=secret, secret_file=secret_file,
                                default_file=Path(str(db_path) + ".secret")),
        secure_cookies=secure_cookies, page_size=page_size,
        limits=auth.SignInLimits(max_failures=login_max_failures, backoff_s=login_backoff_s,
                                 backoff_max_s=login_backoff_max_s,
                                 failures_per_minute=login_failures_per_minute),
        learned=_learned(registry, model_name))

    app = FastAPI(title="nlp-ip review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store
    app.state.site = site
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(session.router)
    app.include_router(queue.router)

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith(f"{base_path(request)}/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Any:
        target = request.url.path
        if request.url.query and request.method == "GET":
            target += "?" + request.url.query
        query = urllib.parse.urlencode({"next": target})
        return RedirectResponse(f"{base_path(request)}/login?{query}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Any:
        return site.render(request, "error.html", 403, user=None, title="Forbidden",
                           message="The form's security token is missing or wrong. Reload "
                                   "the page and submit again.")

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, exc: BadRequest) -> Any:
        return site.render(request, "error.html", 400, user=None, title="Bad request",
                           message=str(exc))

    @app.exception_handler(ResourceBusyError)
    async def busy(request: Request, exc: ResourceBusyError) -> Any:
        logger.warning("%s %s: %s", request.method, request.url.path, exc)
        response = site.render(
            request, "error.html", 503, user=None, title="Busy",
            message="The review database is busy: another program is writing to it. Nothing "
                    "was saved; try again in a few seconds.")
        response.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return response

    @app.exception_handler(DiskFullError)
    async def disk_full(request: Request, exc: DiskFullError) -> Any:
        logger.error("%s %s: %s", request.method, request.url.path, exc)
        return site.render(
            request, "error.html", 507, user=None, title="Disk full",
            message="The server's disk is full: nothing was saved. Tell whoever runs the "
                    "review server; your work so far is safe.")

    @app.exception_handler(InvalidInputError)
    async def invalid_input(request: Request, exc: InvalidInputError) -> Any:
        return site.render(request, "error.html", 422, user=None, title="Invalid input",
                           message=str(exc))

    return app


def _learned(registry: str | os.PathLike[str] | None, name: str | None) -> Any:
    """What the production model has learned, when the app knows the registry and model."""
    if registry is None and name is None:
        return None
    if registry is None or name is None:
        raise InvalidInputError("give both --registry DIR and --model NAME to mark the "
                                "decisions the production model has learned, or neither")
    from nlp_ip.review.learned import LearnedDecisions

    return LearnedDecisions(Path(registry), name)
