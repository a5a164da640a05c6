"""What the on-disk reference cache saves a grading command: the whole command
(``python -m autograder grade A SUBMISSION``), one submission with a catalogued
mistake per assignment, with the cache off, cold (an empty cache folder: the
first run, which also computes every variant) and warm (the second run), in
interleaved rounds so that load from other work hits all three alike; and the
grader's reference work alone, in-process (``grading.reference_timings``, which
fills the judges' entries and variants from the cache or computes them).

    .venv/bin/python bench/cache_startup.py [--rounds 3]

Prints medians in seconds and the load average before and after.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = {"gradient_check": "erin_divides_by_h.py", "optimizers": "dave_adam_no_bias_correction.py",
               "regularization": "dave_dropout_ignores_seed.py",
               "initialization": "dave_kaiming_without_factor_two.py"}

IN_PROCESS = """
import sys, time
t = time.perf_counter()
from autograder import checks, grading
for case in checks.suite(sys.argv[1]):
    pass
start = time.perf_counter()
grading.reference_timings(sys.argv[1])
for case in checks.suite(sys.argv[1]):
    case.judge.entry(case); case.judge.variants(case)
print(time.perf_counter() - start)
"""


def _command(assignment: str, cache: str, out: Path) -> float:
    env = {**os.environ, "AUTOGRADER_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
    path = ROOT / "examples" / "submissions" / assignment / SUBMISSIONS[assignment]
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "autograder", "grade", assignment, str(path), "--out", str(out),
                    "--quiet", "--force", "--isolation", "bwrap"], check=True, env=env, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _reference_work(assignment: str, cache: str) -> float:
    env = {**os.environ, "AUTOGRADER_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", IN_PROCESS, assignment], check=True, env=env, cwd=ROOT,
                          capture_output=True, text=True)
    return float(done.stdout.split()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="cache-startup-") as scratch:
        scratch = Path(scratch)
        for assignment in SUBMISSIONS:
            times: dict[str, list[float]] = {"command, cache off": [], "command, cold": [], "command, warm": [],
                                             "reference work, off": [], "reference work, warm": []}
            for round_ in range(args.rounds):
                cold = str(scratch / f"{assignment}-{round_}")
                times["command, cache off"].append(_command(assignment, "off", scratch / "out"))
                times["command, cold"].append(_command(assignment, cold, scratch / "out"))
                times["command, warm"].append(_command(assignment, cold, scratch / "out"))
                times["reference work, off"].append(_reference_work(assignment, "off"))
                times["reference work, warm"].append(_reference_work(assignment, cold))
            print(assignment + ": " + ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in times.items()))
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
