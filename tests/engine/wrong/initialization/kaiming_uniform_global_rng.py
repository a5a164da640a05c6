# Wrong on purpose: Kaiming uniform drawn from NumPy's global generator
# base: initialization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/initialization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: kaiming_uniform
# mistake: kaiming-uniform-global-rng

import numpy as np


def kaiming_uniform(fan_in, fan_out, rng):
    limit = np.sqrt(6.0 / fan_in)
    return np.random.uniform(-limit, limit, size=(fan_in, fan_out))
