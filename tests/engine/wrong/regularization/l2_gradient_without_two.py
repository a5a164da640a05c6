# Wrong on purpose: L2 gradient reg * W
# base: regularization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/regularization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: l2_regularization
# mistake: l2-no-factor-two

import numpy as np


def l2_regularization(W, reg):
    loss = reg * np.sum(W ** 2)
    dW = reg * W
    return loss, dW
