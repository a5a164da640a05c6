# Wrong on purpose: Kaiming normal with the shape transposed, (fan_out, fan_in)
# base: initialization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/initialization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: kaiming_normal
# mistake: kaiming-transposed

import numpy as np


def kaiming_normal(fan_in, fan_out, rng):
    return rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / fan_in)
