"""The malformed-input corpus (``malformed_corpus.py``), graded in one batch by the
real command line in the bubblewrap sandbox, next to two correct submissions.

Each entry is shown contained by its exact outcome: its status, score and
messages; the correct submissions keep full marks; the command exits 0 and
writes grades.csv with one row per distinct submission; and the grader
process's peak memory and wall time stay under the bounds below.
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time

import pytest

import malformed_corpus as mc
import sandbox_corpus as corpus
from autograder import checks
from autograder.results import read_result

# The grader process alone (not the sandboxed children): its peak resident memory
# (VmHWM) at exit. Measured 125-131 MB; with the outputs
# of huge_outputs_every_case kept until judging (as before) it was 847 MB, and
# reading the 3 GB file or parsing the deep notebooks in the grader would be far over.
PEAK_MEMORY_MB = 300
# The whole batch (31 entries, 2 correct, 2 workers, 15 s per test and for loading:
# generous, as the machine may be loaded). Measured 29-60 s on a 2-core machine at a
# load average of 10-20; the magic flood alone waits out the 15 s load limit.
WALL_SECONDS = 240

# VmHWM, not getrusage: ru_maxrss survives exec, so it would report the test
# process's own size at the fork; VmHWM belongs to the grader's own memory map.
RUN_AND_MEASURE = """
import sys
from autograder.cli import main
code = main(sys.argv[1:])
with open("/proc/self/status") as status:
    peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
print("PEAK_RSS_KB", peak, file=sys.stderr)
sys.exit(code)
"""


class Graded:
    def __init__(self, root):
        self.root = root
        self.out = root / "out"
        self.paths = mc.correct(root)
        self.entry_paths = {}
        for entry in mc.ENTRIES:
            self.entry_paths[entry.id] = entry.build(root)
            self.paths += self.entry_paths[entry.id]
        env = dict(os.environ, PYTHONPATH=str(corpus.REPO), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        start = time.monotonic()
        self.proc = subprocess.run(
            [sys.executable, "-c", RUN_AND_MEASURE, "grade", mc.ASSIGNMENT, *map(os.fsdecode, self.paths),
             "--out", str(self.out), "--workers", "2", "--timeout", "15", "--isolation", "bwrap"],
            capture_output=True, env=env, timeout=900)
        self.wall = time.monotonic() - start
        self.stderr = self.proc.stderr.decode("utf-8", "replace")
        peak = [line for line in self.stderr.splitlines() if line.startswith("PEAK_RSS_KB")]
        self.peak_mb = int(peak[-1].split()[1]) / 1024 if peak else None
        self.results = {}
        for path in self.out.glob("*.json"):
            result = read_result(path)
            self.results[result.student] = result
        print(f"\nmalformed corpus: {len(mc.ENTRIES)} entries, wall {self.wall:.1f} s, "
              f"grader peak RSS {self.peak_mb} MB", file=sys.stderr)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    corpus.full_isolation()
    return Graded(tmp_path_factory.mktemp("malformed"))


def test_the_corpus_covers_the_three_grader_side_classes():
    assert len(mc.ENTRIES) >= 25
    assert len({e.id for e in mc.ENTRIES}) == len(mc.ENTRIES)
    assert {e.issue_class for e in mc.ENTRIES} == {1, 2, 4}
    forgeries = {p.stem for p in mc.MALFORMED.glob("*.py")}
    assert forgeries <= {e.id for e in mc.ENTRIES}, "every file in malformed/ is graded"


def test_the_batch_finishes_with_exit_code_0_and_grades_csv(graded):
    assert graded.proc.returncode == 0, graded.stderr[-3000:]
    assert "Traceback" not in graded.stderr, graded.stderr[-3000:]
    assert (graded.out / "grades.csv").is_file()


def test_grader_peak_memory_and_wall_time_are_bounded(graded):
    assert graded.peak_mb is not None and graded.peak_mb < PEAK_MEMORY_MB, graded.peak_mb
    assert graded.wall < WALL_SECONDS, graded.wall


def test_correct_submissions_graded_beside_the_corpus_keep_full_marks(graded):
    for student in ("correct_alice", "correct_bob"):
        result = graded.results[student]
        assert result.status == "graded" and result.score == result.max_score, result.message
        assert result.isolation == "full"


@pytest.mark.parametrize("entry", mc.ENTRIES, ids=lambda e: e.id)
def test_entry_is_contained(graded, entry):
    student = entry.student or entry.id
    assert student in graded.results, sorted(graded.results)
    result = graded.results[student]
    assert result.status == entry.status, result.message[:500]
    assert entry.message in result.message, result.message[:500]
    by_function = {}
    for test in result.tests:
        by_function.setdefault(test.function, []).append(test)
    lost = corpus.with_callers(mc.ASSIGNMENT, entry.lost)
    assert result.score == pytest.approx(corpus.points_kept(mc.ASSIGNMENT, lost if lost == "all" else set(lost)))
    for function, tests in by_function.items():
        if lost == "all":
            allowed = {"error", "timeout"}
        else:
            allowed = lost.get(function, {"passed"})
        assert {t.status for t in tests} <= allowed, (function, [t.message[:300] for t in tests])
        if function in entry.test_message:
            assert entry.test_message[function] in tests[0].message, tests[0].message[:500]
    # No student text made it into the result at length.
    assert all(len(t.message) < 5000 for t in result.tests)


def test_one_row_per_distinct_submission_and_no_formula_cells(graded):
    with open(graded.out / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    students = [row["student"] for row in rows]
    assert len(students) == len(set(students)) == len(graded.results)
    assert students.count("same_path_twice") == 1
    assert "'" + mc.FORMULA_STUDENT in students and mc.FORMULA_STUDENT not in students
    assert not [s for s in students if s.startswith(("=", "+", "-", "@"))]


def test_result_files_have_safe_names_and_group_read_permission(graded):
    for path in graded.out.iterdir():
        name = os.fsencode(path.name)
        assert len(name) <= 130 and name.decode("utf-8").isprintable(), name
        if path.is_file():
            assert path.stat().st_mode & 0o044 == 0o044 & ~os.umask(os.umask(0)), oct(path.stat().st_mode)


def test_terminal_output_has_no_control_characters(graded):
    shown = graded.proc.stdout.decode("utf-8")
    assert "correct_alice" in shown
    assert not [ch for ch in shown if not ch.isprintable() and ch != "\n"]


def test_the_huge_forged_message_is_cut_in_the_result_file(graded):
    path = graded.out / "forged_huge_error.json"
    assert path.stat().st_size < 200_000
    assert json.loads(path.read_text())["tests"][0]["message"].count("A") <= 1100


def test_a_symlink_to_the_answers_scores_nothing(graded):
    for name in ("symlink_to_reference", "symlink_to_source_notebook", "symlink_to_other_student"):
        assert graded.results[name].score == 0
    assert sum(c.points for c in checks.suite(mc.ASSIGNMENT)) == graded.results["correct_alice"].score
