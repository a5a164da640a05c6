# base: optimizers
"""adam never returns and ignores SIGTERM, SIGINT and SIGHUP.

Contained: adam's tests time out (0 of 10 points), every other function keeps
its points, and no process is left once grading is over.
"""
import signal


def adam(w, dw, config=None):
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    while True:
        pass
