# base: optimizers
"""Tries to write outside its scratch folder: into the course folder, the
host's temporary folder, over the sandbox's own child.py (a trojan for the
next student), into NumPy, next to its own submission file, into /usr.
Writing in its own scratch folder (the working folder) must work.

rmsprop returns the right answer only if one of the outside writes worked;
adam only if the scratch folder works. Contained: rmsprop 0, adam 10, 70 of
80; none of the files exist (or changed) on the host.
"""
import os

import autograder.sandbox.inside.child
import numpy

MARKER = "@@MARKER@@"
TARGETS = [
    "@@REPO@@/pwned-" + MARKER,
    "@@HOSTTMP@@/pwned-" + MARKER,
    "@@SUBMISSIONS@@/pwned-" + MARKER,
    autograder.sandbox.inside.child.__file__,
    os.path.join(os.path.dirname(numpy.__file__), "pwned-" + MARKER),
    "/usr/pwned-" + MARKER,
    "/pwned-" + MARKER,
]


def _try_write(path, mode="a"):
    try:
        with open(path, mode) as handle:
            handle.write("\nimport os; os.system('echo pwned')\n")
        return True
    except OSError:
        return False


OUTSIDE = [_try_write(p) for p in TARGETS]
try:
    with open("scratch.txt", "w") as handle:
        handle.write("scratch works")
    SCRATCH = open("scratch.txt").read() == "scratch works"
except OSError:
    SCRATCH = False

_correct_rmsprop, _correct_adam = rmsprop, adam


def rmsprop(w, dw, config=None):
    return _correct_rmsprop(w, dw, config) if any(OUTSIDE) else (w, {} if config is None else config)


def adam(w, dw, config=None):
    return _correct_adam(w, dw, config) if SCRATCH else (w, {} if config is None else config)
