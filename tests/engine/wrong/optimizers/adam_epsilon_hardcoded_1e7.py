# Wrong on purpose: Adam with epsilon hard-coded to 1e-7 (Keras's default) instead of config['epsilon']
# base: optimizers  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/optimizers/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: adam
# mistake: adam-ignores-epsilon

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
    config.setdefault("t", 0)
    config["t"] += 1
    config["m"] = config["beta1"] * config["m"] + (1 - config["beta1"]) * dw
    config["v"] = config["beta2"] * config["v"] + (1 - config["beta2"]) * dw ** 2
    m_hat = config["m"] / (1 - config["beta1"] ** config["t"])
    v_hat = config["v"] / (1 - config["beta2"] ** config["t"])
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + 1e-7)
    return next_w, config
