# Wrong on purpose: L2 returns its gradient flattened, as if W were a vector
# base: regularization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/regularization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: l2_regularization
# mistake: wrong-shape

import numpy as np


def l2_regularization(W, reg):
    w = W.ravel()
    loss = reg * np.dot(w, w)
    dW = 2 * reg * w
    return loss, dW
