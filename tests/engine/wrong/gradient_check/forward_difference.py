# Wrong on purpose: forward differences (f(x+h) - f(x)) / h
# base: gradient_check  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/gradient_check/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: eval_numerical_gradient
# mistake: forward-difference

import numpy as np


def eval_numerical_gradient(f, x, h=1e-5):
    fx = f(x)
    grad = np.zeros(x.shape)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old
        grad[ix] = (fxph - fx) / h
        it.iternext()
    return grad
