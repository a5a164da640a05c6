"""Grading a class: every ``submitted/<student>/<assignment>/`` of the course,
with the sandboxed grader, then the scores into nbgrader's gradebook.

Results go to ``<results>/<assignment>/<student>.json`` (and ``grades.csv``),
the folder ``python -m autograder class-report`` reads; then
``gradebook_import`` records them in the gradebook, and checks it did.
"""

from __future__ import annotations

import time
from pathlib import Path

from autograder import checks, grading
from autograder.batch import grade_batch
from autograder.report import printable
from autograder.course import gradebook_import, nbgrader_run
from autograder.course.nbgrader_run import CourseError


def submissions(root: Path, assignment: str) -> list[Path]:
    """nbgrader's submitted/<student>/<assignment>/ folders, by student."""
    return sorted(p for p in (Path(root) / "submitted").glob(f"*/{assignment}") if p.is_dir())


def released(root: Path, assignment: str) -> bool:
    database = Path(root) / "gradebook.db"
    if nbgrader_run.db_url(root) == f"sqlite:///{database}" and not database.exists():
        return False  # rather than create an empty gradebook (and spend seconds on it) to find out
    with nbgrader_run.gradebook(root) as gb:
        try:
            gb.find_assignment(assignment)
        except Exception:  # noqa: BLE001 - nbgrader raises MissingEntry
            return False
    return True


def grade_class(root: Path, assignments: list[str] | None = None, *, results: Path | None = None,
                options: grading.Options | None = None, workers: int = 1, quiet: bool = False,
                force: bool = False, isolation_mode: str = "auto", scheduler: str | None = None,
                log=print) -> dict[str, dict]:
    """Grade and import; returns per assignment the students, timings and any problem."""
    root = Path(root).resolve()
    nbgrader_run.config_path(root)
    results = Path(results).resolve() if results else root / "results"
    options = options or grading.Options()
    summary = {}
    for assignment in assignments or checks.ASSIGNMENTS:
        folders = submissions(root, assignment)
        if not folders:
            continue
        if not released(root, assignment):
            raise CourseError(f"{assignment} is not in the gradebook yet: release it first "
                              f"(python -m autograder release {assignment})")
        students = [f.parent.name for f in folders]
        start = time.perf_counter()
        graded = grade_batch(assignment, folders, results / assignment, options, workers, quiet,
                             force=force, scheduler=scheduler, isolation_mode=isolation_mode)
        grading_time = time.perf_counter() - start
        start = time.perf_counter()
        problems = gradebook_import.import_results(root, assignment, students, results)
        differences = gradebook_import.verify(root, assignment, [s for s in students if s not in problems], results)
        import_time = time.perf_counter() - start
        summary[assignment] = {"students": students, "results": graded, "grading_seconds": grading_time,
                               "import_seconds": import_time, "problems": problems, "differences": differences}
        log(f"{assignment}: graded {len(students)} submission(s) in {grading_time:.1f} s, "
            f"imported into the gradebook in {import_time:.1f} s; results in {results / assignment}/")
        for student, problem in problems.items():
            first_line = problem.splitlines()[0] if problem else ""
            log(f"  {printable(student)}: nbgrader could not import the result: {printable(first_line)}")
        for difference in differences:
            log(f"  gradebook differs from the result: {printable(difference)}")
    if not summary:
        log(f"no submissions found under {root / 'submitted'}/<student>/<assignment>/")
    return summary
