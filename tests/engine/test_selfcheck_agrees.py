"""Differential test: the grader's judges and the released self-check, on the same outputs,
give the same verdict and name the same mistakes.

The self-check is built for real (``selfcheck_build.build`` into a temporary folder) and
loaded from there; for every case it ships, both sides judge:
  * the outputs of every file of the wrong-answer bank (``tests/engine/wrong/``) and every
    catalogued wrong variant;
  * outputs derived at random (Hypothesis) from the reference's: NaN and inf planted,
    shapes transposed or reshaped to (N, 1) / (1, N), dtypes changed (bool, int, lists, None),
    values scaled or nudged.
The grader's side is ``case.judge`` (live references), the self-check's is
``judge_stored`` on the entry read back from ``selfcheck_data.npz``.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder import checks
from autograder.checks import framework
from autograder.sandbox.inside import compare, probes
from engine_support import UNNAMED_ALLOWED, UNNAMED_IN_ONE_PROCESS, WRONG, submission_files
from name_audit import bank_functions, build_selfchecks, quiet, references

COUNTS = {"bank": 0, "variants": 0, "random": 0, "failed": 0, "named": 0}


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """assignment -> (built selfcheck module, manifest, arrays)."""
    return build_selfchecks(tmp_path_factory.mktemp("selfchecks"))


def _shipped(released, assignment):
    module, manifest, arrays = released[assignment]
    by_name = {c.name: c for c in checks.suite(assignment)}
    for stored in manifest["functions"].values():
        for entry in stored:
            yield by_name[entry["name"]], entry, module, arrays


def _agree(case, entry, module, arrays, received):
    """Both judges on ``received``; assert the same verdict and the same named mistakes."""
    with quiet():
        verdict = case.judge(case, received)
        stored = module.judge_stored(entry, arrays, received)
    grader = (verdict.passed, list(verdict.mistake_ids))
    selfcheck = (stored.passed, [m[0] for m in stored.mistakes])
    assert grader == selfcheck, f"{case.name}: grader {grader} ({verdict.message[:300]}) vs self-check " \
                                f"{selfcheck} ({stored.message[:300]})"
    COUNTS["failed"] += not verdict.passed
    COUNTS["named"] += bool(verdict.mistake_ids)
    return verdict


def _observe(case, functions):
    with quiet():
        return compare.observe(case.probe, lambda name: functions[name], case.inputs, replica=case.replica)


@pytest.mark.parametrize("assignment", checks.ASSIGNMENTS)
def test_agree_on_every_bank_entry_and_every_catalogued_variant(released, assignment):
    bank = [p for p in submission_files(WRONG / assignment)]
    assert bank
    reference = references(assignment)
    implementations = [bank_functions(p) for p in bank]
    for case, entry, module, arrays in _shipped(released, assignment):
        for path, functions in zip(bank, implementations, strict=True):
            try:
                received = _observe(case, {**reference, **functions})
            except Exception:  # noqa: BLE001 - the probe raised: neither judge sees outputs
                continue
            verdict = _agree(case, entry, module, arrays, received)
            # Both sides name what fails (they agree, so one check covers the self-check's names).
            assert verdict.passed or verdict.mistake_ids or (
                str(path.relative_to(WRONG)), case.name) in UNNAMED_ALLOWED | UNNAMED_IN_ONE_PROCESS, (path.name, case.name, verdict.message)
            COUNTS["bank"] += 1
        for _mistake, wrong in framework.variant_functions(reference, case.function):
            try:
                received = _observe(case, wrong)
            except Exception:  # noqa: BLE001
                continue
            _agree(case, entry, module, arrays, received)
            COUNTS["variants"] += 1
        assert _agree(case, entry, module, arrays, _observe(case, reference)).passed


def _mutate(value, how, data):
    """A wrong version of one raw output value."""
    if not isinstance(value, np.ndarray):
        value = np.asarray(value, dtype=np.float64)
    flat = np.array(value, dtype=np.float64, copy=True).reshape(-1)
    if how == "nan" and flat.size:
        flat[data.draw(st.integers(0, flat.size - 1))] = np.nan
        return flat.reshape(value.shape)
    if how in ("inf", "-inf") and flat.size:
        flat[data.draw(st.integers(0, flat.size - 1))] = np.inf if how == "inf" else -np.inf
        return flat.reshape(value.shape)
    if how == "column":
        return flat.reshape(-1, 1)
    if how == "row":
        return flat.reshape(1, -1)
    if how == "transpose":
        return np.array(value).T.copy()
    if how == "bool":
        return flat.reshape(value.shape) != 0
    if how == "int":
        return np.round(flat).astype(np.int64).reshape(value.shape)
    if how == "float32":
        return flat.astype(np.float32).reshape(value.shape)
    if how == "list":
        return flat.tolist()
    if how == "none":
        return None
    if how == "scale":
        return flat.reshape(value.shape) * data.draw(st.sampled_from([-1.0, 0.0, 0.5, 2.0, 1 + 1e-7, 1e6]))
    if how == "nudge" and flat.size:
        flat[data.draw(st.integers(0, flat.size - 1))] += data.draw(st.sampled_from([1e-12, 1e-6, 1e-3, 1.0]))
        return flat.reshape(value.shape)
    return value


MUTATIONS = ("nan", "inf", "-inf", "column", "row", "transpose", "bool", "int", "float32", "list", "none",
             "scale", "nudge")


@pytest.mark.parametrize("assignment", checks.ASSIGNMENTS)
@settings(derandomize=True, max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_agree_on_random_wrong_outputs(released, assignment, data):
    shipped = list(_shipped(released, assignment))
    case, entry, module, arrays = data.draw(st.sampled_from(shipped))
    reference = references(assignment)
    with quiet():
        raw = probes.PROBES[case.probe](lambda name: reference[name], case.inputs)
        if case.replica is not None:
            raw[compare.REPLICA] = probes.PROBES[case.replica](lambda name: reference[name], case.inputs)
    for _ in range(data.draw(st.integers(1, 2))):
        # Nested outputs (the copies of the inputs the probe watched) are dicts: mutate a leaf.
        holder = raw
        key = data.draw(st.sampled_from(sorted(holder)))
        while isinstance(holder[key], dict) and holder[key]:
            holder = holder[key]
            key = data.draw(st.sampled_from(sorted(holder)))
        value = holder[key]
        if isinstance(value, str):
            # A text leaf (the reason a gradient check's f refused an evaluation): another reason, or none.
            holder[key] = data.draw(st.sampled_from(["", "f was called more than 3 times", "refused"]))
            continue
        if isinstance(value, dict):
            continue
        if isinstance(value, (tuple, list)) and value:
            index = data.draw(st.integers(0, len(value) - 1))
            value = list(value)
            value[index] = _mutate(value[index], data.draw(st.sampled_from(MUTATIONS)), data)
            holder[key] = tuple(value)
        else:
            holder[key] = _mutate(value, data.draw(st.sampled_from(MUTATIONS)), data)
    tree, payload = compare.encode_outputs(raw)
    _agree(case, entry, module, arrays, compare.decode_outputs(tree, payload))
    COUNTS["random"] += 1


def test_report_coverage():
    """Runs last in this file: the numbers for the record (pytest -s shows them)."""
    print(f"\ndifferential coverage: {COUNTS}")
    assert COUNTS["bank"] > 0 and COUNTS["variants"] > 0 and COUNTS["random"] > 0
    assert COUNTS["named"] > 0


# ------------------------------------------------ the drift the shared comparison removed --

def _decoded(value):
    tree, payload = compare.encode_outputs({"v": value})
    return compare.decode_outputs(tree, payload)


def test_infinity_expected_is_not_matched_by_a_finite_value():
    spec = [{"key": "v", "what": "v"}]
    problem, _ = compare.first_difference(_decoded(np.array([5.0, 1.0])), {"v": np.array([np.inf, 1.0])}, spec,
                                          1e-6, 1e-12, {})
    assert problem and "received 5, expected inf" in problem


def test_column_against_row_is_a_shape_error_not_a_broadcast():
    n = 3000
    spec = [{"key": "v", "what": "v"}]
    problem, _ = compare.first_difference(_decoded(np.ones((n, 1))), {"v": np.ones((1, n))}, spec, 1e-6, 1e-12, {})
    assert problem == f"v has shape ({n}, 1); expected shape (1, {n})"
    with pytest.raises(ValueError):
        compare.relative_errors(np.ones((n, 1)), np.ones((1, n)))
    assert compare.max_relative_error(np.ones((n, 1)), np.ones((1, n))) == np.inf


def test_an_oversized_output_is_refused_before_any_arithmetic():
    big = compare.wire.Received(np.zeros(compare.MAX_JUDGED_ELEMENTS + 1, dtype=np.uint8), {"kind": "array"})
    value, problem = compare.as_array(big, "the output")
    assert value is None and "more than any check expects" in problem
