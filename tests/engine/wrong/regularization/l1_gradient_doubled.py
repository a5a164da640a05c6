# Wrong on purpose: L1 gradient doubled (2 * reg * sign(W), as if it were L2's factor 2)
# base: regularization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/regularization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: l1_regularization
# mistake: off-by-constant-factor

import numpy as np


def l1_regularization(W, reg):
    loss = reg * np.abs(W).sum()
    dW = 2 * reg * np.sign(W)
    return loss, dW
