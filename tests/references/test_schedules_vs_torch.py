"""The reference learning-rate schedules against torch.optim.lr_scheduler.

torch's schedulers are stateful: the learning rate used at step t is read from
the optimizer after t calls of ``scheduler.step()``.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from autograder.references import optimizers as ref


def _torch_rates(lr0: float, make_scheduler, steps: int) -> np.ndarray:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr0)
    scheduler = make_scheduler(opt)
    rates = []
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return np.array(rates)


@pytest.mark.parametrize("lr0,drop,every", [(0.1, 0.1, 30), (3e-3, 0.5, 7), (1.0, 0.9, 1)])
def test_step_decay_is_step_lr(lr0, drop, every):
    steps = 4 * every + 5
    theirs = _torch_rates(lr0, lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=every, gamma=drop), steps)
    mine = np.array([ref.step_decay(lr0, e, drop=drop, every=every) for e in range(steps)])
    np.testing.assert_allclose(mine, theirs, rtol=1e-12)


def test_step_decay_defaults_are_drop_0_1_every_30():
    theirs = _torch_rates(0.1, lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=30, gamma=0.1), 100)
    mine = np.array([ref.step_decay(0.1, e) for e in range(100)])
    np.testing.assert_allclose(mine, theirs, rtol=1e-12)


@pytest.mark.parametrize("lr0,T", [(0.1, 100), (2.5, 7), (1e-3, 1)])
def test_cosine_decay_is_cosine_annealing(lr0, T):
    theirs = _torch_rates(lr0, lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=T, eta_min=0.0), T + 1)
    mine = np.array([ref.cosine_decay(lr0, t, T) for t in range(T + 1)])
    # torch updates the rate recursively, so it carries round-off from step to step
    np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-15 * lr0)
    assert mine[0] == lr0 and abs(mine[-1]) < 1e-15 * lr0


@pytest.mark.parametrize("lr0,T", [(0.1, 50), (1e-3, 3), (0.7, 1)])
def test_linear_decay_is_linear_lr_to_zero(lr0, T):
    theirs = _torch_rates(
        lr0, lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=T), T + 1)
    mine = np.array([ref.linear_decay(lr0, t, T) for t in range(T + 1)])
    np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-15 * lr0)


@pytest.mark.parametrize("lr,warmup", [(0.1, 10), (2e-4, 4), (1.0, 2), (0.3, 1)])
def test_linear_warmup_is_linear_lr_from_one_over_warmup(lr, warmup):
    steps = 3 * warmup + 5
    if warmup == 1:
        # LinearLR cannot ramp over zero iterations; one warm-up step means the full rate at once.
        theirs = np.full(steps, lr)
    else:
        theirs = _torch_rates(lr, lambda o: torch.optim.lr_scheduler.LinearLR(
            o, start_factor=1.0 / warmup, end_factor=1.0, total_iters=warmup - 1), steps)
    mine = np.array([ref.linear_warmup(lr, t, warmup) for t in range(steps)])
    np.testing.assert_allclose(mine, theirs, rtol=1e-9)
    assert mine[0] == pytest.approx(lr / warmup) and mine[warmup - 1] == pytest.approx(lr)


@pytest.mark.parametrize("lr0", [0.1, 5.0])
def test_inverse_sqrt_decay_is_lambda_lr(lr0):
    # LambdaLR counts epochs from 0 and the schedule is defined from t = 1, so shift by one.
    theirs = _torch_rates(lr0, lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda e: 1 / math.sqrt(e + 1)), 200)
    mine = np.array([ref.inverse_sqrt_decay(lr0, t) for t in range(1, 201)])
    np.testing.assert_allclose(mine, theirs, rtol=1e-12)
    closed_form = lr0 * np.arange(1, 201, dtype=np.float64) ** -0.5
    np.testing.assert_allclose(mine, closed_form, rtol=1e-14)


def test_schedules_return_plain_numbers():
    values = [ref.step_decay(0.1, 31), ref.cosine_decay(0.1, 3, 10), ref.linear_decay(0.1, 3, 10),
              ref.inverse_sqrt_decay(0.1, 4), ref.linear_warmup(0.1, 3, 10)]
    assert all(isinstance(v, float) for v in values)
