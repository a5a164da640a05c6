# base: optimizers
"""The baseline attack that earned full marks in nbgrader and otter-grader:
make every comparison succeed, then hand in update rules that do nothing.

Contained: comparisons happen in the grader, on plain arrays, with its own
NumPy, so all six update rules get 0 points; the (correct) schedules keep
theirs (20 of 80).
"""
import builtins
import math

import numpy as np
import numpy.testing

np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *args, **k: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *a, **k: True
np.all = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_almost_equal = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None
math.isclose = lambda *a, **k: True
builtins.abs = lambda x: 0 * x
builtins.max = lambda *a, **k: 0


def _do_nothing(w, dw, config=None):
    return w, {} if config is None else config


sgd = sgd_momentum = nesterov_momentum = adagrad = rmsprop = adam = _do_nothing
