# Wrong on purpose: grad_check_sparse returns absolute errors
# base: gradient_check  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/gradient_check/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: grad_check_sparse
# mistake: sparse-absolute-error

import numpy as np


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=0):
    rng = np.random.default_rng(seed)
    errors = []
    for _ in range(num_checks):
        ix = np.unravel_index(rng.integers(x.size), x.shape)
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        grad_numerical = (fxph - fxmh) / (2 * h)
        errors.append(abs(grad_numerical - analytic_grad[ix]))
    return np.array(errors)
