"""Which failing tests say no mistake name: every wrong-bank entry and every catalogued variant,
judged by the grader's judges (``case.judge``, live references) and by the released self-check
(``judge_stored`` on its shipped cases), in-process on the same probe outputs.

Run as a script for the list (``python tests/engine/name_audit.py``); the tests import
``unnamed_failures``.
"""
from __future__ import annotations

import contextlib
import importlib
import io
import sys
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from autograder import checks, submission  # noqa: E402
from autograder.checks import framework  # noqa: E402
from autograder.sandbox.inside import compare, probes  # noqa: E402
from engine_support import WRONG, compose, meta, submission_files  # noqa: E402


@contextlib.contextmanager
def quiet():
    with warnings.catch_warnings(), np.errstate(all="ignore"), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


@contextlib.contextmanager
def side_effects_undone():
    """Some bank entries patch what the grader's probes rely on when they load (np.random.seed,
    random.seed, the probes module): undo it, so this process's probes and references stay honest."""
    import random
    import sys

    saved_seeds = (np.random.seed, random.seed)
    saved_states = (np.random.get_state(), random.getstate())
    saved_probes = dict(probes.PROBES)
    saved_attributes = dict(vars(probes))
    try:
        yield
    finally:
        np.random.seed, random.seed = saved_seeds
        np.random.set_state(saved_states[0])
        random.setstate(saved_states[1])
        probes.PROBES.clear()
        probes.PROBES.update(saved_probes)
        for name, value in saved_attributes.items():
            setattr(probes, name, value)
        assert sys.modules["autograder.sandbox.inside.probes"] is probes


def bank_functions(path: Path) -> dict:
    """The callables of a bank entry composed with its base, run as the grader would load them."""
    namespace = {"__name__": "bank"}
    cells = ([{"source": compose(path), "filename": path.name}] if path.suffix == ".py"
             else submission.notebook_cells(compose(path), path.name))
    with quiet(), side_effects_undone():
        for cell in cells:
            try:
                exec(compile(cell["source"], cell["filename"], "exec"), namespace)
            except Exception:  # noqa: BLE001 - a notebook's experiment cell may fail; its functions count
                pass
    return {k: v for k, v in namespace.items() if callable(v)}


def references(assignment: str) -> dict:
    return framework.reference_functions(importlib.import_module(f"autograder.references.{assignment}"))


def implementations(assignment: str):
    """(label, function under test, functions) for every bank entry and catalogued variant."""
    reference = references(assignment)
    for path in submission_files(WRONG / assignment):
        yield f"bank {path.relative_to(WRONG)}", meta(path)["breaks"], {**reference, **bank_functions(path)}
    for function in checks.functions(assignment):
        for mistake, wrong in framework.variant_functions(reference, function):
            yield f"variant {mistake.id}", function, wrong


def grader_verdicts(assignment: str, function: str, functions: dict):
    """(case name, passed, mistake ids, message) of every graded case of ``function``."""
    for case in checks.suite(assignment):
        if case.function != function:
            continue
        try:
            with quiet():
                received = compare.observe(case.probe, lambda name: functions[name], case.inputs, replica=case.replica)
        except Exception as exc:  # noqa: BLE001 - the probe raised: an error message, judged elsewhere
            yield case.name, False, ("(probe raised)",), f"{type(exc).__name__}: {exc}"
            continue
        with quiet():
            verdict = case.judge(case, received)
        yield case.name, verdict.passed, verdict.mistake_ids, verdict.message


def selfcheck_verdicts(released, assignment: str, function: str, functions: dict):
    """The same, for the self-check's shipped cases of ``function``."""
    module, manifest, arrays = released[assignment]
    by_name = {c.name: c for c in checks.suite(assignment)}
    for entry in manifest["functions"].get(function, []):
        case = by_name[entry["name"]]
        try:
            with quiet():
                received = compare.observe(case.probe, lambda name: functions[name], case.inputs, replica=case.replica)
        except Exception as exc:  # noqa: BLE001
            yield case.name, False, ("(probe raised)",), f"{type(exc).__name__}: {exc}"
            continue
        with quiet():
            stored = module.judge_stored(entry, arrays, received)
        yield case.name, stored.passed, tuple(m[0] for m in stored.mistakes), stored.message


def build_selfchecks(out_dir: Path) -> dict:
    from autograder.course import selfcheck_build

    out = {}
    for assignment in checks.ASSIGNMENTS:
        folder = Path(out_dir) / assignment
        folder.mkdir(parents=True, exist_ok=True)
        selfcheck_build.build(assignment, folder)
        module = selfcheck_build.load_module(folder / "selfcheck.py")
        module.DATA_FILE = str(folder / "selfcheck_data.npz")
        out[assignment] = (module,) + tuple(module._data())
    return out


def unnamed_failures(released=None, assignments=checks.ASSIGNMENTS, bank_only=False):
    """[(side, label, case name, message)] for every failing test that names no mistake."""
    found = []
    for assignment in assignments:
        for label, function, functions in implementations(assignment):
            if bank_only and not label.startswith("bank"):
                continue
            sides = [("grader", grader_verdicts(assignment, function, functions))]
            if released is not None:
                sides.append(("self-check", selfcheck_verdicts(released, assignment, function, functions)))
            for side, verdicts in sides:
                for name, passed, ids, message in verdicts:
                    if not passed and not ids:
                        found.append((side, label, name, message))
    return found


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        released = build_selfchecks(Path(tmp))
        rows = unnamed_failures(released, bank_only="--bank" in sys.argv)
    for side, label, name, message in rows:
        print(f"{side:10s} | {label} | {name} | {message[:220]}")
    print(f"{len(rows)} unnamed failing tests")
