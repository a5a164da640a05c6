"""The instructor workflow end to end, with the real nbgrader on a temporary course built from the
real source notebooks: release, submit, grade in the sandbox into the gradebook, export, feedback.

Three students: alice submits the solution, bob the untouched release, carol the solution with
one catalogued mistake (for optimizers: Adam without bias correction).
"""
from __future__ import annotations

import base64
import io
import json
import time

import pytest

from autograder import checks
from autograder.cli import main
from autograder.course import intake, nbgrader_run
from course_browser import offline_page
from course_support import WRONG, copy_course, exported_scores, nbgrader_cli, submit

HIDDEN_SOURCE = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "hidden_test(", "from autograder")


def auto_max(assignment):
    return sum(c.points for c in checks.suite(assignment))


def plot_png() -> tuple[str, int]:
    """A student's loss curve as saved in a notebook: (base64 PNG, width in pixels)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3), dpi=72)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot([1.0, 0.5, 0.3, 0.2, 0.15], color="tab:red")
    ax.set_title("alice's loss curve")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii"), 288


def add_plot_cell(folder, assignment):
    """A cell of the student's own, with the outputs Jupyter saved: a print and a plot."""
    path = folder / f"{assignment}.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "code", "id": "alice-plot", "metadata": {}, "execution_count": 9,
                        "source": "plt.plot(losses)\nprint('final loss', losses[-1])",
                        "outputs": [{"output_type": "stream", "name": "stdout", "text": "final loss 0.15\n"},
                                    {"output_type": "display_data", "metadata": {},
                                     "data": {"image/png": plot_png()[0], "text/plain": "<Figure>"}}]})
    path.write_text(json.dumps(nb), encoding="utf-8")


def prepare(course, assignment):
    function, _, code = WRONG[assignment]
    add_plot_cell(submit(course, "alice", assignment, solved=True), assignment)
    submit(course, "bob", assignment, solved=False)
    submit(course, "carol", assignment, solved=True, replace={function: code})


def grade(course, assignments):
    start = time.perf_counter()
    status = main(["grade-class", *assignments, "--course", str(course), "--quiet", "--workers", "2"])
    return status, time.perf_counter() - start


def check_graded(course, assignment, scores):
    function, mistake, _ = WRONG[assignment]
    results = {s: json.loads((course / "results" / assignment / f"{s}.json").read_text())
               for s in ("alice", "bob", "carol")}
    top = auto_max(assignment)
    # The solution: full marks, in our result and in nbgrader's gradebook.
    assert results["alice"]["score"] == pytest.approx(top)
    assert float(scores[(assignment, "alice")]["raw_score"]) == pytest.approx(top)
    # The untouched release: graded, zero, and a message per test rather than a crash.
    assert results["bob"]["status"] == "graded" and results["bob"]["score"] == 0
    assert all("NotImplementedError" in t["message"] for t in results["bob"]["tests"])
    assert float(scores[(assignment, "bob")]["raw_score"]) == 0
    # The wrong one: partial, the named mistake on the wrong function's tests.
    carol = results["carol"]
    assert 0 < carol["score"] < top
    assert float(scores[(assignment, "carol")]["raw_score"]) == pytest.approx(carol["score"])
    diagnoses = [t["diagnosis"] or "" for t in carol["tests"] if t["function"] == function]
    assert any(d.startswith(mistake) for d in diagnoses), diagnoses
    assert all(t["status"] == "passed" for t in carol["tests"] if t["function"] != function)


def check_feedback(course, assignment):
    function, mistake, _ = WRONG[assignment]
    pages = {s: (course / "feedback" / s / assignment / f"{assignment}.html").read_text(encoding="utf-8")
             for s in ("alice", "bob", "carol")}
    for student, page in pages.items():
        for text in HIDDEN_SOURCE:
            assert text not in page, f"{student}'s feedback shows hidden test source: {text!r}"
        # What the hidden tests printed is the feedback.
        assert f"{function}: " in page and " points" in page
    assert mistake in pages["carol"]
    assert "NotImplementedError" in pages["bob"]
    return pages


@pytest.mark.slow
def test_optimizers_end_to_end(released_course, tmp_path):
    assignment = "optimizers"
    course = copy_course(released_course, tmp_path / "course")
    prepare(course, assignment)
    steps = {}

    status, steps["grade-class"] = grade(course, [assignment])
    assert status == 0
    readable = 0o666 & ~intake.current_umask()
    for path in [*(course / "results" / assignment).glob("*.json"), course / "results" / assignment / "grades.csv"]:
        assert path.stat().st_mode & 0o777 == readable, path
    start = time.perf_counter()
    check_graded(course, assignment, exported_scores(course))
    steps["nbgrader export"] = time.perf_counter() - start

    start = time.perf_counter()
    done = nbgrader_cli(course, "generate_feedback", assignment)
    assert done.returncode == 0, done.stderr[-3000:]
    steps["nbgrader generate_feedback"] = time.perf_counter() - start
    check_feedback(course, assignment)
    start = time.perf_counter()
    check_feedback_offline_in_chromium(course / "feedback" / "alice" / assignment / f"{assignment}.html",
                                       tmp_path / "feedback_alice.png")
    steps["feedback in Chromium"] = time.perf_counter() - start

    # Without the configured fix, nbgrader 0.9.6's feedback does show the hidden tests
    # (nbgrader#917): the check above can fail.
    from nbgrader.converters import GenerateFeedback
    from traitlets.config import Config

    default = Config()
    default.GenerateFeedback.preprocessors = ["nbgrader.preprocessors.GetGrades",
                                              "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]
    default.HTMLExporter.template_name = "feedback"
    nbgrader_run.run(GenerateFeedback, course, assignment, "carol", extra_config=default, force=True)
    leaked = (course / "feedback" / "carol" / assignment / f"{assignment}.html").read_text(encoding="utf-8")
    assert "BEGIN HIDDEN TESTS" in leaked

    # Plain `nbgrader autograde` (the notebook executed, hidden tests in the kernel) gives carol
    # the same score as the sandboxed grader.
    ours = gradebook_score(course, assignment, "carol")
    start = time.perf_counter()
    done = nbgrader_cli(course, "autograde", assignment, "--student", "carol", "--force")
    assert done.returncode == 0, done.stderr[-3000:]
    steps["plain nbgrader autograde (1 submission)"] = time.perf_counter() - start
    assert gradebook_score(course, assignment, "carol") == pytest.approx(ours)
    print("; ".join(f"{k}: {v:.1f} s" for k, v in steps.items()))


def check_feedback_offline_in_chromium(page_file, screenshot):
    """The feedback page with every off-machine request blocked (and counted: none may be made):
    the math is typeset by the MathJax inside the page, and the student's own plot is shown."""
    with offline_page() as (page, blocked, errors):
        page.goto(page_file.as_uri())
        page.wait_for_function("() => document.querySelectorAll('mjx-container svg').length > 0", timeout=60_000)
        assert page.locator("mjx-container").count() > 10
        prose = page.eval_on_selector_all(".text_cell_render", "cells => cells.map(c => c.innerText).join(' ')")
        assert "$" not in prose and "\\frac" not in prose  # no TeX left untypeset
        plot = page.locator("img[src^='data:image/png']")
        assert plot.count() == 1
        assert plot.evaluate("img => img.complete && img.naturalWidth") == plot_png()[1]
        assert "final loss 0.15" in page.inner_text("body")
        plot.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot))
        page.locator("mjx-container").first.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot.with_name(screenshot.stem + "_math.png")))
        assert blocked == [], blocked
        assert errors == [], errors
    print(f"feedback screenshots: {screenshot} and {screenshot.stem}_math.png")


def gradebook_score(course, assignment, student):
    with nbgrader_run.gradebook(course) as gb:
        return gb.find_submission(assignment, student).score


def test_grading_before_release_is_refused(tmp_path):
    from course_support import new_course

    course = new_course(tmp_path / "course", ["optimizers"])
    (course / "submitted" / "alice" / "optimizers").mkdir(parents=True)
    assert main(["grade-class", "optimizers", "--course", str(course), "--quiet"]) == 2


@pytest.mark.slow
def test_all_four_assignments_end_to_end_and_plain_nbgrader_agrees(released_course, tmp_path):
    course = copy_course(released_course, tmp_path / "course")
    for assignment in checks.ASSIGNMENTS:
        prepare(course, assignment)
    status, seconds = grade(course, list(checks.ASSIGNMENTS))
    assert status == 0
    print(f"grade-class (12 submissions): {seconds:.1f} s")
    ours = exported_scores(course)
    for assignment in checks.ASSIGNMENTS:
        check_graded(course, assignment, ours)
        done = nbgrader_cli(course, "generate_feedback", assignment)
        assert done.returncode == 0, done.stderr[-3000:]
        check_feedback(course, assignment)

    # Plain nbgrader, executing every notebook with the hidden tests in the kernel: same scores.
    for assignment in checks.ASSIGNMENTS:
        start = time.perf_counter()
        done = nbgrader_cli(course, "autograde", assignment, "--force")
        assert done.returncode == 0, done.stderr[-3000:]
        print(f"plain nbgrader autograde {assignment} (3 submissions): {time.perf_counter() - start:.1f} s")
    plain = exported_scores(course)
    for key, row in ours.items():
        assert plain[key]["raw_score"] == row["raw_score"], (key, plain[key], row)
