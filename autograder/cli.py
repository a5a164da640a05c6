"""Command line: ``python -m autograder grade ASSIGNMENT SUBMISSION... --out DIR``."""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import sys
from pathlib import Path

from autograder import __version__, checks, grading, report

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
    return parser


def _common(p):
    p.add_argument("--out", type=Path, required=True, help="folder for <name>.json results and grades.csv")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per test (default 30)")
    p.add_argument("--memory-mb", type=int, default=2048, help="memory limit of a submission (default 2048)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="submissions graded at once (default: cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or table")


def grade_batch(assignment: str, paths: list[Path], out: Path, options: grading.Options, workers: int,
                quiet: bool = False) -> list[dict]:
    """Grade ``paths`` in parallel, writing each result as soon as it is ready."""
    from tqdm import tqdm

    out.mkdir(parents=True, exist_ok=True)
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool, \
            tqdm(total=len(paths), desc=f"grading {assignment}", unit="submission", disable=quiet,
                 file=sys.stderr) as bar:
        futures = {pool.submit(grading.grade, assignment, p, options): p for p in paths}
        for future in concurrent.futures.as_completed(futures):
            name, result = future.result()
            report.write_result(out, name, result)
            results.append(result)
            bar.update(1)
    report.write_grades_csv(out, results, checks.functions(assignment))
    return results


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    options = grading.Options(timeout=args.timeout, memory_mb=args.memory_mb)
    if args.command == "grade":
        missing = [p for p in args.submissions if not p.exists()]
        for p in missing:
            print(f"autograder: {p} does not exist; it gets a result with status 'error'", file=sys.stderr)
        results = grade_batch(args.assignment, args.submissions, args.out, options, args.workers, args.quiet)
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
            results = grade_batch(assignment, paths, args.out / assignment, options, args.workers, args.quiet)
            if not args.quiet:
                print(f"\n== {assignment} ==")
                print(report.score_table(results))
        if not args.quiet:
            print(f"\nresults in {args.out}/<assignment>/")
        return 0
    return 2
