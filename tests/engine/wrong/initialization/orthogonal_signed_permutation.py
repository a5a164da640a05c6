# Wrong on purpose: a random signed permutation: orthonormal, seeded, trace near 0, but not Haar
# base: initialization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/initialization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: orthogonal
# mistake: orthogonal-signed-permutation

import numpy as np


def orthogonal(fan_in, fan_out, rng):
    n, k = max(fan_in, fan_out), min(fan_in, fan_out)
    q = np.zeros((n, k))
    rows = rng.choice(n, size=k, replace=False)
    q[rows, np.arange(k)] = rng.choice([-1.0, 1.0], size=k)
    return q if fan_in >= fan_out else q.T
