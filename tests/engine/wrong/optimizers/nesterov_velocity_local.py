# Wrong on purpose: Nesterov keeps its velocity in a local variable that starts at zero on every call
# base: optimizers  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/optimizers/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: nesterov_momentum
# mistake: nesterov-momentum-forgets-velocity

import numpy as np


def nesterov_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    mu = config["momentum"]
    v = np.zeros_like(w)
    v_prev = v
    v = mu * v - config["learning_rate"] * dw
    return w - mu * v_prev + (1 + mu) * v, config
