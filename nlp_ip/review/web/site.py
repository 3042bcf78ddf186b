"""What every review page shares, and the FastAPI dependencies that hand it to the routes.

:class:`ReviewSite` holds the database, the server secret, the templates and the sign-in
policy of one app. Routes get it with ``Depends(review_site)``, the signed-in reviewer with
``Depends(current_session)`` (no session: a redirect to the sign-in page) and a submitted
form whose CSRF token matches the session with ``Depends(csrf_form)`` (else 403).
"""

from __future__ import annotations

import secrets
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from nlp_ip.labels import LABEL_NAMES
from nlp_ip.review import auth
from nlp_ip.review.store import KINDS, ReviewStore
from nlp_ip.review.web import SESSION_COOKIE

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
STATUSES = ("undecided", "decided", "all")


class LoginRequired(Exception):
    """No live session: answered with a redirect to the sign-in page."""


class Forbidden(Exception):
    """The form's CSRF token is missing or wrong: answered 403."""


class BadRequest(Exception):
    """A query or form value is not one of those allowed: answered 400 with the message."""


@dataclass(frozen=True)
class ReviewSite:
    """The database, server secret, templates and sign-in policy of one review app."""

    store: ReviewStore
    secret: bytes
    templates: jinja2.Environment
    session_ttl_s: float
    secure_cookies: bool
    limits: auth.SignInLimits
    page_size: int
    #: the production model's learned decisions (``--registry --model``), or None
    learned: Any = None

    def render(self, request: Request, name: str, status_code: int = 200,
               **context: Any) -> HTMLResponse:
        """The page ``name`` for ``request``, with links under the app's mount point."""
        html = self.templates.get_template(name).render(base=base_path(request), **context)
        return HTMLResponse(html, status_code=status_code)

    def session_of(self, request: Request) -> auth.Session:
        """The live session of ``request``'s cookie (else :class:`LoginRequired`)."""
        found = auth.read_session(self.store, self.secret, request.cookies.get(SESSION_COOKIE))
        if found is None:
            raise LoginRequired()
        return found


def make_templates() -> jinja2.Environment:
    """The page templates, HTML-escaped, with the filters they use."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.globals["labels"] = LABEL_NAMES
    env.filters["pct"] = lambda v: f"{100 * float(v):.1f}"
    env.filters["attr_style"] = _attr_style
    env.filters["signed"] = lambda v: f"{float(v):+.2g}" if abs(float(v)) < 0.01 else \
        f"{float(v):+.3f}"
    return env


async def review_site(request: Request) -> ReviewSite:
    """The site of the app answering ``request``."""
    site: ReviewSite = request.app.state.site
    return site


def current_session(
        request: Request, site: Annotated[ReviewSite, Depends(review_site)]) -> auth.Session:
    """The signed-in reviewer (no live session: :class:`LoginRequired`); a plain function,
    so FastAPI runs its database read on a worker thread."""
    return site.session_of(request)


async def submitted_form(request: Request) -> FormData:
    """The submitted form, read on the event loop (the route that takes it may be a plain
    function, run on a worker thread)."""
    return await request.form()


def csrf_form(form: Annotated[FormData, Depends(submitted_form)],
              session: Annotated[auth.Session, Depends(current_session)]) -> FormData:
    """The submitted form, if its CSRF token is the session's (else :class:`Forbidden`)."""
    token = form.get("csrf_token")
    if not isinstance(token, str) or not secrets.compare_digest(token, session.csrf_token):
        raise Forbidden()
    return form


def base_path(request: Request) -> str:
    """Where the app is mounted (``""`` at the root): the prefix of every link."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def safe_next(value: str, base: str) -> str:
    """Only same-site absolute paths are allowed after sign-in (no open redirects)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return ""
    if base and not value.startswith(base + "/"):
        return ""
    return value


def int_param(params: Any, name: str, default: int, *, low: int, high: int | None = None
              ) -> int:
    """A whole-number query parameter within bounds (else :class:`BadRequest`)."""
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise BadRequest(f"{name}: expected a whole number, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        raise BadRequest(f"{name}: expected a number from {low}"
                         + (f" to {high}" if high is not None else "") + f", got {value}")
    return value


def parse_filters(params: Any) -> dict[str, Any]:
    """Queue filters from a query string or form (unknown values are a 400)."""
    label = str(params.get("label") or "")
    if label and label not in LABEL_NAMES:
        raise BadRequest(f"label: expected one of {', '.join(LABEL_NAMES)}, got {label!r}")
    status = str(params.get("status") or "all")
    if status not in STATUSES:
        raise BadRequest(f"status: expected one of {', '.join(STATUSES)}, got {status!r}")
    kind = str(params.get("kind") or "")
    if kind and kind not in KINDS:
        raise BadRequest(f"kind: expected one of {', '.join(KINDS)}, got {kind!r}")
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
            raise BadRequest(f"{name}: expected a number between 0 and 1, got {raw!r}") from None
        if not 0.0 <= value <= 1.0:
            raise BadRequest(f"{name}: expected a number between 0 and 1, got {value}")
        out[name] = value
    return out


def filter_query(filters: dict[str, Any]) -> str:
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
