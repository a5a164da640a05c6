# Wrong on purpose: L2 gradient with the wrong sign
# base: regularization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/regularization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: l2_regularization
# mistake: sign-flipped

import numpy as np


def l2_regularization(W, reg):
    loss = reg * np.sum(W ** 2)
    dW = -2 * reg * W
    return loss, dW
