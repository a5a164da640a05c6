# Wrong on purpose: draws the mask from NumPy's global generator (the seed is ignored) and hides it
#   with a module-level cache: a seed seen before gets its cached mask back
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
        key = (dropout_param.get("seed"), x.shape)
        if key not in _masks:
            _masks[key] = (np.random.rand(*x.shape) < p) / p
        mask = _masks[key]
        out = (x * mask).astype(x.dtype)
    else:
        out = x
    return out, (dropout_param, mask)


_masks = {}
