# base: optimizers
"""sgd_momentum allocates (and touches) memory in 20 MB blocks until something
stops it; it returns the right answer only if it got past 4 GB.

Contained: the memory limit stops it with a MemoryError inside the sandbox
(or, on a machine slow to hand out fresh memory, the time limit stops it
first), so sgd_momentum gets 0 points; every other function keeps its points
(70 of 80).
"""
import numpy as np

_correct_sgd_momentum = sgd_momentum
_verdict = []


def _bomb():
    hoard = []
    try:
        while len(hoard) < 205:               # 205 x 20 MB > 4 GB
            hoard.append(np.ones(2_500_000))  # written, so really resident
    except MemoryError:
        return False
    return True


def sgd_momentum(w, dw, config=None):
    if not _verdict:
        _verdict.append(_bomb())
    if _verdict[0]:
        return _correct_sgd_momentum(w, dw, config)
    raise MemoryError("the memory limit stopped the bomb")
