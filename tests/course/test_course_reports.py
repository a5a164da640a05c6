"""The class report, and the results import's handling of missing or partial results."""
from __future__ import annotations

import json
import re

import nbformat
import pytest

from autograder.cli import main
from autograder.course import class_report, gradebook_import, intake


def _result(student, score, status="graded", tests=None):
    tests = tests or []
    return {"assignment": "optimizers", "student": student, "submission": f"{student}.ipynb", "score": score,
            "max_score": 20.0, "status": status, "message": f"{status} message", "isolation": "full",
            "tests": tests}


def _test(name, function, passed, diagnosis=None, status=None, points=10.0):
    return {"name": name, "function": function, "points": points if passed else 0.0, "max_points": points,
            "status": status or ("passed" if passed else "failed"), "message": "m", "diagnosis": diagnosis}


ADAM = "Adam without bias correction: m and v start at zero"


@pytest.fixture
def results_dir(tmp_path):
    folder = tmp_path / "results" / "optimizers"
    folder.mkdir(parents=True)
    records = [
        _result("ann", 20.0, tests=[_test("sgd: a", "sgd", True), _test("adam: a", "adam", True)]),
        _result("ben", 10.0, tests=[_test("sgd: a", "sgd", True), _test("adam: a", "adam", False, ADAM)]),
        _result("<script>alert(1)</script>", 10.0,
                tests=[_test("sgd: a", "sgd", True), _test("adam: a", "adam", False, ADAM, status="error")]),
        _result("dan", 0.0, status="timeout", tests=[_test("sgd: a", "sgd", False, status="timeout"),
                                                     _test("adam: a", "adam", False, status="timeout")]),
        _result("eve", 10.0, tests=[_test("sgd: a", "sgd", True), _test("adam: a", "adam", False, status="error")]),
    ]
    for number, r in enumerate(records):
        (folder / f"student{number}.json").write_text(json.dumps(r))
    (folder / "grades.csv").write_text("not json")
    (folder.parent / "unrelated.json").write_text(json.dumps({"hello": 1}))
    return folder.parent


def test_class_report_is_self_contained_html_with_every_part(results_dir, tmp_path):
    out = tmp_path / "report.html"
    assert main(["class-report", str(results_dir), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert oct(out.stat().st_mode & 0o777) == oct(0o666 & ~intake.current_umask())
    # Nothing is loaded: no src/href at all, no URL, a policy that forbids fetching.
    assert not re.search(r"(src|href)=", page) and "http:" not in page and "https:" not in page and "default-src 'none'" in page
    assert "<title>Class report: optimizers</title>" in page
    assert page.count("<svg") == 2 and "aria-label='score histogram'" in page
    assert "5 submissions" in page
    assert "<td>adam: a</td><td data-sort='20' class='n'>20%</td>" in page  # 1 of 5 passed
    assert "<td>adam</td><td>Adam without bias correction</td><td data-sort='2' class='n'>2</td>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;, ben" in page  # the students who made it, escaped
    students = page.split("id='students-optimizers'")[1].split("</table>")[0]
    assert students.count("<tr>") == 6  # header + 5 students
    assert "<td data-sort='0' class='n'>0 / 10</td>" in students  # dan's sgd points
    grading_problems = page.split("Grading errors and timeouts")[1]
    assert "dan" in grading_problems and "timeout" in grading_problems and "eve" in grading_problems
    assert "ann" not in grading_problems
    assert page.count("<script>") == 1 and "alert(1)</script>" not in page


def test_messages_are_cut_at_a_word_boundary_never_inside_a_word():
    message = "NameError: name 'np' is not defined " * 20
    cut = class_report.shorten(message, 60)
    assert len(cut) <= 60 and cut.endswith(" …")
    assert all(word in message.split() for word in cut[:-2].split())
    assert class_report.shorten("short message") == "short message"
    assert class_report.shorten("x" * 100, 20) == "x" * 18 + " …"


def test_mistakes_are_named_from_mistake_id_or_diagnosis():
    by_id = {"function": "adam", "diagnosis": None, "mistake_id": "adam-eps-inside-sqrt"}
    assert class_report.mistake_name(by_id)[0] == "epsilon inside the square root"
    by_text = {"function": "adam", "diagnosis": "Some title: why"}
    assert class_report.mistake_name(by_text) == ("Some title", "why")
    assert class_report.mistake_name({"function": "adam", "diagnosis": None}) is None
    unknown = {"function": "adam", "diagnosis": None, "mistake_id": "not-in-the-catalogue"}
    assert class_report.mistake_name(unknown) == ("not-in-the-catalogue", "")


def test_class_report_of_nothing_says_so(tmp_path):
    out = tmp_path / "r.html"
    assert main(["class-report", str(tmp_path), "--out", str(out)]) == 1
    assert "No results found" in out.read_text()
    assert main(["class-report", str(tmp_path / "missing"), "--out", str(out)]) == 2


def _partial_grade(outputs, max_points=10.0):
    """What nbgrader's SaveAutoGrades would record for a test cell with these outputs."""
    from nbgrader.utils import determine_grade

    cell = nbformat.v4.new_code_cell("")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "points": max_points, "grade_id": "test_adam"}
    cell.outputs = outputs
    return determine_grade(cell)[0]


def test_each_test_cell_gets_an_output_nbgrader_scores_as_ours():
    result = _result("ben", 10.0, tests=[_test("adam: a", "adam", True, points=4.0),
                                         _test("adam: b", "adam", False, ADAM, points=6.0),
                                         _test("sgd: a", "sgd", True, points=10.0)])
    outputs = gradebook_import.cell_outputs(result, "adam", "optimizers")
    assert _partial_grade(outputs) == 4.0
    assert "likely mistake: " + ADAM in outputs[0]["text"]
    assert _partial_grade(gradebook_import.cell_outputs(result, "sgd", "optimizers")) == 10.0
    # No result, no function, no tests of it: an error, which nbgrader scores 0 (a cell
    # without output would get full marks).
    assert _partial_grade([]) == 10.0
    assert _partial_grade(gradebook_import.cell_outputs(None, "adam", "optimizers")) == 0
    assert _partial_grade(gradebook_import.cell_outputs(result, None, "optimizers")) == 0
    assert _partial_grade(gradebook_import.cell_outputs(result, "rmsprop", "optimizers")) == 0


def test_test_cells_are_matched_to_functions_by_their_call():
    source = '# Hidden tests\n### BEGIN HIDDEN TESTS\nfrom autograder.notebook import hidden_test\n' \
             'hidden_test("optimizers", "adam", globals())\n### END HIDDEN TESTS'
    assert gradebook_import.function_of(source, "whatever", "optimizers") == "adam"
    assert gradebook_import.function_of("", "test_rmsprop", "optimizers") == "rmsprop"
    assert gradebook_import.function_of(source, "x", "regularization") is None
    assert gradebook_import.function_of("print(1)", "test_nothing", "optimizers") is None


def test_feedback_strips_hidden_tests_even_from_the_students_own_cells():
    """nbgrader's ClearHiddenTests stops at a student's cell holding the marker (enforce_metadata)
    or at a region without its end; the feedback version strips both and keeps the outputs."""
    from nbgrader.preprocessors import ClearHiddenTests

    from autograder.course.feedback import ClearHiddenTestsInFeedback

    def notebook():
        test = nbformat.v4.new_code_cell("# tests\n### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS")
        test.metadata["nbgrader"] = {"grade": True, "solution": False, "points": 1, "grade_id": "t",
                                     "schema_version": 3}
        test.outputs = [nbformat.v4.new_output("stream", name="stdout", text="adam: 1 / 1 points\n")]
        student = nbformat.v4.new_code_cell("x = 1\n# BEGIN HIDDEN TESTS\nsecret_too()")
        return nbformat.v4.new_notebook(cells=[test, student])

    with pytest.raises(RuntimeError):
        ClearHiddenTests().preprocess(notebook(), {})
    nb, _ = ClearHiddenTestsInFeedback().preprocess(notebook(), {})
    assert nb.cells[0].source == "# tests" and nb.cells[1].source == "x = 1"
    assert nb.cells[0].outputs[0]["text"] == "adam: 1 / 1 points\n"
