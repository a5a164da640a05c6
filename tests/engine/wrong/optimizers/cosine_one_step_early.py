# Wrong on purpose: cosine decay evaluated one step ahead (t + 1 instead of t)
# base: optimizers  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/optimizers/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: cosine_decay
# mistake: shifted-by-one-step

import numpy as np


def cosine_decay(lr0, t, T):
    return lr0 / 2 * (1 + np.cos(np.pi * (t + 1) / T))
