"""The reference gradient-checking utilities against torch autograd.

Each smooth test function is written twice, in NumPy (what the reference
differentiates numerically) and in torch (what autograd differentiates
exactly); ``torch.autograd.gradcheck`` first confirms the torch versions.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.references import gradient_check as ref

# (numpy f, torch f) pairs: scalar functions of an array.
SCALAR_FUNCTIONS = {
    "sin + cubic": (lambda x: float(np.sum(np.sin(x) * 1.3) + np.sum(x**3) / 3),
                    lambda x: (torch.sin(x) * 1.3).sum() + (x**3).sum() / 3),
    "log-sum-exp": (lambda x: float(np.log(np.sum(np.exp(x)))),
                    lambda x: torch.logsumexp(x.reshape(-1), 0)),
    "quadratic form": (lambda x: float(x.reshape(-1) @ np.arange(1.0, x.size + 1) * x.reshape(-1) @ np.ones(x.size)),
                       lambda x: (x.reshape(-1) @ torch.arange(1.0, x.numel() + 1, dtype=torch.float64))
                       * x.reshape(-1).sum()),
}


def _autograd(f_torch, x):
    xt = torch.tensor(x, requires_grad=True)
    (g,) = torch.autograd.grad(f_torch(xt), xt)
    return g.numpy()


@pytest.mark.parametrize("shape", [(6,), (3, 4), (2, 3, 2)])
@pytest.mark.parametrize("name", sorted(SCALAR_FUNCTIONS))
def test_eval_numerical_gradient_matches_autograd(name, shape):
    f_np, f_torch = SCALAR_FUNCTIONS[name]
    x = np.random.default_rng(len(shape)).uniform(-1.5, 1.5, size=shape)
    assert torch.autograd.gradcheck(lambda t: f_torch(t), (torch.tensor(x, requires_grad=True),))
    before = x.copy()
    numeric = ref.eval_numerical_gradient(f_np, x)
    exact = _autograd(f_torch, x)
    # centred differences: truncation O(h²) ≈ 1e-10 and round-off ≈ 1e-16/h ≈ 1e-11, relative
    assert ref.rel_error(numeric, exact) < 1e-7
    np.testing.assert_array_equal(x, before)
    assert numeric.shape == x.shape and numeric.dtype == np.float64


def test_eval_numerical_gradient_restores_a_non_contiguous_x():
    f_np, f_torch = SCALAR_FUNCTIONS["sin + cubic"]
    # Every other entry of rows of 11: the rows are not evenly spaced, so x.reshape(-1) is a copy
    # (as for the grader's strided cases) and writes through it would never reach f.
    base = np.random.default_rng(1).uniform(-1, 1, size=(4, 11))
    x = base[:, :10:2]
    assert not np.shares_memory(x.reshape(-1), x)
    numeric = ref.eval_numerical_gradient(f_np, x)
    assert ref.rel_error(numeric, _autograd(f_torch, np.ascontiguousarray(x))) < 1e-7
    np.testing.assert_array_equal(base, np.random.default_rng(1).uniform(-1, 1, size=(4, 11)))


@pytest.mark.parametrize("n,k,m", [(2, 3, 4), (5, 4, 3), (1, 6, 2)])
def test_eval_numerical_gradient_array_matches_autograd_vjp(n, k, m):
    rng = np.random.default_rng(n * 100 + k)
    x = rng.uniform(-1, 1, size=(n, k))
    M = rng.standard_normal((k, m))
    df = rng.standard_normal((n, m))
    assert torch.autograd.gradcheck(lambda t: torch.tanh(t @ torch.tensor(M)), (torch.tensor(x, requires_grad=True),))
    before = x.copy()
    numeric = ref.eval_numerical_gradient_array(lambda z: np.tanh(z @ M), x, df)
    xt = torch.tensor(x, requires_grad=True)
    torch.tanh(xt @ torch.tensor(M)).backward(torch.tensor(df))
    assert ref.rel_error(numeric, xt.grad.numpy()) < 1e-7
    np.testing.assert_array_equal(x, before)


def test_eval_numerical_gradient_array_with_an_in_place_f():
    """f returning a view of x (or reusing a buffer) must not corrupt the difference."""
    x = np.random.default_rng(2).standard_normal((3, 3))
    df = np.random.default_rng(3).standard_normal((3, 3))
    numeric = ref.eval_numerical_gradient_array(lambda z: z, x, df)
    np.testing.assert_allclose(numeric, df, rtol=1e-8)


def test_grad_check_sparse_small_for_the_autograd_gradient_large_for_a_wrong_one():
    f_np, f_torch = SCALAR_FUNCTIONS["sin + cubic"]
    x = np.random.default_rng(4).uniform(-1.5, 1.5, size=(8, 9))
    exact = _autograd(f_torch, x)
    before = x.copy()
    errors = ref.grad_check_sparse(f_np, x, exact, num_checks=15, seed=3)
    assert errors.shape == (15,)
    assert np.max(errors) < 1e-7
    np.testing.assert_array_equal(x, before)
    # a gradient wrong by 1% everywhere gives relative errors of about 0.5%
    wrong = ref.grad_check_sparse(f_np, x, exact * 1.01, num_checks=15, seed=3)
    assert np.min(wrong) > 1e-3
    # a gradient with the wrong sign gives relative error 1
    np.testing.assert_allclose(ref.grad_check_sparse(f_np, x, -exact, num_checks=5, seed=3), 1.0, rtol=1e-6)


def test_grad_check_sparse_is_seeded():
    f_np, _ = SCALAR_FUNCTIONS["sin + cubic"]
    x = np.random.default_rng(5).uniform(-1, 1, size=(50,))
    grad = np.cos(x) * 1.3 + x**2 + np.random.default_rng(6).standard_normal(50) * 1e-3
    a = ref.grad_check_sparse(f_np, x, grad, num_checks=8, seed=1)
    b = ref.grad_check_sparse(f_np, x, grad, num_checks=8, seed=1)
    c = ref.grad_check_sparse(f_np, x, grad, num_checks=8, seed=2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_rel_error_matches_a_torch_computation():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 5))
    y = x + rng.standard_normal((4, 5)) * 1e-3
    y[0, 0] = x[0, 0] = 0.0
    xt, yt = torch.tensor(x), torch.tensor(y)
    expected = float(((xt - yt).abs() / torch.clamp(xt.abs() + yt.abs(), min=1e-8)).max())
    assert ref.rel_error(x, y) == pytest.approx(expected, rel=1e-15)
    assert ref.rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert isinstance(ref.rel_error(x, y), float)
