# Wrong on purpose: cs231n's signature (f, x, verbose=True, h=...): an h passed positionally lands in
#   verbose and the default h is used instead
# base: gradient_check  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/gradient_check/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: eval_numerical_gradient
# mistake: ignores-given-h

import numpy as np


def eval_numerical_gradient(f, x, verbose=True, h=0.00001):
    fx = f(x)  # noqa: F841  (evaluated at the original point, as the course helper does)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        fxph = f(x)
        x[ix] = oldval - h
        fxmh = f(x)
        x[ix] = oldval
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad
