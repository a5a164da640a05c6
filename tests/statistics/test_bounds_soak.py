"""The statistical checks must (almost) never fail a correct implementation.

Each bound in autograder/checks/statistics.py is set for a failure probability of
at most 1e-8 for a correct implementation. Here the reference implementations
are graded on many fresh seeds: any failure at all would mean a bound is far
tighter than its calculation claims. The fast run uses 30 seeds per case; the
slow one 500.

And the bounds must still be able to fail: the same cases reject the
catalogued wrong variants (tests/engine/test_catalogue_diagnosis.py checks
every variant; here a few are checked over the same many seeds too).
"""

from __future__ import annotations

import dataclasses
import functools

import pytest

from autograder import checks
from autograder.checks.framework import reference_functions, run_probe_locally
from autograder.mistakes import variants
from autograder.references import initialization, regularization

RANDOM_CASES = [c for c in checks.suite("regularization") if c.function == "dropout_forward"] + \
               [c for c in checks.suite("initialization")]
REFERENCES = {"dropout_forward": regularization, "dropout_backward": regularization}


def _module(case):
    return regularization if case.function.startswith("dropout") else initialization


def _with_seed(case, seed):
    inputs = dict(case.inputs)
    inputs["seed"] = int(seed)
    inputs["other_seed"] = int(seed) + 100_003
    return dataclasses.replace(case, inputs=inputs)


def _failures(case, functions, seeds):
    failed = []
    for seed in seeds:
        seeded = _with_seed(case, seed)
        verdict = seeded.judge(seeded, run_probe_locally(seeded, functions))
        if not verdict.passed:
            failed.append((seed, verdict.message[:300]))
    return failed


@pytest.mark.parametrize("case", RANDOM_CASES, ids=lambda c: c.name)
def test_correct_implementation_passes_on_many_seeds(case):
    failed = _failures(case, reference_functions(_module(case)), range(1000, 1030))
    assert not failed, f"{case.name} failed a correct implementation: {failed[:3]}"


@pytest.mark.slow
@pytest.mark.parametrize("case", RANDOM_CASES, ids=lambda c: c.name)
def test_correct_implementation_passes_on_500_seeds(case):
    failed = _failures(case, reference_functions(_module(case)), range(5000, 5500))
    assert not failed, f"{case.name} failed a correct implementation: {failed[:3]}"


WRONG = [
    ("dropout_forward", "keeps a fraction p of the units", {"keep_drop_swapped": True}),
    ("dropout_forward", "preserves the expectation", {"not_inverted": True}),
    ("kaiming_normal", "distribution, fan_in > fan_out", {"use_fan_out": True}),
    ("xavier_uniform", "distribution, fan_in < fan_out", {"bound_sqrt_3": True}),
    ("kaiming_uniform", "distribution, fan_in < fan_out", {"normal_instead": True}),
]


@pytest.mark.parametrize("function,case_name,knobs", WRONG, ids=[f"{w[0]}-{list(w[2])[0]}" for w in WRONG])
def test_wrong_variant_fails_on_every_seed(function, case_name, knobs):
    case = next(c for c in RANDOM_CASES if c.name == f"{function}: {case_name}")
    functions = reference_functions(_module(case))
    functions[function] = functools.partial(getattr(variants, function), **knobs)
    failed = _failures(case, functions, range(1000, 1030))
    assert len(failed) == 30, f"{function} with {knobs} passed on some seeds"
