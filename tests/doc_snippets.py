"""Read the tested snippets out of the docs (not a test module).

A snippet is the fenced block right after a ``<!-- snippet: NAME -->`` line, so the doc
shows exactly the code a test runs.
"""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def doc_snippet(doc: str, name: str) -> str:
    """The body of the fenced block marked ``<!-- snippet: name -->`` in ``docs/<doc>``."""
    text = (DOCS / doc).read_text(encoding="utf-8")
    pattern = rf"<!-- snippet: {re.escape(name)} -->\s*\n```[\w-]*\n(.*?)\n```"
    found = re.findall(pattern, text, flags=re.DOTALL)
    if len(found) != 1:
        raise AssertionError(f"docs/{doc} should hold one snippet {name!r}, found {len(found)}")
    return str(found[0])
