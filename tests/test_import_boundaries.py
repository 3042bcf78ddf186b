"""Stages depend one way: serving never loads the training stack (house style, rule 1)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

FORBIDDEN = ("nlp_ip_train", "datasets", "sklearn")

PROBE = """
import json, sys
for name in {modules!r}:
    __import__(name)
loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set({forbidden!r}))
print(json.dumps(loaded))
"""


def loaded_after_import(*modules: str) -> list[str]:
    code = PROBE.format(modules=list(modules), forbidden=list(FORBIDDEN))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("modules", [
    ("nlp_ip.inference",),
    ("nlp_ip.serve",),
    ("nlp_ip.serve.app", "nlp_ip.serve.keys", "nlp_ip.client", "nlp_ip.cli.serve",
     "nlp_ip.cli.keys"),
    ("nlp_ip.registry", "nlp_ip.cli.models"),
])
def test_inference_and_serving_do_not_load_the_training_stack(modules: tuple[str, ...]) -> None:
    assert loaded_after_import(*modules) == []


def test_the_probe_can_see_a_forbidden_import() -> None:
    # the check is real: importing the training package is reported
    assert "nlp_ip_train" in loaded_after_import("nlp_ip_train")


def test_the_runtime_does_not_load_the_exporters() -> None:
    # exporters sit beside the runtime: loading a model never imports them
    code = ("import sys, nlp_ip.inference, nlp_ip.inference.backends, nlp_ip.inference.files; "
            "print(sorted(m for m in sys.modules if m.startswith('nlp_ip.exporters')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=300).stdout.strip()
    assert out == "[]"
