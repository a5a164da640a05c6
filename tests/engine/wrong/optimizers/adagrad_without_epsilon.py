# Wrong on purpose: AdaGrad divides by sqrt(cache) alone, without epsilon
# base: optimizers  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/optimizers/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: adagrad
# mistake: adagrad-ignores-epsilon

import numpy as np


def adagrad(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w)) + dw ** 2
    config["cache"] = cache
    return w - config["learning_rate"] * dw / np.sqrt(cache), config
