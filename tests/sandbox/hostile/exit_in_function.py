# base: optimizers
"""sgd calls os._exit (no exception, no clean-up); step_decay raises SystemExit.

Contained: sgd (10) and step_decay (4) get 0 points with a message saying how
the process ended; every other function keeps its points (66 of 80).
"""
import os
import sys


def sgd(w, dw, config=None):
    os._exit(0)


def step_decay(lr0, epoch, drop=0.1, every=30):
    sys.exit("bye")
