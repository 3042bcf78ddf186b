"""Keep a long-running inference process's memory flat (glibc ``malloc``).

A server or a Ray actor calls the model with batches of many different
shapes (rows x padded length). glibc's allocator raises its mmap threshold
each time a large block is freed, after which the activation buffers of later
batches come from the heap, and freed heap memory is kept for reuse instead of
being returned: the process grows with every new batch shape.

``python benchmarks/bench_memory.py --model runs/default/model-best`` runs the
same workload three ways side by side (MiniLM-L6, torch fp32, one thread, 600
calls of 1-16 random seed listings; measured on 2 EPYC cores): growth after
the first call +456 MB with glibc's defaults, +86 MB with a fixed 1 MiB mmap
threshold (:func:`tune_allocator`), +96 MB with :func:`release_free_memory`
(``malloc_trim`` at most every 0.5 s). The fixed threshold makes every
activation buffer over 1 MiB a fresh ``mmap`` with page faults: it cost the
HTTP server about a fifth of its throughput in ``benchmarks/load_test.py``, so
the server and the Ray actors call :func:`release_free_memory` after each
batch instead. :func:`tune_allocator` stays for users who prefer it.

Both do nothing on other C libraries or when ``NLP_IP_MALLOC_TUNING=0``;
:func:`tune_allocator` also leaves a ``MALLOC_MMAP_THRESHOLD_`` you set alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys

logger = logging.getLogger(__name__)

#: ``mallopt`` parameter number of ``M_MMAP_THRESHOLD`` in glibc's malloc.h.
_M_MMAP_THRESHOLD = -3
#: Blocks at least this large are mmap-ed and returned to the system on free.
DEFAULT_MMAP_THRESHOLD = 1 << 20
ENV_SWITCH = "NLP_IP_MALLOC_TUNING"

_applied: bool | None = None


def tune_allocator(mmap_threshold: int = DEFAULT_MMAP_THRESHOLD) -> bool:
    """Fix glibc's mmap threshold (see the module docstring); True when applied.

    Safe to call more than once (the first call decides).
    """
    global _applied
    if _applied is not None:
        return _applied
    _applied = False
    if os.environ.get(ENV_SWITCH, "1").strip().lower() in {"0", "false", "no", "off"}:
        logger.debug("allocator tuning switched off by %s", ENV_SWITCH)
        return False
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # noqa: B018 - present on glibc only
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    _applied = bool(mallopt(_M_MMAP_THRESHOLD, int(mmap_threshold)))
    if _applied:
        logger.debug("glibc mmap threshold fixed at %d bytes", mmap_threshold)
    return _applied


_last_trim = 0.0
_trim_lock = None


def release_free_memory(min_interval_s: float = 1.0) -> bool:
    """Return the allocator's free memory to the system (glibc ``malloc_trim``).

    For servers: call after each unit of work; it runs at most once per
    ``min_interval_s`` (a trim walks the heaps and costs about a millisecond),
    and only where tuning is not switched off (``NLP_IP_MALLOC_TUNING=0``).
    Returns True when a trim ran.
    """
    global _last_trim, _trim_lock
    import threading
    import time

    if os.environ.get(ENV_SWITCH, "1").strip().lower() in {"0", "false", "no", "off"}:
        return False
    if _trim_lock is None:
        _trim_lock = threading.Lock()
    now = time.monotonic()
    with _trim_lock:
        if now - _last_trim < min_interval_s:
            return False
        _last_trim = now
    trim = _malloc_trim()
    return bool(trim is not None and trim(0) >= 0)


def _malloc_trim():  # type: ignore[no-untyped-def]
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim
