"""Grading a batch of submissions of one assignment, for both command lines
(``python -m autograder grade`` and ``grade-class``).

The batch always finishes: whatever goes wrong for one submission (on the
student's side or the grader's) becomes that submission's ``"status": "error"``
result, and ``grades.csv`` is written at the end in every case. One file is one
submission: paths that lead to the same file are graded once.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import hashlib
import os
import sys
from pathlib import Path

from autograder import cache, checks, grading, report, submission
from autograder.results import Result, valid_unicode
from autograder.sandbox.supervisor import isolation as sandbox_isolation, limits as sandbox_limits

MAX_NAME_BYTES = 120    # result file stems: well below the 255 bytes a file name may have, with room for suffixes


def add_grading_options(parser: argparse.ArgumentParser) -> None:
    """The options that decide how submissions are graded, shared by every grading command."""
    parser.add_argument("--timeout", type=float, default=sandbox_limits.DEFAULT_TIMEOUT_S,
                        help=f"the most seconds any test may take (default {sandbox_limits.DEFAULT_TIMEOUT_S:g}); "
                             f"each test gets a budget calibrated from the reference's time on it, at most this")
    parser.add_argument("--no-budgets", dest="budgets", action="store_false",
                        help="give every test the whole --timeout instead of its calibrated budget")
    parser.add_argument("--memory-mb", type=int, default=sandbox_limits.DEFAULT_MEMORY_MB,
                        help=f"memory limit of a submission in MB (default {sandbox_limits.DEFAULT_MEMORY_MB})")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="submissions graded at once (default: cores)")
    parser.add_argument("--isolation", choices=sandbox_isolation.MODES, default="auto",
                        help="auto: bubblewrap sandbox when it works, else reduced isolation with a warning "
                             "(default); bwrap: refuse to grade without the sandbox; none: reduced isolation on purpose")
    parser.add_argument("--dask-scheduler", metavar="ADDRESS",
                        help="grade on an existing Dask distributed cluster (e.g. tcp://host:8786) instead of locally")
    parser.add_argument("--force", action="store_true", help="grade again even submissions whose result is up to date")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or table")


def options_from(args: argparse.Namespace) -> grading.Options:
    """Grading options from parsed ``add_grading_options`` arguments (isolation detected later)."""
    return grading.Options(timeout=args.timeout, memory_mb=args.memory_mb, budgets=args.budgets)


def settings_of(options: grading.Options, level: str) -> dict:
    """What besides the submission and the grader decides a grade (part of the up-to-date key)."""
    return {"timeout": options.timeout, "memory_mb": options.memory_mb, "isolation": level,
            "budgets": options.budgets}


def safe_stem(name: str) -> str:
    """``name`` as a result file stem: printable, no path separators, not hidden, at most
    MAX_NAME_BYTES of UTF-8. A name that had to change keeps a short hash of the original,
    so two long names that share a beginning stay apart."""
    text = valid_unicode(name)
    cleaned = "".join(ch if ch.isprintable() and ch not in "/\\" else "_" for ch in text).strip() or "unnamed"
    if cleaned.startswith("."):
        cleaned = "_" + cleaned[1:]
    if cleaned == name and len(cleaned.encode("utf-8")) <= MAX_NAME_BYTES:
        return cleaned
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    encoded = cleaned.encode("utf-8")[:MAX_NAME_BYTES - 9]
    return encoded.decode("utf-8", "ignore") + "-" + digest


def _located(path: Path, assignment: str) -> tuple[str, Path, tuple | None]:
    """(student, file to grade or the path itself, identity of the file or None) of one argument."""
    try:
        file = submission.locate(Path(path), assignment)
    except Exception:  # noqa: BLE001 - grading it will say why it cannot be read
        file = Path(path)
    try:
        info = os.stat(file)
        identity = (info.st_dev, info.st_ino) if os.path.isfile(file) else None
    except (OSError, ValueError):
        identity = None
    try:
        student = submission.student_of(file, assignment)
    except Exception:  # noqa: BLE001
        student = "unnamed"
    return student, file, identity


def result_names(assignment: str, paths: list[Path]) -> list[str]:
    """The result file stem of each submission: the student (nbgrader's folder,
    else the file stem), made a safe file name, and unique within the batch so
    that a/hw.py and b/hw.py do not overwrite each other (they become a-hw and b-hw)."""
    bases = []
    for path in paths:
        student, file, _ = _located(path, assignment)
        bases.append((safe_stem(student), Path(os.path.abspath(os.fsdecode(file)))))
    files_per_name: dict[str, set] = {}
    for name, file in bases:
        files_per_name.setdefault(name, set()).add(file)
    names, owner = [], {}   # name -> the file it was given to
    for name, file in bases:
        if len(files_per_name[name]) > 1 and file.parent.name:
            name = safe_stem(f"{file.parent.name}-{name}")
        unique, n = name, 2
        while owner.get(unique, file) != file:
            unique, n = f"{name}-{n}", n + 1
        owner[unique] = file
        names.append(unique)
    return names


@dataclasses.dataclass
class _Item:
    path: Path
    name: str
    key: str | None = None
    same_as: "_Item | None" = None     # the submission whose file this path also leads to


def _plan(assignment: str, paths: list[Path], quiet: bool = True) -> list[_Item]:
    """One item per distinct (file, result name); a path repeating an earlier one is dropped
    (and said so unless ``quiet``), a path to a file already claimed by another student is
    marked ``same_as``."""
    names = result_names(assignment, paths)
    items, by_identity, seen = [], {}, {}
    for path, name in zip(paths, names, strict=True):
        _, _, identity = _located(path, assignment)
        if (identity, name) in seen and identity is not None:
            if not quiet:
                print(f"autograder: {report.printable(path)} is the same file as "
                      f"{report.printable(seen[identity, name])}: graded once, as {report.printable(name)}",
                      file=sys.stderr)
            continue
        item = _Item(Path(path), name)
        if identity is not None:
            seen[identity, name] = path
            if identity in by_identity:
                item.same_as = by_identity[identity]
            else:
                by_identity[identity] = item
        items.append(item)
    return items


def _duplicate(assignment: str, item: _Item) -> dict:
    cases = checks.suite(assignment)
    first = item.same_as
    reason = (f"this is the same file as the submission of {first.name} ({first.path}): "
              f"a file is graded once, as {first.name}")
    return grading.unreadable(assignment, item.name, item.path, cases, reason).to_json()


def _failed(assignment: str, item: _Item, exc: BaseException) -> dict:
    reason = f"the grader could not grade this submission ({type(exc).__name__}: {exc})"
    return grading.unreadable(assignment, item.name, item.path, checks.suite(assignment), reason).to_json()


def grade_batch(assignment: str, paths: list[Path], out: Path, options: grading.Options, workers: int,
                quiet: bool = False, *, force: bool = False, scheduler: str | None = None,
                isolation_mode: str = "auto") -> list[dict]:
    """Grade ``paths`` in parallel, writing each result as soon as it is ready, then grades.csv.

    Submissions whose result in ``out`` is up to date are not graded again
    unless ``force``; with ``scheduler`` the grading runs on a Dask cluster.
    Returns one result record per distinct submission.
    """
    from tqdm import tqdm

    out.mkdir(parents=True, exist_ok=True)
    if scheduler:
        # The cluster's workers pick their own isolation; results say which they had.
        level = f"cluster:{isolation_mode}"
    else:
        if options.isolation is None:
            options = dataclasses.replace(options, isolation=sandbox_isolation.detect_isolation(isolation_mode))
        level = options.isolation.level
    settings = settings_of(options, level)

    results: list[dict] = []

    def finish(item: _Item, graded_as: str | None, result: dict):
        try:
            if graded_as is not None and item.name != graded_as:
                # Two submissions with the same stem: each keeps its own result and CSV row.
                result["student"] = item.name
            record = Result.from_json(result)
            report.write_result(out, item.name, record)
            if item.key is not None:
                cache.record(out, item.name, item.key)
            results.append(record.to_json())
        except Exception as exc:  # noqa: BLE001 - this submission's result could not be written
            print(f"autograder: the result of {report.printable(item.name)} could not be written: "
                  f"{type(exc).__name__}: {report.printable(str(exc))[:300]}", file=sys.stderr)
            results.append(_failed(assignment, item, exc))

    todo, duplicates = [], []
    for item in _plan(assignment, paths, quiet):
        if item.same_as is not None:
            duplicates.append(item)
            continue
        try:
            entry = cache.entry(assignment, item.path, settings)
        except Exception:  # noqa: BLE001 - it is graded, and grading says what is wrong
            entry = None
        item.key = entry[1] if entry is not None else None
        stored = None if force or item.key is None else cache.up_to_date(out, item.name, item.key)
        if stored is not None:
            results.append(stored)
        else:
            todo.append(item)
    skipped = len(results)
    if skipped and not quiet:
        print(f"{assignment}: {skipped} of {len(paths)} results already up to date in {out}/ "
              f"(--force grades them again)", file=sys.stderr)

    try:
        with tqdm(total=len(todo), desc=f"grading {assignment}", unit="submission", disable=quiet or not todo,
                  file=sys.stderr) as bar:
            if scheduler:
                from autograder import distributed

                pairs = [(item.path, item) for item in todo]
                for (_, item), (graded_as, result) in distributed.grade_on_cluster(
                        scheduler, assignment, pairs, options, isolation_mode):
                    finish(item, graded_as, result)
                    bar.update(1)
            else:
                with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
                    futures = {pool.submit(grading.grade, assignment, item.path, options): item for item in todo}
                    for future in concurrent.futures.as_completed(futures):
                        item = futures[future]
                        try:
                            graded_as, result = future.result()
                        except Exception as exc:  # noqa: BLE001 - grading is meant never to raise; if it does
                            graded_as, result = None, _failed(assignment, item, exc)
                        finish(item, graded_as, result)
                        bar.update(1)
        for item in duplicates:
            finish(item, None, _duplicate(assignment, item))
    finally:
        # Whatever happened above, the class's grades so far are written.
        report.write_grades_csv(out, results, checks.functions(assignment))
    return results
