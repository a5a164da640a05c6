"""The supervisor of a reduced-isolation child, run as its own program:

    python -I -S reaper.py SECCOMP_FD PROGRAM ARGS...

It makes itself a subreaper, so whatever the submission orphans (double forks,
daemons that call setsid) is re-parented to it rather than to init; loads the
seccomp filter read from SECCOMP_FD ("-" for none) so that it and every
process after it carry the filter; then runs PROGRAM as its child. On SIGTERM,
or when the child ends, it kills its whole subtree and exits the way the child
did. It closes its copies of the protocol pipes so the grader still sees the
child's end of file.

It uses only the standard library: it runs with ``-I -S``, before anything of
the grader could be imported, and is never imported by the grader.
"""

import ctypes
import os
import resource
import signal
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_SECCOMP = 22
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2
SECCOMP_FAILED = 125   # the exit code when the filter could not be loaded: no child is run unprotected


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def load_seccomp(libc, fd: int) -> None:
    chunks = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    program = b"".join(chunks)
    if not program or len(program) % 8:
        raise OSError("empty or malformed seccomp program")
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_SECCOMP")


def subtree() -> list[int]:
    found, queue = [], [os.getpid()]
    while queue:
        pid = queue.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children") as handle:
                    kids = [int(c) for c in handle.read().split()]
            except (OSError, ValueError):
                kids = []
            found += kids
            queue += kids
    return found


def main() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)   # the grader died: clean up
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.argv[1] != "-":
        try:
            load_seccomp(libc, int(sys.argv[1]))
        except (OSError, ValueError) as exc:
            print(f"autograder reaper: cannot load the seccomp filter: {exc}", file=sys.stderr)
            os._exit(SECCOMP_FAILED)
    child = os.fork()
    if child == 0:
        os.execv(sys.argv[2], sys.argv[2:])
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    status = [0]

    def clean(*_):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for _ in range(2000):
            pids = subtree()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                while os.waitpid(-1, os.WNOHANG)[0]:
                    pass
            except ChildProcessError:
                break
            time.sleep(0.002)
        if status[0] < 0:   # die the way the child died, so the grader can say how
            signal.signal(-status[0], signal.SIG_DFL)
            os.kill(os.getpid(), -status[0])
            os._exit(128 - status[0])
        os._exit(status[0])

    signal.signal(signal.SIGTERM, clean)
    while True:
        try:
            pid, code = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        if pid == child:
            status[0] = os.waitstatus_to_exitcode(code)
            clean()
    clean()


if __name__ == "__main__":
    main()
