"""The statistical checks must (almost) never fail a correct implementation.

Each bound in autograder/checks/statistics.py is set for a failure probability of
at most 1e-8 for a correct implementation. Here the reference implementations
are graded on many fresh seeds: any failure at all would mean a bound is far
tighter than its calculation claims. The fast run uses 30 seeds per case; the
slow one 500. The distribution tests (Kolmogorov–Smirnov, repeated values, runs,
keep rates across seeds, Haar spread) are among these cases' bounds.

And the bounds must still be able to fail: the same cases reject the
catalogued wrong variants (tests/engine/test_catalogue_diagnosis.py checks
every variant; here a few are checked over the same many seeds too), and the
cheats that match every moment (a four-point "normal", a {0, ±a} "uniform", a
signed permutation as "orthogonal", a seed-shifted block as a dropout mask) fail
and are named on every seed.
"""

from __future__ import annotations

import dataclasses
import functools

import pytest

from autograder import checks
from autograder.checks.framework import reference_functions, run_probe_locally
from autograder.mistakes import variants
from autograder.references import initialization, regularization
from autograder.sandbox.inside import judging

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

# The cheats that match every moment the checks used to test, and the distribution test that
# must catch each on every seed (and name it: the catalogue entry of the knob).
CHEATS = [
    (function, case_name, knobs)
    for function, knobs in (("xavier_normal", {"four_point": True}), ("kaiming_normal", {"four_point": True}),
                            ("xavier_uniform", {"three_point": True}), ("kaiming_uniform", {"three_point": True}))
    for case_name in ("distribution, fan_in < fan_out", "distribution, fan_in > fan_out")
] + [
    ("orthogonal", case_name, {"signed_permutation": True})
    for case_name in ("orthonormal columns (tall)", "orthonormal rows (wide)", "square and random")
] + [
    ("dropout_forward", case_name, {"contiguous_block": True})
    for case_name in ("keeps a fraction p of the units", "keeps a fraction p (p = 0.8, 1-d)", "scales kept units by 1/p",
                      "scales kept units by 1/p (float32)", "independent across units and seeds")
]


def _wrong_failures(function, case_name, knobs, seeds):
    case = next(c for c in RANDOM_CASES if c.name == f"{function}: {case_name}")
    functions = reference_functions(_module(case))
    functions[function] = functools.partial(getattr(variants, function), **knobs)
    return _failures(case, functions, seeds), len(seeds)


@pytest.mark.parametrize("function,case_name,knobs", WRONG, ids=[f"{w[0]}-{list(w[2])[0]}" for w in WRONG])
def test_wrong_variant_fails_on_every_seed(function, case_name, knobs):
    failed, seeds = _wrong_failures(function, case_name, knobs, range(1000, 1030))
    assert len(failed) == seeds, f"{function} with {knobs} passed on some seeds"


def _named_on_every_seed(function, case_name, knobs, seeds):
    from autograder.mistakes import catalogue
    mistake = next(m for m in catalogue.mistakes_for(function) if m.knobs == knobs)
    case = next(c for c in RANDOM_CASES if c.name == f"{function}: {case_name}")
    functions = reference_functions(_module(case))
    functions[function] = functools.partial(getattr(variants, function), **knobs)
    unnamed = []
    for seed in seeds:
        seeded = _with_seed(case, seed)
        verdict = seeded.judge(seeded, run_probe_locally(seeded, functions))
        if verdict.passed or mistake.id not in verdict.mistake_ids:
            unnamed.append((seed, verdict.passed, verdict.mistake_ids))
    return unnamed


CHEAT_IDS = [f"{c[0]}-{c[1]}" for c in CHEATS]


@pytest.mark.parametrize("function,case_name,knobs", CHEATS, ids=CHEAT_IDS)
def test_cheat_fails_and_is_named_on_every_seed(function, case_name, knobs):
    unnamed = _named_on_every_seed(function, case_name, knobs, range(1000, 1020))
    assert not unnamed, f"{function} with {knobs}: passed or not named on {unnamed[:3]}"


@pytest.mark.slow
@pytest.mark.parametrize("function,case_name,knobs", CHEATS, ids=CHEAT_IDS)
def test_cheat_fails_on_500_seeds(function, case_name, knobs):
    # Only the verdict, not the name: naming runs every catalogued variant again for each seed
    # (the fast test above names each cheat on 20 seeds).
    case = next(c for c in RANDOM_CASES if c.name == f"{function}: {case_name}")
    functions = reference_functions(_module(case))
    functions[function] = functools.partial(getattr(variants, function), **knobs)
    passed = []
    for seed in range(5000, 5500):
        seeded = _with_seed(case, seed)
        entry = seeded.judge.entry(seeded)
        if judging.judge(entry, run_probe_locally(seeded, functions), seeded.inputs, variants=[]).passed:
            passed.append(seed)
    assert not passed, f"{function} with {knobs} passed on seeds {passed[:5]}"
