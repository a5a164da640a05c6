"""The benchmark's class of submissions (``bench/classroom.py``): its mix, its
subset for nbgrader, and the parsing of nbgrader's log."""
from __future__ import annotations

import collections
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import classroom  # noqa: E402


@pytest.mark.parametrize("n,stuck,mistakes", [(20, 1, 8), (100, 2, 40), (500, 10, 200)])
def test_the_class_has_two_percent_stuck_and_forty_percent_mistakes(n, stuck, mistakes):
    students = classroom.class_mix(n)
    kinds = collections.Counter(s.kind for s in students.values())
    assert kinds == {"stuck": stuck, "mistake": mistakes, "correct": n - stuck - mistakes}
    names = list(students)
    assert students[names[0]].kind != "stuck" and students[names[-1]].kind != "stuck"
    assert classroom.class_mix(n) == students   # fixed seed


def test_every_mistake_in_the_bank_and_the_examples_is_drawn_and_really_differs():
    labels = {s.label for s in classroom.class_mix(100).values()}
    for path in classroom.BANK.iterdir():
        assert f"wrong/{path.name}" in labels
    correct = {tuple(s.cells) for s in classroom.correct_pool()}
    for source in classroom.mistake_pool():
        assert tuple(source.cells) not in correct and source.broken


def test_a_stuck_source_loops_in_the_named_function_only():
    source = classroom.stuck_source("cosine_decay")
    namespace: dict = {}
    exec(source.cells[0].replace("    while True:\n        pass\n", "    raise TimeoutError\n"), namespace)
    with pytest.raises(TimeoutError):
        namespace["cosine_decay"](0.1, 3, 10)
    assert namespace["adam"] is not None and namespace["step_decay"](0.1, 31) == pytest.approx(0.01)


def test_the_subset_keeps_the_class_proportions_and_at_least_one_stuck():
    students = classroom.class_mix(500)
    subset = classroom.stratified_subset(students, 50)
    kinds = collections.Counter(students[s].kind for s in subset)
    assert kinds == {"correct": 29, "mistake": 20, "stuck": 1}
    assert len(set(subset)) == len(subset)


def test_per_student_times_come_from_nbgrader_log_lines():
    log = ("100.000 INFO Updating/creating assignment 'optimizers'\n"
           "101.500 INFO Creating/updating student with ID 'student000': {}\n"
           "101.600 INFO Autograding /x/autograded/student000/optimizers/optimizers.ipynb\n"
           "104.000 INFO Creating/updating student with ID 'student001': {}\n"
           "a traceback line without a timestamp\n")
    times, startup = classroom._per_student_times(log, 99.0, 110.0)
    assert times == {"student000": pytest.approx(2.5), "student001": pytest.approx(6.0)}
    assert startup == pytest.approx(2.5)
    with pytest.raises(RuntimeError):
        classroom._per_student_times("no student here\n", 0.0, 1.0)


def test_a_declared_mistake_nbgrader_misses_is_not_a_disagreement():
    import run_benchmark

    full = {f: float(p) for f, p in classroom.POINTS.items()}
    students = {"s0": classroom.Source("mistake", "wrong/x.py", ["..."], ("adam",)),
                "s1": classroom.Source("correct", "reference solution", ["..."])}

    def result(lost):
        tests = [{"function": f, "points": 0.0 if f in lost else p} for f, p in full.items()]
        score = sum(t["points"] for t in tests)
        return {"tests": tests, "score": score, "max_score": sum(full.values())}

    ours = {"s0": result({"adam"}), "s1": result({"sgd"})}
    theirs = {"s0": dict(full), "s1": dict(full)}
    comparison = run_benchmark.compare(students, ours, theirs)
    assert comparison["nbgrader_missed"] == [("s0", "wrong/x.py", "adam")]
    # sgd is not declared broken for s1: that one stays a disagreement (and a correct one marked down)
    assert [d[:3] for d in comparison["disagreements"]] == [("s1", "reference solution", "sgd")]
    assert comparison["wrong_correct"]
