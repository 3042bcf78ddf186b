"""The glibc allocator trimming the engine does after each chunk."""

from __future__ import annotations

import os
import subprocess
import sys


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
