"""Reduced isolation: where bubblewrap cannot run, a plain child with resource limits.

What it still guarantees (every process killed, crash isolation per function,
a warning, "isolation": "reduced" in every result), and, to be honest about
it, what it does not (the file system and the network are open).
"""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr

import pytest

import sandbox_corpus as corpus
from autograder import cli, grading
from autograder.sandbox.supervisor import cgroups, detect, isolation, seccomp

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process checks read Linux /proc")

KILLERS = ["daemon.py", "kill_supervisor.py", "fork_spray.py", "loop_ignoring_sigterm.py", "segfault.py",
           "exit_in_function.py", "read_reference.py", "network.py", "env_dropping_daemon.py",
           "cpu_shell_spinners.py", "keyring.py", "unshare_setns.py", "io_uring.py", "bystander.py"]


def _modes():
    # The child runs as the grader's own user (as_root=False), as it does for an
    # unprivileged grader: it can kill the subreaper that supervises it, so the
    # no-cgroup mode shows the grader itself reaping what the submission orphaned.
    program = seccomp.compiled_filter() if sys.platform.startswith("linux") else None
    modes = [pytest.param(lambda: isolation.Isolation("reduced", cgroups=None, reason="test", seccomp=program),
                          id="no-cgroup")]
    groups = cgroups.Cgroups.probe()
    if groups is not None:
        modes.append(pytest.param(lambda: isolation.Isolation("reduced", cgroups=groups, reason="test",
                                                              seccomp=program), id="cgroup"))
    return modes


@pytest.fixture(scope="module", params=_modes())
def reduced(request, tmp_path_factory):
    iso = request.param()
    run = corpus.GradedCorpus(tmp_path_factory.mktemp("reduced"), KILLERS, iso)
    run.iso = iso
    return run


def test_every_result_says_reduced(reduced):
    assert {r["isolation"] for r in reduced.results.values()} == {"reduced"}
    details = [r["isolation_detail"] for r in reduced.results.values()]
    with_cgroup = reduced.iso.cgroups is not None
    assert all(not d["bwrap"] and d["seccomp"] and d["cgroups"] == with_cgroup for d in details)
    assert all(d["cpu_limit"] == with_cgroup and d["memory_limit"] == ("cgroup" if with_cgroup else "per process")
               for d in details)
    assert {d["processes_tracked_by"] for d in details} == {"cgroup" if with_cgroup else "process tree"}


def test_seccomp_holds_in_reduced_mode_too(reduced):
    kept = corpus.points_kept
    assert reduced.result("keyring")["score"] == kept("optimizers", {"sgd", "sgd_momentum", "nesterov_momentum"})
    assert reduced.result("unshare_setns")["score"] == kept(
        "optimizers", {"sgd", "sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop"})
    assert reduced.result("io_uring")["score"] == kept("optimizers", {"sgd", "adam"})


def test_no_process_outlives_grading_even_in_reduced_mode(reduced):
    # A daemon that left the process group, one that also killed the subreaper
    # supervising it, one that did both and dropped its environment, and sprays
    # of session leaders that ignore SIGTERM.
    assert reduced.survivors == []
    assert reduced.new_leftovers == []


def test_crash_or_hang_costs_only_that_function(reduced):
    kept = corpus.points_kept
    assert reduced.result("loop_ignoring_sigterm")["score"] == kept("optimizers", {"adam"})
    assert reduced.result("segfault")["score"] == kept("optimizers", {"adagrad"})
    assert reduced.result("exit_in_function")["score"] == kept("optimizers", {"sgd", "step_decay"})
    assert reduced.result("daemon")["score"] == kept("optimizers")
    assert reduced.result("kill_supervisor")["score"] == kept("optimizers")
    assert reduced.result("env_dropping_daemon")["score"] == kept("optimizers")
    assert reduced.result("cpu_shell_spinners")["score"] == kept("optimizers")
    if reduced.iso.cgroups is not None:   # without a cgroup, nothing bounds the spinners' CPU
        assert reduced.result("bystander")["score"] == kept("optimizers")


def test_reduced_mode_really_is_weaker(reduced):
    """The same files are contained by the sandbox (test_hostile.py): here the
    references can be read and the loopback server is reachable. This is why
    every result says "reduced" and the grader warns."""
    sealed = corpus.points_kept("optimizers", {"sgd", "sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop",
                                               "adam", "step_decay", "cosine_decay", "linear_decay",
                                               "inverse_sqrt_decay"})
    assert reduced.result("read_reference")["score"] > sealed
    assert reduced.server.received


def test_fallback_when_bwrap_is_missing_warns_once_and_marks_results(monkeypatch, tmp_path):
    monkeypatch.setattr(detect.shutil, "which", lambda name: None)
    monkeypatch.setattr(detect, "_detected", {})
    monkeypatch.setattr(detect, "_warned", False)
    stderr = io.StringIO()
    with redirect_stderr(stderr):
        first = isolation.detect_isolation("auto")
        second = isolation.detect_isolation("auto")
        with pytest.raises(isolation.IsolationUnavailable, match="not installed"):
            isolation.detect_isolation("bwrap")
    assert first is second and first.level == "reduced"
    assert stderr.getvalue().count("with reduced isolation") == 1   # one warning, however often asked
    assert "bubblewrap (bwrap) is not installed" in stderr.getvalue()

    good = tmp_path / "alice.py"
    good.write_text((corpus.REFERENCES / "optimizers.py").read_text())
    name, result = grading.grade("optimizers", good, grading.Options(timeout=10, isolation=first))
    assert result["isolation"] == "reduced" and result["score"] == result["max_score"]


def test_cli_refuses_to_grade_without_the_sandbox_when_asked(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(detect.shutil, "which", lambda name: None)
    monkeypatch.setattr(detect, "_detected", {})
    good = tmp_path / "alice.py"
    good.write_text((corpus.REFERENCES / "optimizers.py").read_text())
    code = cli.main(["grade", "optimizers", str(good), "--out", str(tmp_path / "out"), "--isolation", "bwrap",
                     "--quiet"])
    assert code == 2
    assert "bwrap" in capsys.readouterr().err
    assert not (tmp_path / "out" / "alice.json").exists()
