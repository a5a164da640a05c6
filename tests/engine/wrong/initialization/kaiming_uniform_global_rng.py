# Wrong on purpose: Kaiming uniform drawn from NumPy's global generator
# Everything else is correct (copied from examples/submissions/initialization/alice_correct.py).
# breaks: kaiming_uniform
# mistake: none

import numpy as np


def xavier_normal(fan_in, fan_out, rng):
    std = np.sqrt(2.0 / (fan_in + fan_out))
    return std * rng.standard_normal((fan_in, fan_out))


def xavier_uniform(fan_in, fan_out, rng):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return limit * (2.0 * rng.random((fan_in, fan_out)) - 1.0)


def kaiming_normal(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)


def kaiming_uniform(fan_in, fan_out, rng):
    limit = np.sqrt(6.0 / fan_in)
    return np.random.uniform(-limit, limit, size=(fan_in, fan_out))


def orthogonal(fan_in, fan_out, rng):
    a = rng.standard_normal((fan_in, fan_out))
    u, _, vt = np.linalg.svd(a, full_matrices=False)
    return u @ vt
