# Wrong on purpose: elastic net with beta weighing the L1 term
# base: regularization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/regularization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: elastic_net
# mistake: elastic-beta-on-l1

import numpy as np


def elastic_net(W, reg, beta):
    loss = reg * (np.sum(W * W) + beta * np.sum(np.abs(W)))
    dW = reg * (2 * W + beta * np.sign(W))
    return loss, dW
