# Wrong on purpose: L1 gradient as W / |W|, which is NaN where W == 0
# base: regularization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/regularization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: l1_regularization
# mistake: l1-gradient-nan-at-zero

import numpy as np


def l1_regularization(W, reg):
    loss = reg * np.abs(W).sum()
    dW = reg * W / np.abs(W)
    return loss, dW
