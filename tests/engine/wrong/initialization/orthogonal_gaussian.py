# Wrong on purpose: orthogonal returns a scaled Gaussian matrix
# base: initialization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/initialization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: orthogonal
# mistake: orthogonal-gaussian

import numpy as np


def orthogonal(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)
