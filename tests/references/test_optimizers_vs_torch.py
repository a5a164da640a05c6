"""The reference update rules against torch.optim, step by step, in float64.

Two settings: a fixed sequence of random gradients (the rule alone), and a
noisy quadratic whose gradient torch's autograd computes at each optimizer's own
iterate (the rule inside a training loop, so errors compound).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.references import optimizers as ref

STEPS = 40


def _torch_optimizer(name: str, params, config: dict):
    lr = config["learning_rate"]
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "sgd_momentum":
        return torch.optim.SGD(params, lr=lr, momentum=config["momentum"], dampening=0.0)
    if name == "nesterov_momentum":
        return torch.optim.SGD(params, lr=lr, momentum=config["momentum"], dampening=0.0, nesterov=True)
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, eps=config["epsilon"], lr_decay=0.0,
                                   initial_accumulator_value=0.0)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=config["decay_rate"], eps=config["epsilon"])
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(config["beta1"], config["beta2"]), eps=config["epsilon"])
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=(config["beta1"], config["beta2"]), eps=config["epsilon"],
                                 weight_decay=config["weight_decay"])
    raise KeyError(name)


# The reference's defaults, spelled out for torch (whose defaults differ: Adagrad eps=1e-10,
# RMSprop alpha=0.99 and eps=1e-8, ...), plus a non-default setting of each rule.
CONFIGS = {
    "sgd": [{"learning_rate": 1e-2}, {"learning_rate": 0.3}],
    "sgd_momentum": [{"learning_rate": 1e-2, "momentum": 0.9}, {"learning_rate": 0.05, "momentum": 0.5}],
    "nesterov_momentum": [{"learning_rate": 1e-2, "momentum": 0.9}, {"learning_rate": 0.05, "momentum": 0.7}],
    "adagrad": [{"learning_rate": 1e-2, "epsilon": 1e-8}, {"learning_rate": 0.5, "epsilon": 1e-4}],
    "rmsprop": [{"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
                {"learning_rate": 3e-3, "decay_rate": 0.9, "epsilon": 1e-6}],
    "adam": [{"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
             {"learning_rate": 0.05, "beta1": 0.5, "beta2": 0.9, "epsilon": 1e-4}],
    "adamw": [{"learning_rate": 1e-3, "weight_decay": 1e-2, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
              {"learning_rate": 0.05, "weight_decay": 0.3, "beta1": 0.5, "beta2": 0.9, "epsilon": 1e-4}],
}
CASES = [(name, i) for name, configs in CONFIGS.items() for i in range(len(configs))]


def _reference_run(name, w0, grad_at, config):
    """Weights after each step; ``config`` passes None first when it holds only the defaults,
    so the reference's own defaults are exercised."""
    rule = getattr(ref, name)
    w = w0.copy()
    state = None if config == CONFIGS[name][0] else dict(config)
    out = []
    for t in range(STEPS):
        w, state = rule(w, grad_at(t, w), state)
        out.append(w.copy())
    return np.array(out)


def _torch_run(name, w0, grad_at, config):
    p = torch.nn.Parameter(torch.tensor(w0, dtype=torch.float64))
    opt = _torch_optimizer(name, [p], config)
    out = []
    for t in range(STEPS):
        opt.zero_grad()
        p.grad = torch.tensor(grad_at(t, p.detach().numpy().copy()), dtype=torch.float64)
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


@pytest.mark.parametrize("name,which", CASES)
def test_matches_torch_on_random_gradients(name, which):
    rng = np.random.default_rng(100 + which)
    w0 = rng.standard_normal((4, 3))
    grads = rng.standard_normal((STEPS, 4, 3)) * rng.uniform(0.01, 10, size=(1, 4, 3))
    config = CONFIGS[name][which]
    mine = _reference_run(name, w0, lambda t, w: grads[t], config)
    theirs = _torch_run(name, w0, lambda t, w: grads[t], config)
    np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)
    # and the weights really moved: a rule that returned w unchanged would not pass
    assert np.max(np.abs(mine[-1] - w0)) > 1e-3


@pytest.mark.parametrize("name,which", CASES)
def test_matches_torch_on_a_noisy_quadratic(name, which):
    """Gradients from torch autograd of 0.5·Σ c·w² + Σ noise_t·w at each run's own iterate."""
    rng = np.random.default_rng(200 + which)
    w0 = rng.standard_normal(7) * 3
    c = rng.uniform(0.5, 4.0, size=7)
    noise = rng.standard_normal((STEPS, 7)) * 0.5
    config = CONFIGS[name][which]

    def grad_at(t, w):
        wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
        loss = 0.5 * (torch.tensor(c) * wt**2).sum() + (torch.tensor(noise[t]) * wt).sum()
        (g,) = torch.autograd.grad(loss, wt)
        return g.numpy()

    mine = _reference_run(name, w0, grad_at, config)
    theirs = _torch_run(name, w0, grad_at, config)
    np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)


def test_nesterov_lookahead_form_is_torch_nesterov_not_heavy_ball():
    """The reference works in look-ahead variables; torch's nesterov=True gives the same
    iterates, and they are not heavy-ball momentum's (else the comparison proves nothing)."""
    rng = np.random.default_rng(5)
    w0, grads = rng.standard_normal(6), rng.standard_normal((STEPS, 6))
    config = {"learning_rate": 0.05, "momentum": 0.9}
    nesterov = _reference_run("nesterov_momentum", w0, lambda t, w: grads[t], config)
    torch_nesterov = _torch_run("nesterov_momentum", w0, lambda t, w: grads[t], config)
    torch_heavy_ball = _torch_run("sgd_momentum", w0, lambda t, w: grads[t], config)
    np.testing.assert_allclose(nesterov, torch_nesterov, rtol=1e-10, atol=1e-12)
    assert np.max(np.abs(nesterov - torch_heavy_ball)) > 1e-2


def test_torch_oracle_tells_the_rules_apart():
    """Each rule's trajectory differs from every other's under the shared hyperparameters,
    so matching torch's rule X is evidence of implementing X."""
    rng = np.random.default_rng(9)
    w0, grads = rng.standard_normal(5), rng.standard_normal((STEPS, 5))
    common = {"learning_rate": 0.05, "momentum": 0.9, "epsilon": 1e-8, "decay_rate": 0.9,
              "beta1": 0.9, "beta2": 0.999, "weight_decay": 0.1}
    runs = {name: _torch_run(name, w0, lambda t, w: grads[t], common) for name in CONFIGS}
    names = sorted(runs)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert np.max(np.abs(runs[a] - runs[b])) > 1e-3, (a, b)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_reference_keeps_its_state_in_config(name):
    """Two interleaved runs with separate configs do not disturb each other."""
    rng = np.random.default_rng(3)
    rule = getattr(ref, name)
    w_a, w_b = rng.standard_normal(4), rng.standard_normal(4)
    grads = rng.standard_normal((STEPS, 4))
    solo = _reference_run(name, w_a, lambda t, w: grads[t], CONFIGS[name][1])[9]
    ca, cb = dict(CONFIGS[name][1]), dict(CONFIGS[name][1])
    for t in range(10):
        w_a, ca = rule(w_a, grads[t], ca)
        w_b, cb = rule(w_b, -grads[t], cb)
    np.testing.assert_array_equal(w_a, solo)


def test_adamw_mistakes_are_what_their_names_say():
    """The catalogued AdamW mistakes, run against torch: weight decay through the gradient is
    torch's Adam(weight_decay=...) (L2), and decay not scaled by the learning rate is AdamW with
    weight_decay / lr; both differ from AdamW itself."""
    from autograder.mistakes import variants

    rng = np.random.default_rng(12)
    w0, grads = rng.standard_normal(6) * 2, rng.standard_normal((STEPS, 6))
    config = {"learning_rate": 0.05, "weight_decay": 0.2, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}

    def run(**knobs):
        w, state, out = w0.copy(), dict(config), []
        for t in range(STEPS):
            w, state = variants.adamw(w, grads[t], state, **knobs)
            out.append(w.copy())
        return np.array(out)

    def torch_run(opt_class, weight_decay):
        p = torch.nn.Parameter(torch.tensor(w0, dtype=torch.float64))
        opt = opt_class([p], lr=config["learning_rate"], betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay)
        out = []
        for t in range(STEPS):
            p.grad = torch.tensor(grads[t], dtype=torch.float64)
            opt.step()
            out.append(p.detach().numpy().copy())
        return np.array(out)

    adamw = torch_run(torch.optim.AdamW, config["weight_decay"])
    np.testing.assert_allclose(run(), adamw, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(run(coupled=True), torch_run(torch.optim.Adam, config["weight_decay"]),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(run(decay_not_scaled=True),
                               torch_run(torch.optim.AdamW, config["weight_decay"] / config["learning_rate"]),
                               rtol=1e-10, atol=1e-12)
    for knobs in ({"coupled": True}, {"decay_not_scaled": True}, {"decay_after_step": True}, {"no_decay": True}):
        assert np.max(np.abs(run(**knobs) - adamw)) > 1e-4, knobs
