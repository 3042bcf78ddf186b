"""Keep a long-running inference process's memory flat (glibc ``malloc``).

A server, a Ray actor or a long ``predict`` run calls the model with batches
of many different shapes (rows x padded length). glibc's allocator raises its
mmap threshold each time a large block is freed, after which the activation
buffers of later batches come from the heap, and freed heap memory is kept for
reuse instead of being returned: the process grows with every new batch shape.

The engine (:class:`~nlp_ip.inference.ListingClassifier`) therefore calls
:func:`release_free_memory` (``malloc_trim``, at most once a second) after
each chunk it computes, whoever calls it. ``python benchmarks/bench_memory.py
--model runs/default/model-best`` runs the same workload three ways side by
side (MiniLM-L6, torch fp32, one thread, 600 calls of 1-16 random seed
listings, 2 EPYC cores): growth after the first call +456 MB with glibc's
defaults, +96 MB with ``malloc_trim``, +86 MB with a fixed 1 MiB mmap
threshold (``MALLOC_MMAP_THRESHOLD_=1048576``). The fixed threshold makes
every activation buffer over 1 MiB a fresh ``mmap`` with page faults, which
cost the HTTP server about a fifth of its throughput in
``benchmarks/load_test.py``; hence ``malloc_trim``.

A server that hot-swaps versions also caps glibc's malloc arenas at two
(:func:`limit_arenas`, called by ``nlp-ip serve`` before it starts any thread).
By default every thread that allocates may get an arena of its own, up to eight
per core; a new version's tensors land in the loading threads' arenas beside
longer-lived blocks, and freed space there is not given back. With a bf16 model
(weights cast after loading) the process grew by 25-40 MB with every swap; with
two arenas it stays flat (docs/lifecycle.md). ``MALLOC_ARENA_MAX`` in the
environment wins.

``NLP_IP_MALLOC_TUNING=0`` switches both off; on other C libraries they do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
import time
from typing import Any

_last_trim = 0.0
_trim_lock = threading.Lock()
_trim: Any = None
_deferred: threading.Timer | None = None


def release_free_memory(min_interval_s: float = 1.0) -> bool:
    """Return the allocator's free memory to the system (glibc ``malloc_trim``).

    Runs at most once per ``min_interval_s`` across threads (a trim walks the
    heaps and costs about a millisecond), and only where tuning is not switched
    off (``NLP_IP_MALLOC_TUNING=0``). Returns True when a trim ran.

    A call that falls inside the interval leaves one trim pending for the moment
    the interval ends (a daemon timer thread; at most one is pending at a time).
    Without it, the memory that the last batches before a quiet spell freed stayed
    with the process until the next call, so its idle level depended on which batch
    happened to come last (the default model, 150 calls of 1-16 rows, then idle: 681,
    607 and 608 MB without, 607-608 MB with; docs/serving.md, "Memory").
    """
    global _last_trim
    from nlp_ip.settings import RuntimeSettings

    if not RuntimeSettings.from_env().malloc_tuning:
        return False
    now = time.monotonic()
    with _trim_lock:
        wait = min_interval_s - (now - _last_trim)
        if wait > 0:
            _defer_trim(wait, min_interval_s)
            return False
        _last_trim = now
    trim = _malloc_trim()
    return bool(trim is not None and trim(0) >= 0)


def _defer_trim(wait: float, min_interval_s: float) -> None:
    """Start the one pending trim, ``wait`` seconds from now (call with ``_trim_lock`` held)."""
    global _deferred
    if _deferred is not None or _malloc_trim() is None:
        return

    def run() -> None:
        global _deferred
        with _trim_lock:
            _deferred = None
        release_free_memory(min_interval_s)

    _deferred = threading.Timer(wait, run)
    _deferred.name = "nlp-ip-trim"
    _deferred.daemon = True
    _deferred.start()


def _libc_function(name: str, argtypes: list[Any]) -> Any:
    """glibc's function ``name`` (returning int), or None off Linux or where it is missing."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):
        return None
    fn.argtypes = argtypes
    fn.restype = ctypes.c_int
    return fn


def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None where there is none (looked up once)."""
    global _trim
    if _trim is None:
        _trim = _libc_function("malloc_trim", [ctypes.c_size_t]) or False
    return _trim or None


#: glibc's ``mallopt`` parameter for the arena count (``M_ARENA_MAX`` in malloc.h)
_M_ARENA_MAX = -8
#: arenas in a server process (glibc's default: eight per core)
SERVER_ARENAS = 2


def limit_arenas(arenas: int = SERVER_ARENAS) -> bool:
    """Cap glibc's malloc arenas (``mallopt(M_ARENA_MAX)``) for the threads started after.

    Does nothing where ``MALLOC_ARENA_MAX`` is set (the user's choice), where tuning is off
    (``NLP_IP_MALLOC_TUNING=0``) or on other C libraries. Returns True when the cap was set.
    """
    from nlp_ip.settings import RuntimeSettings

    if "MALLOC_ARENA_MAX" in os.environ or not RuntimeSettings.from_env().malloc_tuning:
        return False
    mallopt = _libc_function("mallopt", [ctypes.c_int, ctypes.c_int])
    return mallopt is not None and mallopt(_M_ARENA_MAX, int(arenas)) == 1
