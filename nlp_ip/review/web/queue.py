"""The queue, item pages and decisions: ``/``, ``/queue``, ``/items/{id}``,
``POST /items/{id}/decision``; every route needs a signed-in reviewer.

The routes are plain functions: they read and write SQLite, so FastAPI runs them on its
worker threads and a reviewer waiting for the database never holds up another's page.
Route functions carry no docstrings: FastAPI would publish them in the OpenAPI document.
"""

from __future__ import annotations

import logging
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.datastructures import FormData

from nlp_ip.review import auth
from nlp_ip.review.explain import segments
from nlp_ip.review.store import ACTIONS, KINDS
from nlp_ip.review.web.site import (
    STATUSES,
    BadRequest,
    ReviewSite,
    base_path,
    csrf_form,
    current_session,
    filter_query,
    int_param,
    parse_filters,
    review_site,
)

logger = logging.getLogger(__name__)

router = APIRouter()

Site = Annotated[ReviewSite, Depends(review_site)]
Reviewer = Annotated[auth.Session, Depends(current_session)]

#: Listing fields the item page shows in their own places (the rest are listed as extras).
_SHOWN_FIELDS = ("id", "title", "description", "price", "currency", "brand", "label")


@router.get("/")
def index(request: Request, _: Reviewer) -> Any:
    return RedirectResponse(f"{base_path(request)}/queue", status_code=303)


@router.get("/queue")
def queue(request: Request, site: Site, session: Reviewer) -> Any:
    store = site.store
    filters = parse_filters(request.query_params)
    page = int_param(request.query_params, "page", 1, low=1)
    size = int_param(request.query_params, "per_page", site.page_size, low=1, high=500)
    rows, total = store.queue(**filters, offset=(page - 1) * size, limit=size)
    learned = site.learned.current() if site.learned is not None else None
    for row in rows:
        row["learned"] = learned is not None and learned.knows(row["listing"],
                                                               row.get("decided_label"))
    pages = max(1, -(-total // size))
    query = filter_query(filters)
    return site.render(request, "queue.html", user=session.user,
                       csrf_token=session.csrf_token, rows=rows, total=total, page=page,
                       pages=pages, per_page=size, filters=filters, brands=store.brands(),
                       statuses=STATUSES, kinds=KINDS, kind_counts=store.kind_counts(),
                       query=query, meta=store.meta(), learned=learned)


@router.get("/items/{item_id}")
def item_page(request: Request, item_id: int, site: Site, session: Reviewer) -> Any:
    store = site.store
    filters = parse_filters(request.query_params)
    item = store.item(item_id)
    if item is None:
        return site.render(request, "error.html", 404, user=session.user,
                           csrf_token=session.csrf_token, title="Not found",
                           message=f"There is no item {item_id} in this queue.")
    prev_id, next_id = store.neighbours(item_id, **filters)
    listing = item["listing"]
    learned = site.learned.current() if site.learned is not None else None
    item["learned"] = learned is not None and learned.knows(listing, item.get("decided_label"))
    explanation = item["explanation"]
    title_parts = segments(listing.get("title") or "", "title", explanation)
    desc_parts = segments(listing.get("description") or "", "description", explanation)
    scores = [abs(float(w["score"])) for w in explanation.get("words", [])]
    scale = max(scores) if scores and max(scores) > 0 else 1.0
    words = explanation.get("words", [])
    top_for = sorted((w for w in words if w["score"] > 0), key=lambda w: -w["score"])[:6]
    top_against = sorted((w for w in words if w["score"] < 0), key=lambda w: w["score"])[:6]
    extra = {k: v for k, v in listing.items()
             if k not in _SHOWN_FIELDS and v not in (None, "")}
    return site.render(request, "item.html", user=session.user,
                       csrf_token=session.csrf_token, item=item, listing=listing, extra=extra,
                       title_parts=title_parts, desc_parts=desc_parts, scale=scale,
                       top_for=top_for, top_against=top_against,
                       signals=explanation.get("signals", {}), history=store.history(item_id),
                       prev_id=prev_id, next_id=next_id, query=filter_query(filters),
                       filters=filters, submission_id=secrets.token_urlsafe(16),
                       actions=ACTIONS, learned=learned)


@router.post("/items/{item_id}/decision")
def decide(request: Request, item_id: int, site: Site, session: Reviewer,
                 form: Annotated[FormData, Depends(csrf_form)]) -> Any:
    action = str(form.get("decision", ""))
    if action not in ACTIONS:
        raise BadRequest(f"decision: expected one of {', '.join(ACTIONS)}, got {action!r}")
    submission_id = str(form.get("submission_id", "")) or secrets.token_urlsafe(16)
    note = str(form.get("note", "")).strip()
    result = site.store.record_decision(item_id, action, reviewer=session.user, note=note,
                                        submission_id=submission_id)
    if not result.duplicate:
        logger.info("%s: item %d -> %s", session.user, item_id, action)
    filters = parse_filters(form)
    query = filter_query(filters)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"history_id": result.history_id, "item_id": item_id,
                             "action": result.action, "duplicate": result.duplicate,
                             "previous_label": result.previous_label})
    _, next_id = site.store.neighbours(item_id, **filters)
    base = base_path(request)
    if next_id is None:
        return RedirectResponse(f"{base}/queue?{query}", status_code=303)
    return RedirectResponse(f"{base}/items/{next_id}?{query}", status_code=303)
