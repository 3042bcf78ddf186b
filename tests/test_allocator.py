"""The glibc allocator trimming the engine does after each chunk."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def test_release_free_memory_is_rate_limited_and_can_be_switched_off() -> None:
    snippet = ("from nlp_ip.inference.allocator import release_free_memory as r; "
               "print(r(60.0), r(60.0))")
    env = {k: v for k, v in os.environ.items() if k != "NLP_IP_MALLOC_TUNING"}
    out = subprocess.run([sys.executable, "-c", snippet], env=env, capture_output=True,
                         text=True, check=True).stdout.strip()
    if sys.platform.startswith("linux"):
        assert out == "True False"  # the second call falls inside the interval
    env["NLP_IP_MALLOC_TUNING"] = "0"
    out = subprocess.run([sys.executable, "-c", snippet], env=env, capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == "False False"



_DEFERRED_SNIPPET = """
import threading, time
from nlp_ip.inference import allocator
first, second = allocator.release_free_memory(0.3), allocator.release_free_memory(0.3)
ran_at = allocator._last_trim
pending = [t.name for t in threading.enumerate() if t.name == "nlp-ip-trim"]
second_call = allocator.release_free_memory(0.3)  # still inside: no second timer
pending2 = [t.name for t in threading.enumerate() if t.name == "nlp-ip-trim"]
time.sleep(0.8)
print(first, second, second_call, len(pending), len(pending2),
      allocator._last_trim - ran_at >= 0.29, allocator._deferred is None)
"""


def test_a_trim_skipped_inside_the_interval_runs_when_it_ends() -> None:
    """The last batches before a quiet spell free memory too: a call inside the interval
    leaves one trim pending (not one per call), which runs once the interval is over."""
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc's malloc_trim: Linux only")
    env = {k: v for k, v in os.environ.items() if k != "NLP_IP_MALLOC_TUNING"}
    out = subprocess.run([sys.executable, "-c", _DEFERRED_SNIPPET], env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "False", "False", "1", "1", "True", "True"]
    env["NLP_IP_MALLOC_TUNING"] = "0"
    out = subprocess.run([sys.executable, "-c", _DEFERRED_SNIPPET], env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "False", "0", "0", "False", "True"]

_ARENAS_SNIPPET = """
import ctypes, sys, threading
from nlp_ip.inference.allocator import limit_arenas
capped = limit_arenas(2)
barrier = threading.Barrier(8)
def work():
    keep = [bytearray(1 << 20) for _ in range(4)]  # malloc, in this thread's arena
    barrier.wait()  # every thread alive at once: no arena is handed on
    barrier.wait()
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
sys.stdout.write(f"{capped}\\n"); sys.stdout.flush()
ctypes.CDLL("libc.so.6").malloc_stats()  # one "Arena N:" block per arena, on stderr
"""


def test_a_server_caps_glibc_arenas_unless_the_user_chose() -> None:
    """``limit_arenas`` (called by ``nlp-ip serve``): eight threads allocating at once share
    at most two arenas; ``MALLOC_ARENA_MAX`` or ``NLP_IP_MALLOC_TUNING=0`` leave it alone."""
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc's malloc arenas: Linux only")
    env = {k: v for k, v in os.environ.items()
           if k not in ("NLP_IP_MALLOC_TUNING", "MALLOC_ARENA_MAX")}

    def run(extra: dict[str, str]) -> tuple[str, int]:
        done = subprocess.run([sys.executable, "-c", _ARENAS_SNIPPET], env={**env, **extra},
                              capture_output=True, text=True, check=True)
        return done.stdout.strip(), done.stderr.count("Arena ")

    capped, arenas = run({})
    assert capped == "True" and 1 <= arenas <= 2
    free, arenas = run({"NLP_IP_MALLOC_TUNING": "0"})
    assert free == "False" and arenas > 2  # glibc's default: a thread, an arena
    assert run({"MALLOC_ARENA_MAX": "4"})[0] == "False"
