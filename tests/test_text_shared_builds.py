"""Compiled text pipelines are shared by catalog content, and building one never blocks
callers of another (a hot swap loads a new model folder with its own catalog copy while
the old version keeps serving: issue 17, hot swap under load)."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from nlp_ip.brands import default_catalog_path, load_catalog
from nlp_ip.text.extract import extract_signals
from nlp_ip.text.pipeline import get_matcher, get_pipeline
from nlp_ip.text.shared import BuiltOnce


def test_copies_of_one_catalog_share_one_pipeline(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "brands.yaml", tmp_path / "b" / "brands.yaml"
    for copy in (a, b):
        copy.parent.mkdir()
        shutil.copyfile(default_catalog_path(), copy)
    assert get_pipeline(a) is get_pipeline(b)
    assert get_matcher(a) is get_matcher(b)
    # a catalog edited in place is read again and gets a pipeline of its own
    assert "Zorblaxx Atelier" not in {brand.name for brand in load_catalog(b).brands}
    text = b.read_text(encoding="utf-8")
    assert "\nbrands:\n" in text
    entry = ("\nbrands:\n  - name: Zorblaxx Atelier\n    category: luxury_fashion\n"
             "    aliases: [Zorblaxx]\n    context_words: [tote, bag]\n    goods: [tote]\n"
             "    price_range: {min: 100, max: 900, currency: USD}\n")
    b.write_text(text.replace("\nbrands:\n", entry, 1), encoding="utf-8")
    assert get_pipeline(b) is not get_pipeline(a)
    found = {m.brand for m in extract_signals("Zorblaxx Atelier tote", catalog_path=b).brands}
    assert found == {"Zorblaxx Atelier"}
    assert not extract_signals("Zorblaxx Atelier tote", catalog_path=a).brands


def test_a_slow_build_blocks_only_its_own_key() -> None:
    cache: BuiltOnce[str] = BuiltOnce(maxsize=4)
    cache.get("old", lambda: "old pipeline")
    started, release = threading.Event(), threading.Event()
    built: list[str] = []

    def slow_build() -> str:
        started.set()
        release.wait(10)
        built.append("new")
        return "new pipeline"

    waiter = threading.Thread(target=lambda: built.append(cache.get("new", slow_build)))
    twin = threading.Thread(target=lambda: built.append(cache.get("new", slow_build)))
    waiter.start()
    assert started.wait(10)
    twin.start()
    t0 = time.perf_counter()
    assert cache.get("old", lambda: "rebuilt") == "old pipeline"  # not behind the build
    assert time.perf_counter() - t0 < 1.0
    release.set()
    waiter.join(10)
    twin.join(10)
    assert built.count("new") == 1  # built once, the second caller waited for it
    assert built.count("new pipeline") == 2


def test_a_failed_build_is_retried_and_the_oldest_entry_is_evicted() -> None:
    cache: BuiltOnce[int] = BuiltOnce(maxsize=2)

    def broken() -> int:
        raise ValueError("catalog does not validate")

    with pytest.raises(ValueError, match="does not validate"):
        cache.get("k", broken)
    assert cache.get("k", lambda: 1) == 1
    cache.get("l", lambda: 2)
    cache.get("m", lambda: 3)
    assert cache.get("k", lambda: 4) == 4  # evicted, built again
