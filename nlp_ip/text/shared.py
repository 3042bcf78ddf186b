"""Objects built once and shared between models: compiled pipelines and matchers.

Keyed by the brand catalog's *content*: every model folder carries its own copy of the
catalog, and a new version of a model usually carries the same bytes as the one it
replaces, so a hot swap reuses the compiled pipeline.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class BuiltOnce(Generic[T]):
    """Objects built once per key and shared, newest kept (``maxsize``).

    A build holds only its own key's lock: while a server loads a new model version
    (whose catalog may be new), the version still serving keeps getting its pipeline
    at once instead of waiting behind a build of seconds.
    """

    def __init__(self, maxsize: int) -> None:
        self._maxsize = maxsize
        self._lock = threading.Lock()
        self._built: OrderedDict[Hashable, T] = OrderedDict()
        self._building: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        with self._lock:
            if key in self._built:
                self._built.move_to_end(key)
                return self._built[key]
            key_lock = self._building.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._built:  # built while this thread waited
                    return self._built[key]
            try:
                value = build()
            finally:
                with self._lock:
                    self._building.pop(key, None)
            with self._lock:
                self._built[key] = value
                while len(self._built) > self._maxsize:
                    self._built.popitem(last=False)
            return value

    def clear(self) -> None:
        with self._lock:
            self._built.clear()


_DIGESTS: dict[str, tuple[int, int, str]] = {}
_DIGESTS_LOCK = threading.Lock()


def catalog_key(path: str) -> str:
    """The catalog's content digest (re-read only when its size or mtime changes).

    Compiled matchers and pipelines are shared by content, not path: each model folder
    carries its own copy of the catalog, and a new version of a model usually carries
    the same bytes as the one it replaces.
    """
    try:
        stat = os.stat(path)
    except OSError:
        return f"path:{path}"  # load_catalog reports the missing file
    with _DIGESTS_LOCK:
        known = _DIGESTS.get(path)
    if known is not None and known[:2] == (stat.st_mtime_ns, stat.st_size):
        return known[2]
    with open(path, "rb") as handle:
        digest = "sha256:" + hashlib.sha256(handle.read()).hexdigest()
    with _DIGESTS_LOCK:
        _DIGESTS[path] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest
