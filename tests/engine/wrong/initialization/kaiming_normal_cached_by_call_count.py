# Wrong on purpose: draws from NumPy's global generator, and hides it with a module-level cache keyed by
#   the call count: every second call of a group of three returns the previous draw (the order in which
#   the grader's probe used to ask for "first", "same seed", "other seed")
# base: initialization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/initialization/alice_correct.py; tests/engine/engine_support.py composes them,
#   and appends the module-level code below, which runs when the submission loads)
# breaks: kaiming_normal
# mistake: kaiming-global-rng

import numpy as np


def kaiming_normal(fan_in, fan_out, rng):
    calls = len(_draws)
    if calls % 3 == 1:
        _draws[calls] = _draws[calls - 1]
    else:
        _draws[calls] = np.random.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
    return _draws[calls]


_draws = {}
