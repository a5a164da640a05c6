"""The bank of wrong submissions in ``tests/engine/wrong/<assignment>/``.

Each breaks exactly one function in a realistic way, and says so in its header
(``breaks: <function>``, ``mistake: <catalogue id or none>``). A ``.py`` entry holds
only that function and names its base (``base: <assignment>``): the rest is the one
correct solution, ``examples/submissions/<assignment>/alice_correct.py``; its other top-level
code (a cheat's set-up that patches the grader at import) is appended after it. The
notebook entries hold their header cell and that function's cell; the rest is
``bob_correct.ipynb`` of the same folder (with its magics and broken experiment cells). Each must lose points on that function and on no other, and
when the mistake is catalogued some failing test must name it.
"""
from __future__ import annotations

import pytest

from autograder import checks
from autograder.mistakes import catalogue
from autograder.sandbox.inside import judging
from engine_support import UNNAMED_ALLOWED, WRONG, base_of, compose, failures, meta, per_function, submission_files

BANK = submission_files(WRONG)
IDS = [str(p.relative_to(WRONG)) for p in BANK]


def test_the_bank_is_big_and_covers_every_assignment():
    assert len(BANK) >= 15
    assert {p.parent.name for p in BANK} == set(checks.ASSIGNMENTS)
    assert any(p.suffix == ".ipynb" for p in BANK)


def test_every_generic_diagnosis_has_a_bank_entry():
    declared = {meta(p)["mistake"] for p in BANK}
    assert set(judging.GENERIC) <= declared, set(judging.GENERIC) - declared


@pytest.mark.parametrize("path", BANK, ids=IDS)
def test_a_bank_file_holds_only_its_broken_function_and_names_its_base(path):
    import ast
    import json

    assert base_of(path) == path.parent.name
    code = ([path.read_text()] if path.suffix == ".py" else
            ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"])
    defined = [n.name for source in code for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
    assert defined == [meta(path)["breaks"]]
    composed = compose(path)
    assert all(f"def {name}(" in composed for name in checks.functions(path.parent.name))


@pytest.mark.parametrize("path", BANK, ids=IDS)
def test_declares_one_graded_function_and_a_known_mistake(path):
    declared = meta(path)
    assert declared["breaks"] in checks.functions(path.parent.name)
    if declared["mistake"] in judging.GENERIC:
        return
    if declared["mistake"]:
        mistake = next((m for m in catalogue.CATALOGUE if m.id == declared["mistake"]), None)
        assert mistake is not None, f"unknown catalogue id {declared['mistake']}"
        assert mistake.function == declared["breaks"]


@pytest.mark.parametrize("path", BANK, ids=IDS)
def test_loses_points_only_on_the_broken_function(wrong_bank, path):
    result = wrong_bank[path]
    declared = meta(path)
    assert result["status"] == "graded", result["message"]
    points = per_function(result)
    assert set(points) == set(checks.functions(path.parent.name))
    got, most = points[declared["breaks"]]
    assert got < most, f"{declared['breaks']} should lose points:\n{failures(result)}"
    for function, (got, most) in points.items():
        if function != declared["breaks"]:
            assert got == pytest.approx(most), f"{function} lost points:\n{failures(result)}"
    for t in result["tests"]:
        if t["status"] != "passed":
            assert t["function"] == declared["breaks"]
            assert t["message"] and t["message"] != "passed"


@pytest.mark.parametrize("path", [p for p in BANK if meta(p)["mistake"]],
                         ids=[i for p, i in zip(BANK, IDS, strict=True) if meta(p)["mistake"]])
def test_the_catalogued_mistake_is_named(wrong_bank, path):
    result = wrong_bank[path]
    diagnoses = {t["diagnosis"] for t in result["tests"] if t["status"] != "passed"}
    if meta(path)["mistake"] in judging.GENERIC:
        # A generic diagnosis (judging.GENERIC) names what it measured after its title.
        title = judging.GENERIC[meta(path)["mistake"]]
        assert any(d and d.startswith(title + ":") for d in diagnoses), failures(result)
        return
    mistake = next(m for m in catalogue.CATALOGUE if m.id == meta(path)["mistake"])
    assert mistake.text() in diagnoses, failures(result)


@pytest.mark.parametrize("path", BANK, ids=IDS)
def test_every_failing_test_names_a_mistake(wrong_bank, path):
    """Not only the declared mistake: every failing test of every bank entry says what is wrong by
    name (a catalogued mistake or a generic diagnosis), unless UNNAMED_ALLOWED says why it cannot."""
    entry = str(path.relative_to(WRONG))
    unnamed = [t for t in wrong_bank[path]["tests"] if t["status"] != "passed" and not t["mistake_id"]
               and (entry, t["name"]) not in UNNAMED_ALLOWED]
    assert not unnamed, "\n".join(f"{t['name']}: {t['message'][:300]}" for t in unnamed)


def test_every_unnamed_exception_is_still_a_failing_unnamed_test(wrong_bank):
    """An exception that no longer applies (the test passes or is named now) must be removed."""
    by_entry = {str(p.relative_to(WRONG)): wrong_bank[p] for p in BANK}
    for entry, name in UNNAMED_ALLOWED:
        test = next(t for t in by_entry[entry]["tests"] if t["name"] == name)
        assert test["status"] != "passed" and not test["mistake_id"], (entry, name)
