"""Assignment: optimizers -- the stubs as released, untouched."""

import numpy as np


def sgd(w, dw, config=None):
    """Vanilla SGD. config: learning_rate (1e-2)."""
    # YOUR CODE HERE
    raise NotImplementedError()


def sgd_momentum(w, dw, config=None):
    """SGD with momentum. config: learning_rate (1e-2), momentum (0.9), velocity."""
    # YOUR CODE HERE
    raise NotImplementedError()


def nesterov_momentum(w, dw, config=None):
    """Nesterov momentum. config: learning_rate (1e-2), momentum (0.9), velocity."""
    # YOUR CODE HERE
    raise NotImplementedError()


def adagrad(w, dw, config=None):
    """AdaGrad. config: learning_rate (1e-2), epsilon (1e-8), cache."""
    # YOUR CODE HERE
    raise NotImplementedError()


def rmsprop(w, dw, config=None):
    """RMSProp. config: learning_rate (1e-2), decay_rate (0.99), epsilon (1e-8), cache."""
    # YOUR CODE HERE
    raise NotImplementedError()


def adam(w, dw, config=None):
    """Adam. config: learning_rate (1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-8), m, v, t."""
    # YOUR CODE HERE
    raise NotImplementedError()


def adamw(w, dw, config=None):
    """AdamW. config: as adam, plus weight_decay (1e-2)."""
    # YOUR CODE HERE
    raise NotImplementedError()


def step_decay(lr0, epoch, drop=0.1, every=30):
    # YOUR CODE HERE
    raise NotImplementedError()


def cosine_decay(lr0, t, T):
    # YOUR CODE HERE
    raise NotImplementedError()


def linear_decay(lr0, t, T):
    # YOUR CODE HERE
    raise NotImplementedError()


def inverse_sqrt_decay(lr0, t):
    # YOUR CODE HERE
    raise NotImplementedError()


def linear_warmup(lr, t, warmup_steps):
    # YOUR CODE HERE
    raise NotImplementedError()
