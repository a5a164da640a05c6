# Wrong on purpose: cs231n's 2015 helper, which keeps f(x + h) without copying it: when f returns a
#   view of x or reuses one output buffer, f(x - h) overwrites it and the difference is zero
# base: gradient_check  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/gradient_check/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: eval_numerical_gradient_array
# mistake: array-output-not-copied

import numpy as np


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        pos = f(x)
        x[ix] = oldval - h
        neg = f(x)
        x[ix] = oldval
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad
