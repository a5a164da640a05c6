"""Scale: parallel workers, up-to-date results skipped, a killed grader losing
nothing, and grading on a Dask cluster."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sandbox_corpus as corpus
from autograder import cache, cli, grading

CORRECT = (corpus.REFERENCES / "optimizers.py").read_text()
# sgd steps the wrong way: everything but sgd's points.
WRONG = CORRECT.replace('return w - config["learning_rate"] * dw, config',
                        'return w + config["learning_rate"] * dw, config')
assert WRONG != CORRECT
FULL = corpus.points_kept("optimizers")
SGD_LOST = corpus.points_kept("optimizers", {"sgd"})


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    path.write_text(text)
    return path


def _scores(out: Path) -> dict[str, float]:
    return {p.stem: json.loads(p.read_text())["score"] for p in out.glob("*.json")}


@pytest.fixture()
def counted(monkeypatch):
    """Counts the submissions actually graded."""
    graded = []
    real = grading.grade

    def grade(assignment, path, options=None):
        graded.append(Path(path).stem)
        return real(assignment, path, options)

    monkeypatch.setattr(grading, "grade", grade)
    return graded


def test_up_to_date_results_are_skipped_unless_forced(tmp_path, counted):
    subs, out = tmp_path / "subs", tmp_path / "out"
    paths = [_write(subs, "alice", CORRECT), _write(subs, "bob", WRONG), _write(subs, "carol", CORRECT)]
    options = grading.Options(timeout=10)
    first = cli.grade_batch("optimizers", paths, out, options, workers=2, quiet=True)
    assert sorted(counted) == ["alice", "bob", "carol"]
    assert _scores(out) == {"alice": FULL, "bob": SGD_LOST, "carol": FULL}
    stamp = {p: (out / f"{p}.json").stat().st_mtime_ns for p in ("alice", "bob", "carol")}

    counted.clear()
    again = cli.grade_batch("optimizers", paths, out, options, workers=2, quiet=True)
    assert counted == []
    assert sorted(json.dumps(r, sort_keys=True) for r in again) == sorted(json.dumps(r, sort_keys=True) for r in first)
    assert stamp == {p: (out / f"{p}.json").stat().st_mtime_ns for p in stamp}
    assert (out / "grades.csv").read_text().count("\n") == 4

    # bob fixes his code: only bob is graded again.
    _write(subs, "bob", CORRECT)
    cli.grade_batch("optimizers", paths, out, options, workers=2, quiet=True)
    assert counted == ["bob"]
    assert _scores(out)["bob"] == FULL

    # A result file changed by hand is not trusted.
    counted.clear()
    (out / "carol.json").write_text((out / "carol.json").read_text().replace(f'"score": {FULL}', '"score": 1.0'))
    cli.grade_batch("optimizers", paths, out, options, workers=2, quiet=True)
    assert counted == ["carol"] and _scores(out)["carol"] == FULL

    # Other options (here the timeout) make a different grade: graded again.
    counted.clear()
    cli.grade_batch("optimizers", paths, out, grading.Options(timeout=11), workers=2, quiet=True)
    assert sorted(counted) == ["alice", "bob", "carol"]

    counted.clear()
    cli.grade_batch("optimizers", paths, out, grading.Options(timeout=11), workers=2, quiet=True, force=True)
    assert sorted(counted) == ["alice", "bob", "carol"]


def test_the_key_covers_the_grader_sources(tmp_path, monkeypatch):
    path = _write(tmp_path, "alice", CORRECT)
    settings = {"timeout": 1}
    name, key = cache.entry("optimizers", path, settings)
    assert name == "alice"
    monkeypatch.setattr(cache, "grader_fingerprint", lambda: "0.1.0+another-grader")
    assert cache.entry("optimizers", path, settings)[1] != key
    monkeypatch.undo()
    assert cache.entry("gradient_check", path, settings)[1] != key
    assert cache.entry("optimizers", path, {"timeout": 2})[1] != key


SLOW_SUBMISSION = CORRECT + '''
import os, time
if os.fork() == 0:          # a helper process, to check that killing the grader takes it down too
    os.execv("/bin/sh", ["/bin/sh", "-c", "while :; do sleep 1; done", "@@MARKER@@"])
time.sleep(1.0)
'''


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_grader_loses_nothing_and_a_rerun_finishes_the_rest(tmp_path):
    marker = corpus.marker()
    subs, out = tmp_path / "subs", tmp_path / "out"
    paths = [_write(subs, f"student{i}", SLOW_SUBMISSION.replace("@@MARKER@@", marker)) for i in range(6)]
    command = [sys.executable, "-m", "autograder", "grade", "optimizers", *map(str, paths), "--out", str(out),
               "--workers", "1", "--timeout", "10", "--quiet"]
    grader = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("*.json"))) < 2:
        time.sleep(0.05)
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    written = list(out.glob("*.json"))
    assert 2 <= len(written) < 6, "the grader should have been killed half-way"
    for p in written:     # every result there is whole
        assert json.loads(p.read_text())["score"] == FULL
    # Up to date: a result and, written after it, its stamp (killed in between: graded again).
    done_before = {p.name: (out / p.name).stat().st_mtime_ns for p in (out / cache.CACHE_FOLDER).glob("*.json")}
    assert len(done_before) >= 1

    # The sandbox of the submission being graded died with the grader.
    time.sleep(0.5)
    assert corpus.processes_with(marker) == []

    rerun = subprocess.run([c for c in command if c != "--quiet"], capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(done_before)} of 6 results already up to date" in rerun.stderr
    assert sorted(p.name for p in out.glob("*.json")) == [f"student{i}.json" for i in range(6)]
    assert all(json.loads(p.read_text())["score"] == FULL for p in out.glob("*.json"))
    assert {n: (out / n).stat().st_mtime_ns for n in done_before} == done_before
    assert corpus.processes_with(marker) == []


def test_dask_cluster_grades_the_same(tmp_path):
    distributed = pytest.importorskip("distributed")
    subs = tmp_path / "subs"
    paths = [_write(subs, "alice", CORRECT), _write(subs, "bob", WRONG),
             _write(subs / "submitted" / "carol" / "optimizers", "anything", WRONG), tmp_path / "missing.py"]
    options = grading.Options(timeout=10)
    local = cli.grade_batch("optimizers", paths, tmp_path / "local", options, workers=2, quiet=True)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                                  protocol="tcp") as cluster:
        remote = cli.grade_batch("optimizers", paths, tmp_path / "remote", grading.Options(timeout=10), workers=2,
                                 quiet=True, scheduler=cluster.scheduler_address)
        counted = []
        real = grading.grade
        try:
            grading.grade = lambda *a, **k: counted.append(a) or real(*a, **k)
            cli.grade_batch("optimizers", paths, tmp_path / "remote", grading.Options(timeout=10), workers=2,
                            quiet=True, scheduler=cluster.scheduler_address)
        finally:
            grading.grade = real
    key = lambda r: r["student"]
    assert [(r["student"], r["submission"], r["score"], r["status"]) for r in sorted(remote, key=key)] == \
           [(r["student"], r["submission"], r["score"], r["status"]) for r in sorted(local, key=key)]
    assert {r["student"]: r["score"] for r in remote} == {"alice": FULL, "bob": SGD_LOST, "carol": SGD_LOST, "missing": 0}
    assert [t["message"] for r in sorted(remote, key=key) for t in r["tests"]] == \
           [t["message"] for r in sorted(local, key=key) for t in r["tests"]]
    assert {r["isolation"] for r in remote if r["student"] != "missing"} == {r["isolation"] for r in local
                                                                               if r["student"] != "missing"}
    assert (tmp_path / "remote" / "grades.csv").read_text() == (tmp_path / "local" / "grades.csv").read_text()
    # Re-running against the cluster skips what is up to date (only the unreadable one is looked at again).
    assert [Path(a[1]).name for a in counted] == ["missing.py"]
