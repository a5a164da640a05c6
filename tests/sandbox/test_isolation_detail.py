"""A result never claims a protection that was not applied: with the seccomp
filter and the cgroup layer turned off, the sandbox still runs and every
result says which layers were missing (and the grader warns once for each)."""

from __future__ import annotations

import io
from contextlib import redirect_stderr

import sandbox_corpus as corpus
from autograder import grading
from autograder.sandbox.supervisor import detect


def _grade_correct(tmp_path, iso):
    good = tmp_path / "alice.py"
    good.write_text((corpus.REFERENCES / "optimizers.py").read_text())
    return grading.grade("optimizers", good, grading.Options(timeout=10, isolation=iso))[1]


def test_layers_turned_off_are_recorded_as_off(monkeypatch, tmp_path):
    corpus.full_isolation()   # bwrap must work here
    monkeypatch.setattr(detect, "_detected", {})
    monkeypatch.setattr(detect, "_said", set())
    monkeypatch.setenv("AUTOGRADER_SECCOMP", "0")
    monkeypatch.setenv("AUTOGRADER_CGROUPS", "0")
    stderr = io.StringIO()
    with redirect_stderr(stderr):
        iso = detect.detect_isolation("auto")
        detect.detect_isolation("none")
    assert iso.level == "full" and iso.seccomp is None and iso.cgroups is None
    assert stderr.getvalue().count("no seccomp filter") == 1
    assert stderr.getvalue().count("no cgroup CPU quota") == 1
    result = _grade_correct(tmp_path, iso)
    assert result["score"] == result["max_score"] and result["isolation"] == "full"
    assert result["isolation_detail"] == {
        "bwrap": True, "seccomp": False, "cgroups": False, "memory_limit": "per process", "cpu_limit": False,
        "cpu_cores": None, "processes_tracked_by": "pid namespace", "time_budget": "wall clock"}


def test_all_layers_on_are_recorded_as_on(tmp_path):
    iso = corpus.full_isolation()
    result = _grade_correct(tmp_path, iso)
    detail = result["isolation_detail"]
    assert detail["bwrap"] and detail["seccomp"] == (iso.seccomp is not None)
    assert detail["cgroups"] == (iso.cgroups is not None)
    assert detail["cpu_limit"] == bool(iso.cgroups is not None and iso.cgroups.cpu)
    assert detail["time_budget"] == ("cpu time" if iso.cgroups is not None else "wall clock")


def test_a_submission_claims_only_what_every_child_had():
    """Two children of one submission: the result claims the weaker of each protection, and
    wall-clock budgets if any child's budgets were wall-clock time (its cgroup kept no CPU time)."""
    from autograder.sandbox.supervisor import cpu_budget
    from autograder.sandbox.supervisor.sandboxes import weakest_protections

    strong = {"bwrap": True, "seccomp": True, "cgroups": True, "memory_limit": "cgroup", "cpu_limit": True,
              "cpu_cores": 1.0, "processes_tracked_by": "pid namespace", "time_budget": cpu_budget.CPU_TIME}
    no_cpu_accounting = dict(strong, time_budget=cpu_budget.WALL_CLOCK)
    no_cgroup = dict(strong, cgroups=False, memory_limit="per process", cpu_limit=False, cpu_cores=None,
                     time_budget=cpu_budget.WALL_CLOCK)
    assert weakest_protections(None, strong) == strong
    assert weakest_protections(strong, strong) == strong
    for weak in (no_cpu_accounting, no_cgroup):
        assert weakest_protections(strong, weak) == weak
        assert weakest_protections(weak, strong) == weak
