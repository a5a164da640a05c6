# base: optimizers
"""adagrad dereferences a null pointer: the process dies of SIGSEGV.

Contained: adagrad gets 0 points with "segmentation fault" in the message;
every other function keeps its points (70 of 80).
"""
import ctypes


def adagrad(w, dw, config=None):
    ctypes.string_at(0)
