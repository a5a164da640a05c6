# base: optimizers
"""Results that lie about themselves.

- sgd returns an ndarray subclass whose comparisons, ufuncs, ``all``,
  ``tobytes`` and ``__array__`` all claim equality, wrapping wrong numbers.
- sgd_momentum returns a plain object that compares equal to anything and
  pretends to be an array (shape, dtype, ``__array__`` with wrong numbers).
- adam returns a subclass that overrides ``shape`` and ``view``.
- step_decay returns a float subclass equal to everything, whose ``__float__``
  and arithmetic lie.
- cosine_decay returns a NumPy float64 subclass equal to everything.

Contained: only plain bytes and numbers cross to the grader, so all five get 0
points; the rest keep theirs (80 - 10 - 10 - 10 - 4 - 4 = 42).
"""
import numpy as np


class Liar(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool).view(Liar)

    __le__ = __ge__ = __eq__

    def __ne__(self, other):
        return np.zeros(np.shape(self), dtype=bool)

    __lt__ = __gt__ = __ne__

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(np.shape(self))

    def __array_function__(self, func, types, args, kwargs):
        return True

    def all(self, *a, **k):
        return True

    def any(self, *a, **k):
        return False

    def tobytes(self, *a, **k):
        return b"\0" * self.nbytes

    def __array__(self, *a, **k):
        return np.zeros(self.shape)

    def __float__(self):
        return 0.0


def sgd(w, dw, config=None):
    return (np.asarray(w) + 1000.0).view(Liar), {} if config is None else config


class Chameleon:
    def __init__(self, w):
        self.shape, self.dtype, self.ndim, self.size = w.shape, w.dtype, w.ndim, w.size

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __lt__ = __le__ = __gt__ = __ge__ = __eq__

    def __array__(self, *a, **k):
        return np.full(self.shape, 7.0)

    def __sub__(self, other):
        return np.zeros(self.shape)

    __rsub__ = __sub__

    def __abs__(self):
        return np.zeros(self.shape)


def sgd_momentum(w, dw, config=None):
    return Chameleon(np.asarray(w)), {} if config is None else config


class Shapeshifter(np.ndarray):
    @property
    def shape(self):
        return (5,)

    def view(self, *a, **k):
        return np.zeros(5)


def adam(w, dw, config=None):
    return (np.asarray(w) * -3.0).view(Shapeshifter), {} if config is None else config


class EqualFloat(float):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = float.__hash__

    def __float__(self):
        return 123.0

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__


def step_decay(lr0, epoch, drop=0.1, every=30):
    return EqualFloat(-1.0)


class EqualFloat64(np.float64):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = np.float64.__hash__


def cosine_decay(lr0, t, T):
    return EqualFloat64(42.0)
