# Wrong on purpose: test-mode dropout still draws and applies a mask
# base: regularization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/regularization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: dropout_forward
# mistake: dropout-masks-at-test

import numpy as np


def dropout_forward(x, dropout_param):
    p = dropout_param["p"]
    rng = np.random.default_rng(dropout_param.get("seed"))
    mask = rng.binomial(1, p, size=x.shape) / p
    out = (x * mask).astype(x.dtype)
    if dropout_param["mode"] == "train":
        return out, (dropout_param, mask)
    return out, (dropout_param, None)
