# Wrong on purpose: a four-point "normal" that matches the mean, variance, 2-sd tail and range
# base: initialization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/initialization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: xavier_normal
# mistake: xavier-normal-discrete

import numpy as np


def xavier_normal(fan_in, fan_out, rng):
    std = np.sqrt(2.0 / (fan_in + fan_out))
    tail = 0.0455                      # P(|z| > 2) for a standard normal
    far = 2.5
    near = np.sqrt((1.0 - tail * far ** 2) / (1.0 - tail))   # keeps the variance at std**2
    size = (fan_in, fan_out)
    magnitude = np.where(rng.random(size) < tail, far, near)
    return std * magnitude * np.where(rng.random(size) < 0.5, -1.0, 1.0)
