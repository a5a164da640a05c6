# Wrong on purpose: Adam computes t + 1 but never stores it
# base: optimizers  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/optimizers/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: adam
# mistake: adam-forgets-t

import math
import numpy as np


def adam(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    b1, b2 = config["beta1"], config["beta2"]
    t = config.get("t", 0) + 1
    config["m"] = b1 * config["m"] + (1 - b1) * dw
    config["v"] = b2 * config["v"] + (1 - b2) * dw * dw
    step_size = config["learning_rate"] / (1 - b1 ** t)
    denom = np.sqrt(config["v"]) / math.sqrt(1 - b2 ** t) + config["epsilon"]
    w -= step_size * config["m"] / denom
    return w, config
