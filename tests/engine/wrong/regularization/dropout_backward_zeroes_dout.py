# Wrong on purpose: dropout_backward writes into the caller's dout (dx = dout is not a copy)
# base: regularization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/regularization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: dropout_backward
# mistake: input-changed-in-place


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] != "train":
        return dout
    dx = dout
    dx[mask == 0] = 0
    dx /= dropout_param["p"]
    return dx
