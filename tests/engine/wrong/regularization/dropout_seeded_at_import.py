# Wrong on purpose: ignores the seed and seeds NumPy's global generator once at import instead
#   ("the run is reproducible anyway")
# base: regularization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/regularization/alice_correct.py; tests/engine/engine_support.py composes them,
#   and appends the module-level code below, which runs when the submission loads)
# breaks: dropout_forward
# mistake: dropout-ignores-seed

import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = (x * mask).astype(x.dtype)
    else:
        out = x
    return out, (dropout_param, mask)


np.random.seed(0)
