# Wrong on purpose: inverse_sqrt_decay divides by t
# base: optimizers  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/optimizers/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: inverse_sqrt_decay
# mistake: inverse-t


def inverse_sqrt_decay(lr0, t):
    return lr0 / t
