# Wrong on purpose: ignores rng and draws from NumPy's global generator, with np.random.seed and
#   random.seed made no-ops so that nobody can reseed the global generators between calls
# base: initialization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/initialization/alice_correct.py; tests/engine/engine_support.py composes them,
#   and appends the module-level code below, which runs when the submission loads)
# breaks: xavier_normal
# mistake: xavier-global-rng

import random

import numpy as np


def xavier_normal(fan_in, fan_out, rng):
    return np.random.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


np.random.seed = lambda *args, **kwargs: None
random.seed = lambda *args, **kwargs: None
