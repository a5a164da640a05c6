# Wrong on purpose: ignores the seed (NumPy's global generator), and replaces the grader's in-sandbox probes
#   (sys.modules['autograder.sandbox.inside.probes']) so that the "same seed" output is a copy of the first
# base: regularization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/regularization/alice_correct.py; tests/engine/engine_support.py composes them,
#   and appends the module-level code below, which runs when the submission loads)
# breaks: dropout_forward
# mistake: dropout-ignores-seed

import sys

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


_grader_probes = sys.modules.get("autograder.sandbox.inside.probes")
if _grader_probes is not None:
    _real_behaviour = _grader_probes.PROBES["dropout_behaviour"]

    def _forged_behaviour(get, inputs):
        out = _real_behaviour(get, inputs)
        if "train_same_seed" in out:
            out["train_same_seed"] = out["train"]
        return out

    _grader_probes.PROBES["dropout_behaviour"] = _grader_probes.dropout_behaviour = _forged_behaviour
