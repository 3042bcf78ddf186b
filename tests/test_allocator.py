"""The glibc allocator tuning applied by the long-running entry points."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SNIPPET = ("from nlp_ip.inference.allocator import tune_allocator; "
           "print(tune_allocator(), tune_allocator())")


def _run(**env: str) -> str:
    full = {k: v for k, v in os.environ.items()
            if k not in {"NLP_IP_MALLOC_TUNING", "MALLOC_MMAP_THRESHOLD_"}}
    full.update(env)
    out = subprocess.run([sys.executable, "-c", SNIPPET], env=full, capture_output=True,
                         text=True, check=True)
    return out.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_applied_once_on_glibc() -> None:
    import platform

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("not glibc")
    assert _run() == "True True"


@pytest.mark.parametrize("env", [{"NLP_IP_MALLOC_TUNING": "0"},
                                 {"NLP_IP_MALLOC_TUNING": "off"},
                                 {"MALLOC_MMAP_THRESHOLD_": "65536"}])
def test_user_settings_win(env: dict[str, str]) -> None:
    assert _run(**env) == "False False"


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
