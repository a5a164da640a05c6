"""Calibrated time budgets (``autograder/budgets.py``): the formula, its edges, and
that real slow-but-correct code fits the budgets calibrated from the reference."""
from __future__ import annotations

import importlib
import math
import statistics
import time

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from autograder import budgets, checks
from autograder.checks import framework
from autograder.sandbox.inside import probes
from slow_but_correct import STYLES

TIMEOUT = 10.0
POLICY = budgets.Policy()


def test_a_fast_reference_gets_the_floor():
    budget = budgets.budget_for([0.001, 0.0012, 0.0009], TIMEOUT)
    assert budget.seconds == budgets.DEFAULT_FLOOR_S and budget.bound == budgets.BOUND_FLOOR
    assert budget.reference_s == pytest.approx(0.001)


def test_a_slower_reference_gets_a_multiple_of_its_time():
    budget = budgets.budget_for([0.2, 0.2, 0.2], TIMEOUT)
    assert budget.seconds == pytest.approx(budgets.DEFAULT_MULTIPLE * 0.2)
    assert budget.bound == budgets.BOUND_REFERENCE and not budget.is_ceiling


def test_many_numbers_get_room_for_a_loop_over_elements():
    budget = budgets.budget_for([0.01], TIMEOUT, items=200_000)
    assert budget.seconds == pytest.approx(budgets.DEFAULT_PER_ITEM_S * 200_000)
    assert budget.bound == budgets.BOUND_ITEMS


def test_the_timeout_caps_every_budget():
    budget = budgets.budget_for([1.0], TIMEOUT)
    assert budget.seconds == TIMEOUT and budget.is_ceiling and budget.reference_s == 1.0
    assert budgets.budget_for([0.001], 0.5).seconds == 0.5   # a timeout below the floor wins too


def test_one_preempted_run_does_not_inflate_the_budget():
    assert budgets.budget_for([0.001, 0.001, 4.0], TIMEOUT).bound == budgets.BOUND_FLOOR


@pytest.mark.parametrize("samples", [None, [], [float("nan")], [-1.0], [float("inf")], [True], ["0.1"]])
def test_without_usable_timings_the_ceiling_holds(samples):
    budget = budgets.budget_for(samples, TIMEOUT)
    assert budget.seconds == TIMEOUT and budget.is_ceiling and budget.reference_s is None


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), "10"])
def test_a_bad_timeout_is_refused(timeout):
    with pytest.raises(ValueError):
        budgets.budget_for([0.1], timeout)


@pytest.mark.parametrize("kwargs", [{"multiple": 0.5}, {"floor_s": 0}, {"floor_s": -1}, {"per_item_s": -1e-6},
                                    {"multiple": float("nan")}, {"floor_s": float("inf")}])
def test_a_bad_policy_is_refused(kwargs):
    with pytest.raises(ValueError):
        budgets.Policy(**kwargs)


def test_calibrate_maps_case_names_and_items():
    result = budgets.calibrate({"a": [0.001], "b": [0.3], "c": []}, TIMEOUT, items={"a": 400_000})
    assert result["a"].bound == budgets.BOUND_ITEMS and result["a"].seconds == pytest.approx(8.0)
    assert result["b"].bound == budgets.BOUND_REFERENCE
    assert result["c"].is_ceiling


def test_count_items_counts_numbers_in_nested_plain_data():
    value = {"x": np.zeros((3, 4)), "p": 0.5, "mode": "train", "more": [1, 2, (np.ones(5), {"k": 3.0})]}
    assert budgets.count_items(value) == 12 + 1 + 2 + 5 + 1


def test_stop_messages_say_which_limit_stopped_the_test():
    floor = budgets.stop_message(budgets.budget_for([0.002], TIMEOUT), TIMEOUT)
    assert "time budget of 1 s" in floor and "the least any test gets" in floor and "2 ms" in floor
    assert "--timeout 10 s is the ceiling" in floor
    reference = budgets.stop_message(budgets.budget_for([0.25], TIMEOUT), TIMEOUT)
    assert "20 times the reference's 250 ms" in reference
    ceiling = budgets.stop_message(budgets.budget_for([2.0], TIMEOUT), TIMEOUT)
    assert "time limit of 10 s (--timeout)" in ceiling and "budget" not in ceiling
    assert "killed" in floor and "killed" in ceiling


timings = st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=1, max_size=7)
policies = st.builds(budgets.Policy, multiple=st.floats(1, 1000), floor_s=st.floats(1e-3, 30),
                     per_item_s=st.floats(0, 1e-3))


def _check_budget_bounds(samples, timeout, policy, items, factor):
    budget = budgets.budget_for(samples, timeout, policy, items)
    assert min(policy.floor_s, timeout) <= budget.seconds <= timeout
    assert budget.seconds >= min(timeout, policy.multiple * statistics.median(samples)) * (1 - 1e-12)
    assert budget.seconds >= min(timeout, policy.per_item_s * items) * (1 - 1e-12)
    slower = budgets.budget_for([s * factor for s in samples], timeout, policy, items)
    assert slower.seconds >= budget.seconds * (1 - 1e-12)
    assert budget.is_ceiling == (budget.seconds == timeout and budget.bound == budgets.BOUND_TIMEOUT)


budget_cases = dict(samples=timings, timeout=st.floats(1e-3, 3600), policy=policies, items=st.integers(0, 10**9),
                    factor=st.floats(1, 100))


@settings(derandomize=True, max_examples=60, deadline=None)
@given(**budget_cases)
def test_budgets_stay_between_the_floor_and_the_timeout_and_grow_with_the_reference(samples, timeout, policy,
                                                                                    items, factor):
    _check_budget_bounds(samples, timeout, policy, items, factor)


@pytest.mark.slow
@settings(derandomize=True, max_examples=3000, deadline=None)
@given(**budget_cases)
def test_budget_bounds_soak(samples, timeout, policy, items, factor):
    _check_budget_bounds(samples, timeout, policy, items, factor)


# ------------------------------------------------- real code against real timings --

def _median_seconds(run, repeats=3) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


# The element-loop dropout runs loops over 200 000 elements for seconds: slow suite.
STYLE_PARAMS = [pytest.param(a, f, id=f"{a}-{f}", marks=[pytest.mark.slow] if a == "regularization" else [])
                for a, f in sorted(STYLES)]


@pytest.mark.parametrize("assignment,function", STYLE_PARAMS)
def test_slow_but_correct_styles_pass_within_their_calibrated_budgets(assignment, function):
    """Time the reference on every case of the function, calibrate, then run the
    slow style on the same cases: it must be judged correct and finish each case
    inside its budget (measured here at 3-17 % of it under a load of 15 on 2 cores)."""
    reference = framework.reference_functions(importlib.import_module(f"autograder.references.{assignment}"))
    slow = dict(reference, **{function: STYLES[(assignment, function)]})
    cases = [c for c in checks.suite(assignment) if c.function == function]
    assert cases
    for case in cases:
        raw_outputs = probes.PROBES[case.probe](reference.__getitem__, case.inputs)
        items = budgets.count_items(case.inputs) + budgets.count_items(raw_outputs)
        seconds = _median_seconds(lambda case=case: framework.run_probe_locally(case, reference))
        budget = budgets.budget_for([seconds], TIMEOUT, POLICY, items)
        start = time.perf_counter()
        outputs = framework.run_probe_locally(case, slow)
        took = time.perf_counter() - start
        verdict = case.judge(case, outputs)
        assert verdict.passed, f"{case.name}: the slow style is not correct: {verdict.message}"
        assert took < budget.seconds, (f"{case.name}: the slow style took {took:.3f} s, budget "
                                           f"{budget.seconds:.3f} s ({budget.bound})")
        assert not budget.is_ceiling or math.isclose(budget.seconds, TIMEOUT)


def test_an_endless_loop_in_an_optimizer_costs_the_floor_not_the_timeout():
    """The optimizers' reference is fast on every case, so every budget is the floor."""
    reference = framework.reference_functions(importlib.import_module("autograder.references.optimizers"))
    for case in checks.suite("optimizers"):
        seconds = _median_seconds(lambda case=case: framework.run_probe_locally(case, reference))
        budget = budgets.budget_for([seconds], TIMEOUT, POLICY, budgets.count_items(case.inputs))
        assert budget.bound == budgets.BOUND_FLOOR and budget.seconds == budgets.DEFAULT_FLOOR_S, case.name


@pytest.mark.parametrize("load,cores,factor", [(0.5, 2, 1.0), (2.0, 2, 1.0), (15.0, 2, 7.5), (8.0, 4, 2.0),
                                               (float("nan"), 2, 1.0), (-3.0, 2, 1.0), (10.0, 0, 1.0)])
def test_a_loaded_machine_raises_the_floor_never_lowers_it(load, cores, factor):
    assert budgets.contention(load, cores) == pytest.approx(factor)
    policy = budgets.policy_under_load(load, cores)
    assert policy.floor_s == pytest.approx(budgets.DEFAULT_FLOOR_S * factor)
    assert policy.floor_s >= budgets.DEFAULT_FLOOR_S
    assert policy.multiple == budgets.DEFAULT_MULTIPLE and policy.per_item_s == budgets.DEFAULT_PER_ITEM_S
    # An endless loop in a fast function costs the scaled floor, capped by --timeout.
    budget = budgets.budget_for([0.001], TIMEOUT, policy)
    assert budget.seconds == pytest.approx(min(TIMEOUT, budgets.DEFAULT_FLOOR_S * factor))
