# Wrong on purpose: dropout_backward passes dout through in train mode (ignores the mask)
# base: regularization  (every graded function not defined here is taken from the one correct
#   solution, examples/submissions/regularization/alice_correct.py; tests/engine/engine_support.py composes them)
# breaks: dropout_backward
# mistake: dropout-backward-passes-dout

def dropout_backward(dout, cache):
    return dout
