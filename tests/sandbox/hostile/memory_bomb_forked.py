# base: optimizers
"""rmsprop spreads a memory bomb over six processes of 700 MB each, so that a
per-process limit (RLIMIT_AS) alone would let 4.2 GB through.

rmsprop returns the right answer only if all six processes held their memory
at once. Contained: the sandbox's memory limit (a cgroup) covers all its
processes, so rmsprop gets 0 points; every other function keeps its points
(70 of 80). Without cgroups only per-process limits exist, and this attack is
not run.
"""
import os
import time

_correct_rmsprop = rmsprop
_verdict = []


def _bomb():
    """Fork six holders; each reports "k" once its 700 MB are resident, then waits.
    A holder killed on the way (the memory limit) closes its pipe without a word."""
    readers = []
    for _ in range(6):
        r, w = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(r)
            os.close(w)
            break
        if pid == 0:
            os.close(r)
            try:
                block = b"\x01" * (700 << 20)
                os.write(w, b"k")
                time.sleep(600)
            finally:
                os._exit(0)
        os.close(w)
        readers.append(r)
    held = 0
    for r in readers:
        if os.read(r, 1) == b"k":   # blocks until "k" or the holder's death
            held += 1
    return held == 6


def rmsprop(w, dw, config=None):
    if not _verdict:
        _verdict.append(_bomb())
    if _verdict[0]:
        return _correct_rmsprop(w, dw, config)
    return w, config
