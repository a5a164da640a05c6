"""Session fixtures for the grading-engine tests."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine_support import WRONG, assignment_of, grade_all, submission_files


@pytest.fixture(scope="session")
def wrong_bank() -> dict[Path, dict]:
    """Every submission of the wrong bank, graded once."""
    paths = submission_files(WRONG)
    return grade_all([(assignment_of(p), p) for p in paths])
