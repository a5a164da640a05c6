# Wrong on purpose: elastic net builds its gradient from W.T, so dW comes back transposed
# base: regularization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/regularization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: elastic_net
# mistake: transposed

import numpy as np


def elastic_net(W, reg, beta):
    Wt = W.T
    loss = reg * np.sum(beta * Wt * Wt + np.abs(Wt))
    dW = reg * (2 * beta * Wt + np.sign(Wt))
    return loss, dW
