"""Running nbgrader's converters in this process, on a course folder.

A course folder holds ``nbgrader_config.py`` (which sets the course root to its
own folder) and nbgrader's ``source/``, ``release/``, ``submitted/``,
``autograded/`` and ``feedback/`` folders. Running the converters here rather
than as ``nbgrader ...`` subprocesses saves nbgrader's start-up (seconds) per
call and lets us add configuration (the results to import) without a file.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from pathlib import Path

REPO_COURSE = Path(__file__).resolve().parents[2] / "assignments"


class CourseError(Exception):
    """The course folder or an nbgrader step is not usable; the message says what to do.

    ``log`` keeps nbgrader's whole log of a failed step, for whoever wants more than the reason.
    """

    def __init__(self, message: str, log: str = ""):
        super().__init__(message)
        self.log = log


def failure_reason(result: dict) -> str:
    """Why an nbgrader step failed, from ``capture_log``'s result: every error and warning nbgrader
    logged, then the exception the step ended with (the last line of its traceback)."""
    lines = [line.strip() for line in result.get("log", "").splitlines()
             if line.startswith(("[ERROR]", "[WARNING]", "[CRITICAL]"))]
    traceback_lines = [line for line in (result.get("error") or "").strip().splitlines() if line.strip()]
    if traceback_lines:
        lines.append(traceback_lines[-1].strip())
    unique = list(dict.fromkeys(lines))
    return "; ".join(unique) if unique else "nbgrader gave no reason (its log is empty)"


def config_path(root: Path) -> Path:
    path = Path(root) / "nbgrader_config.py"
    if not path.is_file():
        raise CourseError(f"{path} does not exist: a course folder needs nbgrader_config.py "
                          f"(copy assignments/nbgrader_config.py)")
    return path


def course_config(root: Path, extra=None):
    """The course's nbgrader configuration, with ``extra`` (a traitlets Config) on top."""
    from traitlets.config.loader import PyFileConfigLoader

    path = config_path(root)
    config = PyFileConfigLoader(path.name, path=str(path.parent)).load_config()
    if extra is not None:
        config.merge(extra)
    return config


@contextlib.contextmanager
def nbgrader_environment(root: Path):
    """nbgrader runs ``alembic`` by name when it creates a gradebook, so the
    venv's bin folder must be on PATH even when Python was started by its full
    path (as ``make`` does); and it writes its log to the working directory."""
    bin_dir = str(Path(sys.executable).parent)
    old_path, old_cwd = os.environ.get("PATH", ""), os.getcwd()
    os.environ["PATH"] = bin_dir + os.pathsep + old_path
    os.chdir(root)
    try:
        yield
    finally:
        os.chdir(old_cwd)
        os.environ["PATH"] = old_path


def run(converter_class, root: Path, assignment_id: str, student_id: str | None = None, extra_config=None,
        **attributes) -> str:
    """Run one nbgrader converter (GenerateAssignment, Autograde, ...) and return its log.

    Raises CourseError with nbgrader's log when it fails.
    """
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    root = Path(root).resolve()
    config = course_config(root, extra_config)
    with nbgrader_environment(root):
        coursedir = CourseDirectory(config=config)
        if Path(coursedir.root).resolve() != root:
            raise CourseError(f"{config_path(root)} sets the course root to {coursedir.root}, not {root}")
        coursedir.assignment_id = assignment_id
        if student_id is not None:
            coursedir.student_id = student_id
        app = converter_class(coursedir=coursedir, config=config)
        for name, value in attributes.items():
            setattr(app, name, value)
        with warnings.catch_warnings():
            # nbgrader's own SQLAlchemy usage warns when it first links a new student's
            # submission; the records are written all the same.
            warnings.filterwarnings("ignore", module="nbgrader")
            warnings.filterwarnings("ignore", message=".*not in session.*")
            result = capture_log(app)
    if not result["success"]:
        who = f" for student {student_id}" if student_id else ""
        raise CourseError(f"nbgrader {converter_class.__name__} failed on {assignment_id}{who}: "
                          f"{failure_reason(result)}", log=result.get("log", ""))
    return result.get("log", "")


def db_url(root: Path) -> str:
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory(config=course_config(Path(root).resolve())).db_url


def gradebook(root: Path):
    """An open nbgrader Gradebook of the course (use as a context manager)."""
    from nbgrader.api import Gradebook
    from nbgrader.coursedir import CourseDirectory

    root = Path(root).resolve()
    config = course_config(root)
    with nbgrader_environment(root):
        coursedir = CourseDirectory(config=config)
        return Gradebook(coursedir.db_url, coursedir.course_id)
