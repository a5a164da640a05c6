# base: optimizers
"""nesterov_momentum forks 300 processes that start new sessions and ignore
SIGTERM (each runs a shell loop tagged with a marker).

nesterov_momentum returns the right answer only if all 300 forks succeeded.
Contained: the process limit stops the spray (0 points for nesterov_momentum),
every other function keeps its points, and no tagged process is left.
"""
import os
import signal

MARKER = "@@MARKER@@"
_correct_nesterov = nesterov_momentum
_forked = []


def _spray():
    count = 0
    for _ in range(300):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            try:
                os.setsid()
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                os.execv("/bin/sh", ["/bin/sh", "-c", "while :; do sleep 1; done", MARKER])
            finally:
                os._exit(0)
        count += 1
    return count


def nesterov_momentum(w, dw, config=None):
    if not _forked:
        _forked.append(_spray())
    if _forked[0] >= 300:
        return _correct_nesterov(w, dw, config)
    return w, config
