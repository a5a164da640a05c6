# Wrong on purpose: grad_check_sparse draws one coordinate and checks it num_checks times
# base: gradient_check  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/gradient_check/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: grad_check_sparse
# mistake: sparse-repeated-coordinate

import numpy as np


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=0):
    rng = np.random.default_rng(seed)
    ix = np.unravel_index(rng.integers(x.size), x.shape)
    errors = []
    for _ in range(num_checks):
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        grad_numerical = (fxph - fxmh) / (2 * h)
        grad_analytic = analytic_grad[ix]
        errors.append(abs(grad_numerical - grad_analytic)
                      / max(1e-8, abs(grad_numerical) + abs(grad_analytic)))
    return np.array(errors)
