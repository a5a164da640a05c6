"""Assignment: gradient checking -- the stubs as released, untouched (Carol handed them in as they are)."""

import numpy as np


def rel_error(x, y):
    """max over elements of |x - y| / max(1e-8, |x| + |y|), as a float."""
    # YOUR CODE HERE
    raise NotImplementedError()


def eval_numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar function f at x; x must be left unchanged."""
    # YOUR CODE HERE
    raise NotImplementedError()


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Centred-difference gradient of sum(f(x) * df)."""
    # YOUR CODE HERE
    raise NotImplementedError()


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=0):
    """Relative errors at num_checks coordinates drawn with np.random.default_rng(seed)."""
    # YOUR CODE HERE
    raise NotImplementedError()
