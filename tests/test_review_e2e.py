"""End to end in a real headless Chromium (Debian ``chromium``) driven by Playwright.

Sign in, open the queue, filter it, open an item, see the highlighted spans, label
it with the keyboard, then find the decision in the database and in the export.
Screenshots go to ``$NLP_IP_ARTIFACTS_DIR/review`` (default: the test's tmp dir).

Needs ``pip install playwright`` (no browser download: the system Chromium is used).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from review_support import PASSWORD, fill_store, running_server

from nlp_ip.io import read_listings
from nlp_ip.review.auth import add_user
from nlp_ip.review.export import export_corrections
from nlp_ip.review.store import ReviewStore

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, ReviewStore]]:
    pytest.importorskip("uvicorn")
    store = fill_store(tmp_path / "review.sqlite")
    add_user(store, "ana", PASSWORD)
    with running_server(store.path) as url:
        yield url, store


def test_review_in_a_real_browser(served: tuple[str, ReviewStore], tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    url, store = served
    shots = Path(os.environ.get("NLP_IP_ARTIFACTS_DIR", tmp_path)) / "review"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu",
                                           "--disable-background-networking",
                                           "--disable-component-update", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/queue")
        assert "/login" in page.url  # no session: sent to sign in
        page.fill("input[name=username]", "ana")
        page.fill("input[name=password]", PASSWORD)
        page.screenshot(path=str(shots / "1-login.png"))
        page.click("button[type=submit]")
        page.wait_for_url(f"{url}/queue")
        assert page.locator("table.queue tbody tr").count() == 4
        page.select_option("select[name=label]", "lookalike")
        page.click("form.filters button[type=submit]")
        page.wait_for_url("**label=lookalike**")
        rows = page.locator("table.queue tbody tr")
        assert rows.count() == 1
        page.screenshot(path=str(shots / "2-queue-filtered.png"), full_page=True)
        rows.first.locator("a").click()
        page.wait_for_url("**/items/3**")
        # The <script> in the title is shown as text, not run.
        assert "<script>alert('xss')</script>" in page.inner_text("#listing-title")
        assert page.locator("#listing-title mark.sig.brand").count() == 1
        assert page.locator("#listing-description span.w[style*=background]").count() > 3
        page.screenshot(path=str(shots / "3-item.png"), full_page=True)
        page.fill("textarea[name=note]", "flap bag, no logo")
        page.locator("body").click(position={"x": 5, "y": 5})
        page.keyboard.press("3")  # lookalike
        page.wait_for_url("**/queue?label=lookalike**")
        page.screenshot(path=str(shots / "4-after-decision.png"), full_page=True)
        # j/k move between items.
        page.goto(f"{url}/items/1")
        page.keyboard.press("j")
        page.wait_for_url(f"{url}/items/2")
        page.keyboard.press("k")
        page.wait_for_url(f"{url}/items/1")
        browser.close()
    [decision] = store.decisions()
    assert (decision["item_id"], decision["label"], decision["reviewer"]) == (3, "lookalike",
                                                                              "ana")
    assert decision["note"] == "flap bag, no logo"
    out = tmp_path / "corrections.jsonl"
    assert export_corrections(store.path, out) == 1
    [listing], _ = read_listings(out)
    assert listing.id == "r-3" and listing.label is not None
    assert listing.label.value == "lookalike"
    assert (shots / "3-item.png").stat().st_size > 10_000
