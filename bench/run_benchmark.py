"""Throughput of this grader against ``nbgrader autograde`` on a class of notebooks.

    python bench/run_benchmark.py            # N = 20, 100 and 500; Dask at N = 100 (about 10 minutes on 2 cores)
    python bench/run_benchmark.py --quick    # N = 20 and 40; Dask at N = 20 (about 2 minutes)

For each class size N it builds a throw-away nbgrader course for the
``optimizers`` assignment with N notebook submissions (about 2 % stuck in an
endless loop, about 40 % with a mistake from the wrong-answer bank, the rest
correct; see ``bench/classroom.py``) and grades them, each command timed end to
end, start-up included:

* ``nbgrader autograde optimizers`` as shipped: one kernel per notebook, one
  notebook after another, ``Execute.timeout`` = the timeout per cell. Above
  ``--nbgrader-max`` submissions it runs on a stratified subset and its time for
  the whole class is extrapolated (said so in the output);
* ``python -m autograder grade optimizers submitted/* --workers 2 --isolation bwrap``
  with the same timeout per test.

It compares the scores per student and function where they are comparable
(this grader gives partial credit per function, nbgrader's one hidden cell per
function gives all or nothing) and prints every disagreement. Then it grades
one class again on a Dask ``LocalCluster`` with 2 workers, measures the floor
(an empty Python with NumPy imported in the same sandbox) and breaks this
grader's time per submission down into its steps (``bench/floor.py``).

Exit status 1 if the graders disagree, a correct submission loses points, or
the Dask run's scores differ from the local run's.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
for entry in (str(BENCH), str(REPO)):
    if entry not in sys.path:
        sys.path.insert(0, entry)
# One BLAS thread everywhere (the grader's children set it themselves; nbgrader's kernels and Dask's workers inherit it).
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import classroom  # noqa: E402
from classroom import ASSIGNMENT, POINTS  # noqa: E402


def load_average() -> str:
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def _preflight() -> None:
    """Fail, never skip, when a part of the comparison is missing."""
    done = subprocess.run(classroom.nbgrader_command("--version"), capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"nbgrader cannot run with {sys.executable} ({done.stderr.strip()[-500:]}); "
                 f"install the requirements (make setup)")
    import floor
    from autograder import checks

    floor.sandbox_isolation_full()   # raises IsolationUnavailable without bubblewrap
    graded = collections.Counter()
    for case in checks.suite(ASSIGNMENT):
        graded[case.function] += case.points
    if dict(graded) != POINTS:
        sys.exit(f"the grader's cases add up to {dict(graded)}, not to its declared points {POINTS}")


# ------------------------------------------------------------------ this grader --

def run_autograder(root: Path, out: Path, timeout: float, workers: int, scheduler: str | None = None) -> tuple[float, dict]:
    """Time ``python -m autograder grade`` on every submission in ``root``; student -> result."""
    submissions = sorted(str(p) for p in (root / "submitted").glob(f"*/{ASSIGNMENT}"))
    command = [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, *submissions, "--out", str(out),
               "--timeout", str(timeout), "--workers", str(workers), "--isolation", "bwrap", "--force", "--quiet"]
    if scheduler:
        command += ["--dask-scheduler", scheduler]
    start = time.perf_counter()
    classroom.run_checked(command, REPO, env=classroom.bench_environment(root))
    seconds = time.perf_counter() - start
    results = {}
    for path in out.glob("*.json"):
        result = json.loads(path.read_text())
        if isinstance(result, dict) and "tests" in result:
            results[result["student"]] = result
    return seconds, results


def per_function(result: dict) -> dict[str, float]:
    points: dict[str, float] = collections.defaultdict(float)
    for test in result["tests"]:
        points[test["function"]] += test["points"]
    return dict(points)


# ------------------------------------------------------------------ comparison --

def compare(students: dict, ours: dict, theirs: dict) -> dict:
    """Per student and function: agree / differ where comparable, and how many are not comparable.

    Comparable: this grader gave all or none of the function's points (nbgrader's
    hidden cell can only give all or none)."""
    agree, partial, disagreements, wrong_correct, nbgrader_missed = 0, 0, [], [], []
    totals_equal = totals_compared = 0
    for student in theirs:
        mine = per_function(ours[student])
        all_comparable = True
        for function, most in POINTS.items():
            got, their = round(mine.get(function, 0.0), 6), theirs[student].get(function, 0.0)
            if 0 < got < most:
                partial += 1
                all_comparable = False
            elif abs(got - their) < 1e-6:
                agree += 1
            elif got == 0 and their == most and function in students[student].broken:
                # The mistake the bank declares in this function, caught here and missed by
                # nbgrader's hidden test (its tolerance cannot see it): not a disagreement.
                nbgrader_missed.append((student, students[student].label, function))
            else:
                disagreements.append((student, students[student].label, function, got, their))
        if all_comparable:
            totals_compared += 1
            totals_equal += abs(sum(mine.values()) - sum(theirs[student].values())) < 1e-6
    for student, source in students.items():
        if source.kind == "correct" and ours[student]["score"] != ours[student]["max_score"]:
            wrong_correct.append((student, source.label, "autograder", ours[student]["score"]))
        if source.kind == "correct" and student in theirs and sum(theirs[student].values()) != sum(POINTS.values()):
            wrong_correct.append((student, source.label, "nbgrader", sum(theirs[student].values())))
    return {"agree": agree, "partial": partial, "disagreements": disagreements, "wrong_correct": wrong_correct,
            "nbgrader_missed": nbgrader_missed,
            "totals_equal": totals_equal, "totals_compared": totals_compared}


def mistakes_missed(students: dict, ours: dict, theirs: dict) -> dict[str, list[str]]:
    """Per grader: the students with a mistake or a loop who still got full marks."""
    missed = {"autograder": [], "nbgrader": []}
    for student, source in students.items():
        if source.kind == "correct":
            continue
        if ours[student]["score"] == ours[student]["max_score"]:
            missed["autograder"].append(f"{student} ({source.label})")
        if student in theirs and sum(theirs[student].values()) == sum(POINTS.values()):
            missed["nbgrader"].append(f"{student} ({source.label})")
    return missed


# ------------------------------------------------------------------ one class --

def bench_class(workdir: Path, n: int, args) -> dict:
    root = workdir / f"class-{n}"
    students = classroom.class_mix(n)
    kinds = collections.Counter(s.kind for s in students.values())
    print(f"\n=== N = {n}: {kinds['correct']} correct, {kinds['mistake']} with a mistake, "
          f"{kinds['stuck']} stuck (endless loop); timeout {args.timeout:g} s; load average {load_average()}",
          flush=True)
    classroom.make_course(root, args.timeout)
    classroom.submit(root, students)

    if args.skip_nbgrader:
        ours_seconds, ours = run_autograder(root, root / "autograder-results", args.timeout, args.workers)
        print(f"autograder grade   : {ours_seconds:7.1f} s, {ours_seconds / n:6.3f} s per submission "
              f"({args.workers} workers; nbgrader skipped: --skip-nbgrader)")
        wrong = [s for s, source in students.items() if source.kind == "correct"
                 and ours[s]["score"] != ours[s]["max_score"]]
        for student in wrong:
            print(f"  WRONG    {student} ({students[student].label}) is correct but autograder gave "
                  f"{ours[student]['score']:g}")
        return {"n": n, "root": root, "students": students, "ours": ours, "ours_seconds": ours_seconds,
                "nb_seconds": None, "extrapolated": False, "failed": bool(wrong)}

    extrapolated = n > args.nbgrader_max
    if extrapolated:
        subset = classroom.stratified_subset(students, args.nbgrader_subset)
        nb_root = workdir / f"class-{n}-nbgrader-subset"
        classroom.copy_course(root, nb_root, subset)
    else:
        subset, nb_root = list(students), root
    nb = classroom.run_nbgrader(nb_root)

    ours_seconds, ours = run_autograder(root, root / "autograder-results", args.timeout, args.workers)
    missing = set(students) - set(ours)
    if missing:
        sys.exit(f"this grader wrote no result for {sorted(missing)}")

    # nbgrader's time for the whole class.
    if extrapolated:
        per_kind: dict[str, list[float]] = collections.defaultdict(list)
        for student in subset:
            per_kind[students[student].kind].append(nb.per_student[student])
        if set(per_kind) != set(kinds) or len(nb.per_student) != len(subset):
            sys.exit(f"nbgrader's log gave times for {len(nb.per_student)} of {len(subset)} notebooks")
        mean = {kind: sum(t) / len(t) for kind, t in per_kind.items()}
        nb_seconds = nb.startup + sum(mean[kind] * count for kind, count in kinds.items())
        sub_kinds = collections.Counter(students[s].kind for s in subset)
        how = (f"EXTRAPOLATED from a measured subset of {len(subset)} ({sub_kinds['correct']} correct, "
               f"{sub_kinds['mistake']} mistakes, {sub_kinds['stuck']} stuck): {nb.seconds:.1f} s measured; "
               f"start-up {nb.startup:.1f} s + per kind "
               + ", ".join(f"{k} {mean[k]:.2f} s x {kinds[k]}" for k in ("correct", "mistake", "stuck")))
    else:
        nb_seconds = nb.seconds
        how = "measured on the whole class"

    comparison = compare(students, ours, nb.scores)
    missed = mistakes_missed(students, ours, nb.scores)
    if n <= 20:
        print(f"\n{'student':11s} {'kind':8s} {'source':44s} {'nbgrader':>8s} {'autograder':>10s}")
        for student, source in students.items():
            their = sum(nb.scores[student].values()) if student in nb.scores else float("nan")
            print(f"{student:11s} {source.kind:8s} {source.label[:44]:44s} {their:8.1f} {ours[student]['score']:10.1f}")
    isolation = sorted({r["isolation"] for r in ours.values()})
    per_theirs, per_ours = nb_seconds / n, ours_seconds / n
    print(f"\nnbgrader autograde : {nb_seconds:7.1f} s, {per_theirs:6.3f} s per submission "
          f"(one notebook at a time, a kernel each; {how})")
    print(f"autograder grade   : {ours_seconds:7.1f} s, {per_ours:6.3f} s per submission "
          f"({args.workers} workers, isolation {', '.join(isolation)}, start-up included)")
    print(f"ratio              : {per_theirs / per_ours:.1f}x nbgrader's throughput")
    compared = len(nb.scores)
    print(f"scores             : on {compared} students x {len(POINTS)} functions: {comparison['agree']} agree, "
          f"{len(comparison['disagreements'])} disagree, {comparison['partial']} not comparable (partial credit "
          f"here, all-or-nothing there); total score equal for {comparison['totals_equal']} of the "
          f"{comparison['totals_compared']} students with no partial credit")
    for student, label, function, got, their in comparison["disagreements"]:
        print(f"  DISAGREE {student} ({label}) {function}: autograder {got:g}, nbgrader {their:g}")
    for student, label, function in comparison["nbgrader_missed"]:
        print(f"  nbgrader missed the declared mistake of {student} ({label}) in {function}; this grader caught it")
    for student, label, grader, score in comparison["wrong_correct"]:
        print(f"  WRONG    {student} ({label}) is correct but {grader} gave {score:g}")
    for grader, names in missed.items():
        if names:
            print(f"  {grader} gave full marks to {len(names)} submission(s) with a mistake: {', '.join(names[:6])}"
                  + (" ..." if len(names) > 6 else ""))
    return {"n": n, "root": root, "students": students, "ours": ours, "ours_seconds": ours_seconds,
            "nb_seconds": nb_seconds, "extrapolated": extrapolated,
            "failed": bool(comparison["disagreements"] or comparison["wrong_correct"])}


def bench_dask(run: dict, args) -> bool:
    """Grade the same class on a LocalCluster with ``args.workers`` workers; True if the scores match."""
    from distributed import LocalCluster

    n = run["n"]
    print(f"\n=== Dask LocalCluster, {args.workers} workers x 1 thread, N = {n}; load average {load_average()}",
          flush=True)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    # The local run again, right before the cluster's: the load from other work
    # changes over minutes, and the two should see the same.
    local_seconds, _ = run_autograder(run["root"], run["root"] / "local-again-results", args.timeout, args.workers)
    start = time.perf_counter()
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        cluster_seconds = time.perf_counter() - start
        seconds, results = run_autograder(run["root"], run["root"] / "dask-results", args.timeout, args.workers,
                                          scheduler=cluster.scheduler_address)
        per_task = _dask_per_task(cluster.scheduler_address, run, args)
    differ = [s for s in run["ours"] if s not in results or results[s]["score"] != run["ours"][s]["score"]]
    print(f"local, again : {local_seconds:7.1f} s, {local_seconds / n:6.3f} s per submission "
          f"(first local run {run['ours_seconds']:.1f} s)")
    print(f"LocalCluster : {seconds:7.1f} s, {seconds / n:6.3f} s per submission "
          f"({seconds / local_seconds:.2f}x the local run just before; starting the cluster took "
          f"{cluster_seconds:.1f} s more, not counted); load average {load_average()}")
    print(f"scores    : {'identical to the local run' if not differ else f'DIFFER for {differ}'}; isolation "
          f"{', '.join(sorted({r['isolation'] for r in results.values()}))}")
    local, inside, round_trip = per_task
    print(f"per task  : {len(local)} non-stuck notebooks one at a time, medians: grading.grade here "
          f"{statistics.median(local) * 1000:.0f} ms; grade_remote inside a cluster worker "
          f"{statistics.median(inside) * 1000:.0f} ms; the round trip through the scheduler adds "
          f"{statistics.median([r - i for r, i in zip(round_trip, inside, strict=True)]) * 1000:.0f} ms")
    return not differ


def _timed_grade_remote(*args):
    """Runs on a worker: ``distributed.grade_remote``, and how long it took there."""
    from autograder import distributed

    start = time.perf_counter()
    distributed.grade_remote(*args)
    return time.perf_counter() - start


def _dask_per_task(scheduler: str, run: dict, args) -> tuple[list[float], list[float], list[float]]:
    """The same few non-stuck notebooks graded here and on the cluster, one at a
    time: seconds locally, inside the worker, and for the worker's round trip."""
    from distributed import Client

    from autograder import cache, distributed, grading
    from autograder.sandbox.supervisor import isolation

    names = [s for s, source in run["students"].items() if source.kind != "stuck"][:args.sample]
    paths = [run["root"] / "submitted" / s / ASSIGNMENT for s in names]
    options = grading.Options(timeout=args.timeout, isolation=isolation.detect_isolation("bwrap"))
    fingerprint = cache.grader_fingerprint()
    local, inside, round_trip = [], [], []
    with Client(scheduler) as client:
        payloads = [distributed._payload(ASSIGNMENT, p) for p in paths]
        for _ in range(args.workers):   # every worker has detected its isolation
            client.submit(_timed_grade_remote, ASSIGNMENT, payloads[0], args.timeout, options.memory_mb, "bwrap",
                          fingerprint, pure=False).result()
        for path, payload in zip(paths, payloads, strict=True):
            start = time.perf_counter()
            grading.grade(ASSIGNMENT, path, options)
            local.append(time.perf_counter() - start)
            start = time.perf_counter()
            inside.append(client.submit(_timed_grade_remote, ASSIGNMENT, payload, args.timeout, options.memory_mb,
                                        "bwrap", fingerprint, pure=False).result())
            round_trip.append(time.perf_counter() - start)
    return local, inside, round_trip


def bench_floor(run: dict, args) -> None:
    import floor

    print(f"\n=== The floor and where the time goes (one submission at a time, sandbox on); "
          f"load average {load_average()}", flush=True)
    students = run["students"]
    # A sample of the non-stuck notebooks: one of each source first, then the next ones in order.
    candidates = [s for s, source in students.items() if source.kind != "stuck"]
    firsts = list({students[s].label: s for s in reversed(candidates)}.values())[::-1]
    sample = (firsts + [s for s in candidates if s not in firsts])[:args.sample]
    paths = [run["root"] / "submitted" / s / ASSIGNMENT for s in sample]
    timings, rows, totals = floor.measure(paths, ASSIGNMENT, args.timeout)
    floor_seconds = timings[floor.FLOOR].median
    previous = 0.0
    for name, timing in timings.items():
        print(f"  {name:42s} median {timing.median * 1000:6.1f} ms  (+{(timing.median - previous) * 1000:5.1f} ms; "
              f"mean {timing.mean * 1000:6.1f} ms over {len(timing.samples)})")
        previous = timing.median

    def plots(student):
        return any("matplotlib" in cell for cell in students[student].cells)

    groups = {"numpy only": [i for i, s in enumerate(sample) if not plots(s)],
              "importing matplotlib in a cell": [i for i, s in enumerate(sample) if plots(s)]}
    floor_with_child = timings["bwrap + python + numpy + child modules"].median
    for group, members in groups.items():
        if not members:
            continue
        mean_total = sum(totals[i] for i in members) / len(members)
        print(f"\n  grading.grade per non-stuck submission, {group} ({len(members)} graded one after another): "
              f"mean {mean_total * 1000:.0f} ms = {mean_total / floor_seconds:.2f}x the floor")
        for step in list(floor.STEPS) + ["other (between the steps)"]:
            mean = sum(rows[i][step] for i in members) / len(members)
            print(f"    {step:52s} {mean * 1000:7.1f} ms")
        loaded = sum(rows[i][floor.STEPS[3]] for i in members) / len(members)
        rest = loaded - floor_with_child
        print(f"      of which the sandbox, Python, NumPy and the child's modules (median above) "
              f"{floor_with_child * 1000:.0f} ms; the plan's decoding and the student's cells "
              + (f"~{rest * 1000:.0f} ms" if rest > 0.05 * floor_with_child else "within the noise of that"))
    all_mean = sum(totals) / len(totals)
    print(f"\n  per non-stuck submission, all {len(totals)}: mean {all_mean * 1000:.0f} ms = "
          f"{all_mean / floor_seconds:.2f}x the floor of {floor_seconds * 1000:.0f} ms")

    notebook = paths[0]
    startup = floor.command_startup(notebook, ASSIGNMENT)
    print("\n=== The command's own start-up")
    for label in ("python -c pass", "python -m autograder --version", "python -c 'import nbformat'",
                  "one notebook, whole command (-X importtime on)"):
        print(f"  {label:52s} {startup[label]:6.2f} s")
    print(f"  imports of that run: {startup['imports, all top-level']:.2f} s in all; cumulative: "
          + ", ".join(f"{k} {v:.2f} s" for k, v in startup["imports"].items())
          + f"; nbformat {'IS' if startup['nbformat imported'] else 'is not'} imported")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run: N = 20 and 40, Dask at N = 20")
    parser.add_argument("--sizes", help="class sizes, comma-separated (default 20,100,500; quick 20,40)")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="seconds per test (this grader) and per cell (nbgrader); default 10")
    parser.add_argument("--workers", type=int, default=2, help="this grader's workers, local and Dask (default 2)")
    parser.add_argument("--nbgrader-max", type=int, help="largest class nbgrader grades whole (default 100; quick 20)")
    parser.add_argument("--nbgrader-subset", type=int, help="size of the measured subset above that (default 50; quick 10)")
    parser.add_argument("--dask-n", type=int, help="the class graded again on Dask (default 100; quick 20)")
    parser.add_argument("--sample", type=int, help="non-stuck submissions in the breakdown, each after a round of the floor "
                                                        "programs (default 16; quick 8)")
    parser.add_argument("--skip-nbgrader", action="store_true",
                        help="only this grader, the Dask run and the floor (for working on the grader's speed)")
    parser.add_argument("--keep", type=Path, help="build the courses here and keep them (default: a temporary folder)")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)   # progress shows as it happens, also through a pipe or a log file
    defaults = ({"sizes": "20,40", "nbgrader_max": 20, "nbgrader_subset": 10, "dask_n": 20, "sample": 8}
                if args.quick else
                {"sizes": "20,100,500", "nbgrader_max": 100, "nbgrader_subset": 50, "dask_n": 100, "sample": 16})
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    sizes = [int(s) for s in args.sizes.split(",")]
    if min(sizes) < 3:
        parser.error("class sizes must be at least 3")
    if args.dask_n not in sizes:
        parser.error(f"--dask-n {args.dask_n} must be one of the sizes {sizes}")
    _preflight()

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="autograder-bench-"))
    if args.keep and workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"benchmark in {workdir}: {os.cpu_count()} cores; load average at start {load_average()} "
          f"(1, 5, 15 min); {'quick' if args.quick else 'full'} run")
    try:
        runs = {n: bench_class(workdir, n, args) for n in sizes}
        failed = any(r["failed"] for r in runs.values())
        failed |= not bench_dask(runs[args.dask_n], args)
        bench_floor(runs[max(sizes)], args)

        print("\n=== Summary")
        for n, run in runs.items():
            if run["nb_seconds"] is None:
                print(f"  N = {n:4d}: autograder {run['ours_seconds']:6.1f} s (nbgrader skipped)")
                continue
            note = " (nbgrader extrapolated)" if run["extrapolated"] else ""
            print(f"  N = {n:4d}: nbgrader {run['nb_seconds']:7.1f} s, autograder {run['ours_seconds']:6.1f} s, "
                  f"{run['nb_seconds'] / run['ours_seconds']:5.1f}x{note}")
        print(f"  load average at the end {load_average()}; whole benchmark {time.perf_counter() - started:.0f} s")
        if failed:
            print("FAILED: see DISAGREE / WRONG / DIFFER above")
            return 1
        print("both graders agree wherever they are comparable; the Dask run matches the local one"
              if not args.skip_nbgrader else "correct submissions got full marks; the Dask run matches the local one")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
