"""The review web app: sign-in, sessions, CSRF, rate limiting, decisions, escaping."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from review_support import PASSWORD, fill_store

from nlp_ip.review.auth import add_user, hash_password, sign_value, unsign_value, verify_user
from nlp_ip.review.store import ReviewStore

pytest.importorskip("fastapi")
from fastapi import FastAPI
from fastapi.testclient import TestClient

from nlp_ip.review.app import LOGIN_COOKIE, SESSION_COOKIE, create_review_app

SECRET = "test-secret-0123456789abcdef"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_SUBMISSION = re.compile(r'name="submission_id" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def store(tmp_path: Path) -> ReviewStore:
    store = fill_store(tmp_path / "review.sqlite")
    add_user(store, "ana", PASSWORD)
    add_user(store, "ben", PASSWORD)
    return store


@pytest.fixture
def client(store: ReviewStore) -> TestClient:
    app = create_review_app(store.path, secret=SECRET, login_max_failures=3)
    return TestClient(app, follow_redirects=False)


def sign_in(client: TestClient, user: str = "ana", password: str = PASSWORD,
            prefix: str = "") -> Any:
    page = client.get(f"{prefix}/login")
    assert page.status_code == 200
    return client.post(f"{prefix}/login", data={"username": user, "password": password,
                                                "csrf_token": csrf_of(page.text)})


def test_passwords_are_scrypt_hashed_with_a_salt_per_user(store: ReviewStore) -> None:
    with store.connect() as conn:
        rows = conn.execute("SELECT name, salt, password_hash FROM users").fetchall()
    assert len({r["salt"] for r in rows}) == 2
    assert len({r["password_hash"] for r in rows}) == 2  # same password, different hashes
    assert PASSWORD.encode() not in b"".join(r["password_hash"] for r in rows)
    assert rows[0]["password_hash"] == hash_password(PASSWORD, rows[0]["salt"])
    assert verify_user(store, "ana", PASSWORD) == 1
    with pytest.raises(ValueError, match="at least 8"):
        add_user(store, "cy", "short")
    with pytest.raises(ValueError, match="already exists"):
        add_user(store, "ana", PASSWORD)


def test_signed_values_reject_tampering() -> None:
    signed = sign_value(b"k" * 16, "token")
    assert unsign_value(b"k" * 16, signed) == "token"
    assert unsign_value(b"x" * 16, signed) is None
    assert unsign_value(b"k" * 16, "other" + signed[5:]) is None
    assert unsign_value(b"k" * 16, None) is None


@pytest.mark.parametrize("path", ["/", "/queue", "/items/1", "/queue?label=parody"])
def test_every_page_needs_a_session(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_every_action_needs_a_session(client: TestClient, store: ReviewStore) -> None:
    for path in ("/items/1/decision", "/logout"):
        response = client.post(path, data={"decision": "parody", "csrf_token": "x"})
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")
    assert store.history() == []


def test_forged_or_expired_session_cookie_is_refused(client: TestClient) -> None:
    client.cookies.set(SESSION_COOKIE, sign_value(b"wrong-secret-0123456789", "abc"))
    assert client.get("/queue").status_code == 303


def test_sign_in_sets_a_hardened_cookie_and_redirects(client: TestClient) -> None:
    response = sign_in(client)
    assert response.status_code == 303 and response.headers["location"] == "/queue"
    cookie = next(h for h in response.headers.get_list("set-cookie")
                  if h.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=" in cookie
    page = client.get("/queue")
    assert page.status_code == 200 and "signed in as <strong>ana</strong>" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_wrong_password_is_refused(client: TestClient) -> None:
    response = sign_in(client, password="not the password")
    assert response.status_code == 401
    assert "Wrong user name or password" in response.text
    assert SESSION_COOKIE not in response.cookies
    assert client.get("/queue").status_code == 303
    assert sign_in(client, user="nobody").status_code == 401


def test_login_without_csrf_token_is_forbidden(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "ana", "password": PASSWORD})
    assert response.status_code == 403
    client.cookies.delete(LOGIN_COOKIE)
    response = client.post("/login", data={"username": "ana", "password": PASSWORD,
                                           "csrf_token": "guess"})
    assert response.status_code == 403


def test_sign_in_is_rate_limited(client: TestClient) -> None:
    for _ in range(3):
        assert sign_in(client, password="wrong password!").status_code == 401
    # Even the right password is refused while the limit holds.
    blocked = sign_in(client)
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    assert "Too many failed sign-ins" in blocked.text


def test_open_redirects_after_sign_in_are_ignored(client: TestClient) -> None:
    page = client.get("/login?next=//evil.example/x")
    response = client.post("/login", data={"username": "ana", "password": PASSWORD,
                                           "csrf_token": csrf_of(page.text),
                                           "next": "//evil.example/x"})
    assert response.headers["location"] == "/queue"
    client.cookies.clear()
    page = client.get("/login?next=/items/2")
    response = client.post("/login", data={"username": "ana", "password": PASSWORD,
                                           "csrf_token": csrf_of(page.text), "next": "/items/2"})
    assert response.headers["location"] == "/items/2"


def test_decision_without_csrf_is_forbidden(client: TestClient, store: ReviewStore) -> None:
    sign_in(client)
    for data in ({"decision": "parody"}, {"decision": "parody", "csrf_token": "forged"}):
        response = client.post("/items/1/decision", data=data)
        assert response.status_code == 403
    assert store.history() == []


def test_decision_is_recorded_with_audit_fields_and_history(client: TestClient,
                                                             store: ReviewStore) -> None:
    sign_in(client)
    page = client.get("/items/1?status=undecided")
    assert page.status_code == 200
    token = csrf_of(page.text)
    sub = _SUBMISSION.search(page.text)
    assert sub
    response = client.post("/items/1/decision", data={
        "decision": "lookalike", "note": "no logo", "csrf_token": token,
        "submission_id": sub.group(1), "status": "undecided"})
    assert response.status_code == 303
    assert response.headers["location"] == "/items/2?status=undecided"
    # The same form sent again (double click, retry) changes nothing.
    again = client.post("/items/1/decision", data={
        "decision": "lookalike", "note": "no logo", "csrf_token": token,
        "submission_id": sub.group(1)}, headers={"accept": "application/json"})
    assert again.json()["duplicate"] is True
    # A second reviewer overturns it; history keeps both.
    client.cookies.clear()
    sign_in(client, user="ben")
    page = client.get("/items/1")
    client.post("/items/1/decision", data={"decision": "infringing", "csrf_token":
                                           csrf_of(page.text), "submission_id": "ben-1"})
    history = store.history(1)
    assert [(h["reviewer"], h["action"], h["previous_label"]) for h in history] == [
        ("ana", "lookalike", None), ("ben", "infringing", "lookalike")]
    assert history[0]["note"] == "no logo"
    assert history[0]["model_version"] == "test-model-v1"
    assert history[0]["model_label"] == "infringing"
    page = client.get("/items/1")
    assert "(was lookalike)" in page.text and "by ben" in page.text
    assert client.get("/queue?status=undecided").text.count('href="/items/') == 3


def test_skip_and_bad_decision_values(client: TestClient, store: ReviewStore) -> None:
    sign_in(client)
    token = csrf_of(client.get("/items/2").text)
    response = client.post("/items/2/decision", data={"decision": "skip", "csrf_token": token,
                                                      "submission_id": "s1"})
    assert response.status_code == 303
    assert store.item(2)["decided_label"] is None  # type: ignore[index]
    assert [h["action"] for h in store.history(2)] == ["skip"]
    bad = client.post("/items/2/decision", data={"decision": "delete", "csrf_token": token})
    assert bad.status_code == 400 and "expected one of" in bad.text


def test_listing_text_is_escaped(client: TestClient) -> None:
    sign_in(client)
    for path in ("/queue", "/items/3"):
        html = client.get(path).text
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html
        assert "<img src=x" not in html and "<b>bold</b>" not in html
        assert "<i>NoName</i>" not in html and "<b>Similar</b>" not in html
    html = client.get("/items/3").text
    assert ">&lt;img</span>" in html and ">onerror=alert(1)&gt;</span>" in html
    assert "&#34;quoted&#34;" in html and ">&amp;</span>" in html
    # The only scripts on the page are our own file.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/review.js" defer>']


def test_item_page_shows_highlights_bars_similar_and_shortcuts(client: TestClient) -> None:
    sign_in(client)
    html = client.get("/items/1").text
    assert 'class="sig brand obf"' in html and 'class="sig cue"' in html
    assert "background-color: rgba(220, 38, 38" in html  # positive attribution
    assert 'class="fill infringing" style="width: 55.0%"' in html
    assert "Similar" in html and "0.91" in html
    assert 'data-key="1"' in html and 'data-key="4"' in html and 'data-key="s"' in html
    assert 'data-next="/items/2"' in html
    assert client.get("/static/review.js").status_code == 200
    assert "http://" not in html and "https://" not in html  # nothing external


def test_queue_filters_and_bad_parameters(client: TestClient) -> None:
    sign_in(client)
    html = client.get("/queue?label=parody").text
    assert "Chewy Vuiton" in html and "G.U.C.C.I" not in html
    html = client.get("/queue?brand=Nike").text
    assert "Dunk Low" in html and "Chewy" not in html
    html = client.get("/queue?min_score=0.6&max_score=1").text
    assert "Dunk Low" in html and "Chewy" not in html
    html = client.get("/queue?per_page=1&page=2").text
    assert "Chewy" in html and "page 2 of 4" in html
    for bad in ("label=fake", "min_score=abc", "min_score=2", "page=0", "status=x"):
        assert client.get(f"/queue?{bad}").status_code == 400
    assert client.get("/items/999").status_code == 404


def test_logout_ends_the_session(client: TestClient) -> None:
    sign_in(client)
    token = csrf_of(client.get("/queue").text)
    assert client.post("/logout", data={}).status_code == 403
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/queue").status_code == 303


def test_mounted_under_a_prefix(store: ReviewStore) -> None:
    outer = FastAPI()
    outer.mount("/review", create_review_app(store.path, secret=SECRET))
    client = TestClient(outer, follow_redirects=False)
    assert client.get("/review/queue").headers["location"].startswith("/review/login")
    response = sign_in(client, prefix="/review")
    assert response.headers["location"] == "/review/queue"
    html = client.get("/review/items/1").text
    assert 'href="/review/static/review.css"' in html and 'data-next="/review/items/2"' in html
    assert client.get("/review/static/review.css").status_code == 200


def test_review_app_import_stays_light() -> None:
    import subprocess
    import sys

    code = ("import sys, nlp_ip.review.app, nlp_ip.review.store, nlp_ip.cli.review; "
            "print(sorted(m for m in ('torch', 'transformers', 'spacy', 'sklearn', 'nlp_ip_train',"
            " 'datasets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
