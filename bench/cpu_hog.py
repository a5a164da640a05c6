"""Does one CPU hog cost the students graded beside it anything?

    python bench/cpu_hog.py --n 20 --workers 2 --timeout 10

A benchmark, not a timed test: it grades N correct submissions (the reference
solution of ``optimizers``) three times with the sandbox on, and prints each
batch's wall time, the slowdown against the first, and whether every student
got the same score each time:

1. alone;
2. beside a CPU hog, a sandboxed submission that starts 16 busy processes,
   each in a session of its own, with the default CPU quota (``limits.py``);
3. beside the same hog without a cgroup (no quota), as before the quota existed,
   to show what the quota prevents. Each busy process in a session of its own
   is, to the scheduler, like a separate login, and gets a share of its own.

The hog runs in its own sandbox for the whole batch (its busy processes start
while it loads) and is killed when the batch is done.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder import cli, grading  # noqa: E402
from autograder.sandbox.supervisor import detect, launcher  # noqa: E402

HOG = """import os, signal
for _ in range(16):
    if os.fork() == 0:
        os.setsid()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            pass
while True:
    pass
"""


def start_hog(iso, limits):
    """A sandbox whose submission spins from the moment it loads."""
    sandbox = iso.start(limits, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    plan = launcher._plan_bytes([{"source": HOG, "filename": "hog.py"}], [], 0, limits, "__main__")
    sandbox.proc.stdin.write(plan)
    sandbox.proc.stdin.close()
    time.sleep(1.0)   # let the busy processes start
    return sandbox


def grade(paths, out, options, workers):
    started = time.monotonic()
    results = cli.grade_batch("optimizers", paths, out, options, workers=workers, quiet=True, force=True)
    return time.monotonic() - started, {r["student"]: r["score"] for r in results}, results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args(argv)

    iso = detect.detect_isolation("auto")
    quota = iso.cgroups is not None and iso.cgroups.cpu
    print(f"isolation: {iso.level}; cgroup CPU quota available: {quota}; seccomp: {iso.seccomp is not None}; "
          f"{os.cpu_count()} cores")
    options = grading.Options(timeout=args.timeout, isolation=iso)
    reference = (REPO / "autograder" / "references" / "optimizers.py").read_text()
    with tempfile.TemporaryDirectory(prefix="cpu-hog-") as tmp:
        paths = []
        for i in range(args.n):
            path = Path(tmp) / "submitted" / f"student{i:02d}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(reference)
            paths.append(path)
        runs = [("alone", None)]
        runs.append(("beside a hog, CPU quota on", iso))
        runs.append(("beside a hog, no cgroup (no quota)", dataclasses.replace(iso, cgroups=None)))
        baseline, base_scores, rows = None, None, []
        for label, hog_isolation in runs:
            hog = start_hog(hog_isolation, launcher.Limits()) if hog_isolation is not None else None
            try:
                seconds, scores, results = grade(paths, Path(tmp) / "out" / label.replace(" ", "_"), options,
                                                 args.workers)
            finally:
                if hog is not None:
                    hog.kill()
            if baseline is None:
                baseline, base_scores = seconds, scores
            details = {str(r.get("isolation_detail", {}).get("cpu_limit")) for r in results}
            same = scores == base_scores
            full = sum(1 for s in scores.values() if s == max(base_scores.values()))
            rows.append((label, seconds, seconds / baseline, same, full, details))
        print(f"{args.n} correct submissions, {args.workers} workers, timeout {args.timeout:g} s per test")
        print(f"{'run':40} {'wall s':>8} {'slowdown':>9}  same scores  full marks  cpu_limit in results")
        for label, seconds, ratio, same, full, details in rows:
            print(f"{label:40} {seconds:8.1f} {ratio:8.2f}x  {str(same):11}  {full:>3}/{args.n:<6}  "
                  f"{','.join(sorted(details))}")
        if not all(row[3] for row in rows[:2]):
            print("the quota did not protect the co-graded students' scores")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
