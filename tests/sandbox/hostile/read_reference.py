# base: optimizers
"""Looks for the answers and for other people's files, one channel per function.
A function returns the right answer only if its channel leaked.

    sgd                 the reference, by absolute path          @@REPO@@/autograder/references/optimizers.py
    sgd_momentum        the reference, next to autograder/__init__.py
    nesterov_momentum   ``import autograder.references.optimizers``
    adagrad             the checks, by absolute path             @@REPO@@/autograder/checks/optimizers.py
    rmsprop             the course folder                        @@REPO@@ (README.md, Makefile)
    adam                another student's submission             @@SUBMISSIONS@@
    step_decay          the results folder                       @@OUT@@
    cosine_decay        the grader's processes                   /proc
    linear_decay        the catalogue of mistakes                ``import autograder.mistakes.catalogue``
    inverse_sqrt_decay  the repository's git metadata            @@REPO@@/.git

Contained: 0 points for all ten; linear_warmup (not attacked) keeps its 4.
"""
import importlib
import os

import autograder

REPO = "@@REPO@@"
SUBMISSIONS = "@@SUBMISSIONS@@"
OUT = "@@OUT@@"


def _readable(path):
    try:
        with open(path, "rb") as handle:
            return len(handle.read()) > 0
    except OSError:
        return False


def _listable(path, needs=()):
    try:
        names = os.listdir(path)
    except OSError:
        return False
    return bool(names) and all(n in names for n in needs)


def _importable(name):
    try:
        importlib.import_module(name)
        return True
    except Exception:
        return False


def _sees_grader():
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return False
    return len(pids) > 10 or any(int(p) > 1000 for p in pids)


LEAKS = {
    "sgd": _readable(f"{REPO}/autograder/references/optimizers.py"),
    "sgd_momentum": _readable(os.path.join(os.path.dirname(autograder.__file__), "references", "optimizers.py")),
    "nesterov_momentum": _importable("autograder.references.optimizers"),
    "adagrad": _readable(f"{REPO}/autograder/checks/optimizers.py"),
    "rmsprop": _listable(REPO, ("README.md",)) or _readable(f"{REPO}/Makefile"),
    "adam": _listable(SUBMISSIONS),
    "step_decay": os.path.isdir(OUT),
    "cosine_decay": _sees_grader(),
    "linear_decay": _importable("autograder.mistakes.catalogue"),
    "inverse_sqrt_decay": _listable(f"{REPO}/.git"),
}


def _channel(name, correct, wrong):
    def function(*args, **kwargs):
        return correct(*args, **kwargs) if LEAKS[name] else wrong(*args, **kwargs)
    return function


def _wrong_rule(w, dw, config=None):
    return w, {} if config is None else config


def _wrong_schedule(*args, **kwargs):
    return -1.0


for _name in LEAKS:
    _wrong = _wrong_rule if _name in ("sgd", "sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam") \
        else _wrong_schedule
    globals()[_name] = _channel(_name, globals()[_name], _wrong)
