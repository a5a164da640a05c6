"""Command line: ``python -m autograder grade ASSIGNMENT SUBMISSION... --out DIR``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from autograder import __version__, checks, report
from autograder.batch import add_grading_options, grade_batch, options_from, result_names  # noqa: F401  (re-exported)
from autograder.course import cli as course_cli
from autograder.sandbox.supervisor import isolation as sandbox_isolation

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
    add_grading_options(p)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in course_cli.COMMANDS:
        return course_cli.dispatch(args)
    options = options_from(args)
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
        missing = [p for p in args.submissions if not os.path.lexists(p)]
        for p in missing:
            print(f"autograder: {report.printable(p)} does not exist; it gets a result with status 'error'",
                  file=sys.stderr)
        results = grade_batch(args.assignment, args.submissions, args.out, options, args.workers, args.quiet,
                              **batch)
        if not args.quiet:
            print(report.score_table(results))
            print(f"\nresults in {report.printable(args.out)}/ (one JSON per submission, grades.csv)")
        # Every submission has a result (a failure is its own "error" result); paths
        # that lead to one file share it.
        return 0
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
