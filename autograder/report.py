"""Writing results: one JSON per submission and a CSV for the class, both atomically."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file in the same folder, then rename: a reader (or a
    grader killed half-way) never sees a partial file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
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


def write_result(out_dir: Path, name: str, result: dict) -> Path:
    path = Path(out_dir) / f"{name}.json"
    write_atomic(path, json.dumps(result, indent=2, allow_nan=False) + "\n")
    return path


def write_grades_csv(out_dir: Path, results: list[dict], functions: tuple[str, ...]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", "submission", "status", "score", "max_score", *functions])
    for r in sorted(results, key=lambda r: r["student"]):
        per_function = {f: 0.0 for f in functions}
        for t in r["tests"]:
            per_function[t["function"]] = per_function.get(t["function"], 0.0) + t["points"]
        writer.writerow([r["student"], r["submission"], r["status"], _num(r["score"]), _num(r["max_score"]),
                         *(_num(per_function[f]) for f in functions)])
    path = Path(out_dir) / "grades.csv"
    write_atomic(path, buffer.getvalue())
    return path


def _num(x: float) -> str:
    return f"{x:.4g}" if x != int(x) else str(int(x))


def score_table(results: list[dict]) -> str:
    """A plain-text table for the terminal."""
    rows = [("student", "score", "status", "first problem")]
    for r in sorted(results, key=lambda r: r["student"]):
        problem = next((f"{t['function']}: {t['diagnosis'] or t['status']}" for t in r["tests"]
                        if t["status"] != "passed"), "")
        rows.append((r["student"], f"{r['score']:.1f}/{r['max_score']:.0f}", r["status"], problem[:70]))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
