# Wrong on purpose: ignores the seed (NumPy's global generator), and hides it by call order: a call
#   with the same seed and shape as the call just before returns that call's mask again
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
        if _last.get("key") != key:
            _last.update(key=key, mask=(np.random.rand(*x.shape) < p) / p)
        mask = _last["mask"]
        out = (x * mask).astype(x.dtype)
    else:
        out = x
    return out, (dropout_param, mask)


_last = {}
