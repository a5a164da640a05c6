"""Which isolation this grader can give, decided once per process and mode by
starting the real sandbox with a self-test in place of the child.

``full`` needs bubblewrap that starts here; otherwise ``reduced`` (with one
warning). Independently: a cgroup layer where the grader may create cgroups,
and the seccomp filter where libseccomp is installed and the kernel loads it.
Each layer is used only after the self-test has seen it hold; what was used is
recorded in every result.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading

from autograder.sandbox.supervisor import environment, seccomp
from autograder.sandbox.supervisor.bwrap import bwrap_arguments, supports
from autograder.sandbox.supervisor.cgroups import Cgroups
from autograder.sandbox.supervisor.limits import Limits
from autograder.sandbox.supervisor.sandboxes import REAPER, Isolation

MODES = ("auto", "bwrap", "none")


class IsolationUnavailable(RuntimeError):
    """``--isolation bwrap`` was asked for and bubblewrap cannot run here."""


_detected: dict[str, Isolation] = {}
_lock = threading.Lock()
_warned = False

# Run in place of the child: it must import NumPy and the child, and (argv[2]
# "seccomp") find the filter in force: a new user namespace refused.
_SECCOMP_CHECK = r"""
if sys.argv[2] == 'seccomp':
    import ctypes, errno
    mode = [l for l in open('/proc/self/status') if l.startswith('Seccomp:')][0].split()[1]
    assert mode == '2', 'seccomp mode ' + mode
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.unshare(0x10000000) == -1 and ctypes.get_errno() == errno.EPERM, 'unshare allowed'
"""

# In bwrap, also: hold no capabilities, see no network but loopback, and not see the references.
_SELF_TEST = environment.DROP_PRIVILEGES + r"""
import resource, sys, time
sys.path[:0] = os.environ['AUTOGRADER_PATHS'].split(os.pathsep)
import numpy, autograder.sandbox.inside.child
""" + _SECCOMP_CHECK + r"""
caps = [l for l in open('/proc/self/status') if l.startswith('CapEff')][0].split()[1]
assert int(caps, 16) == 0, 'capabilities: ' + caps
interfaces = [l.split(':')[0].strip() for l in open('/proc/net/dev').readlines()[2:]]
assert interfaces == ['lo'], 'network interfaces: ' + ','.join(interfaces)
assert not os.path.exists(sys.argv[1]), 'references visible'
open('/tmp/scratch', 'w').write('scratch')
resource.setrlimit(resource.RLIMIT_NPROC, (4, 4))
forked = 0
try:
    for _ in range(12):
        if os.fork() == 0:
            time.sleep(1)
            os._exit(0)
        forked += 1
except OSError:
    pass
print('sandbox-ok', 'rlimit-nproc' if forked < 12 else 'no-process-limit')
"""

# Reduced: as root, the child must still reach the interpreter and NumPy once it
# is a user of its own (not so when Python lives in root's home folder).
_REDUCED_SELF_TEST = environment.DROP_PRIVILEGES + r"""
import sys
sys.path[:0] = os.environ['AUTOGRADER_PATHS'].split(os.pathsep)
import numpy, autograder.sandbox.inside.child
""" + _SECCOMP_CHECK + "print('sandbox-ok')\n"


def _run_self_test(command: list[str], env: dict, seccomp_fd: int | None) -> tuple[bool, str]:
    try:
        done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                              pass_fds=() if seccomp_fd is None else (seccomp_fd,))
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    finally:
        if seccomp_fd is not None:
            os.close(seccomp_fd)
    if done.returncode == 0 and b"sandbox-ok" in done.stdout:
        return True, done.stdout.decode().split()[-1]
    text = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
    return False, (text[-1] if text else f"exit code {done.returncode}")[:300]


def _bwrap_works(bwrap: str, limits, as_root: bool, program: bytes | None,
                 disable_userns: bool) -> tuple[bool, str]:
    """Start the real sandbox once, with a self-test in place of the child.
    Returns (works, reason if not / which process limit holds if so)."""
    fd = seccomp.filter_fd(program) if program else None
    python = [environment.interpreter(), "-I", "-S", "-c", _SELF_TEST,
              str(environment.PACKAGE_DIR / "references"), "seccomp" if program else "-"]
    command = [bwrap, *bwrap_arguments(limits, as_root, seccomp_fd=fd, disable_userns=disable_userns), "--", *python]
    env = environment.child_environment("/tmp")
    if as_root:
        env["AUTOGRADER_UID"] = str(environment.sandbox_uid())
    return _run_self_test(command, env, fd)


def _reaper_works(program: bytes | None, own_user: bool) -> tuple[bool, str]:
    fd = seccomp.filter_fd(program) if program else None
    command = [environment.interpreter(), "-I", "-S", str(REAPER), "-" if fd is None else str(fd),
               environment.interpreter(), "-I", "-S", "-c", _REDUCED_SELF_TEST, "-", "seccomp" if program else "-"]
    env = environment.child_environment("/tmp")
    if own_user:
        env["AUTOGRADER_UID"] = str(environment.sandbox_uid())
    return _run_self_test(command, env, fd)


def _reduced(cgroups, reason: str, as_root: bool, program: bytes | None) -> tuple[Isolation, str]:
    """The strongest reduced isolation that starts here; and why seccomp is off, if it is."""
    tried = []
    for candidate, own_user in dict.fromkeys([(program, as_root), (program, False), (None, as_root), (None, False)]):
        ok, problem = _reaper_works(candidate, own_user)
        if ok:
            break
        tried.append(problem)
    reason += ("; as root, the child would run as a user of its own, but cannot reach the interpreter "
               f"then ({tried[0] if tried else ''}), so it runs as root" if as_root and not own_user else "")
    problem = "" if candidate is not None else f"the kernel does not load it ({tried[-1] if tried else ''})"
    return Isolation("reduced", cgroups=cgroups, reason=reason, as_root=own_user, seccomp=candidate), problem


def _seccomp_program() -> tuple[bytes | None, str]:
    if os.environ.get("AUTOGRADER_SECCOMP", "1") == "0":
        return None, "turned off (AUTOGRADER_SECCOMP=0)"
    if not sys.platform.startswith("linux"):
        return None, "seccomp needs Linux"
    try:
        return seccomp.compiled_filter(), ""
    except seccomp.SeccompUnavailable as exc:
        return None, str(exc)


def detect_isolation(mode: str | None = None) -> Isolation:
    """The isolation to use, decided once per process and mode.

    ``mode``: "auto" (bwrap if it works, else reduced with a warning), "bwrap"
    (fail if it does not work), "none" (reduced, on purpose). Defaults to the
    environment variable AUTOGRADER_ISOLATION, else "auto". AUTOGRADER_CGROUPS=0
    and AUTOGRADER_SECCOMP=0 turn those layers off (for testing the fallbacks).
    """
    global _warned
    mode = mode or os.environ.get("AUTOGRADER_ISOLATION", "auto")
    if mode not in MODES:
        raise ValueError(f"isolation mode {mode!r}: choose one of {', '.join(MODES)}")
    with _lock:
        if mode in _detected:
            return _detected[mode]
        cgroups = Cgroups.probe() if os.environ.get("AUTOGRADER_CGROUPS", "1") != "0" else None
        program, seccomp_problem = _seccomp_program()
        as_root = os.geteuid() == 0
        isolation = None
        reason = ""
        if mode in ("auto", "bwrap"):
            bwrap = shutil.which("bwrap")
            if bwrap is None:
                reason = "bubblewrap (bwrap) is not installed"
            elif not sys.platform.startswith("linux"):
                reason = "bubblewrap needs Linux"
            else:
                disable_userns = supports(bwrap, "--disable-userns")
                ok, reason = _bwrap_works(bwrap, Limits(), as_root, program, disable_userns)
                if not ok and program is not None:
                    seccomp_problem = f"bwrap does not load it ({reason})"
                    program = None
                    ok, reason = _bwrap_works(bwrap, Limits(), as_root, None, disable_userns)
                if ok:
                    isolation = Isolation("full", bwrap=bwrap, cgroups=cgroups, as_root=as_root, seccomp=program,
                                          disable_userns=disable_userns)
                    if reason != "rlimit-nproc" and cgroups is None:
                        print("autograder: WARNING: the sandbox works but no process limit holds here "
                              "(neither RLIMIT_NPROC nor a cgroup); a fork bomb runs until its time limit",
                              file=sys.stderr)
                else:
                    reason = f"bubblewrap cannot run here ({reason})"
            if isolation is None and mode == "bwrap":
                raise IsolationUnavailable(reason)
        else:
            reason = "isolation turned off (--isolation none)"
        if isolation is None:
            isolation, problem = _reduced(cgroups, reason, as_root, program)
            if program is not None and isolation.seccomp is None:
                program, seccomp_problem = None, problem
            if not _warned:
                _warned = True
                print(f"autograder: WARNING: {_reduced_warning(isolation)}", file=sys.stderr)
        if program is None:
            _warn_once(f"no seccomp filter: {seccomp_problem}; submissions may create namespaces and use "
                       f"keyrings, io_uring, ptrace, bpf and perf events (results record \"seccomp\": false)")
        if cgroups is None or not cgroups.cpu:
            _warn_once("no cgroup CPU quota here: a submission that starts many busy processes can slow "
                       "the others (results record \"cpu_limit\": false)")
        _detected[mode] = isolation
        return isolation


_said: set[str] = set()


def _warn_once(text: str) -> None:
    if text not in _said:
        _said.add(text)
        print(f"autograder: WARNING: {text}", file=sys.stderr)


def _reduced_warning(isolation: Isolation) -> str:
    limits = ("a cgroup bounds its processes, memory and CPU" if isolation.cgroups is not None
              else "only per-process resource limits apply")
    return (f"{isolation.reason}: submissions run as plain child processes with reduced isolation "
            f"(they can read and write whatever their user can and use the network; {limits}). "
            f"Every result records \"isolation\": \"reduced\".")
