# Wrong on purpose: step_decay with epoch / every instead of epoch // every
# base: optimizers  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/optimizers/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: step_decay
# mistake: step-decay-no-floor


def step_decay(lr0, epoch, drop=0.1, every=30):
    return lr0 * drop ** (epoch / every)
