"""The course sub-commands of ``python -m autograder``:

    release       [ASSIGNMENT...] [--course DIR]
    grade-class   [ASSIGNMENT...] [--course DIR] [--results DIR] [grading options]
    class-report  RESULTS_DIR --out report.html

``autograder/cli.py`` adds them with ``add_course_commands`` and hands the
parsed arguments of these commands to ``dispatch``.
"""

from __future__ import annotations

import sys
from pathlib import Path

COMMANDS = ("release", "grade-class", "class-report")


def add_course_commands(subparsers) -> None:
    from autograder import checks
    from autograder.batch import add_grading_options
    from autograder.course.nbgrader_run import REPO_COURSE

    def course(p):
        p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                       help=f"one of {', '.join(checks.ASSIGNMENTS)} (default: all)")
        p.add_argument("--course", type=Path, default=REPO_COURSE,
                       help="nbgrader course folder holding nbgrader_config.py (default: %(default)s)")

    p = subparsers.add_parser("release", help="build the student release: self-check files, nbgrader "
                                              "generate_assignment, and a scan for leaked solutions")
    course(p)

    p = subparsers.add_parser("grade-class", help="grade every submitted/<student>/<assignment>/ in the sandbox "
                                                  "and write the scores into nbgrader's gradebook")
    course(p)
    p.add_argument("--results", type=Path, help="folder for <assignment>/<student>.json (default: COURSE/results)")
    add_grading_options(p)

    p = subparsers.add_parser("class-report", help="HTML report with plots from a folder of results")
    p.add_argument("results_dir", type=Path, metavar="RESULTS_DIR")
    p.add_argument("--out", type=Path, required=True, help="the HTML file to write")


def dispatch(args) -> int:
    """Run a course command; its exit status (0 ok, 1 problems found, 2 unusable)."""
    from autograder import checks
    from autograder.course.nbgrader_run import CourseError

    unknown = [a for a in getattr(args, "assignments", []) if a not in checks.ASSIGNMENTS]
    if unknown:
        print(f"autograder {args.command}: unknown assignment {', '.join(unknown)}; choose from "
              f"{', '.join(checks.ASSIGNMENTS)}", file=sys.stderr)
        return 2
    try:
        if args.command == "release":
            return _release(args)
        if args.command == "grade-class":
            return _grade_class(args)
        if args.command == "class-report":
            return _class_report(args)
    except CourseError as exc:
        print(f"autograder {args.command}: {exc}", file=sys.stderr)
        return 2
    return 2


def _release(args) -> int:
    from autograder.course.release import release

    times = release(args.course, args.assignments or None)
    print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in times.items()))
    return 0


def _grade_class(args) -> int:
    from autograder.batch import options_from
    from autograder.course.grade_class import grade_class
    from autograder.sandbox.supervisor import isolation as sandbox_isolation

    options = options_from(args)
    try:
        if not args.dask_scheduler:
            options.isolation = sandbox_isolation.detect_isolation(args.isolation)
    except sandbox_isolation.IsolationUnavailable as exc:
        print(f"autograder: --isolation bwrap: {exc}", file=sys.stderr)
        return 2
    summary = grade_class(args.course, args.assignments or None, results=args.results, options=options,
                          workers=args.workers, quiet=args.quiet, force=args.force,
                          isolation_mode=args.isolation, scheduler=args.dask_scheduler)
    troubled = any(s["problems"] or s["differences"] for s in summary.values())
    return 1 if troubled else 0


def _class_report(args) -> int:
    from autograder.course.class_report import write_report

    if not args.results_dir.is_dir():
        print(f"autograder class-report: {args.results_dir} is not a folder", file=sys.stderr)
        return 2
    count = write_report(args.results_dir, args.out)
    print(f"class report of {count} result(s) written to {args.out}")
    return 0 if count else 1
