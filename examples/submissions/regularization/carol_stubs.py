"""Assignment: regularization -- the stubs as released, untouched."""

import numpy as np


def dropout_forward(x, dropout_param):
    """Inverted dropout; dropout_param: p (probability of KEEPING a unit), mode, optional seed."""
    # YOUR CODE HERE
    raise NotImplementedError()


def dropout_backward(dout, cache):
    # YOUR CODE HERE
    raise NotImplementedError()


def l2_regularization(W, reg):
    """(loss, dW) with loss = reg * sum(W**2)."""
    # YOUR CODE HERE
    raise NotImplementedError()


def l1_regularization(W, reg):
    """(loss, dW) with loss = reg * sum(|W|)."""
    # YOUR CODE HERE
    raise NotImplementedError()


def elastic_net(W, reg, beta):
    """(loss, dW) with loss = reg * sum(beta * W**2 + |W|)."""
    # YOUR CODE HERE
    raise NotImplementedError()
