# Wrong on purpose: a {0, ±a} "uniform" with the mean, variance (a²/3) and range of U(-a, a)
# base: initialization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/initialization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: kaiming_uniform
# mistake: kaiming-uniform-discrete

import numpy as np


def kaiming_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / fan_in)
    u = rng.random((fan_in, fan_out))
    return np.where(u < 1 / 6, -a, np.where(u > 5 / 6, a, 0.0))
