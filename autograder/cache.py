"""Skipping submissions whose result is already up to date.

A result is up to date when ``DIR/<name>.json`` exists, is exactly the file the
grader wrote, and was graded from the same inputs: the submission's bytes and
path, the assignment, the grader's version and sources (the suite of checks,
the references and the sandbox are all code), and the options that change a
grade (timeout, memory limit, isolation level). The key and a hash of the
result file live in ``DIR/.autograder-cache/<name>.json``, written after the
result itself, so a grader killed between the two simply grades that one again.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

import autograder
from autograder import report, submission
from autograder.results import Result, ResultError

CACHE_FOLDER = ".autograder-cache"


@functools.lru_cache(maxsize=None)
def grader_fingerprint() -> str:
    """The version and a digest of every source file of the grader."""
    digest = hashlib.sha256(autograder.__version__.encode())
    package = Path(autograder.__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0")
        digest.update(path.read_bytes())
    return f"{autograder.__version__}+{digest.hexdigest()[:16]}"


def entry(assignment: str, path: Path, settings: dict) -> tuple[str, str] | None:
    """(result name, key) for ``path``, or None when the file cannot be found
    (such a submission is always graded: grading says why it failed)."""
    try:
        file = submission.locate(Path(path), assignment)
        data = submission.read_bounded(file, links_within=file.parent)   # stat first, no link out of its folder
    except (submission.SubmissionError, OSError):
        return None
    name = submission.student_of(file, assignment)
    digest = hashlib.sha256()
    for part in (grader_fingerprint(), assignment, str(file.resolve()),
                 json.dumps(settings, sort_keys=True)):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(data)
    return name, digest.hexdigest()


def _sidecar(out: Path, name: str) -> Path:
    return Path(out) / CACHE_FOLDER / f"{name}.json"


def up_to_date(out: Path, name: str, key: str) -> dict | None:
    """The stored result if it is up to date, else None."""
    try:
        stamp = json.loads(_sidecar(out, name).read_text())
        raw = (Path(out) / f"{name}.json").read_bytes()
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("key") != key:
        return None
    if stamp.get("result_sha256") != hashlib.sha256(raw).hexdigest():
        return None
    try:
        return Result.loads(raw).to_json()
    except ResultError:
        return None


def record(out: Path, name: str, key: str) -> None:
    """Remember that ``out/<name>.json`` (already written) was graded under ``key``."""
    raw = (Path(out) / f"{name}.json").read_bytes()
    stamp = {"key": key, "result_sha256": hashlib.sha256(raw).hexdigest(), "grader": grader_fingerprint()}
    report.write_atomic(_sidecar(out, name), json.dumps(stamp) + "\n")
