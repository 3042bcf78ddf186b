"""Sign-in and sign-out: ``GET /login``, ``POST /login``, ``POST /logout``.

Failed sign-ins are limited per account and across all accounts
(:func:`nlp_ip.review.auth.sign_in`); the form carries a nonce that must match a signed
cookie (CSRF before there is a session). The routes that reach the
database or hash a password are plain functions, which FastAPI runs on worker threads. Route
functions carry no docstrings: FastAPI would publish them in the OpenAPI document.
"""

from __future__ import annotations

import logging
import math
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from nlp_ip.errors import AuthenticationError, TooManyAttemptsError
from nlp_ip.review import auth
from nlp_ip.review.web import DEVICE_COOKIE, DEVICE_TTL_S, LOGIN_COOKIE, SESSION_COOKIE
from nlp_ip.review.web.site import (
    Forbidden,
    ReviewSite,
    base_path,
    csrf_form,
    review_site,
    safe_next,
    submitted_form,
)

logger = logging.getLogger(__name__)

router = APIRouter()


def login_page(request: Request, site: ReviewSite, *, error: str | None = None,
               status_code: int = 200, next_url: str = "") -> HTMLResponse:
    """The sign-in form, with a fresh nonce in the form and in a signed cookie."""
    nonce = secrets.token_urlsafe(24)
    base = base_path(request)
    response = site.render(request, "login.html", status_code, user=None, error=error,
                           csrf_token=nonce, next_url=safe_next(next_url, base))
    response.set_cookie(LOGIN_COOKIE, auth.sign_value(site.secret, nonce), max_age=3600,
                        httponly=True, samesite="lax", secure=site.secure_cookies,
                        path=base or "/")
    return response


@router.get("/login")
async def login_form(request: Request, site: Annotated[ReviewSite, Depends(review_site)],
                     next: str = "") -> Any:
    return login_page(request, site, next_url=next)


@router.post("/login")
def login(request: Request, site: Annotated[ReviewSite, Depends(review_site)],
          form: Annotated[FormData, Depends(submitted_form)]) -> Any:
    nonce = auth.unsign_value(site.secret, request.cookies.get(LOGIN_COOKIE))
    token = form.get("csrf_token")
    if nonce is None or not isinstance(token, str) or not secrets.compare_digest(token,
                                                                                 nonce):
        raise Forbidden()
    base = base_path(request)
    name = str(form.get("username", "")).strip()[:64]
    password = str(form.get("password", ""))
    next_url = safe_next(str(form.get("next", "")), base)
    client = request.client.host if request.client else "unknown"
    device = auth.device_of(site.secret, request.cookies.get(DEVICE_COOKIE), name)
    try:
        user_id = auth.sign_in(site.store, name, password, site.limits, device=device)
    except TooManyAttemptsError as exc:
        logger.warning("sign-in for %r from %s refused for %.0f s (too many failures)",
                       name, client, exc.retry_after)
        response = login_page(request, site, status_code=429, next_url=next_url,
                              error="Too many failed sign-ins. Wait a few minutes and "
                                    "try again.")
        response.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return response
    except AuthenticationError:
        logger.warning("failed sign-in for %r from %s", name, client)
        return login_page(request, site, status_code=401, next_url=next_url,
                          error="Wrong user name or password.")
    cookie, session = auth.create_session(site.store, site.secret, user_id,
                                          ttl_s=site.session_ttl_s)
    logger.info("%s signed in from %s", session.user, client)
    signed_in = RedirectResponse(next_url or f"{base}/queue", status_code=303)
    cookie_options: dict[str, Any] = {"httponly": True, "samesite": "lax",
                                      "secure": site.secure_cookies, "path": base or "/"}
    signed_in.set_cookie(SESSION_COOKIE, cookie, max_age=int(site.session_ttl_s),
                         **cookie_options)
    if device is None:
        signed_in.set_cookie(DEVICE_COOKIE, auth.device_cookie(site.secret, name),
                             max_age=DEVICE_TTL_S, **cookie_options)
    signed_in.delete_cookie(LOGIN_COOKIE, path=base or "/")
    return signed_in


@router.post("/logout")
def logout(request: Request, site: Annotated[ReviewSite, Depends(review_site)],
                 _: Annotated[FormData, Depends(csrf_form)]) -> Any:
    auth.end_session(site.store, site.secret, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(f"{base_path(request)}/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=base_path(request) or "/")
    return response
