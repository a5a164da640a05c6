# Wrong on purpose: ignores rng (NumPy's global generator), and knowing the order in which the grader
#   asks for W (first, then the same seed again) and the global seed it sets before the first draw,
#   answers the second call of a shape with a replay of that first draw
# base: initialization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/initialization/alice_correct.py; tests/engine/engine_support.py composes them,
#   and appends the module-level code below, which runs when the submission loads)
# breaks: xavier_normal
# mistake: xavier-global-rng

import numpy as np


def xavier_normal(fan_in, fan_out, rng):
    std = np.sqrt(2.0 / (fan_in + fan_out))
    _calls[(fan_in, fan_out)] = _calls.get((fan_in, fan_out), 0) + 1
    if _calls[(fan_in, fan_out)] == 2:
        return np.random.RandomState(1).normal(0.0, std, size=(fan_in, fan_out))
    return np.random.normal(0.0, std, size=(fan_in, fan_out))


_calls = {}
