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
