# Wrong on purpose: L2 builds its gradient by scaling the caller's W in place
# base: regularization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/regularization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: l2_regularization
# mistake: input-changed-in-place

import numpy as np


def l2_regularization(W, reg):
    loss = reg * np.sum(W ** 2)
    W *= 2 * reg
    return loss, W
