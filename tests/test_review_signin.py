"""Sign-in limits of the review app: per-account backoff, a global budget of failed sign-ins,
device cookies for returning reviewers, and forwarded headers trusted only from a named proxy."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from review_support import PASSWORD, fill_store, review_server_process

from nlp_ip.review.auth import SignInLimits, add_user
from nlp_ip.review.store import ReviewStore

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
import httpx
from fastapi.testclient import TestClient

from nlp_ip.review.app import create_review_app

SECRET = "test-secret-0123456789abcdef"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def store(tmp_path: Path) -> ReviewStore:
    store = fill_store(tmp_path / "review.sqlite")
    for name in ("ana", "ben"):
        add_user(store, name, PASSWORD)
    return store


def sign_in(client: Any, user: str, password: str = PASSWORD, **headers: str) -> Any:
    page = client.get("/login", headers=headers)
    token = _TOKEN.search(page.text).group(1)  # type: ignore[union-attr]
    return client.post("/login", data={"username": user, "password": password,
                                       "csrf_token": token}, headers=headers)


def test_a_reviewer_signs_in_while_another_account_is_under_attack(store: ReviewStore) -> None:
    """Regression: failures were also counted per client address, so where reviewers share
    one address (office NAT) a few wrong passwords locked every reviewer out, right
    password included."""
    app = create_review_app(store.path, secret=SECRET, login_max_failures=3)
    attacker, reviewer = (TestClient(app, follow_redirects=False) for _ in range(2))
    answers = [sign_in(attacker, "ana", "not the password").status_code for _ in range(8)]
    assert answers == [401, 401, 401] + [429] * 5
    assert sign_in(reviewer, "ben").status_code == 303


def test_account_backoff_doubles_up_to_its_cap() -> None:
    limits = SignInLimits(max_failures=3, backoff_s=10, backoff_max_s=60, failures_per_minute=100)
    now = 1000.0
    assert limits.wait_s([now - 1] * 2, [], now) == 0  # two failures: no wait yet
    assert limits.wait_s([now - 1] * 3, [], now) == pytest.approx(9)  # 10 s after the third
    assert limits.wait_s([now - 1] * 4, [], now) == pytest.approx(19)
    assert limits.wait_s([now - 1] * 5, [], now) == pytest.approx(39)
    assert limits.wait_s([now - 1] * 9, [], now) == pytest.approx(59)  # capped at 60 s
    assert limits.wait_s([now - 100] * 9, [], now) == 0  # the wait has passed


def test_global_budget_of_failed_sign_ins_per_minute() -> None:
    limits = SignInLimits(failures_per_minute=3)
    now = 1000.0
    assert limits.wait_s([], [now - 50, now - 10], now) == 0
    # three failures in the last minute: the next attempt waits for the oldest to age out
    assert limits.wait_s([], [now - 50, now - 30, now - 10], now) == pytest.approx(10)
    assert limits.wait_s([], [now - 50, now - 30, now - 10], now, budget=False) == 0


def test_spraying_many_accounts_hits_the_budget_but_not_returning_reviewers(
        store: ReviewStore) -> None:
    app = create_review_app(store.path, secret=SECRET, login_failures_per_minute=4)
    returning = TestClient(app, follow_redirects=False)
    assert sign_in(returning, "ana").status_code == 303  # her browser now has a device cookie
    attacker, newcomer = (TestClient(app, follow_redirects=False) for _ in range(2))
    answers = [sign_in(attacker, f"user{i}", "Summer2024!") for i in range(6)]
    assert [a.status_code for a in answers] == [401] * 4 + [429] * 2
    assert 1 <= int(answers[-1].headers["retry-after"]) <= 60
    assert "Too many failed sign-ins" in answers[-1].text
    # over budget: a browser that never signed in waits too, but ana's does not
    assert sign_in(newcomer, "ben").status_code == 429
    assert sign_in(returning, "ana").status_code == 303


def test_a_device_cookie_keeps_its_owner_out_of_her_accounts_backoff(store: ReviewStore) -> None:
    app = create_review_app(store.path, secret=SECRET, login_max_failures=2)
    owner, attacker = (TestClient(app, follow_redirects=False) for _ in range(2))
    assert sign_in(owner, "ana").status_code == 303
    assert [sign_in(attacker, "ana", "guess!!!!").status_code for _ in range(3)] == [
        401, 401, 429]
    assert sign_in(owner, "ana").status_code == 303
    assert sign_in(attacker, "ana", "guess!!!!").status_code == 429  # still waiting
    # the cookie is bound to its account: it does not help with another one
    assert [sign_in(owner, "ben", "guess!!!!").status_code for _ in range(3)] == [
        401, 401, 429]


def spray(url: str, attempts: int) -> list[int]:
    """One password over many accounts from one client, X-Forwarded-For rotated; stops at
    the first 429."""
    statuses = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for i in range(attempts):
            spoofed = {"X-Forwarded-For": f"203.0.113.{i}"}
            answer = sign_in(client, f"user{i}", "Summer2024!", **spoofed)
            statuses.append(answer.status_code)
            if answer.status_code == 429:
                break
    return statuses


def test_password_spraying_with_rotating_forwarded_for_gets_429(store: ReviewStore) -> None:
    """Regression: `nlp-ip review serve` let uvicorn trust X-Forwarded-For from loopback, and
    sign-in was limited per client address: a client that rotated the header sprayed one
    password over any number of accounts without ever getting 429."""
    with review_server_process(store.path) as (_, url, log):
        statuses = spray(url, 40)
        print(f"spraying from one address, X-Forwarded-For rotated: {statuses.count(401)} "
              f"attempts before 429")
        assert statuses[-1] == 429, statuses
        assert statuses[:-1] == [401] * SignInLimits().failures_per_minute
        text = log.read_text(encoding="utf-8", errors="replace")
    assert "failed sign-in for 'user0' from 127.0.0.1" in text
    assert "203.0.113." not in text  # the header was not believed


def test_forwarded_headers_are_believed_from_a_named_proxy_only(store: ReviewStore) -> None:
    with review_server_process(store.path, "--trusted-proxy", "127.0.0.1",
                               "--login-failures-per-minute", "2") as (_, url, log):
        assert spray(url, 5) == [401, 401, 429]
        text = log.read_text(encoding="utf-8", errors="replace")
    assert "failed sign-in for 'user1' from 203.0.113.1" in text
