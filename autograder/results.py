"""The result of grading one submission, typed: ``Result`` and its ``TestResult``s.

The JSON form is the grader's contract with everything that reads results (the
report, the cache, the class report, nbgrader's gradebook import, instructors'
scripts)::

    {"assignment", "student", "submission", "score", "max_score", "status", "message",
     "isolation", "tests": [{"name", "function", "points", "max_points", "status",
                             "message", "diagnosis", "mistake_id"}]}

``mistake_id`` (the catalogue id of the named mistake, or null) was added after
the others; a record without it still reads. ``from_json`` checks every field's
type, so a hand-edited or foreign file is refused with ``ResultError`` rather than
failing later. Text that can carry a student's words (messages, diagnoses, names)
is cut to ``MAX_TEXT_CHARS`` here, once, so no result file can grow without bound.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

RESULT_STATUSES = ("graded", "error", "timeout")
TEST_STATUSES = ("passed", "failed", "error", "timeout")
MAX_TEXT_CHARS = 4000
MAX_RESULT_FILE_BYTES = 16 << 20   # a result of a few hundred tests of cut messages is far below this


class ResultError(ValueError):
    """A record that is not a result of this grader."""


def bounded_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    text = valid_unicode(str(text))
    return text if len(text) <= limit else text[:limit] + f"... [{len(text) - limit} more characters cut]"


def valid_unicode(text: str) -> str:
    """``text`` with lone surrogates (a file name's undecodable bytes, say) replaced by U+FFFD,
    so that it can be written as UTF-8 (a CSV, a terminal)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


@dataclasses.dataclass
class TestResult:
    name: str
    function: str
    points: float
    max_points: float
    status: str                  # one of TEST_STATUSES
    message: str
    diagnosis: str | None = None
    mistake_id: str | None = None

    __test__ = False   # not a pytest test class, despite the name

    def __post_init__(self):
        self.name = bounded_text(self.name, 500)
        self.message = bounded_text(self.message)
        if self.diagnosis is not None:
            self.diagnosis = bounded_text(self.diagnosis)

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, record) -> "TestResult":
        if not isinstance(record, dict):
            raise ResultError("a test is not a JSON object")
        return cls(name=_text(record, "name"), function=_text(record, "function"),
                   points=_number(record, "points"), max_points=_number(record, "max_points"),
                   status=_choice(record, "status", TEST_STATUSES), message=_text(record, "message"),
                   diagnosis=_text(record, "diagnosis", optional=True),
                   mistake_id=_text(record, "mistake_id", optional=True))


@dataclasses.dataclass
class Result:
    assignment: str
    student: str
    submission: str
    score: float
    max_score: float
    status: str                  # one of RESULT_STATUSES
    message: str
    isolation: str
    tests: list[TestResult]
    # What the sandbox really applied to every child of this submission (bwrap, seccomp,
    # cgroups, memory and CPU limits, how processes were tracked); None in older files.
    isolation_detail: dict | None = None

    def __post_init__(self):
        self.message = bounded_text(self.message)
        self.student = bounded_text(self.student, 500)
        self.submission = bounded_text(self.submission)

    def to_json(self) -> dict:
        record = dataclasses.asdict(self)
        record["tests"] = [t.to_json() for t in self.tests]
        return record

    def dumps(self) -> str:
        """The result file's text (strict JSON: no NaN)."""
        return json.dumps(self.to_json(), indent=2, allow_nan=False) + "\n"

    @classmethod
    def from_json(cls, record) -> "Result":
        if not isinstance(record, dict):
            raise ResultError("a result is not a JSON object")
        tests = record.get("tests")
        if not isinstance(tests, list):
            raise ResultError("'tests' is not a list")
        return cls(assignment=_text(record, "assignment"), student=_text(record, "student"),
                   submission=_text(record, "submission", default=""), score=_number(record, "score"),
                   max_score=_number(record, "max_score"), status=_choice(record, "status", RESULT_STATUSES),
                   message=_text(record, "message", default=""), isolation=_text(record, "isolation", default=""),
                   tests=[TestResult.from_json(t) for t in tests],
                   isolation_detail=_isolation_detail(record.get("isolation_detail")))

    @classmethod
    def loads(cls, text: str | bytes) -> "Result":
        try:
            record = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise ResultError(f"not JSON: {str(exc)[:200]}") from None
        return cls.from_json(record)


def _isolation_detail(value) -> dict | None:
    """A flat mapping of short names to booleans, numbers, short strings or null; anything else is dropped."""
    if not isinstance(value, dict):
        return None
    detail = {}
    for key, item in list(value.items())[:32]:
        if isinstance(key, str) and len(key) <= 64 and (
                item is None or isinstance(item, (bool, int, float, str)) and item == item):
            detail[key] = bounded_text(item, 200) if isinstance(item, str) else item
    return detail


def read_result(path: Path) -> Result:
    """The result in file ``path``; ResultError if it is not one (or too large to be one)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_RESULT_FILE_BYTES:
            raise ResultError(f"{path.name} is larger than any result")
        raw = path.read_bytes()
    except OSError as exc:
        raise ResultError(f"cannot read {path.name}: {exc.strerror}") from None
    return Result.loads(raw)


def _text(record: dict, key: str, *, optional: bool = False, default: str | None = None) -> str | None:
    if key not in record or record[key] is None:
        if optional:
            return None
        if default is not None:
            return default
        raise ResultError(f"{key!r} is missing")
    value = record[key]
    if not isinstance(value, str):
        raise ResultError(f"{key!r} is not a string")
    return value


def _number(record: dict, key: str) -> float:
    value = record.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise ResultError(f"{key!r} is not a finite number")
    return float(value)


def _choice(record: dict, key: str, choices: tuple[str, ...]) -> str:
    value = record.get(key)
    if value not in choices:
        raise ResultError(f"{key!r} is {str(value)[:40]!r}, not one of {', '.join(choices)}")
    return value
