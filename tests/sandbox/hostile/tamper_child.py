# base: gradient_check
"""Tampers with the sandbox's own machinery, which it can import:

- replaces the probe that drives eval_numerical_gradient with one that
  reports a zero gradient and the "right" number of calls without calling it;
- replaces the probe of grad_check_sparse with one that reports perfect
  (zero) relative errors;
- makes rel_error report a perfect match (0.0) for any input, and patches
  NumPy's max and abs so a self-check would agree.

Contained: the grader runs the probes again on the reference, on its side, and
compares plain numbers, so rel_error, eval_numerical_gradient and
grad_check_sparse get 0 points; eval_numerical_gradient_array, untouched,
keeps its 10.
"""
import numpy as np

import autograder.sandbox.inside.probes as probes


def _fake_numerical(get, inputs):
    x = np.array(inputs["x"], dtype=np.float64)
    return {"grad": np.zeros_like(x), "x_after": x, "calls": 2 * x.size}


def _fake_sparse(get, inputs):
    n = int(inputs["num_checks"])
    x = np.array(inputs["x"], dtype=np.float64)
    return {"first": np.zeros(n), "again": np.zeros(n), "other_seed": np.zeros(n), "x_after": x}


probes.PROBES["numerical_gradient"] = _fake_numerical
probes.PROBES["sparse_gradient_check"] = _fake_sparse
np.max = lambda *a, **k: 0.0
np.abs = lambda x, *a, **k: np.zeros_like(np.asarray(x, dtype=np.float64))


def rel_error(x, y):
    return 0.0
