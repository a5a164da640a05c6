# Wrong on purpose: Xavier uniform bound sqrt(3 / (fan_in + fan_out)), off by √2
# base: initialization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/initialization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: xavier_uniform
# mistake: xavier-uniform-bound-sqrt-2

import numpy as np


def xavier_uniform(fan_in, fan_out, rng):
    limit = np.sqrt(3.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))
