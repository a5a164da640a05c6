# Wrong on purpose: orthogonal forgets to transpose when fan_in < fan_out
# base: initialization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/initialization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: orthogonal
# mistake: none

import numpy as np


def orthogonal(fan_in, fan_out, rng):
    n, k = max(fan_in, fan_out), min(fan_in, fan_out)
    q, r = np.linalg.qr(rng.standard_normal((n, k)))
    return q * np.sign(np.diag(r))
