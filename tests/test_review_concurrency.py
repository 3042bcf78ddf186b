"""8 reviewers submit 1,000 decisions in parallel to the running server: none is lost."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from review_support import PASSWORD, fill_store, running_server

from nlp_ip.labels import LABEL_NAMES
from nlp_ip.review.auth import add_user

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")

REVIEWERS = 8
DECISIONS = 1000
ITEMS = 50


@pytest.mark.slow
def test_parallel_reviewers_lose_no_decision(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    listings = [{"id": f"c-{i}", "title": f"listing number {i} quilted bag"}
                for i in range(ITEMS)]
    probs = rng.dirichlet(np.ones(4), size=ITEMS)
    store = fill_store(tmp_path / "review.sqlite", listings, probs)
    for r in range(REVIEWERS):
        add_user(store, f"rev{r}", PASSWORD)

    with running_server(store.path) as url:
        def reviewer(r: int) -> list[int]:
            statuses = []
            with httpx.Client(base_url=url, timeout=60) as client:
                page = client.get("/login")
                token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
                signed = client.post("/login", data={"username": f"rev{r}",
                                                     "password": PASSWORD,
                                                     "csrf_token": token})
                assert signed.status_code == 303
                page = client.get("/items/1")
                csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
                for i in range(DECISIONS // REVIEWERS):
                    data = {"decision": LABEL_NAMES[(r + i) % 4], "csrf_token": csrf,
                            "submission_id": f"rev{r}-{i}", "note": f"n{i}"}
                    item = 1 + (r * 7 + i) % ITEMS
                    response = client.post(f"/items/{item}/decision", data=data,
                                           headers={"accept": "application/json"})
                    statuses.append(response.status_code)
                    if i % 10 == 0:  # a retried submission must not add a row
                        again = client.post(f"/items/{item}/decision", data=data,
                                            headers={"accept": "application/json"})
                        assert again.json()["duplicate"] is True
            return statuses

        with ThreadPoolExecutor(REVIEWERS) as pool:
            results = list(pool.map(reviewer, range(REVIEWERS)))

    assert all(code == 200 for codes in results for code in codes)
    history = store.history()
    assert len(history) == DECISIONS
    assert len({h["submission_id"] for h in history}) == DECISIONS
    # The current decision of each item is its last submission.
    last: dict[int, str] = {}
    for h in history:
        last[h["item_id"]] = h["action"]
    current = {d["item_id"]: d["label"] for d in store.decisions()}
    assert current == last
