# base: optimizers
"""rmsprop recurses without end (RecursionError); cosine_decay lifts the
recursion limit and recurses through C (a __repr__ that calls repr), so the C
stack overflows and the process dies of SIGSEGV.

Contained: rmsprop (10) and cosine_decay (4) get 0 points; every other
function keeps its points (66 of 80).
"""
import sys


def rmsprop(w, dw, config=None):
    return rmsprop(w, dw, config)


class _Down:
    def __repr__(self):
        return repr(_Down())


def cosine_decay(lr0, t, T):
    sys.setrecursionlimit(10**9)
    return float(len(repr(_Down())))
