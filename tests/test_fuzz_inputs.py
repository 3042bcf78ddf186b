"""Fuzzing the input readers (targets and strategies in ``benchmarks/fuzz_inputs.py``):
random bytes, every JSON type in every field, deep nesting, huge numbers, corrupt files.
Only documented errors may come out: the ``nlp_ip.errors`` hierarchy or ``RowError`` rows
for files, a 4xx answer with the error body for HTTP; never a 500 or an uncaught exception.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("hypothesis")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from fuzz_inputs import READERS, fuzz


def _report(reader: str, cases: int) -> None:
    tally = fuzz(reader, cases, random_seed=2026)
    print(f"{reader}: {tally.cases} cases, {tally.failures} undocumented exceptions")
    assert tally.cases == cases
    assert not tally.undocumented, "\n".join(
        f"{count} x {key}\n{tally.examples[key]}" for key, count in tally.undocumented.items())


@pytest.mark.parametrize("reader", READERS)
def test_readers_raise_only_documented_errors(reader: str) -> None:
    _report(reader, 80)


@pytest.mark.slow
@pytest.mark.parametrize("reader", READERS)
def test_readers_raise_only_documented_errors_on_10000_cases(reader: str) -> None:
    _report(reader, 10_000)
