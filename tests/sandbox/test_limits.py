"""The sandbox's limits, each shown to be the thing that stopped an attack
(rather than the per-test timeout, which contains everything eventually), and
the shape of the bwrap command line where the grader is installed differently."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import sandbox_corpus as corpus
from autograder.sandbox.supervisor import bwrap, environment, isolation, launcher


@pytest.mark.slow
def test_memory_limit_stops_a_single_process_bomb(tmp_path):
    run = corpus.GradedCorpus(tmp_path, ["memory_bomb.py"], corpus.full_isolation(), timeout=120)
    tests = run.by_function("memory_bomb")["sgd_momentum"]
    assert tests[0]["status"] == "error"
    assert "MemoryError" in tests[0]["message"]
    assert run.result("memory_bomb")["score"] == corpus.points_kept("optimizers", {"sgd_momentum"})


@pytest.mark.slow
def test_memory_limit_covers_all_processes_of_a_submission(tmp_path):
    iso = corpus.full_isolation()
    if iso.cgroups is None:
        pytest.skip("no cgroup can be created here: memory is limited per process only")
    run = corpus.GradedCorpus(tmp_path, ["memory_bomb_forked.py"], iso, timeout=120)
    tests = run.by_function("memory_bomb_forked")["rmsprop"]
    # "failed" (not "timeout"): the six holders were not all allowed their 700 MB.
    assert {t["status"] for t in tests} == {"failed"}
    assert run.result("memory_bomb_forked")["score"] == corpus.points_kept("optimizers", {"rmsprop"})
    assert run.survivors == []


def test_process_limit_holds_without_cgroups(tmp_path, monkeypatch):
    iso = corpus.full_isolation()
    bare = isolation.Isolation("full", bwrap=iso.bwrap, cgroups=None, as_root=iso.as_root, seccomp=iso.seccomp)
    run = corpus.GradedCorpus(tmp_path, ["fork_spray.py"], bare)
    assert run.by_function("fork_spray")["nesterov_momentum"][0]["status"] == "failed"
    assert run.result("fork_spray")["score"] == corpus.points_kept("optimizers", {"nesterov_momentum"})
    assert run.survivors == []


def test_a_timeout_kills_the_whole_sandbox_quickly():
    iso = corpus.full_isolation()
    marker = corpus.marker()
    cells = [{"source": "import os, signal\n"
                        "def f():\n"
                        "    for _ in range(5):\n"
                        "        if os.fork() == 0:\n"
                        "            os.setsid(); signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                        f"            os.execv('/bin/sh', ['/bin/sh', '-c', 'while :; do :; done', '{marker}'])\n"
                        "    while True: pass\n", "filename": "spin.py"}]
    case = launcher.PlannedCase("f", "call", {"function": "f"})
    started = time.monotonic()
    session = launcher.run_cases(cells, [case], launcher.Limits(timeout=1.0), iso)
    assert session.outcomes[0].status == "timeout"
    assert time.monotonic() - started < 5
    assert corpus.processes_with(marker) == []


def _fake_layout(monkeypatch, package_dir: str, sites: list[str]):
    monkeypatch.setattr(environment, "PACKAGE_DIR", Path(package_dir))
    monkeypatch.setattr(environment, "PACKAGE_PARENT", Path(package_dir).parent)
    monkeypatch.setattr(environment, "SANDBOX_DIR", Path(package_dir) / "sandbox")
    monkeypatch.setattr(environment, "site_dirs", lambda: sites)


def _position(args, *sequence):
    for i in range(len(args) - len(sequence) + 1):
        if tuple(args[i:i + len(sequence)]) == sequence:
            return i
    raise AssertionError(f"{sequence} not in {args}")


def test_an_installed_grader_is_hidden_inside_site_packages(monkeypatch):
    """pip install (not editable) puts the references inside site-packages, which
    the child must see: the package folder is covered, then only the sandbox is bound back."""
    site = "/usr/lib/python3/dist-packages"
    _fake_layout(monkeypatch, f"{site}/autograder", [site])
    args = bwrap.bwrap_arguments(launcher.Limits(), as_root=False)
    bind_site = _position(args, "--ro-bind", site, site)
    cover = _position(args, "--tmpfs", f"{site}/autograder")
    bind_back = _position(args, "--ro-bind", f"{site}/autograder/sandbox/inside", f"{site}/autograder/sandbox/inside")
    assert bind_site < cover < bind_back
    assert args.count(f"{site}/autograder/references") == 0


def test_a_course_folder_under_a_system_folder_is_covered(monkeypatch):
    course = "/usr/src/course"
    site = f"{course}/.venv/lib/python3.11/site-packages"
    _fake_layout(monkeypatch, f"{course}/autograder", [site])
    args = bwrap.bwrap_arguments(launcher.Limits(), as_root=True)
    cover = _position(args, "--tmpfs", course)
    site_again = max(i for i in range(len(args) - 2) if args[i:i + 3] == ["--ro-bind", site, site])
    assert _position(args, "--ro-bind", "/usr", "/usr") < cover < site_again
    assert _position(args, "--ro-bind", f"{course}/autograder/sandbox/inside", f"{course}/autograder/sandbox/inside") > cover
    # As root, the sandbox keeps only the capabilities to change user; as a user it gets a user namespace.
    assert "--unshare-user" not in args and _position(args, "--cap-drop", "ALL") >= 0
    assert "--unshare-user" in bwrap.bwrap_arguments(launcher.Limits(), as_root=False)
