"""Command line: ``python -m autograder grade ASSIGNMENT SUBMISSION... --out DIR``."""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import os
import sys
from pathlib import Path

from autograder import __version__, cache, checks, grading, report, submission
from autograder.course import cli as course_cli
from autograder.sandbox.supervisor import isolation as sandbox_isolation, limits as sandbox_limits

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "submissions"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description="Grade Training Neural Networks assignments.")
    parser.add_argument("--version", action="version", version=f"autograder {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    grade = sub.add_parser("grade", help="grade submissions of one assignment")
    grade.add_argument("assignment", choices=checks.ASSIGNMENTS)
    grade.add_argument("submissions", nargs="+", type=Path,
                       help=".py or .ipynb files, or folders holding one (nbgrader's submitted/<student>/<assignment>/ works)")
    _common(grade)

    examples = sub.add_parser("grade-examples", help="grade the bundled example submissions of every assignment")
    _common(examples)
    course_cli.add_course_commands(sub)
    return parser


def _common(p):
    p.add_argument("--out", type=Path, required=True, help="folder for <name>.json results and grades.csv")
    p.add_argument("--timeout", type=float, default=sandbox_limits.DEFAULT_TIMEOUT_S,
                   help=f"seconds per test (default {sandbox_limits.DEFAULT_TIMEOUT_S:g})")
    p.add_argument("--memory-mb", type=int, default=sandbox_limits.DEFAULT_MEMORY_MB,
                   help=f"memory limit of a submission in MB (default {sandbox_limits.DEFAULT_MEMORY_MB})")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="submissions graded at once (default: cores)")
    p.add_argument("--isolation", choices=sandbox_isolation.MODES, default="auto",
                   help="auto: bubblewrap sandbox when it works, else reduced isolation with a warning (default); "
                        "bwrap: refuse to grade without the sandbox; none: reduced isolation on purpose")
    p.add_argument("--dask-scheduler", metavar="ADDRESS",
                   help="grade on an existing Dask distributed cluster (e.g. tcp://host:8786) instead of locally")
    p.add_argument("--force", action="store_true", help="grade again even submissions whose result is up to date")
    p.add_argument("--quiet", action="store_true", help="no progress bar or table")


def _settings(options: grading.Options, level: str) -> dict:
    """What besides the submission and the grader decides a grade (part of the up-to-date key)."""
    return {"timeout": options.timeout, "memory_mb": options.memory_mb, "isolation": level}


def result_names(assignment: str, paths: list[Path]) -> list[str]:
    """The result file stem of each submission: the student (nbgrader's folder,
    else the file stem), made unique within the batch so that a/hw.py and
    b/hw.py do not overwrite each other (they become a-hw and b-hw)."""
    def base(path: Path) -> tuple[str, Path]:
        try:
            file = submission.locate(Path(path), assignment)
        except submission.SubmissionError:
            file = Path(path)
        return submission.student_of(file, assignment), file.resolve()

    bases = [base(p) for p in paths]
    files_per_name: dict[str, set] = {}
    for name, file in bases:
        files_per_name.setdefault(name, set()).add(file)
    names, owner = [], {}   # name -> the file it was given to
    for name, file in bases:
        if len(files_per_name[name]) > 1 and file.parent.name:
            name = f"{file.parent.name}-{name}"
        unique, n = name, 2
        while owner.get(unique, file) != file:
            unique, n = f"{name}-{n}", n + 1
        owner[unique] = file
        names.append(unique)
    return names


def grade_batch(assignment: str, paths: list[Path], out: Path, options: grading.Options, workers: int,
                quiet: bool = False, *, force: bool = False, scheduler: str | None = None,
                isolation_mode: str = "auto") -> list[dict]:
    """Grade ``paths`` in parallel, writing each result as soon as it is ready.

    Submissions whose result in ``out`` is up to date are not graded again
    unless ``force``; with ``scheduler`` the grading runs on a Dask cluster.
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
    settings = _settings(options, level)

    names = result_names(assignment, paths)
    results, todo = [], []
    for path, name in zip(paths, names):
        entry = cache.entry(assignment, path, settings)
        key = entry[1] if entry is not None else None
        stored = None if force or key is None else cache.up_to_date(out, name, key)
        if stored is not None:
            results.append(stored)
        else:
            todo.append((path, (name, key)))
    skipped = len(results)
    if skipped and not quiet:
        print(f"{assignment}: {skipped} of {len(paths)} results already up to date in {out}/ "
              f"(--force grades them again)", file=sys.stderr)

    def finish(item, graded_as, result):
        path, (name, key) = item
        if name != graded_as:
            # Two submissions with the same stem: each keeps its own result and CSV row.
            result["student"] = name
        report.write_result(out, name, result)
        if key is not None:
            cache.record(out, name, key)
        results.append(result)

    with tqdm(total=len(todo), desc=f"grading {assignment}", unit="submission", disable=quiet or not todo,
              file=sys.stderr) as bar:
        if scheduler:
            from autograder import distributed

            for item, (graded_as, result) in distributed.grade_on_cluster(
                    scheduler, assignment, todo, options, isolation_mode):
                finish(item, graded_as, result)
                bar.update(1)
        else:
            with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
                futures = {pool.submit(grading.grade, assignment, item[0], options): item for item in todo}
                for future in concurrent.futures.as_completed(futures):
                    graded_as, result = future.result()
                    finish(futures[future], graded_as, result)
                    bar.update(1)
    report.write_grades_csv(out, results, checks.functions(assignment))
    return results


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in course_cli.COMMANDS:
        return course_cli.dispatch(args)
    options = grading.Options(timeout=args.timeout, memory_mb=args.memory_mb)
    batch = dict(force=args.force, scheduler=args.dask_scheduler, isolation_mode=args.isolation)
    try:
        if not args.dask_scheduler:
            options.isolation = sandbox_isolation.detect_isolation(args.isolation)
        return _run(args, options, batch)
    except sandbox_isolation.IsolationUnavailable as exc:
        print(f"autograder: --isolation bwrap: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        from autograder.distributed import ClusterError

        if isinstance(exc, ClusterError):
            print(f"autograder: {exc}", file=sys.stderr)
            return 2
        raise


def _run(args, options, batch) -> int:
    if args.command == "grade":
        missing = [p for p in args.submissions if not p.exists()]
        for p in missing:
            print(f"autograder: {p} does not exist; it gets a result with status 'error'", file=sys.stderr)
        results = grade_batch(args.assignment, args.submissions, args.out, options, args.workers, args.quiet,
                              **batch)
        if not args.quiet:
            print(report.score_table(results))
            print(f"\nresults in {args.out}/ (one JSON per submission, grades.csv)")
        return 0 if len(results) == len(args.submissions) else 1
    if args.command == "grade-examples":
        for assignment in checks.ASSIGNMENTS:
            folder = EXAMPLES / assignment
            paths = sorted(p for p in folder.iterdir() if p.suffix in (".py", ".ipynb")) if folder.is_dir() else []
            if not paths:
                continue
            results = grade_batch(assignment, paths, args.out / assignment, options, args.workers, args.quiet,
                                  **batch)
            if not args.quiet:
                print(f"\n== {assignment} ==")
                print(report.score_table(results))
        if not args.quiet:
            print(f"\nresults in {args.out}/<assignment>/")
        return 0
    return 2
