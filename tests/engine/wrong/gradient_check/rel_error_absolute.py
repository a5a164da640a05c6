# Wrong on purpose: rel_error returns the largest absolute difference
# base: gradient_check  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/gradient_check/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: rel_error
# mistake: rel-error-absolute

import numpy as np


def rel_error(x, y):
    return float(np.max(np.abs(np.asarray(x, dtype=np.float64) - np.asarray(y, dtype=np.float64))))
