# Wrong on purpose: dropout multiplies by p in test mode
# Everything else is correct (copied from examples/submissions/regularization/alice_correct.py).
# breaks: dropout_forward
# mistake: dropout-scaled-at-test

import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    mask = None
    if mode == "train":
        rng = np.random.default_rng(dropout_param.get("seed"))
        mask = rng.binomial(1, p, size=x.shape) / p
        out = (x * mask).astype(x.dtype)
    else:
        out = x * p
    return out, (dropout_param, mask)


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask
    return dout


def l2_regularization(W, reg):
    loss = reg * np.sum(W ** 2)
    dW = 2 * reg * W
    return loss, dW


def l1_regularization(W, reg):
    loss = reg * np.abs(W).sum()
    dW = reg * np.sign(W)
    return loss, dW


def elastic_net(W, reg, beta):
    loss = reg * (beta * np.sum(W * W) + np.sum(np.abs(W)))
    dW = reg * (2 * beta * W + np.sign(W))
    return loss, dW
