# Wrong on purpose: rel_error takes absolute values in place, changing the caller's x and y
# base: gradient_check  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/gradient_check/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: rel_error
# mistake: input-changed-in-place

import numpy as np


def rel_error(x, y):
    diff = np.abs(x - y)
    np.abs(x, out=x)
    np.abs(y, out=y)
    return float(np.max(diff / np.maximum(1e-8, x + y)))
