"""Screenshots of the review page for a review database, in headless Chromium.

    .venv/bin/python scripts/review_screenshot.py --db review.sqlite --out shots/ [--item 1]

The database is copied to a temporary folder first and a throw-away reviewer is
added to the copy, so the original is not touched. Needs ``pip install playwright``
and Debian's ``chromium`` (no browser download).
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--item", type=int, default=None, help="item id (default: first)")
    parser.add_argument("--width", type=int, default=1400)
    args = parser.parse_args(argv)

    import uvicorn
    from playwright.sync_api import sync_playwright

    from nlp_ip.review.app import create_review_app
    from nlp_ip.review.auth import add_user
    from nlp_ip.review.store import ReviewStore

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium is not installed (apt-get install -y chromium)", file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "review.sqlite"
        source = ReviewStore(args.db)
        with source.connect() as conn:  # a consistent copy, even of a live WAL database
            conn.execute("VACUUM INTO ?", (str(db),))
        store = ReviewStore(db)
        password = secrets.token_urlsafe(16)
        add_user(store, "screenshot", password)
        item_id = args.item or store.queue(limit=1)[0][0]["id"]
        app = create_review_app(db, secret=secrets.token_hex(32))
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=chromium, headless=True,
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--no-first-run"])
                page = browser.new_page(viewport={"width": args.width, "height": 1000})
                page.goto(f"{url}/login")
                page.fill("input[name=username]", "screenshot")
                page.fill("input[name=password]", password)
                page.click("button[type=submit]")
                page.wait_for_url(f"{url}/queue")
                page.screenshot(path=str(out / "queue.png"), full_page=True)
                page.goto(f"{url}/items/{item_id}")
                page.screenshot(path=str(out / f"item-{item_id}.png"), full_page=True)
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    print(f"wrote {out / 'queue.png'} and {out / f'item-{item_id}.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
