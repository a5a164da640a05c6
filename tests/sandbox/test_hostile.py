"""The hostile corpus (tests/sandbox/hostile/), graded in the bubblewrap sandbox.

For every attack: the exact score, the status of every function (a function
not listed must pass all its tests, which shows that an attack costs only the
function it is in), and, checked from outside, what the attack could not do.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path

import pytest

import sandbox_corpus as corpus
from sandbox_corpus import GradedCorpus, full_isolation

# name -> (status, {function: allowed statuses of its tests} or "all", {function: text in its first message}).
# The score must be the points of every function not listed (all points are lost for "all").
EXPECTED = {
    # Stopped by its calibrated budget (the floor: 1 s on an idle machine, adam's reference takes a
    # millisecond), or under load, where the floor grows, by the 2 s --timeout.
    "loop_ignoring_sigterm": ("graded", {"adam": {"timeout"}}, {"adam": "did not return within"}),
    "loop_at_import": ("timeout", "all", {"sgd": "did not finish loading"}),
    # Fresh memory can be slow to come by on a virtual machine, so the time limit may win the race.
    "memory_bomb": ("graded", {"sgd_momentum": {"error", "timeout"}}, {}),
    "fork_spray": ("graded", {"nesterov_momentum": {"failed"}}, {}),
    "daemon": ("graded", {}, {}),
    "kill_supervisor": ("graded", {}, {}),
    "exit_at_import": ("error", "all", {"sgd": "exited with code 3"}),
    "exit_in_function": ("graded", {"sgd": {"error"}, "step_decay": {"error"}},
                         {"sgd": "exited with code 0", "step_decay": "SystemExit: bye"}),
    "segfault": ("graded", {"adagrad": {"error"}}, {"adagrad": "segmentation fault"}),
    "recursion": ("graded", {"rmsprop": {"error"}, "cosine_decay": {"error"}},
                  {"rmsprop": "RecursionError", "cosine_decay": "SIGSEGV"}),
    "monkeypatch_numpy": ("graded", {f: {"failed"} for f in
                                         ("sgd", "sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam")},
                          {"sgd": "differs from the expected value"}),
    "ndarray_subclass": ("graded", {"sgd": {"failed"}, "sgd_momentum": {"error"}, "adam": {"failed", "error"},
                                        "step_decay": {"failed"}, "cosine_decay": {"failed"}},
                         {"sgd_momentum": "returned next_w of type Chameleon", "step_decay": "123 instead of 0.1"}),
    "nan_and_wrong_types": ("graded", {f: {"failed", "error"} for f in
                                          ("sgd", "sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam",
                                           "step_decay", "cosine_decay", "linear_decay", "inverse_sqrt_decay",
                                           "linear_warmup")},
                            {"sgd": "contains NaN", "sgd_momentum": "of type list", "nesterov_momentum": "of type str",
                             "adagrad": "tuple of length 3", "rmsprop": "complex128", "adam": "dtype object",
                             "step_decay": "NoneType", "cosine_decay": "returned bool",
                             "linear_decay": "returned str", "inverse_sqrt_decay": "inf instead of 0.1"}),
    "read_reference": ("graded", {f: {"failed"} for f in
                                     ("sgd", "sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam",
                                      "step_decay", "cosine_decay", "linear_decay", "inverse_sqrt_decay")}, {}),
    "frame_snoop": ("graded", {"sgd": {"failed"}}, {}),
    "fake_results": ("graded", {"sgd": {"failed"}}, {}),
    "write_outside": ("graded", {"rmsprop": {"failed"}}, {}),
    "network": ("graded", {f: {"failed"} for f in ("sgd", "sgd_momentum", "nesterov_momentum", "adagrad")}, {}),
    "huge_output": ("graded", {"adam": {"failed"}, "nesterov_momentum": {"error"}},
                    {"nesterov_momentum": "ValueError: zzz"}),
    "protocol_forgery": ("graded", {"sgd": {"failed", "error"}, "adam": {"error"}},
                         {"adam": "corrupted the results"}),
    "syntax_error": ("graded", "all", {"sgd": "SyntaxError at line 9 of syntax_error.py"}),
    "broken_cells": ("graded", {f: {"error"} for f in
                                    ("sgd", "sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam", "adamw")},
                     {"sgd": "SyntaxError at line 5 of broken_cells.ipynb cell 3"}),
    "tamper_child": ("graded", {"rel_error": {"failed"}, "eval_numerical_gradient": {"failed"},
                                    "grad_check_sparse": {"failed"}}, {}),
    # The kernel's larger surfaces, refused by the seccomp filter (each function
    # returns the right answer only if its call worked).
    "keyring": ("graded", {f: {"failed"} for f in ("sgd", "sgd_momentum", "nesterov_momentum")}, {}),
    "unshare_setns": ("graded", {f: {"failed"} for f in
                                     ("sgd", "sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop")}, {}),
    "clone_flags": ("graded", {"sgd": {"failed"}, "sgd_momentum": {"failed"}}, {}),
    "io_uring": ("graded", {"sgd": {"failed"}, "adam": {"failed"}}, {}),
    "kernel_interfaces": ("graded", {f: {"failed"} for f in ("sgd_momentum", "nesterov_momentum", "adagrad")}, {}),
    "ptrace": ("graded", {f: {"failed"} for f in ("sgd", "sgd_momentum", "nesterov_momentum")}, {}),
    "mount": ("graded", {f: {"failed"} for f in ("sgd", "sgd_momentum", "nesterov_momentum")}, {}),
    "tmpfs_parking": ("graded", {"rmsprop": {"failed"}, "adam": {"failed"}}, {}),
    "seccomp_stacking": ("graded", {"sgd": {"failed"}, "sgd_momentum": {"failed"}}, {}),
    "x32_syscall": ("graded", {"adagrad": {"error"}}, {"adagrad": "SIGSYS"}),
    "cgroup_escape": ("graded", {"step_decay": {"failed"}}, {}),
    "realtime_priority": ("graded", {"inverse_sqrt_decay": {"failed"}, "linear_warmup": {"failed"}}, {}),
    # CPU starvation of the co-graded: the quota holds each submission to one core.
    "cpu_starvation": ("graded", {"sgd": {"failed", "timeout"}}, {}),
    "cpu_shell_spinners": ("graded", {}, {}),
    "env_dropping_daemon": ("graded", {}, {}),
    # Correct submissions graded in the same batch: full marks.
    "bystander": ("graded", {}, {}),
    "bystander_2": ("graded", {}, {}),
}
# Needs a cgroup and plenty of time: see test_limits.py.
SLOW_ONLY = {"memory_bomb_forked"}
FILES = {Path(n).stem: n for n in sorted(os.listdir(corpus.HOSTILE)) if n.endswith((".py", ".ipynb"))}


def test_every_file_in_the_corpus_has_an_expectation():
    assert set(FILES) == set(EXPECTED) | SLOW_ONLY
    assert len(FILES) >= 15


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    iso = full_isolation()
    child_py = corpus.REPO / "autograder" / "sandbox" / "inside" / "child.py"
    before = hashlib.sha256(child_py.read_bytes()).hexdigest()
    run = GradedCorpus(tmp_path_factory.mktemp("hostile"), [FILES[n] for n in EXPECTED], iso)
    run.child_py_unchanged = hashlib.sha256(child_py.read_bytes()).hexdigest() == before
    return run


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_attack_is_contained(graded, name):
    status, lost, messages = EXPECTED[name]
    result = graded.result(name)
    lost = corpus.with_callers(result["assignment"], lost)
    assert result["score"] == pytest.approx(corpus.points_kept(result["assignment"], lost))
    assert result["isolation"] == "full"
    assert result["isolation_detail"]["bwrap"] and result["isolation_detail"]["seccomp"]
    assert result["status"] == status, result["message"]
    for function, tests in graded.by_function(name).items():
        allowed = {"passed"} if lost != "all" and function not in lost else \
            (lost[function] if lost != "all" else {"error", "timeout"})
        statuses = {t["status"] for t in tests}
        if "passed" not in allowed:
            # The first test shows how the attack was stopped. On a loaded machine a
            # later test of a function that lost its points anyway may hit the
            # 2 s limit instead; the score above is exact either way.
            assert tests[0]["status"] in allowed, (function, tests[0]["message"][:300])
            statuses = {t["status"] for t in tests[1:]} - {"timeout"}
        assert statuses <= allowed, (function, [t["message"][:300] for t in tests])
        if "passed" not in allowed:
            assert all(t["points"] == 0 for t in tests), function
        if function in messages:
            assert messages[function] in tests[0]["message"], tests[0]["message"][:500]


def test_no_process_of_any_submission_outlives_grading(graded):
    # daemon.py, fork_spray.py and kill_supervisor.py left tagged processes that
    # ignore SIGTERM, in new sessions, some after killing their supervisor.
    assert graded.survivors == []
    assert graded.new_leftovers == []


def test_loopback_server_never_heard_from_the_sandbox(graded):
    assert graded.server.received == []


def test_nothing_was_written_outside_the_sandbox(graded):
    marker = graded.marker
    for folder in (corpus.REPO, graded.hosttmp, graded.subs, Path(os.__file__).parent):
        assert not [p for p in os.listdir(folder) if marker in p], folder
    assert not Path(f"/usr/pwned-{marker}").exists() and not Path(f"/pwned-{marker}").exists()
    import numpy
    assert not (Path(numpy.__file__).parent / f"pwned-{marker}").exists()
    assert graded.child_py_unchanged
    shell_ran = Path("/tmp/hostile-notebook-shell-ran")
    assert not (shell_ran.exists() and shell_ran.stat().st_mtime >= graded.started)


def test_forged_results_did_not_land(graded):
    out = graded.out / "optimizers"
    expected = {f"{name}.json" for name in EXPECTED if name != "tamper_child"}   # tamper_child: gradient_check
    assert {p for p in os.listdir(out) if not p.startswith(".")} == expected | {"grades.csv"}
    assert {p for p in os.listdir(out / ".autograder-cache")} <= expected
    assert os.listdir(graded.hosttmp) == []
    mine = json.loads((out / "fake_results.json").read_text())
    assert mine["score"] == corpus.points_kept("optimizers", {"sgd"}) and mine["message"] != "forged"
    assert mine["isolation"] == "full"
    with open(out / "grades.csv", newline="") as handle:
        students = {row["student"] for row in csv.DictReader(handle)}
    assert "victim" not in students and students == {n[:-5] for n in expected}


def test_a_flood_of_output_does_not_reach_the_results(graded):
    path = graded.out / "optimizers" / "huge_output.json"
    assert path.stat().st_size < 100_000
    messages = [t["message"] for t in graded.result("huge_output")["tests"] if t["function"] == "nesterov_momentum"]
    assert max(len(m) for m in messages) < 2_000


def test_baseline_allclose_attack_earns_nothing(graded):
    """In nbgrader 0.9.6 and otter-grader 7.0.0, `np.allclose = lambda *a, **k: True`
    with do-nothing update rules earned full marks."""
    result = graded.result("monkeypatch_numpy")
    rules = [t for t in result["tests"] if t["function"] in
             ("sgd", "sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam")]
    assert rules and all(t["points"] == 0 for t in rules)
