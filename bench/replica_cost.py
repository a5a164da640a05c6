"""What the second parts of cases (``Case.replica``, run in one extra child per submission by
``autograder/replicas.py``) cost: the wall time of that extra child, against the whole grading
of the submission, for the example submissions of the assignments that have such cases.

    .venv/bin/python bench/replica_cost.py [--rounds 8]

One submission at a time, full isolation when bwrap works; prints medians and the load average
seen (the machine's other jobs make these numbers noisy: say so when quoting them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder import checks, grading, replicas  # noqa: E402
from autograder.sandbox.supervisor import detect  # noqa: E402

EXAMPLES = ROOT / "examples" / "submissions"


def measure(assignment: str, path: Path, rounds: int, isolation) -> dict:
    """Medians over ``rounds`` gradings: the whole submission, its first child and its replica child."""
    real = replicas.launcher.run_cases
    spans: list[float] = []

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spans.append(time.perf_counter() - start)

    totals, firsts, seconds, loads = [], [], [], []
    replicas.launcher.run_cases = timed
    try:
        for _ in range(rounds):
            spans.clear()
            loads.append(os.getloadavg()[0])
            start = time.perf_counter()
            result = grading.grade(assignment, path, grading.Options(isolation=isolation))[1]
            totals.append(time.perf_counter() - start)
            if result["score"] != result["max_score"] or len(spans) != 2:
                raise SystemExit(f"{path.name}: expected full marks and two children, got {result['message']}")
            firsts.append(spans[0])
            seconds.append(spans[1])
    finally:
        replicas.launcher.run_cases = real
    median = statistics.median
    return {"total": median(totals), "first": median(firsts), "replica": median(seconds),
            "replica_range": (min(seconds), max(seconds)), "load": (min(loads), max(loads))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    isolation = detect.detect_isolation("auto")
    print(f"isolation {isolation.level}, {os.cpu_count()} cores")
    for assignment in checks.ASSIGNMENTS:
        if not any(case.replica for case in checks.suite(assignment)):
            continue
        grading.reference_timings(assignment)   # calibrated once, outside the timed runs
        for name in ("alice_correct.py", "bob_correct.ipynb"):
            m = measure(assignment, EXAMPLES / assignment / name, args.rounds, isolation)
            print(f"{assignment}/{name}: whole submission {m['total']:.2f} s, first child {m['first']:.2f} s, "
                  f"replica child {m['replica']:.2f} s ({m['replica_range'][0]:.2f}-{m['replica_range'][1]:.2f}), "
                  f"{100 * m['replica'] / m['total']:.0f}% of the whole; load average {m['load'][0]:.1f}-"
                  f"{m['load'][1]:.1f}")


if __name__ == "__main__":
    main()
