"""Reference: weight initializers (assignment ``initialization``).

All take (fan_in, fan_out, rng) and return W of shape (fan_in, fan_out);
rng is a numpy.random.Generator and the only source of randomness.
"""

from __future__ import annotations

import numpy as np


def xavier_normal(fan_in, fan_out, rng):
    """N(0, 2 / (fan_in + fan_out))."""
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def xavier_uniform(fan_in, fan_out, rng):
    """U(-a, a) with a = sqrt(6 / (fan_in + fan_out)), so the variance is 2 / (fan_in + fan_out)."""
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def kaiming_normal(fan_in, fan_out, rng):
    """N(0, 2 / fan_in): keeps the second moment of ReLU activations constant."""
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def kaiming_uniform(fan_in, fan_out, rng):
    """U(-a, a) with a = sqrt(6 / fan_in), so the variance is 2 / fan_in."""
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def orthogonal(fan_in, fan_out, rng):
    """Orthonormal columns (fan_in >= fan_out) or rows (fan_in < fan_out), Haar-distributed.

    QR of a Gaussian matrix, with the signs of R's diagonal folded into Q so the
    result is uniformly distributed rather than biased by the QR convention.
    """
    rows, cols = max(fan_in, fan_out), min(fan_in, fan_out)
    q, r = np.linalg.qr(rng.normal(size=(rows, cols)))
    q = q * np.sign(np.diag(r))
    return q if fan_in >= fan_out else q.T
