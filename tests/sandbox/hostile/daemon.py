# base: optimizers
"""sgd leaves a daemon behind: double fork, setsid, SIGTERM ignored, tagged with a marker.

sgd itself is correct, so it keeps its points. Contained: once grading is
over, no tagged process is alive.
"""
import os
import signal

MARKER = "@@MARKER@@"
_started = []


def _daemonize():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            os.execv("/bin/sh", ["/bin/sh", "-c", "trap '' TERM HUP; while :; do sleep 1; done", MARKER])
        os._exit(0)


_correct_sgd = sgd


def sgd(w, dw, config=None):
    if not _started:
        _started.append(True)
        _daemonize()
    return _correct_sgd(w, dw, config)
