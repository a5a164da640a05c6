# Wrong on purpose: seeds NumPy's global generator once at import and ignores rng ("reproducible enough")
# base: initialization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/initialization/alice_correct.py; tests/engine/engine_support.py composes them,
#   and appends the module-level code below, which runs when the submission loads)
# breaks: xavier_normal
# mistake: xavier-global-rng

import numpy as np


def xavier_normal(fan_in, fan_out, rng):
    return np.random.randn(fan_in, fan_out) * np.sqrt(2.0 / (fan_in + fan_out))


np.random.seed(0)
