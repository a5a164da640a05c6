"""Writing results: one JSON per submission and a CSV for the class, both atomically.

Everything written here may carry a student's words (their name, their file's
name, their error messages), so: CSV cells that a spreadsheet would read as a
formula are neutralised, terminal output has control characters removed, and
files are created readable by the instructor's group (as the umask allows).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from autograder.results import Result, valid_unicode


def _umask() -> int:
    """The process's umask, read without changing it (os.umask would, for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file in the same folder, then rename: a reader (or a
    grader killed half-way) never sees a partial file. The file gets the
    permissions a plain ``open`` would give it (mkstemp's are 0600)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".result-", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_result(out_dir: Path, name: str, result: Result | dict) -> Path:
    if not isinstance(result, Result):
        result = Result.from_json(result)
    path = Path(out_dir) / f"{name}.json"
    write_atomic(path, result.dumps())
    return path


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """Text as a spreadsheet shows it, never as a formula: a cell that begins like
    one gets a leading apostrophe (OWASP's advice for CSV injection)."""
    text = valid_unicode(str(text))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_grades_csv(out_dir: Path, results: list[Result | dict], functions: tuple[str, ...]) -> Path:
    results = [r if isinstance(r, Result) else Result.from_json(r) for r in results]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", "submission", "status", "score", "max_score", *functions])
    for r in sorted(results, key=lambda r: r.student):
        per_function = {f: 0.0 for f in functions}
        for t in r.tests:
            per_function[t.function] = per_function.get(t.function, 0.0) + t.points
        writer.writerow([csv_cell(r.student), csv_cell(r.submission), csv_cell(r.status), _num(r.score),
                         _num(r.max_score), *(_num(per_function[f]) for f in functions)])
    path = Path(out_dir) / "grades.csv"
    write_atomic(path, buffer.getvalue())
    return path


def _num(x: float) -> str:
    return f"{x:.4g}" if x != int(x) else str(int(x))


def printable(text: str) -> str:
    """``text`` safe for a terminal: control characters (escape sequences, carriage
    returns, bidirectional overrides) become '?'."""
    import unicodedata

    return "".join(ch if ch.isprintable() and unicodedata.category(ch) not in ("Cf", "Cs") else "?"
                   for ch in valid_unicode(str(text)))


def score_table(results: list[Result | dict]) -> str:
    """A plain-text table for the terminal."""
    results = [r if isinstance(r, Result) else Result.from_json(r) for r in results]
    rows = [("student", "score", "status", "first problem")]
    for r in sorted(results, key=lambda r: r.student):
        problem = next((f"{t.function}: {t.diagnosis or t.status}" for t in r.tests if t.status != "passed"), "")
        rows.append((printable(r.student)[:60], f"{r.score:.1f}/{r.max_score:.0f}", r.status, printable(problem)[:70]))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
