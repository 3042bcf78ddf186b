"""The review web app: a FastAPI application over one review database.

Run it alone with ``nlp-ip review serve --db review.sqlite``, or mount it into
another FastAPI app (``nlp-ip serve``)::

    from nlp_ip.review.app import create_review_app
    app.mount("/review", create_review_app("review.sqlite"))

All links, redirects and the cookie path follow the mount point (ASGI
``root_path``), so the same app works at ``/`` and at ``/review``.

Security: every page and action needs a session (else a redirect to the sign-in
page); every POST carries the session's CSRF token (else 403); sign-in is rate
limited per user name and per client address; listing text is always
HTML-escaped (Jinja autoescape) and the pages send a Content-Security-Policy that
allows scripts from this app only.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
import urllib.parse
from pathlib import Path
from typing import Any

from nlp_ip.errors import AuthenticationError, InvalidInputError, MissingExtraError
from nlp_ip.labels import LABEL_NAMES
from nlp_ip.review import auth
from nlp_ip.review.explain import segments
from nlp_ip.review.store import ACTIONS, KINDS, ReviewStore

try:  # the [review] extra
    import jinja2
    import python_multipart  # noqa: F401  (FastAPI needs it to read forms)
    from fastapi import FastAPI, Request
    from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
    from fastapi.staticfiles import StaticFiles
except ImportError as _exc:  # pragma: no cover - depends on the environment
    _MISSING: ImportError | None = _exc
else:
    _MISSING = None

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "nlp_ip_review_session"
LOGIN_COOKIE = "nlp_ip_review_login"
STATUSES = ("undecided", "decided", "all")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


class _LoginRequired(Exception):
    pass


class _Forbidden(Exception):
    pass


class _BadRequest(Exception):
    pass


def create_review_app(
    db_path: str | os.PathLike[str],
    *,
    secret: bytes | str | None = None,
    secret_file: str | os.PathLike[str] | None = None,
    session_ttl_s: float = 8 * 3600,
    secure_cookies: bool = False,
    login_max_failures: int = 5,
    login_window_s: float = 900,
    page_size: int = 50,
) -> Any:
    """The review app for the database at ``db_path``.

    ``secret`` signs session cookies; without it ``$NLP_IP_REVIEW_SECRET``,
    ``secret_file`` or ``<db>.secret`` (created on first use, mode 0600) is used.
    ``secure_cookies=True`` marks cookies Secure (set it behind HTTPS).
    After ``login_max_failures`` failed sign-ins for one user name or one client
    address within ``login_window_s`` seconds, sign-in answers 429 until the
    window has passed.
    """
    if _MISSING is not None:
        raise MissingExtraError("review", _MISSING.name or "fastapi",
                                "the review web app") from _MISSING

    store = ReviewStore(db_path)
    key = auth.load_secret(secret=secret, secret_file=secret_file,
                           default_file=Path(str(db_path) + ".secret"))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.globals["labels"] = LABEL_NAMES
    env.filters["pct"] = lambda v: f"{100 * float(v):.1f}"
    env.filters["attr_style"] = _attr_style
    env.filters["signed"] = lambda v: f"{float(v):+.2g}" if abs(float(v)) < 0.01 else \
        f"{float(v):+.3f}"

    app = FastAPI(title="nlp-ip review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def base(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")

    def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Any:
        html = env.get_template(name).render(base=base(request), **context)
        response = HTMLResponse(html, status_code=status_code)
        return response

    def session_of(request: Request) -> auth.Session:
        found = auth.read_session(store, key, request.cookies.get(SESSION_COOKIE))
        if found is None:
            raise _LoginRequired()
        return found

    async def checked_form(request: Request, session: auth.Session) -> Any:
        form = await request.form()
        token = form.get("csrf_token")
        if not isinstance(token, str) or not secrets.compare_digest(token, session.csrf_token):
            raise _Forbidden()
        return form

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith(f"{base(request)}/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(_LoginRequired)
    async def login_required(request: Request, exc: _LoginRequired) -> Any:
        target = request.url.path
        if request.url.query and request.method == "GET":
            target += "?" + request.url.query
        query = urllib.parse.urlencode({"next": target})
        return RedirectResponse(f"{base(request)}/login?{query}", status_code=303)

    @app.exception_handler(_Forbidden)
    async def forbidden(request: Request, exc: _Forbidden) -> Any:
        return render(request, "error.html", 403, user=None, title="Forbidden",
                      message="The form's security token is missing or wrong. Reload the page "
                              "and submit again.")

    @app.exception_handler(_BadRequest)
    async def bad_request(request: Request, exc: _BadRequest) -> Any:
        return render(request, "error.html", 400, user=None, title="Bad request",
                      message=str(exc))

    @app.exception_handler(InvalidInputError)
    async def invalid_input(request: Request, exc: InvalidInputError) -> Any:
        return render(request, "error.html", 422, user=None, title="Invalid input",
                      message=str(exc))

    # -- sign-in ------------------------------------------------------------
    def login_page(request: Request, *, error: str | None = None, status_code: int = 200,
                   next_url: str = "") -> Any:
        nonce = secrets.token_urlsafe(24)
        response = render(request, "login.html", status_code, user=None, error=error,
                          csrf_token=nonce, next_url=_safe_next(next_url, base(request)))
        response.set_cookie(LOGIN_COOKIE, auth.sign_value(key, nonce), max_age=3600,
                            httponly=True, samesite="lax", secure=secure_cookies,
                            path=base(request) or "/")
        return response

    @app.get("/login")
    async def login_form(request: Request, next: str = "") -> Any:
        return login_page(request, next_url=next)

    @app.post("/login")
    async def login(request: Request) -> Any:
        form = await request.form()
        nonce = auth.unsign_value(key, request.cookies.get(LOGIN_COOKIE))
        token = form.get("csrf_token")
        if nonce is None or not isinstance(token, str) or not secrets.compare_digest(token,
                                                                                     nonce):
            raise _Forbidden()
        name = str(form.get("username", "")).strip()[:64]
        password = str(form.get("password", ""))
        next_url = _safe_next(str(form.get("next", "")), base(request))
        client = request.client.host if request.client else "unknown"
        keys = [f"user:{name.casefold()}", f"ip:{client}"]
        since = time.time() - login_window_s
        if store.count_failures(keys, since) >= login_max_failures:
            response = login_page(request, status_code=429, next_url=next_url,
                                  error="Too many failed sign-ins. Wait a few minutes and "
                                        "try again.")
            response.headers["Retry-After"] = str(int(login_window_s))
            return response
        try:
            user_id = auth.verify_user(store, name, password)
        except AuthenticationError:
            store.record_failure(keys)
            logger.warning("failed sign-in for %r from %s", name, client)
            return login_page(request, status_code=401, next_url=next_url,
                              error="Wrong user name or password.")
        store.clear_failures([f"user:{name.casefold()}"])
        cookie, session = auth.create_session(store, key, user_id, ttl_s=session_ttl_s)
        logger.info("%s signed in from %s", session.user, client)
        response = RedirectResponse(next_url or f"{base(request)}/queue", status_code=303)
        response.set_cookie(SESSION_COOKIE, cookie, max_age=int(session_ttl_s), httponly=True,
                            samesite="lax", secure=secure_cookies, path=base(request) or "/")
        response.delete_cookie(LOGIN_COOKIE, path=base(request) or "/")
        return response

    @app.post("/logout")
    async def logout(request: Request) -> Any:
        session = session_of(request)
        await checked_form(request, session)
        auth.end_session(store, key, request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse(f"{base(request)}/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=base(request) or "/")
        return response

    # -- pages --------------------------------------------------------------
    @app.get("/")
    async def index(request: Request) -> Any:
        session_of(request)
        return RedirectResponse(f"{base(request)}/queue", status_code=303)

    @app.get("/queue")
    async def queue(request: Request) -> Any:
        session = session_of(request)
        filters = _parse_filters(request.query_params)
        page = _int_param(request.query_params, "page", 1, low=1)
        size = _int_param(request.query_params, "per_page", page_size, low=1, high=500)
        rows, total = store.queue(**filters, offset=(page - 1) * size, limit=size)
        pages = max(1, -(-total // size))
        query = _filter_query(filters)
        return render(request, "queue.html", user=session.user, csrf_token=session.csrf_token,
                      rows=rows, total=total, page=page, pages=pages, per_page=size,
                      filters=filters, brands=store.brands(), statuses=STATUSES,
                      kinds=KINDS, kind_counts=store.kind_counts(), query=query,
                      meta=store.meta())

    @app.get("/items/{item_id}")
    async def item_page(request: Request, item_id: int) -> Any:
        session = session_of(request)
        filters = _parse_filters(request.query_params)
        item = store.item(item_id)
        if item is None:
            return render(request, "error.html", 404, user=session.user,
                          csrf_token=session.csrf_token, title="Not found",
                          message=f"There is no item {item_id} in this queue.")
        prev_id, next_id = store.neighbours(item_id, **filters)
        listing = item["listing"]
        explanation = item["explanation"]
        title_parts = segments(listing.get("title") or "", "title", explanation)
        desc_parts = segments(listing.get("description") or "", "description", explanation)
        scores = [abs(float(w["score"])) for w in explanation.get("words", [])]
        scale = max(scores) if scores and max(scores) > 0 else 1.0
        words = explanation.get("words", [])
        top_for = sorted((w for w in words if w["score"] > 0), key=lambda w: -w["score"])[:6]
        top_against = sorted((w for w in words if w["score"] < 0), key=lambda w: w["score"])[:6]
        extra = {k: v for k, v in listing.items()
                 if k not in ("id", "title", "description", "price", "currency", "brand",
                              "label") and v not in (None, "")}
        return render(request, "item.html", user=session.user, csrf_token=session.csrf_token,
                      item=item, listing=listing, extra=extra, title_parts=title_parts,
                      desc_parts=desc_parts, scale=scale, top_for=top_for,
                      top_against=top_against, signals=explanation.get("signals", {}),
                      history=store.history(item_id), prev_id=prev_id, next_id=next_id,
                      query=_filter_query(filters), filters=filters,
                      submission_id=secrets.token_urlsafe(16),
                      actions=ACTIONS)

    @app.post("/items/{item_id}/decision")
    async def decide(request: Request, item_id: int) -> Any:
        session = session_of(request)
        form = await checked_form(request, session)
        action = str(form.get("decision", ""))
        if action not in ACTIONS:
            raise _BadRequest(f"decision: expected one of {', '.join(ACTIONS)}, got {action!r}")
        submission_id = str(form.get("submission_id", "")) or secrets.token_urlsafe(16)
        note = str(form.get("note", "")).strip()
        result = store.record_decision(item_id, action, reviewer=session.user, note=note,
                                       submission_id=submission_id)
        if not result.duplicate:
            logger.info("%s: item %d -> %s", session.user, item_id, action)
        filters = _parse_filters(form)
        query = _filter_query(filters)
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"history_id": result.history_id, "item_id": item_id,
                                 "action": result.action, "duplicate": result.duplicate,
                                 "previous_label": result.previous_label})
        _, next_id = store.neighbours(item_id, **filters)
        if next_id is None:
            return RedirectResponse(f"{base(request)}/queue?{query}", status_code=303)
        return RedirectResponse(f"{base(request)}/items/{next_id}?{query}", status_code=303)

    return app


def _safe_next(value: str, base: str) -> str:
    """Only same-site absolute paths are allowed after sign-in (no open redirects)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return ""
    if base and not value.startswith(base + "/"):
        return ""
    return value


def _int_param(params: Any, name: str, default: int, *, low: int, high: int | None = None
               ) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise _BadRequest(f"{name}: expected a whole number, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        raise _BadRequest(f"{name}: expected a number from {low}"
                          + (f" to {high}" if high is not None else "") + f", got {value}")
    return value


def _parse_filters(params: Any) -> dict[str, Any]:
    """Queue filters from a query string or form (unknown values are a 400)."""
    label = str(params.get("label") or "")
    if label and label not in LABEL_NAMES:
        raise _BadRequest(f"label: expected one of {', '.join(LABEL_NAMES)}, got {label!r}")
    status = str(params.get("status") or "all")
    if status not in STATUSES:
        raise _BadRequest(f"status: expected one of {', '.join(STATUSES)}, got {status!r}")
    kind = str(params.get("kind") or "")
    if kind and kind not in KINDS:
        raise _BadRequest(f"kind: expected one of {', '.join(KINDS)}, got {kind!r}")
    out: dict[str, Any] = {"label": label or None, "brand": str(params.get("brand") or "")
                           or None, "status": status, "min_score": None, "max_score": None,
                           "kind": kind or None}
    for name in ("min_score", "max_score"):
        raw = params.get(name)
        if raw in (None, ""):
            continue
        try:
            value = float(str(raw))
        except ValueError:
            raise _BadRequest(f"{name}: expected a number between 0 and 1, got {raw!r}") from None
        if not 0.0 <= value <= 1.0:
            raise _BadRequest(f"{name}: expected a number between 0 and 1, got {value}")
        out[name] = value
    return out


def _filter_query(filters: dict[str, Any]) -> str:
    """The query string that reproduces ``filters`` (empty ones left out)."""
    kept = {k: v for k, v in filters.items() if v not in (None, "") and
            not (k == "status" and v == "all")}
    return urllib.parse.urlencode(kept)


def _attr_style(score: float | None, scale: float) -> str:
    """Inline background for an attribution: red toward the prediction, blue against."""
    if score is None or scale <= 0:
        return ""
    alpha = min(1.0, abs(score) / scale) * 0.65
    if alpha < 0.03:
        return ""
    rgb = "220, 38, 38" if score > 0 else "37, 99, 235"
    return f"background-color: rgba({rgb}, {alpha:.2f})"
