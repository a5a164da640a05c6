# Wrong on purpose: linear warm-up starting at lr = 0
# base: optimizers  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/optimizers/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: linear_warmup
# mistake: warmup-off-by-one


def linear_warmup(lr, t, warmup_steps):
    return lr * min(1.0, t / warmup_steps)
