# Wrong on purpose: AdaGrad uses a hard-coded learning rate of 1e-2
# base: optimizers  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/optimizers/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: adagrad
# mistake: adagrad-ignores-learning-rate

import numpy as np


def adagrad(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("epsilon", 1e-8)
    if "cache" not in config:
        config["cache"] = np.zeros_like(w)
    config["cache"] += dw ** 2
    w -= 1e-2 * dw / (np.sqrt(config["cache"]) + config["epsilon"])
    return w, config
