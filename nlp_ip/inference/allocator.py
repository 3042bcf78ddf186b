"""Keep a long-running inference process's memory flat (glibc ``malloc`` settings).

A server or a long ``predict`` run calls the model with batches of many
different shapes (rows x padded length). glibc's allocator raises its mmap
threshold each time a large block is freed, after which the activation
buffers of later batches come from the heap, and freed heap memory is kept
for reuse instead of being returned. The process then grows with every new
batch shape. Measured with MiniLM-L6 (torch fp32, one thread, 600 calls of
1-16 random seed listings, ``benchmarks/bench_memory.py``): resident memory
went 547 -> 1011 MB with the defaults and 539 -> 629 MB with a fixed 1 MiB
mmap threshold.

:func:`tune_allocator` applies that setting through ``mallopt`` in the running
process. The command-line entry points (``nlp-ip serve``, ``nlp-ip predict``,
the Ray actors) call it; library users can call it themselves. It does nothing
on other C libraries, when ``NLP_IP_MALLOC_TUNING=0``, or when the user set
``MALLOC_MMAP_THRESHOLD_`` themselves.
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
