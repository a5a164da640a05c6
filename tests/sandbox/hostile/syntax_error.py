# base: none
"""A submission that is not valid Python.

Contained: status "graded", 0 points, every test saying the function is not
defined because of the SyntaxError on line 9.
"""


def sgd(w, dw, config=None)
    return w - 1e-2 * dw, config
