"""Every catalogued mistake is caught and named.

For each entry of ``CATALOGUE``: the reference with that one function replaced
by the variant (with the entry's knobs) loses points on that function, and at
least one failing test's diagnosis is that mistake. This runs the probes and
judges in-process (``run_probe_locally`` + ``case.judge``), exactly as the
grader judges a sandboxed submission's decoded outputs; a handful of entries go
end to end through ``python -m autograder grade`` as well.
"""
from __future__ import annotations

import functools
import importlib
import inspect
import json

import numpy as np
import pytest

from autograder import checks
from autograder.checks.framework import reference_functions, run_probe_locally
from autograder.mistakes import catalogue, variants
from autograder.sandbox.inside import judging
from engine_support import per_function, run_cli

ASSIGNMENT_OF = {f: a for a in checks.ASSIGNMENTS for f in checks.functions(a)}
ENTRIES = list(catalogue.CATALOGUE)


def _verdicts(function: str, implementation) -> list[tuple[str, bool, str | None]]:
    """(case name, passed, diagnosis) for every case of ``function`` run on ``implementation``.

    Every failing verdict's message must start with the case's input in words:
    'each failing test says ... on which input'."""
    assignment = ASSIGNMENT_OF[function]
    functions = reference_functions(importlib.import_module(f"autograder.references.{assignment}"))
    functions[function] = implementation
    out = []
    for case in checks.suite(assignment):
        if case.function != function:
            continue
        try:
            with np.errstate(all="ignore"):
                outputs = run_probe_locally(case, functions)
        except Exception as exc:  # the sandbox would report it as an error: the case is lost
            out.append((case.name, False, f"raised {type(exc).__name__}"))
            continue
        verdict = case.judge(case, outputs)
        if not verdict.passed:
            assert verdict.message.startswith(case.setting + ": "), (case.name, verdict.message)
            assert len(verdict.message) > len(case.setting) + 20, (case.name, verdict.message)
        out.append((case.name, verdict.passed, verdict.diagnosis))
    return out


@functools.lru_cache(maxsize=None)
def _variant_verdicts(mistake_id: str):
    mistake = next(m for m in ENTRIES if m.id == mistake_id)
    return _verdicts(mistake.function, functools.partial(getattr(variants, mistake.function), **mistake.knobs))


def test_catalogue_is_well_formed():
    ids = [m.id for m in ENTRIES]
    assert len(ids) == len(set(ids)), "duplicate mistake ids"
    for m in ENTRIES:
        assert m.function in ASSIGNMENT_OF, m
        assert m.title and m.explanation and m.knobs, m
        parameters = inspect.signature(getattr(variants, m.function)).parameters
        assert set(m.knobs) <= set(parameters), f"{m.id}: unknown knob"
        assert all(parameters[k].kind is inspect.Parameter.KEYWORD_ONLY for k in m.knobs)


def test_every_graded_function_has_a_variant_and_the_issue_examples_are_catalogued():
    for function in ASSIGNMENT_OF:
        assert hasattr(variants, function), function
    ids = {m.id for m in ENTRIES}
    # the examples the issue names
    assert {"adam-no-bias-correction", "adam-eps-inside-sqrt", "rmsprop-like-adagrad", "sgd-momentum-forgets-velocity",
            "nesterov-as-momentum", "dropout-not-inverted", "dropout-keep-drop-swapped", "kaiming-fan-out",
            "xavier-var-as-std", "forward-difference", "x-not-restored"} <= ids


@pytest.mark.parametrize("function", sorted(ASSIGNMENT_OF))
def test_variant_with_default_knobs_passes_everything(function):
    """The variants are the reference when no knob is set; otherwise 'loses points' could be
    a variant bug rather than the mistake."""
    results = _verdicts(function, getattr(variants, function))
    assert all(passed for _, passed, _ in results), results


@pytest.mark.parametrize("mistake", ENTRIES, ids=[m.id for m in ENTRIES])
def test_mistake_loses_points_and_is_named(mistake):
    results = _variant_verdicts(mistake.id)
    failed = [(name, diagnosis) for name, passed, diagnosis in results if not passed]
    assert failed, f"{mistake.id}: every test of {mistake.function} passed"
    assert mistake.text() in {d for _, d in failed}, f"{mistake.id} is never named; diagnoses: {failed}"


@pytest.mark.parametrize("mistake", ENTRIES, ids=[m.id for m in ENTRIES])
def test_no_test_names_a_different_mistake(mistake):
    """A diagnosis is a claim about the student's code: when a variant is graded, no failing
    test may name another mistake (identical texts under two ids are the same claim). A generic
    diagnosis (judging.GENERIC) states what was measured on the output, not which mistake made it,
    so it may stand where a case cannot tell the variant apart (a transposed W is a wrong shape
    to a distribution test)."""
    results = _variant_verdicts(mistake.id)
    generic = tuple(f"{title}: " for title in judging.GENERIC.values())
    wrong = [(name, d) for name, passed, d in results if not passed and d and d != mistake.text()
             and not d.startswith("raised ") and not d.startswith(generic)]
    assert not wrong, f"{mistake.id} was diagnosed as something else: {wrong}"


# ------------------------------------------------------------------ end to end --

def _variant_submission(mistake: catalogue.Mistake) -> str:
    """The variants module as a student file, with the one function bound to its knobs."""
    source = inspect.getsource(variants)
    knobs = ", ".join(f"{k}={v!r}" for k, v in mistake.knobs.items())
    return (f"{source}\n\nimport functools as _functools\n"
            f"{mistake.function} = _functools.partial({mistake.function}, {knobs})\n")


E2E = ["adam-no-bias-correction", "nesterov-as-momentum", "forward-difference", "sparse-x-not-restored",
       "dropout-keep-drop-swapped", "l1-gradient-abs", "kaiming-fan-out", "xavier-uniform-normal"]


@pytest.fixture(scope="module")
def e2e_results(tmp_path_factory):
    by_assignment: dict[str, list] = {}
    folder = tmp_path_factory.mktemp("catalogue")
    for mistake_id in E2E:
        mistake = next(m for m in ENTRIES if m.id == mistake_id)
        path = folder / f"{mistake.id}.py"
        path.write_text(_variant_submission(mistake))
        by_assignment.setdefault(ASSIGNMENT_OF[mistake.function], []).append(path)
    results = {}
    for assignment, paths in by_assignment.items():
        out = folder / f"out-{assignment}"
        proc = run_cli("grade", assignment, *map(str, paths), "--out", str(out), "--quiet", "--workers", "2")
        assert proc.returncode == 0, proc.stderr
        for p in paths:
            results[p.stem] = json.loads((out / f"{p.stem}.json").read_text())
    return results


@pytest.mark.parametrize("mistake_id", E2E)
def test_end_to_end_through_the_cli(e2e_results, mistake_id):
    mistake = next(m for m in ENTRIES if m.id == mistake_id)
    result = e2e_results[mistake_id]
    points = per_function(result)
    for function, (got, most) in points.items():
        if function == mistake.function:
            assert got < most
        else:
            assert got == pytest.approx(most), (function, [t for t in result["tests"] if t["status"] != "passed"])
    assert mistake.text() in {t["diagnosis"] for t in result["tests"]}


@pytest.mark.parametrize("mistake", ENTRIES, ids=[m.id for m in ENTRIES])
def test_every_failing_test_of_a_variant_names_a_mistake(mistake):
    """Not only the one that names it: every test a catalogued variant fails says a name."""
    results = _variant_verdicts(mistake.id)
    unnamed = [name for name, passed, d in results if not passed and not d]
    assert not unnamed, f"{mistake.id}: failing tests without a name: {unnamed}"
