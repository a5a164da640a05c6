"""Session fixtures for the grading-engine tests."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine_support import WRONG, assignment_of, grade_all, materialize, submission_files


@pytest.fixture(scope="session")
def wrong_bank(tmp_path_factory) -> dict[Path, dict]:
    """Every submission of the wrong bank (composed with its base), graded once; keyed by the bank file."""
    composed = materialize(submission_files(WRONG), tmp_path_factory.mktemp("wrong_bank"))
    results = grade_all([(assignment_of(p), target) for p, target in composed.items()])
    return {p: results[target] for p, target in composed.items()}
