"""Putting the sandboxed grader's results into nbgrader's gradebook.

How: ``nbgrader autograde`` itself, with one preprocessor swapped. nbgrader's
autograde first sanitizes the submission (clears outputs, restores the locked
and test cells from the gradebook), then runs ``Execute`` (the student's code,
in a kernel, unsandboxed), ``SaveAutoGrades`` (reads each test cell's outputs:
an error gives 0, a numeric result gives partial credit) and the rest. Here
``Execute`` is replaced by ``InjectResults``, which runs nothing: it writes
into each hidden-test cell what ``hidden_test`` would have printed for that
function (the per-test table with messages and named mistakes), computed from
our JSON result, and the points as the cell's result. So nbgrader records the
submission, timestamps, late penalties, the students and the scores the usual
way, ``nbgrader export`` and ``generate_feedback`` work unchanged, and the
feedback shows our messages.

Why not ``nbgrader autograde --no-execute`` followed by setting scores: that
flag also keeps the student's saved outputs (``ClearOutput`` off), and nbgrader
scores a test cell by its outputs, giving full marks to one without output;
forged or missing outputs would count until overwritten. Here the outputs are
cleared and only ours are written.

A test cell is matched to its function by the ``hidden_test("<assignment>",
"<function>", ...)`` call in its source (restored from the gradebook), else by
a ``test_<function>`` grade id. nbgrader gives full marks to a test cell with
no output, so every test cell gets an output here, an error when there is no
result for it; and ``verify`` re-reads the gradebook and compares every score
with the JSON.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from autograder import checks
from autograder.course import nbgrader_run
from autograder.course.nbgrader_run import CourseError
from autograder.results import ResultError, read_result

HIDDEN_TEST_CALL = re.compile(r"""hidden_test\(\s*["'](\w+)["']\s*,\s*["'](\w+)["']""")


def function_of(source: str, grade_id: str, assignment: str) -> str | None:
    """The graded function a test cell grades, or None."""
    match = HIDDEN_TEST_CALL.search(source or "")
    if match and match.group(1) == assignment and match.group(2) in checks.functions(assignment):
        return match.group(2)
    if grade_id and grade_id.startswith("test_") and grade_id[5:] in checks.functions(assignment):
        return grade_id[5:]
    return None


def function_points(result: dict, function: str) -> tuple[float, float, list[dict]]:
    """(points earned, points possible, tests) for one function, as hidden_test counts them."""
    tests = [t for t in result.get("tests", []) if t.get("function") == function]
    possible = round(sum(float(t["max_points"]) for t in tests), 6)
    if tests and all(t["status"] == "passed" for t in tests):
        return possible, possible, tests
    return round(sum(float(t["points"]) for t in tests), 6), possible, tests


def cell_outputs(result: dict | None, function: str | None, assignment: str) -> list:
    """What the hidden-test cell shows: the table of tests, and its points as the result."""
    import nbformat

    from autograder.notebook import format_table

    def failure(text):
        return [nbformat.v4.new_output("stream", name="stdout", text=text + "\n"),
                nbformat.v4.new_output("error", ename="NotGraded", evalue=text, traceback=[text])]

    if result is None:
        return failure("No result from the autograder for this submission: it was not graded.")
    if function is None:
        return failure(f"This test cell names no graded function of {assignment}; it cannot be scored.")
    earned, possible, tests = function_points(result, function)
    if not tests:
        return failure(f"The autograder's result has no tests of `{function}`.")
    rows = [{"name": t["name"], "points": float(t["points"]), "max_points": float(t["max_points"]),
             "passed": t["status"] == "passed", "message": t.get("message") or t["status"],
             "diagnosis": t.get("diagnosis")} for t in tests]
    text = format_table(function, rows)
    if result.get("status") != "graded":
        text = f"Grading of this submission ended with status '{result.get('status')}': {result.get('message')}\n" + text
    return [nbformat.v4.new_output("stream", name="stdout", text=text + "\n"),
            nbformat.v4.new_output("execute_result", data={"text/plain": repr(float(earned))}, execution_count=None)]


def _inject_results_class():
    """Defined on first use, so that importing this module does not import nbgrader."""
    global InjectResults
    if "InjectResults" in globals():
        return InjectResults
    from nbgrader import utils
    from nbgrader.preprocessors import NbGraderPreprocessor
    from traitlets import Unicode

    class InjectResults(NbGraderPreprocessor):
        """Stands in for nbgrader's Execute: fills the hidden-test cells from our JSON results, and
        gives the student's own cells back the outputs (prints, plots) they saved."""

        results_dir = Unicode("", help="folder holding <assignment>/<student>.json").tag(config=True)
        submitted_dir = Unicode("", help="folder holding <student>/<assignment>/<notebook>.ipynb as "
                                         "submitted (empty: keep no student outputs)").tag(config=True)

        def preprocess(self, nb, resources):
            info = resources["nbgrader"]
            self._assignment = info["assignment"]
            path = Path(self.results_dir) / self._assignment / f"{info['student']}.json"
            try:
                self._result = read_result(path).to_json()
            except ResultError:
                self._result = None
                self.log.warning("No readable result %s; the test cells get an error (0 points)", path)
            self._saved = []
            if self.submitted_dir:
                notebook = Path(self.submitted_dir) / info["student"] / self._assignment / f"{info['notebook']}.ipynb"
                self._saved = saved_code_cells(notebook)
            return super().preprocess(nb, resources)

        def preprocess_cell(self, cell, resources, index):
            if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell):
                function = function_of(cell.source, cell.metadata["nbgrader"].get("grade_id", ""), self._assignment)
                cell.outputs = cell_outputs(self._result, function, self._assignment)
            elif cell.cell_type == "code" and index < len(self._saved) and self._saved[index] is not None:
                source, outputs = self._saved[index]
                if source == cell.source:  # a locked cell the student changed was restored: its outputs are not its own
                    cell.outputs = outputs
            return cell, resources

    globals()["InjectResults"] = InjectResults
    return InjectResults


# What of a student's saved outputs the feedback shows: text, errors and raster images. No HTML or
# JavaScript (the page is rendered for the student and the instructor), no output metadata (it can
# name files to load), at most this much in all per notebook.
KEPT_OUTPUT_TYPES = ("text/plain", "image/png", "image/jpeg")
MAX_KEPT_OUTPUT_BYTES = 8 * 1024 * 1024
_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]*$")


def _kept_output(output) -> dict | None:
    """A safe copy of one saved output, or None."""
    import nbformat

    if not isinstance(output, dict):
        return None
    kind = output.get("output_type")

    def text(value):
        if isinstance(value, list):
            value = "".join(str(v) for v in value)
        return value if isinstance(value, str) else None

    if kind == "stream" and output.get("name") in ("stdout", "stderr") and text(output.get("text")) is not None:
        return nbformat.v4.new_output("stream", name=output["name"], text=text(output["text"]))
    if kind == "error":
        traceback = [str(line) for line in output.get("traceback", []) if isinstance(line, str)]
        return nbformat.v4.new_output("error", ename=str(output.get("ename", "")), evalue=str(output.get("evalue", "")),
                                      traceback=traceback)
    if kind in ("display_data", "execute_result") and isinstance(output.get("data"), dict):
        data = {}
        for mime in KEPT_OUTPUT_TYPES:
            value = text(output["data"].get(mime))
            if value is not None and (mime == "text/plain" or _BASE64.match(value)):
                data[mime] = value
        if not data:
            return None
        return nbformat.v4.new_output("display_data", data=data)
    return None


def saved_code_cells(path: Path) -> list[tuple[str, list] | None]:
    """Per cell of the submitted notebook: (source, the outputs the feedback may show) of a code
    cell, None for any other. Read bounded (``submission.read_bounded``, no link followed); unreadable gives []."""
    from autograder import submission

    try:
        nb = json.loads(submission.read_bounded(Path(path)).decode("utf-8"))
    except (ValueError, submission.SubmissionError):
        return []
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        return []
    saved, budget = [], MAX_KEPT_OUTPUT_BYTES
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            saved.append(None)
            continue
        source = cell.get("source", "")
        source = "".join(str(s) for s in source) if isinstance(source, list) else str(source)
        kept = []
        for output in cell.get("outputs", []) if isinstance(cell.get("outputs"), list) else []:
            copy = _kept_output(output)
            size = len(json.dumps(copy)) if copy is not None else 0
            if copy is not None and size <= budget:
                kept.append(copy)
                budget -= size
        saved.append((source, kept))
    return saved


def import_config(results_dir: Path, submitted_dir: Path | None = None):
    """Configuration that makes ``Autograde`` import results instead of executing notebooks."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute
    from traitlets.config import Config

    inject = _inject_results_class()
    default = list(Autograde.class_traits()["autograde_preprocessors"].default())
    if Execute not in default:
        raise CourseError("nbgrader's Autograde no longer runs Execute; the results import must be adapted")
    config = Config()
    config.Autograde.autograde_preprocessors = [inject if p is Execute else p for p in default]
    config.InjectResults.results_dir = str(Path(results_dir).resolve())
    if submitted_dir is not None:
        config.InjectResults.submitted_dir = str(Path(submitted_dir).resolve())
    return config


def import_results(root: Path, assignment: str, students: list[str], results_dir: Path,
                   submitted_directory: str | None = None) -> dict[str, str]:
    """Autograde (without executing) each student's submission from ``results_dir``.

    ``submitted_directory`` (relative to the course root) replaces nbgrader's ``submitted``:
    grade-class imports the normalised copies in ``intake/submitted`` (see ``intake``).
    Returns {student: problem} for submissions nbgrader could not process.
    """
    from nbgrader.converters import Autograde

    submitted = Path(root).resolve() / (submitted_directory or "submitted")
    config = import_config(results_dir, submitted)
    if submitted_directory:
        config.CourseDirectory.submitted_directory = submitted_directory
    problems = {}
    for student in students:
        try:
            nbgrader_run.run(Autograde, root, assignment, student, extra_config=config, force=True,
                             create_student=True)
        except CourseError as exc:
            problems[student] = str(exc)
    return problems


def verify(root: Path, assignment: str, students: list[str], results_dir: Path) -> list[str]:
    """Compare every hidden-test score in the gradebook with the JSON results; the differences."""
    differences = []
    with nbgrader_run.gradebook(root) as gb:
        for student in students:
            path = Path(results_dir) / assignment / f"{student}.json"
            try:
                result = read_result(path).to_json()
            except ResultError:
                result = None
            try:
                submission = gb.find_submission(assignment, student)
            except Exception:  # noqa: BLE001 - nbgrader raises MissingEntry
                differences.append(f"{student}: no submission of {assignment} in the gradebook")
                continue
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    cell = gb.find_source_cell(grade.name, notebook.name, assignment)
                    if cell.cell_type != "code":
                        continue
                    function = function_of(cell.source, grade.name, assignment)
                    if function is None:
                        continue
                    want = function_points(result, function)[0] if result else 0.0
                    got = grade.auto_score
                    if got is None or abs(got - want) > 1e-6:
                        differences.append(f"{student}: {grade.name} has {got} in the gradebook, {want} in {path}")
    return differences
