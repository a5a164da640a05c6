"""A temporary nbgrader course from the real source notebooks, released once per session."""
from __future__ import annotations

import time

import pytest

from autograder import checks
from autograder.cli import main
from course_support import new_course

RELEASE_SECONDS = {}


@pytest.fixture(scope="session")
def released_course(tmp_path_factory):
    """All four assignments released through `python -m autograder release` (the CLI entry point).

    Read-only for tests: copy it (course_support.copy_course) before submitting to it.
    """
    course = new_course(tmp_path_factory.mktemp("course") / "course", checks.ASSIGNMENTS)
    start = time.perf_counter()
    assert main(["release", "--course", str(course)]) == 0
    RELEASE_SECONDS["all four"] = time.perf_counter() - start
    return course
