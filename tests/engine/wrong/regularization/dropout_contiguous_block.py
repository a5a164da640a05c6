# Wrong on purpose: keeps one contiguous block of a fraction p of the units, shifted by the seed
# base: regularization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/regularization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: dropout_forward
# mistake: dropout-mask-not-independent

import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    mask = None
    if mode == "train":
        n = x.size
        start = (dropout_param.get("seed") or 0) % n
        keep = (np.arange(n) - start) % n < int(round(p * n))
        mask = keep.reshape(x.shape) / p
        out = (x * mask).astype(x.dtype)
    else:
        out = x
    return out, (dropout_param, mask)
