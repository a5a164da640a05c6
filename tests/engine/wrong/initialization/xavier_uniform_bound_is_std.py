# Wrong on purpose: Xavier uniform with bound sqrt(2 / (fan_in + fan_out))
# base: initialization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/initialization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: xavier_uniform
# mistake: xavier-uniform-bound-is-std

import numpy as np


def xavier_uniform(fan_in, fan_out, rng):
    limit = np.sqrt(2.0 / (fan_in + fan_out))
    return limit * (2.0 * rng.random((fan_in, fan_out)) - 1.0)
