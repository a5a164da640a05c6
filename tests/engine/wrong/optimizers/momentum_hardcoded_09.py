# Wrong on purpose: SGD with momentum uses a hard-coded momentum of 0.9 instead of config['momentum']
# base: optimizers  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/optimizers/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: sgd_momentum
# mistake: sgd-momentum-ignores-momentum

import numpy as np


def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    v = config.get("velocity", np.zeros_like(w))
    v = 0.9 * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config
