"""Deliberately wrong implementations, switched on by keyword "knobs".

Each function mirrors a graded function's signature plus keyword-only knobs;
with every knob at its default it behaves like the reference. The catalogue
refers to these by (function name, knobs), so a new mistake is usually one
catalogue entry and, at most, one new knob here.
"""

from __future__ import annotations

import math
import random

import numpy as np


# ------------------------------------------------------------ gradient_check --

def rel_error(x, y, *, no_floor=False, mean_not_max=False, denominator_one_side=False, absolute=False):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if absolute:
        return float(np.max(np.abs(x - y)))
    denominator = np.abs(y) if denominator_one_side else np.abs(x) + np.abs(y)
    if not no_floor:
        denominator = np.maximum(1e-8, denominator)
    with np.errstate(divide="ignore", invalid="ignore"):
        errors = np.abs(x - y) / denominator
    return float(np.mean(errors) if mean_not_max else np.max(errors))


def _difference(f_plus, f_minus, f_here, h, forward, no_halving):
    if forward:
        return (f_plus - f_here) / h
    return (f_plus - f_minus) / (h if no_halving else 2 * h)


def eval_numerical_gradient(f, x, *positional, h=1e-5, forward=False, no_halving=False, not_restored=False,
                            verbose_first=False, repeats=1, through_reshape=False):
    # cs231n's (f, x, verbose=True, h=...): an h passed positionally lands in verbose.
    if positional and not verbose_first:
        h = positional[0]
    grad = np.zeros(x.shape, dtype=np.float64)
    f_here = f(x) if forward else None
    # x.reshape(-1) is a view of a contiguous x but a copy of a strided one: writes to it may never reach f.
    written = x.reshape(-1) if through_reshape else x
    for i in np.ndindex(written.shape):
        original = written[i]
        for _ in range(repeats):
            written[i] = original + h
            f_plus = f(x)
            written[i] = original - h
            # A forward difference never evaluates f at x - h.
            f_minus = None if forward else f(x)
        if not not_restored:
            written[i] = original
        grad[np.unravel_index(i[0], x.shape) if through_reshape else i] = _difference(
            f_plus, f_minus, f_here, h, forward, no_halving)
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5, *, forward=False, no_halving=False,
                                  not_restored=False, ignores_df=False, no_copy=False):
    grad = np.zeros(x.shape, dtype=np.float64)
    weight = np.ones_like(df) if ignores_df else df
    keep = (lambda v: v) if no_copy else (lambda v: np.array(v, dtype=np.float64))
    f_here = np.array(f(x), dtype=np.float64) if forward else None
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + h
        f_plus = keep(f(x))
        x[i] = original - h
        f_minus = None if forward else keep(f(x))
        if not not_restored:
            x[i] = original
        grad[i] = np.sum(_difference(f_plus, f_minus, f_here, h, forward, no_halving) * weight)
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=0, *, forward=False,
                      not_restored=False, absolute_error=False, repeat_coordinate=False, ignore_seed=False):
    rng = np.random.default_rng(seed)
    errors = np.empty(num_checks)

    def draw():
        # The realistic way to ignore the seed: Python's global generator, as cs231n's helper uses.
        return tuple(random.randrange(n) if ignore_seed else int(rng.integers(n)) for n in x.shape)

    i = draw()
    for k in range(num_checks):
        if not repeat_coordinate and k:
            i = draw()
        original = x[i]
        f_here = f(x) if forward else None
        x[i] = original + h
        f_plus = f(x)
        x[i] = original - h
        f_minus = None if forward else f(x)
        if not not_restored:
            x[i] = original
        numeric = _difference(f_plus, f_minus, f_here, h, forward, False)
        analytic = analytic_grad[i]
        diff = abs(numeric - analytic)
        errors[k] = diff if absolute_error else diff / max(1e-8, abs(numeric) + abs(analytic))
    return errors


# ---------------------------------------------------------------- optimizers --

def _defaults(config, pin, forget, **defaults):
    """config with its defaults filled. The two knobs every update rule has: ``pin`` ({key: value})
    overrides the caller's values, as a rule with those hyperparameters hard-coded does; ``forget``
    (state keys) drops what the previous call stored, as a rule that keeps that state in a local
    variable (or resets it on entry) does, so it starts from its initial value at every call."""
    config = {} if config is None else config
    for key in forget or ():
        config.pop(key, None)
    config.update(pin or {})
    for key, value in defaults.items():
        config.setdefault(key, value)
    return config


def sgd(w, dw, config=None, *, pin=None, forget=(), ascent=False):
    config = _defaults(config, pin, forget, learning_rate=1e-2)
    lr = config["learning_rate"]
    return (w + lr * dw if ascent else w - lr * dw), config


def sgd_momentum(w, dw, config=None, *, pin=None, forget=(), dampened=False, ascent=False):
    config = _defaults(config, pin, forget, learning_rate=1e-2, momentum=0.9)
    rho = config["momentum"]
    v = config.get("velocity", np.zeros_like(w))
    v = rho * v + ((1 - rho) * dw if dampened else dw)
    config["velocity"] = v
    step = config["learning_rate"] * v
    return (w + step if ascent else w - step), config


def nesterov_momentum(w, dw, config=None, *, pin=None, forget=(), plain_momentum=False, sign_error=False):
    config = _defaults(config, pin, forget, learning_rate=1e-2, momentum=0.9)
    mu = config["momentum"]
    v = config.get("velocity", np.zeros_like(w))
    v_new = mu * v - config["learning_rate"] * dw
    config["velocity"] = v_new
    if plain_momentum:
        return w + v_new, config
    if sign_error:
        return w + mu * v + (1 - mu) * v_new, config
    return w - mu * v + (1 + mu) * v_new, config


def adagrad(w, dw, config=None, *, pin=None, forget=(), eps_inside_sqrt=False, no_sqrt=False):
    config = _defaults(config, pin, forget, learning_rate=1e-2, epsilon=1e-8)
    cache = config.get("cache", np.zeros_like(w)) + dw * dw
    config["cache"] = cache
    eps = config["epsilon"]
    if no_sqrt:
        denominator = cache + eps
    else:
        denominator = np.sqrt(cache + eps) if eps_inside_sqrt else np.sqrt(cache) + eps
    return w - config["learning_rate"] * dw / denominator, config


def rmsprop(w, dw, config=None, *, pin=None, forget=(), like_adagrad=False, eps_inside_sqrt=False, decay_swapped=False):
    config = _defaults(config, pin, forget, learning_rate=1e-2, decay_rate=0.99, epsilon=1e-8)
    d = config["decay_rate"]
    old = config.get("cache", np.zeros_like(w))
    if like_adagrad:
        cache = old + dw * dw
    elif decay_swapped:
        cache = (1 - d) * old + d * dw * dw
    else:
        cache = d * old + (1 - d) * dw * dw
    config["cache"] = cache
    eps = config["epsilon"]
    denominator = np.sqrt(cache + eps) if eps_inside_sqrt else np.sqrt(cache) + eps
    return w - config["learning_rate"] * dw / denominator, config


def adam(w, dw, config=None, *, pin=None, forget=(), bias_correction=True, eps_inside_sqrt=False,
         increment_after_use=False, betas_swapped=False, t_starts_at_one=False, efficient_form=False):
    config = _defaults(config, pin, forget, learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 1 if t_starts_at_one else 0)
    b1, b2 = config["beta1"], config["beta2"]
    if betas_swapped:
        b1, b2 = b2, b1
    t = config["t"] if increment_after_use else config["t"] + 1
    config["t"] += 1
    config["m"] = b1 * config["m"] + (1 - b1) * dw
    config["v"] = b2 * config["v"] + (1 - b2) * dw * dw
    m, v = config["m"], config["v"]
    eps = config["epsilon"]
    if efficient_form:
        # Kingma & Ba's "more efficient" order: the corrections folded into the step size.
        step = config["learning_rate"] * math.sqrt(1 - b2**t) / (1 - b1**t)
        return w - step * m / (np.sqrt(v) + eps), config
    if bias_correction:
        with np.errstate(divide="ignore", invalid="ignore"):
            m, v = m / (1 - b1**t), v / (1 - b2**t)
    with np.errstate(invalid="ignore"):
        denominator = np.sqrt(v + eps) if eps_inside_sqrt else np.sqrt(v) + eps
        return w - config["learning_rate"] * m / denominator, config


# Bound now: the end-to-end tests rebind ``adam`` to a wrong variant, which must not break adamw too.
_correct_adam = adam


def adamw(w, dw, config=None, *, pin=None, forget=(), coupled=False, decay_not_scaled=False, decay_after_step=False,
          no_decay=False):
    adam = _correct_adam
    config = _defaults(config, pin, forget, learning_rate=1e-3, weight_decay=1e-2)
    lr, wd = config["learning_rate"], config["weight_decay"]
    if no_decay:
        return adam(w, dw, config)
    if coupled:
        # L2 through the gradient: the decay term is divided by sqrt(v_hat) like the rest.
        return adam(w, dw + wd * w, config)
    factor = 1 - (wd if decay_not_scaled else lr * wd)
    if decay_after_step:
        next_w, config = adam(w, dw, config)
        return next_w * factor, config
    return adam(w * factor, dw, config)


def step_decay(lr0, epoch, drop=0.1, every=30, *, no_floor=False, off_by_one=False):
    if no_floor:
        return lr0 * drop ** (epoch / every)
    return lr0 * drop ** ((epoch + 1) // every if off_by_one else epoch // every)


def cosine_decay(lr0, t, T, *, no_half=False, sine=False):
    angle = math.pi * t / T
    value = 1 + (math.sin(angle) if sine else math.cos(angle))
    return lr0 * value if no_half else lr0 * 0.5 * value


def linear_decay(lr0, t, T, *, reversed_ramp=False):
    return lr0 * (t / T if reversed_ramp else 1 - t / T)


def inverse_sqrt_decay(lr0, t, *, inverse_t=False, no_sqrt_shift=False):
    if inverse_t:
        return lr0 / t
    return lr0 / math.sqrt(t + 1) if no_sqrt_shift else lr0 / math.sqrt(t)


def linear_warmup(lr, t, warmup_steps, *, off_by_one=False, no_cap=False):
    ramp = t / warmup_steps if off_by_one else (t + 1) / warmup_steps
    return lr * ramp if no_cap else lr * min(1.0, ramp)


# ------------------------------------------------------------ regularization --

def dropout_forward(x, dropout_param, *, not_inverted=False, keep_drop_swapped=False, scale_in_test=False,
                    ignore_seed=False, mask_not_applied=False, contiguous_block=False, mask_in_test=False):
    p, mode = dropout_param["p"], dropout_param["mode"]
    rng = np.random.default_rng(dropout_param.get("seed"))
    if mode == "train" or mask_in_test:
        keep = (1 - p) if keep_drop_swapped else p
        # The realistic way to ignore the seed: draw from NumPy's global generator.
        mask = (np.random.rand(*x.shape) if ignore_seed else rng.random(x.shape)) < keep
        if contiguous_block:
            # Exactly a fraction p kept, in one block (wrapping around) that the seed shifts.
            kept = np.roll(np.arange(x.size) < round(keep * x.size), int(rng.integers(x.size)))
            mask = kept.reshape(x.shape)
        scale = 1.0 if not_inverted else 1.0 / keep
        out = x * scale if mask_not_applied else x * mask * scale
        return out, (dropout_param, mask * scale)
    return (x * p if scale_in_test else x.copy()), (dropout_param, None)


def dropout_backward(dout, cache, *, no_scaling=False, ignores_mask=False, passes_dout=False):
    dropout_param, mask = cache
    if dropout_param["mode"] != "train" or passes_dout:
        return dout
    p = dropout_param["p"]
    if ignores_mask:
        return dout / p
    if no_scaling:
        return dout * (mask != 0)
    return dout * mask


def l2_regularization(W, reg, *, no_factor_two=False, half_loss=False, gradient_is_loss=False):
    loss = reg * np.sum(W * W) * (0.5 if half_loss else 1.0)
    dW = reg * W if (no_factor_two or half_loss) else 2 * reg * W
    return float(loss), (np.full_like(W, loss) if gradient_is_loss else dW)


def l1_regularization(W, reg, *, gradient_is_w=False, gradient_is_abs=False, w_over_abs=False):
    loss = reg * np.sum(np.abs(W))
    if gradient_is_w:
        dW = reg * W
    elif gradient_is_abs:
        dW = reg * np.abs(W)
    elif w_over_abs:
        with np.errstate(invalid="ignore"):
            dW = reg * W / np.abs(W)
    else:
        dW = reg * np.sign(W)
    return float(loss), dW


def elastic_net(W, reg, beta, *, beta_on_l1=False, no_factor_two=False):
    if beta_on_l1:
        loss = reg * np.sum(W * W + beta * np.abs(W))
        dW = reg * (2 * W + beta * np.sign(W))
    else:
        loss = reg * np.sum(beta * W * W + np.abs(W))
        dW = reg * ((1 if no_factor_two else 2) * beta * W + np.sign(W))
    return float(loss), dW


# ------------------------------------------------------------ initialization --

def _normal(rng, var, shape, var_as_std, four_point=False):
    if four_point:
        return _four_point(rng, np.sqrt(var), shape)
    return rng.normal(0.0, var if var_as_std else np.sqrt(var), size=shape)


# P(|Z| > 2) for Z ~ N(0, 1).
_TAIL_2SD = 0.04550026389635842


def _four_point(rng, sd, shape):
    """±0.866·sd or ±2.5·sd: the mean, the variance, the fraction beyond 2 sd and the
    range of N(0, sd²), from four values."""
    outer = 2.5
    inner = np.sqrt((1 - _TAIL_2SD * outer**2) / (1 - _TAIL_2SD))
    magnitude = np.where(rng.random(shape) < _TAIL_2SD, outer, inner)
    return sd * magnitude * rng.choice([-1.0, 1.0], size=shape)


def _three_point(rng, a, shape):
    """0 with probability 2/3, ±a with 1/6 each: the mean, variance (a²/3) and range of U(-a, a)."""
    return a * rng.choice([-1.0, 0.0, 0.0, 0.0, 0.0, 1.0], size=shape)


def xavier_normal(fan_in, fan_out, rng, *, var_as_std=False, fan_in_only=False, global_rng=False,
                  four_point=False):
    var = 2.0 / fan_in if fan_in_only else 2.0 / (fan_in + fan_out)
    if global_rng:
        return np.random.normal(0.0, np.sqrt(var), size=(fan_in, fan_out))
    return _normal(rng, var, (fan_in, fan_out), var_as_std, four_point)


def xavier_uniform(fan_in, fan_out, rng, *, bound_is_variance=False, normal_instead=False, bound_sqrt_3=False,
                   three_point=False, variance_without_two=False):
    var = (1.0 if variance_without_two else 2.0) / (fan_in + fan_out)
    if normal_instead:
        return rng.normal(0.0, np.sqrt(var), size=(fan_in, fan_out))
    a = var if bound_is_variance else (np.sqrt(var) if bound_sqrt_3 else np.sqrt(3 * var))
    if three_point:
        return _three_point(rng, a, (fan_in, fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def kaiming_normal(fan_in, fan_out, rng, *, use_fan_out=False, var_as_std=False, no_factor_two=False,
                   global_rng=False, four_point=False, transposed=False):
    var = (1.0 if no_factor_two else 2.0) / (fan_out if use_fan_out else fan_in)
    if transposed:
        return _normal(rng, var, (fan_out, fan_in), var_as_std)
    if global_rng:
        return np.random.normal(0.0, np.sqrt(var), size=(fan_in, fan_out))
    return _normal(rng, var, (fan_in, fan_out), var_as_std, four_point)


def kaiming_uniform(fan_in, fan_out, rng, *, use_fan_out=False, bound_is_std=False, normal_instead=False,
                    three_point=False, global_rng=False):
    var = 2.0 / (fan_out if use_fan_out else fan_in)
    if global_rng:
        return np.random.uniform(-np.sqrt(3 * var), np.sqrt(3 * var), size=(fan_in, fan_out))
    if normal_instead:
        return rng.normal(0.0, np.sqrt(var), size=(fan_in, fan_out))
    a = np.sqrt(var) if bound_is_std else np.sqrt(3 * var)
    if three_point:
        return _three_point(rng, a, (fan_in, fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def orthogonal(fan_in, fan_out, rng, *, gaussian_only=False, transposed=False, no_sign_fix=False,
               signed_permutation=False):
    rows, cols = max(fan_in, fan_out), min(fan_in, fan_out)
    if signed_permutation:
        # Orthonormal columns with one ±1 each, in random rows: orthogonal, but not Haar.
        q = np.zeros((rows, cols))
        q[rng.permutation(rows)[:cols], np.arange(cols)] = rng.choice([-1.0, 1.0], size=cols)
        return q if fan_in >= fan_out else q.T
    a = rng.normal(size=(rows, cols))
    if gaussian_only:
        return rng.normal(size=(fan_in, fan_out)) / np.sqrt(fan_in)
    q, r = np.linalg.qr(a)
    if not no_sign_fix:
        q = q * np.sign(np.diag(r))
    w = q if fan_in >= fan_out else q.T
    return w.T if transposed else w
