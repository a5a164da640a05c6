"""Grading a class: every ``submitted/<student>/<assignment>/`` of the course,
with the sandboxed grader, then the scores into nbgrader's gradebook.

Results go to ``<results>/<assignment>/<student>.json`` (and ``grades.csv``),
the folder ``python -m autograder class-report`` reads; then
``gradebook_import`` records them in the gradebook, and checks it did.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from autograder import checks, grading
from autograder.batch import grade_batch
from autograder.course import gradebook_import, intake, nbgrader_run
from autograder.report import printable
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


def _result_files(folder: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime) of each result file: a result written again gets a new one (atomic replace)."""
    stamps = {}
    for path in folder.glob("*.json") if folder.is_dir() else ():
        info = path.stat()
        stamps[path.name] = (info.st_ino, info.st_mtime_ns)
    return stamps


def make_readable(paths) -> None:
    """Results are written through private temporary files (mode 0600); what grade-class leaves
    behind is for the instructor's other tools, so it gets the usual mode (0644 under umask 022)."""
    mode = 0o666 & ~intake.current_umask()
    for path in paths:
        try:
            os.chmod(path, mode)
        except OSError:
            pass


def _unreadable_result(assignment: str, student: str, path: str, reason: str) -> dict:
    """The grader's own error record (every test 0, ``reason`` as the message), for a folder with
    nothing to grade."""
    cases = checks.suite(assignment)
    return grading.unreadable(assignment, student, path, cases, reason).to_json()


def take_in(root: Path, assignment: str, folders: list[Path]) -> tuple[dict, dict]:
    """Inspect and stage every submitted folder. Returns ({student: path to grade},
    {student: Intake}); a student whose folder holds nothing gradable maps to None."""
    released_notebook = root / "release" / assignment / f"{assignment}.ipynb"
    released_notebook = released_notebook if released_notebook.is_file() else None
    release_folder = root / "release" / assignment
    released_files = frozenset(p.name for p in release_folder.iterdir()) if release_folder.is_dir() else frozenset()
    to_grade, intakes = {}, {}
    for folder in folders:
        found = intake.inspect(folder, assignment, released_files)
        intakes[found.student] = found
        to_grade[found.student] = intake.stage(found, root, released_notebook)
    return to_grade, intakes


def grade_class(root: Path, assignments: list[str] | None = None, *, results: Path | None = None,
                options: grading.Options | None = None, workers: int = 1, quiet: bool = False,
                force: bool = False, isolation_mode: str = "auto", scheduler: str | None = None,
                log=print) -> dict[str, dict]:
    """Grade and import; returns per assignment the students, timings, findings and any problem.

    Per assignment the summary holds ``students``, ``results``, ``graded`` and ``cached``
    (counts), ``grading_seconds``, ``import_seconds``, ``findings`` ({student: [sentence]}),
    ``problems`` ({student: why the import failed}) and ``differences`` (gradebook vs JSON).
    """
    from autograder import report

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
        out = results / assignment
        to_grade, intakes = take_in(root, assignment, folders)
        students = sorted(intakes)
        gradable = [s for s in students if to_grade[s] is not None]
        before = _result_files(out)
        start = time.perf_counter()
        graded = grade_batch(assignment, [to_grade[s] for s in gradable], out, options, workers, quiet,
                             force=force, scheduler=scheduler, isolation_mode=isolation_mode) if gradable else []
        for student in students:
            if to_grade[student] is None:
                # Nothing to grade: the result says why, and the gradebook gets the released notebook at 0.
                reason = f"{intakes[student].error} (in submitted/{student}/{assignment}/)"
                record = _unreadable_result(assignment, student, str(intakes[student].folder), reason)
                report.write_result(out, student, record)
                graded.append(record)
        if len(gradable) < len(students):
            report.write_grades_csv(out, graded, checks.functions(assignment))
        grading_time = time.perf_counter() - start
        after = _result_files(out)
        fresh = sum(1 for s in gradable if after.get(f"{s}.json") != before.get(f"{s}.json"))
        make_readable([out / "grades.csv", *(out / f"{s}.json" for s in students)])

        start = time.perf_counter()
        problems = gradebook_import.import_results(root, assignment, students, results,
                                                   submitted_directory=f"{intake.INTAKE_FOLDER}/submitted")
        differences = gradebook_import.verify(root, assignment, [s for s in students if s not in problems], results)
        import_time = time.perf_counter() - start
        findings = {s: intakes[s].findings + ([intakes[s].error] if intakes[s].error else []) for s in students}
        failed = {r["student"]: (r["status"], r.get("message", ""), r.get("submission", "")) for r in graded
                  if r.get("status") != "graded" and to_grade.get(r["student"]) is not None}
        summary[assignment] = {"students": students, "results": graded, "graded": fresh,
                               "cached": len(gradable) - fresh, "grading_seconds": grading_time,
                               "import_seconds": import_time, "findings": findings, "failed": failed, "problems": problems,
                               "differences": differences}
        log(batch_line(assignment, summary[assignment], out))
        for line in student_lines(assignment, summary[assignment]):
            # Names and reasons come from students' folders: no terminal escapes reach the screen.
            log("\n".join(printable(part) for part in line.split("\n")))
    if not summary:
        log(f"no submissions found under {root / 'submitted'}/<student>/<assignment>/")
    return summary


def batch_line(assignment: str, info: dict, out: Path) -> str:
    """``optimizers: 7 submissions: 2 graded in 3.1 s, 5 up to date (not graded again); ...``"""
    counts = [f"{info['graded']} graded in {info['grading_seconds']:.1f} s"]
    if info["cached"]:
        counts.append(f"{info['cached']} up to date (not graded again; --force regrades)")
    unreadable = len(info["students"]) - info["graded"] - info["cached"]
    if unreadable:
        counts.append(f"{unreadable} with nothing to grade")
    return (f"{assignment}: {len(info['students'])} submission(s): {', '.join(counts)}; "
            f"imported into the gradebook in {info['import_seconds']:.1f} s; results in {out}/")


def student_lines(assignment: str, info: dict) -> list[str]:
    """Everything an instructor must know per student, each reason complete, with the folder it is about."""
    lines = []
    for student in info["students"]:
        where = f"submitted/{student}/{assignment}/"
        for finding in info["findings"].get(student, []):
            lines.append(f"  {student} ({where}): {finding}")
        if student in info.get("failed", {}):
            status, message, graded_file = info["failed"][student]
            lines.append(f"  {student} ({where}): grading {Path(graded_file).name} ended with status '{status}': "
                         f"{message}")
        if student in info["problems"]:
            lines.append(f"  {student} ({where}): the gradebook import failed, so the gradebook has no score "
                         f"for {student} while {student}.json has one: {info['problems'][student]}")
    for difference in info["differences"]:
        lines.append(f"  gradebook differs from the result: {difference}")
    return lines
