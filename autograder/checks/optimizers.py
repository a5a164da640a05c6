"""Graded checks for the ``optimizers`` assignment.

Update rules are graded on the sequence of weights they produce over many
steps of a noisy quadratic (see ``probes.optimizer_trajectory``), never on
their internal state, so any formulation that yields the same iterates passes.
"""

from __future__ import annotations

import numpy as np

from autograder.checks.framework import Case, Output, Tolerance, matches_reference, split_points
from autograder.references import optimizers as reference
from autograder.references.optimizers import UPDATE_RULES
SCHEDULES = ("step_decay", "cosine_decay", "linear_decay", "inverse_sqrt_decay", "linear_warmup")
FUNCTIONS = UPDATE_RULES + SCHEDULES
POINTS = {name: 10.0 for name in UPDATE_RULES} | {name: 4.0 for name in SCHEDULES}

FLOAT64 = Tolerance(rtol=1e-6, atol=1e-12)
# float32 input may be updated in float32: about 7 digits per step, compounding over the run.
FLOAT32 = Tolerance(rtol=2e-3, atol=1e-6)

# Three configs per rule, one per kind of case (large weights and float32, tiny gradients,
# non-contiguous arrays). Each hyperparameter takes three values unlike its default and
# unlike each other, each in a case where it changes the weights beyond the tolerance
# (epsilon is 0.3 against |dw| ~ 10, 1e-6 against |dw| ~ 1e-6, 1e-3 against |dw| ~ 1), so
# a rule that hard-codes any one constant fails at least two cases, and the mistakes
# "ignores config[key]" (mistakes/catalogue.py) name it. No product of two values equals a
# default either: lr * (1 - momentum) = 0.01 would make the dampened velocity look like
# the default learning rate.
_LARGE = {"learning_rate": 0.04, "momentum": 0.8, "decay_rate": 0.9, "beta1": 0.8, "beta2": 0.99, "epsilon": 0.3,
          "weight_decay": 0.1}
_TINY = {"learning_rate": 0.003, "momentum": 0.5, "decay_rate": 0.5, "beta1": 0.5, "beta2": 0.9, "epsilon": 1e-6,
         "weight_decay": 0.5}
_STRIDED = {"learning_rate": 0.02, "momentum": 0.7, "decay_rate": 0.8, "beta1": 0.7, "beta2": 0.95, "epsilon": 1e-3,
            "weight_decay": 0.05}
_KEYS = {"sgd": ("learning_rate",), "sgd_momentum": ("learning_rate", "momentum"),
         "nesterov_momentum": ("learning_rate", "momentum"), "adagrad": ("learning_rate", "epsilon"),
         "rmsprop": ("learning_rate", "decay_rate", "epsilon"),
         "adam": ("learning_rate", "beta1", "beta2", "epsilon"),
         "adamw": ("learning_rate", "beta1", "beta2", "epsilon", "weight_decay")}
CONFIGS = {fn: tuple({k: values[k] for k in keys} for values in (_LARGE, _TINY, _STRIDED))
           for fn, keys in _KEYS.items()}


def _trajectory_case(function, name, rng, shape, steps, config, *, weight_scale=1.0, grad_scale=1.0,
                     dtype=np.float64, tol=FLOAT64):
    w0 = (rng.standard_normal(shape) * weight_scale).astype(dtype)
    curvature = rng.uniform(0.5, 4.0, size=shape)
    noise = rng.standard_normal((steps,) + tuple(shape)) * grad_scale
    inputs = {"function": function, "w0": w0, "curvature": curvature * grad_scale / max(weight_scale, 1e-12),
              "noise": noise, "config": config}
    setting = (f"{steps} steps from w of shape {tuple(shape)} ({np.dtype(dtype).name}, |w| ~ {weight_scale:g}, "
               f"|dw| ~ {grad_scale:g}), config={_show(config)}")
    return Case(name=f"{function}: {name}", function=function, probe="optimizer_trajectory", inputs=inputs,
                judge=matches_reference(reference, [Output("weights", "the sequence of weights (one row per step)",
                                                           minus_input="w0")], tol),
                setting=f"`{function}`, {setting}")


def _show(config):
    if config is None:
        return "None (defaults)"
    return "{" + ", ".join(f"{k}: {v:g}" for k, v in config.items()) + "}"


def _schedule_case(function, name, kwargs, step_argument, steps, tol=FLOAT64):
    inputs = {"function": function, "kwargs": kwargs, "step_argument": step_argument, "steps": list(steps)}
    shown = ", ".join(f"{k}={v:g}" for k, v in kwargs.items())
    return Case(name=f"{function}: {name}", function=function, probe="schedule_values", inputs=inputs,
                judge=matches_reference(reference, [Output("values", f"the learning rates at {step_argument} = "
                                                              f"{steps[0]}..{steps[-1]}")], tol),
                setting=f"`{function}({shown}, {step_argument}=...)` for {step_argument} in {steps[0]}..{steps[-1]}")


def build_cases() -> list[Case]:
    rng = np.random.default_rng(20261122)
    cases = []
    for fn in UPDATE_RULES:
        cases += [
            _trajectory_case(fn, "defaults", rng, (5,), 30, None),
            _trajectory_case(fn, "custom config, large weights", rng, (3, 4), 50, CONFIGS[fn][0],
                             weight_scale=100.0, grad_scale=10.0),
            _trajectory_case(fn, "tiny gradients", rng, (4, 3), 25, CONFIGS[fn][1], grad_scale=1e-6),
            _trajectory_case(fn, "float32 input", rng, (6,), 20, CONFIGS[fn][0], dtype=np.float32, tol=FLOAT32),
        ]
        strided = _trajectory_case(fn, "non-contiguous arrays", rng, (4, 5), 20, CONFIGS[fn][2])
        strided.inputs["strided"] = True
        strided.setting += ", passed as non-contiguous views"
        cases.append(strided)
    cases += [
        _schedule_case("step_decay", "defaults", {"lr0": 0.1}, "epoch", range(0, 121)),
        _schedule_case("step_decay", "drop 0.5 every 7", {"lr0": 3e-3, "drop": 0.5, "every": 7}, "epoch", range(0, 50)),
        _schedule_case("cosine_decay", "T = 100", {"lr0": 0.1, "T": 100}, "t", range(0, 101)),
        _schedule_case("cosine_decay", "T = 7", {"lr0": 2.5, "T": 7}, "t", range(0, 8)),
        _schedule_case("linear_decay", "T = 50", {"lr0": 0.1, "T": 50}, "t", range(0, 51)),
        _schedule_case("linear_decay", "T = 3", {"lr0": 1e-3, "T": 3}, "t", range(0, 4)),
        _schedule_case("inverse_sqrt_decay", "t = 1..200", {"lr0": 0.1}, "t", range(1, 201)),
        _schedule_case("inverse_sqrt_decay", "lr0 = 5", {"lr0": 5.0}, "t", range(1, 20)),
        _schedule_case("linear_warmup", "10 warm-up steps", {"lr": 0.1, "warmup_steps": 10}, "t", range(0, 30)),
        _schedule_case("linear_warmup", "1 warm-up step", {"lr": 2e-4, "warmup_steps": 1}, "t", range(0, 5)),
    ]
    return split_points(cases, POINTS)
