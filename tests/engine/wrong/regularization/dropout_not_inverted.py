# Wrong on purpose: dropout without the 1/p scale at train time
# base: regularization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/regularization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: dropout_forward
# mistake: dropout-not-inverted

import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    mask = None
    if mode == "train":
        rng = np.random.default_rng(dropout_param.get("seed"))
        mask = rng.binomial(1, p, size=x.shape)
        out = (x * mask).astype(x.dtype)
    else:
        out = x
    return out, (dropout_param, mask)
