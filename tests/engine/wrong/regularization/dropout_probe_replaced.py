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
    _forged = {}
    for _name, _probe in list(_grader_probes.PROBES.items()):
        _forged[_name] = (lambda probe: lambda get, inputs: (lambda out: out | (
            {"train_same_seed": out["train"]} if "train" in out and "train_same_seed" in out else
            {"train_same_seed": out["train_other_seed"]} if "train_other_seed" in out else {}))(probe(get, inputs)))(_probe)
    _grader_probes.PROBES.update(_forged)
    for _name, _probe in _forged.items():
        setattr(_grader_probes, _name, _probe)
