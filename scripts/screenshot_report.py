#!/usr/bin/env python3
"""Render an HTML report in headless Chromium with the network off and save a PNG.

    python scripts/screenshot_report.py reports/seed-test/report.html report.png

Network is cut three ways: the page's own Content-Security-Policy forbids every
load, Chromium gets a dead proxy and a resolver that maps every host to
NOTFOUND, and, when ``unshare`` can create a network namespace (root on
Linux), Chromium runs in one with no interfaces but loopback. Exit code 0 and
a non-empty PNG mean the page rendered; the PNG is meant to be looked at.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
            "chrome", "headless_shell")


def find_browser() -> str | None:
    """$CHROME, else the first Chromium-family binary on PATH."""
    env = os.environ.get("CHROME")
    if env and shutil.which(env):
        return shutil.which(env)
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def _can_unshare_net() -> bool:
    unshare = shutil.which("unshare")
    if not unshare:
        return False
    try:
        return subprocess.run([unshare, "--net", "true"], capture_output=True,
                              timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def screenshot(html_path: Path, png_path: Path, *, width: int = 1280, height: int = 2400,
               browser: str | None = None, timeout: float = 120.0) -> list[str]:
    """Render ``html_path`` to ``png_path``; returns the command that ran."""
    browser = browser or find_browser()
    if browser is None:
        raise FileNotFoundError("no Chromium found; install it (e.g. `apt-get install -y "
                                "chromium`) or set $CHROME to the browser binary")
    html_path = html_path.resolve()
    png_path = png_path.resolve()
    png_path.parent.mkdir(parents=True, exist_ok=True)
    if png_path.exists():
        png_path.unlink()
    with tempfile.TemporaryDirectory(prefix="nlp-ip-chromium-") as profile:
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--disable-component-update",
               "--no-first-run", "--disable-sync", "--disable-extensions",
               "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
               f"--user-data-dir={profile}", "--hide-scrollbars",
               f"--screenshot={png_path}", f"--window-size={width},{height}",
               html_path.as_uri()]
        if _can_unshare_net():
            cmd = [shutil.which("unshare") or "unshare", "--net", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 or not png_path.is_file() or png_path.stat().st_size == 0:
        raise RuntimeError(f"Chromium failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return cmd


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, help="report.html to render")
    parser.add_argument("png", type=Path, help="where to write the screenshot")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2400)
    args = parser.parse_args(argv)
    cmd = screenshot(args.html, args.png, width=args.width, height=args.height)
    print(" ".join(cmd))
    print(f"wrote {args.png} ({args.png.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
