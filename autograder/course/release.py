"""The student release: self-check files, then ``nbgrader generate_assignment``, then a leak scan.

The self-check (``selfcheck.py`` + ``selfcheck_data.npz``) is written into
``source/<assignment>/`` (ignored by git) so that nbgrader treats it like any
other file of the assignment: it copies it into ``release/<assignment>/`` and,
when autograding, into ``autograded/<student>/<assignment>/``, where the
self-check cells of the notebook import it.
"""

from __future__ import annotations

import time
from pathlib import Path

from autograder import checks
from autograder.course import leakscan, nbgrader_run, selfcheck_build
from autograder.course.nbgrader_run import CourseError


def release(root: Path, assignments: list[str] | None = None, log=print) -> dict[str, float]:
    """Build the release of ``assignments`` (default: all four) in ``root/release/``.

    Returns seconds spent per step. Raises CourseError when nbgrader fails or
    the release scan finds a solution.
    """
    from nbgrader.converters import GenerateAssignment

    root = Path(root).resolve()
    nbgrader_run.config_path(root)
    assignments = list(assignments or checks.ASSIGNMENTS)
    times = {}
    for name in assignments:
        folder = root / "source" / name
        if not (folder / f"{name}.ipynb").is_file():
            raise CourseError(f"{folder / (name + '.ipynb')} does not exist")
        start = time.perf_counter()
        shipped = selfcheck_build.build(name, folder)
        times[f"selfcheck {name}"] = time.perf_counter() - start
        log(f"{name}: self-check with {sum(len(v) for v in shipped.values())} cases "
            f"for {len(shipped)} functions")

        start = time.perf_counter()
        nbgrader_run.run(GenerateAssignment, root, name, force=True, create_assignment=True)
        times[f"generate_assignment {name}"] = time.perf_counter() - start
        log(f"{name}: released to {root / 'release' / name}/")

    start = time.perf_counter()
    problems = []
    for name in assignments:
        problems += leakscan.scan_assignment(root / "release" / name, name)
    times["scan"] = time.perf_counter() - start
    if problems:
        raise CourseError("the release gives away solutions; do not distribute it:\n  " + "\n  ".join(problems))
    log(f"scanned every file of the release: no graded function has a body beyond its stub")
    return times
