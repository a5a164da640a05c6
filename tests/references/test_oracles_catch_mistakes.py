"""The torch-oracle tests can fail: with any catalogued mistake swapped into the
reference (``autograder.references.<assignment>.<function>`` replaced by the
variant with its knobs), the oracle test file of that function fails.

Each file runs once per mistake inside one subprocess (torch is imported once),
so this is slow; run it with ``pytest -m slow``.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import checks
from autograder.mistakes import catalogue

HERE = Path(__file__).resolve().parent
SCHEDULES = {"step_decay", "cosine_decay", "linear_decay", "inverse_sqrt_decay", "linear_warmup"}


def oracle_file(function: str) -> str:
    if function in SCHEDULES:
        return "test_schedules_vs_torch.py"
    assignment = next(a for a in checks.ASSIGNMENTS if function in checks.functions(a))
    return {"gradient_check": "test_gradient_check_vs_torch.py", "optimizers": "test_optimizers_vs_torch.py",
            "regularization": "test_regularization_vs_torch.py",
            "initialization": "test_initializers_vs_torch.py"}[assignment]


RUNNER = r"""
import functools, importlib, json, sys
import pytest
from autograder import checks
from autograder.mistakes import catalogue, variants
test_file, ids = sys.argv[1], sys.argv[2:]
outcome = {}
for mistake in (m for m in catalogue.CATALOGUE if m.id in ids):
    assignment = next(a for a in checks.ASSIGNMENTS if mistake.function in checks.functions(a))
    module = importlib.import_module(f"autograder.references.{assignment}")
    original = getattr(module, mistake.function)
    setattr(module, mistake.function, functools.partial(getattr(variants, mistake.function), **mistake.knobs))
    try:
        outcome[mistake.id] = int(pytest.main(["-x", "-q", "-p", "no:cacheprovider", test_file]))
    finally:
        setattr(module, mistake.function, original)
print("OUTCOME " + json.dumps(outcome))
"""

FILES = sorted({oracle_file(m.function) for m in catalogue.CATALOGUE})


@pytest.mark.slow
@pytest.mark.parametrize("test_file", FILES)
def test_every_catalogued_mistake_fails_its_oracle_tests(test_file):
    ids = [m.id for m in catalogue.CATALOGUE if oracle_file(m.function) == test_file]
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(HERE / test_file), *ids], capture_output=True,
                          text=True, cwd=HERE.parents[1], timeout=1800)
    line = next(l for l in proc.stdout.splitlines() if l.startswith("OUTCOME "))
    outcome = json.loads(line[len("OUTCOME "):])
    assert set(outcome) == set(ids)
    # pytest's exit code 1 means "some tests failed"; 0 would mean the oracle missed the mistake
    missed = [i for i, code in outcome.items() if code != 1]
    assert not missed, f"the oracle tests in {test_file} pass with these mistakes in the reference: {missed}"
