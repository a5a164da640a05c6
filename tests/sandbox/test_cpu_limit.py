"""The CPU quota: every process of a submission, in whatever session, shares one
cgroup quota; the result says whether it held (``isolation_detail``)."""

from __future__ import annotations

import pytest

import sandbox_corpus as corpus
from autograder.sandbox.supervisor import isolation, launcher, limits

# Four busy processes, each in a session of its own, measure the CPU time they
# got in a window of wall time; the function returns cores used.
SPINNERS = """import os, resource, time
def cores_used(window=1.5):
    read_end, write_end = os.pipe()
    for _ in range(4):
        if os.fork() == 0:
            os.setsid()
            started = time.monotonic()
            while time.monotonic() - started < window:
                pass
            usage = resource.getrusage(resource.RUSAGE_SELF)
            os.write(write_end, f"{usage.ru_utime + usage.ru_stime}\\n".encode())
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as reports:
        return sum(float(x) for x in reports.read().split()) / window
"""


# A tenth of a core, and slack for the first period's burst: far below what four
# busy processes get even on a loaded 2-core machine (0.4 cores measured with
# eight other jobs running).
QUOTA, BOUND = 0.1, 0.18


def _cores(iso, cpu_cores):
    case = launcher.PlannedCase("cores_used", "call", {"function": "cores_used"})
    session = launcher.run_cases([{"source": SPINNERS, "filename": "spin.py"}], [case],
                                 launcher.Limits(timeout=20, cpu_cores=cpu_cores), iso)
    outcome = session.outcomes[0]
    assert outcome.status == "ok", outcome.message
    return float(outcome.outputs["return"].value), session.isolation_detail


def _with_cpu_quota():
    iso = corpus.full_isolation()
    if iso.cgroups is None or not iso.cgroups.cpu:
        if corpus.STRICT:
            pytest.fail("no cgroup CPU controller here (SANDBOX_TESTS_STRICT is set)")
        pytest.skip("no cgroup CPU controller here")
    return iso


def test_the_default_is_one_core_written_once():
    assert launcher.Limits().cpu_cores == limits.DEFAULT_CPU_CORES == 1.0


@pytest.mark.parametrize("level", ["full", "reduced"])
def test_the_quota_holds_processes_in_other_sessions(level):
    iso = _with_cpu_quota()
    if level == "reduced":
        iso = isolation.Isolation("reduced", cgroups=iso.cgroups, reason="test", seccomp=iso.seccomp)
    used, detail = _cores(iso, cpu_cores=QUOTA)
    assert detail["cpu_limit"] and detail["cpu_cores"] == QUOTA and detail["cgroups"]
    assert used < BOUND, used


def test_without_a_quota_the_same_processes_take_more_and_the_result_says_so():
    """The check above can fail: without the quota the same spinners get more."""
    iso = _with_cpu_quota()
    used, detail = _cores(iso, cpu_cores=None)
    assert not detail["cpu_limit"] and detail["cpu_cores"] is None
    assert used > BOUND, used


def test_the_quota_is_written_to_the_cgroup():
    groups = _with_cpu_quota().cgroups
    for cores, expected in ((0.5, "50000"), (None, None)):
        group = groups.create(processes=8, memory_bytes=64 << 20, cpu_cores=cores)
        try:
            leaf = group.leaves["unified" if groups.version == 2 else "cpu"]
            text = (leaf / ("cpu.max" if groups.version == 2 else "cpu.cfs_quota_us")).read_text().split()[0]
            assert group.cpu_limited == (expected is not None)
            assert text == (expected or ("max" if groups.version == 2 else "-1"))
        finally:
            group.destroy()
