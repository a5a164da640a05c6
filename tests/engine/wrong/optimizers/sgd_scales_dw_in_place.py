# Wrong on purpose: SGD scales the caller's dw in place before stepping (w is fine to update in place; dw is not)
# base: optimizers  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/optimizers/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: sgd
# mistake: input-changed-in-place


def sgd(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    dw *= config["learning_rate"]
    w -= dw
    return w, config
