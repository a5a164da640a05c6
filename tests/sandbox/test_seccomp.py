"""The seccomp filter: built, loaded before any student code, irremovable, and
failing closed (no child runs unprotected if it cannot be loaded). Each denial
is proved against a real attempt in tests/sandbox/hostile/ (test_hostile.py)."""

from __future__ import annotations

import errno
import os
import struct
import subprocess

import pytest

import sandbox_corpus as corpus
from autograder.sandbox.supervisor import bwrap, environment, launcher, sandboxes, seccomp


def test_the_filter_compiles_to_a_bpf_program_that_checks_the_architecture():
    program = seccomp.compiled_filter()
    assert len(program) % 8 == 0 and 20 < len(program) // 8 < 4096
    code, _, _, offset = struct.unpack("HBBI", program[:8])
    assert (code, offset) == (0x20, 4)   # BPF_LD|BPF_W|BPF_ABS of seccomp_data.arch: first thing checked


CHECKS = """import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
def probe():
    status = open('/proc/self/status').read()
    mode = [l.split()[1] for l in status.splitlines() if l.startswith('Seccomp:')][0]
    unshare = libc.unshare(0x10000000)
    unshare_errno = ctypes.get_errno()
    pid = os.fork()          # a plain fork still works
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return f'{mode} {unshare} {unshare_errno}'
"""


@pytest.mark.parametrize("level", ["full", "reduced"])
def test_student_code_runs_under_the_filter(level):
    iso = corpus.full_isolation()
    if level == "reduced":
        iso = sandboxes.Isolation("reduced", cgroups=None, reason="test", seccomp=iso.seccomp)
    assert iso.seccomp is not None
    case = launcher.PlannedCase("probe", "call", {"function": "probe"})
    session = launcher.run_cases([{"source": CHECKS, "filename": "c.py"}], [case], launcher.Limits(timeout=10), iso)
    outcome = session.outcomes[0]
    assert outcome.status == "ok", outcome.message
    assert outcome.outputs["return"].value == f"2 -1 {errno.EPERM}"
    assert session.isolation_detail["seccomp"] is True


def test_without_the_filter_the_result_does_not_claim_it():
    iso = corpus.full_isolation()
    bare = sandboxes.Isolation("reduced", cgroups=None, reason="test", seccomp=None)
    case = launcher.PlannedCase("probe", "call", {"function": "probe"})
    session = launcher.run_cases([{"source": CHECKS, "filename": "c.py"}], [case], launcher.Limits(timeout=10), bare)
    assert session.outcomes[0].status == "ok"
    assert session.outcomes[0].outputs["return"].value.split()[0] == "0"
    assert session.isolation_detail["seccomp"] is False and iso.seccomp is not None


def test_the_reaper_fails_closed_when_the_filter_cannot_be_loaded():
    fd = seccomp.filter_fd(b"\x06\x00\x00\x00")   # 4 bytes: not a BPF program
    marker = corpus.marker()
    command = [environment.interpreter(), "-I", "-S", str(sandboxes.REAPER), str(fd),
               "/bin/sh", "-c", "echo ran", marker]
    try:
        done = subprocess.run(command, capture_output=True, timeout=30, pass_fds=(fd,))
    finally:
        os.close(fd)
    assert done.returncode == 125 and b"ran" not in done.stdout
    assert b"seccomp" in done.stderr


def test_bwrap_loads_the_filter_and_forbids_user_namespaces_where_it_makes_one():
    as_user = bwrap.bwrap_arguments(launcher.Limits(), as_root=False, seccomp_fd=7)
    assert as_user[as_user.index("--seccomp") + 1] == "7"
    assert "--disable-userns" in as_user and "--unshare-user" in as_user
    old_bwrap = bwrap.bwrap_arguments(launcher.Limits(), as_root=False, seccomp_fd=7, disable_userns=False)
    assert "--disable-userns" not in old_bwrap
    # As root there is no user namespace to forbid more of; the filter refuses them instead.
    as_root = bwrap.bwrap_arguments(launcher.Limits(), as_root=True, seccomp_fd=7)
    assert "--disable-userns" not in as_root and "--seccomp" in as_root
    assert "--seccomp" not in bwrap.bwrap_arguments(launcher.Limits(), as_root=True)
