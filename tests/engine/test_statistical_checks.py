"""The statistical checks (dropout, initializers) against many random draws.

A correct implementation must pass under every seed (the bounds are set for a
failure probability below 1e-6 per suite), and a catalogued wrong one must fail
under every seed, not by luck of the default seed. Both the reference and a
student's different-but-correct formulation (the ``alice_correct`` examples) are
soaked. The fast suite uses a few seeds; ``-m slow`` uses hundreds.
"""
from __future__ import annotations

import copy
import functools

import numpy as np
import pytest

from autograder import checks
from autograder.checks.framework import reference_functions, run_probe_locally
from autograder.mistakes import catalogue, variants
from autograder.references import initialization as ref_initialization
from autograder.references import regularization as ref_regularization
from engine_support import EXAMPLES

RANDOM_PROBES = {"dropout_behaviour", "dropout_perturbed", "initializer_samples"}
REFERENCES = {"regularization": ref_regularization, "initialization": ref_initialization}


def _random_cases(assignment):
    return [c for c in checks.suite(assignment) if c.probe in RANDOM_PROBES]


def _reseeded(case, seed):
    case = copy.copy(case)
    case.inputs = dict(case.inputs, seed=seed, other_seed=seed + 100_003)
    return case


@functools.lru_cache(maxsize=None)
def _implementations(assignment):
    namespace: dict = {"__name__": "alice"}
    exec(compile((EXAMPLES / assignment / "alice_correct.py").read_text(), "alice_correct.py", "exec"), namespace)
    alice = {name: namespace[name] for name in checks.functions(assignment)}
    return {"reference": reference_functions(REFERENCES[assignment]), "alice": alice}


def _failures(assignment, implementation, seeds, only=None):
    functions = _implementations(assignment)[implementation] if isinstance(implementation, str) else implementation
    bad = []
    for case in _random_cases(assignment):
        if only and case.function != only:
            continue
        for seed in seeds:
            c = _reseeded(case, seed)
            with np.errstate(all="ignore"):
                verdict = c.judge(c, run_probe_locally(c, functions))
            if not verdict.passed:
                bad.append((c.name, seed, verdict.message[:300]))
    return bad


@pytest.mark.parametrize("implementation", ["reference", "alice"])
@pytest.mark.parametrize("assignment", sorted(REFERENCES))
def test_correct_implementations_pass_under_other_seeds(assignment, implementation):
    assert not _failures(assignment, implementation, seeds=range(1000, 1003))


@pytest.mark.slow
@pytest.mark.parametrize("assignment", sorted(REFERENCES))
def test_a_different_correct_formulation_passes_under_many_seeds(assignment):
    """200 seeds x every random case, on alice's formulation (rng.binomial masks, SVD-based
    orthogonal, scaled standard draws): the bounds must hold for any correct implementation,
    not only for the reference's way of drawing (tests/statistics soaks the reference itself)."""
    assert not _failures(assignment, "alice", seeds=range(2000, 2200))


STATISTICAL_MISTAKES = [m for m in catalogue.CATALOGUE
                        if any(c.function == m.function for a in REFERENCES for c in _random_cases(a))]


def _assignment_of(function):
    return next(a for a in REFERENCES if function in checks.functions(a))


@pytest.mark.parametrize("mistake", STATISTICAL_MISTAKES, ids=[m.id for m in STATISTICAL_MISTAKES])
def test_catalogued_mistakes_fail_under_every_seed(mistake):
    assignment = _assignment_of(mistake.function)
    functions = dict(_implementations(assignment)["reference"])
    functions[mistake.function] = functools.partial(getattr(variants, mistake.function), **mistake.knobs)
    seeds = range(3000, 3003)
    failed_seeds = {seed for _, seed, _ in _failures(assignment, functions, seeds, only=mistake.function)}
    assert failed_seeds == set(seeds), f"{mistake.id} passes every test of {mistake.function} under some seeds"
