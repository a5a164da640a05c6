# base: optimizers
"""An endless loop at top level, ignoring SIGTERM: the submission never finishes loading.

Contained: status "timeout", 0 points, and no process left.
"""
import signal

signal.signal(signal.SIGTERM, signal.SIG_IGN)
while True:
    pass
