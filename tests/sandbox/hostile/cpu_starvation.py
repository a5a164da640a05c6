# base: optimizers
"""CPU starvation of the submissions graded beside it: sgd starts 24 busy
processes, each in a session of its own (so that, without a cgroup, the
scheduler gives each its own share like a separate login) and at nice 19 (so
that they barely slow this submission's own child, which must keep its points).
They spin, ignoring SIGTERM, until the grader kills them.

sgd measures what they got in 0.8 s and returns the right answer only if they
held more than 1.5 cores between them. Contained: the cgroup's CPU quota holds
the whole submission to one core, whatever the sessions: sgd 0 points, every
other function keeps its points, the co-graded submissions keep theirs, and no
spinner outlives grading.
"""
import os
import resource
import signal
import time

MARKER = "@@MARKER@@"
SPINNERS = 24
WINDOW_S = 0.8
_correct_sgd = sgd
_verdict = []


def _spin(report):
    os.setsid()
    os.nice(19)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    started = time.monotonic()
    while time.monotonic() - started < WINDOW_S:
        pass
    usage = resource.getrusage(resource.RUSAGE_SELF)
    os.write(report, f"{usage.ru_utime + usage.ru_stime:.4f}\n".encode())
    os.close(report)
    os.execv("/bin/sh", ["/bin/sh", "-c", "while :; do :; done", MARKER])


def _starve():
    read_end, write_end = os.pipe()
    started = 0
    for _ in range(SPINNERS):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            try:
                os.close(read_end)
                _spin(write_end)
            finally:
                os._exit(0)
        started += 1
    os.close(write_end)
    with os.fdopen(read_end) as reports:
        seconds = sum(float(line) for line in reports.read().split())
    return started == SPINNERS and seconds / WINDOW_S > 1.5


def sgd(w, dw, config=None):
    if not _verdict:
        _verdict.append(_starve())
    return _correct_sgd(w, dw, config) if _verdict[0] else (w, config)
