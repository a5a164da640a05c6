"""Probes: the fixed procedures that exercise one graded function.

A probe takes ``get`` (name -> callable) and a dict of plain inputs, calls the
function the way a test needs, and returns a dict of raw outputs. The same
probe runs twice: inside the sandbox on the student's function, and in the
grader on the reference (or on a known-wrong variant, to name a mistake). So a
probe must be deterministic given its inputs and must copy every array it hands
to the function, because student code may modify its arguments in place.

Probes live in the sandbox package because the child needs them; they must not
import anything that knows the right answers.
"""

from __future__ import annotations

import random

import numpy as np

from . import oracle


class ProbeError(Exception):
    """The function broke the calling convention (wrong return type, ...)."""


def _copy(a):
    return np.array(a, copy=True)


class _Watched:
    """The arrays handed to the graded function, each with a copy taken before the call.

    The probe returns both (``outputs()["untouched"]``); the judge compares them, so an
    input changed in place is judged in the grader from outputs, never decided here.
    """

    def __init__(self):
        self.given: dict[str, list] = {}
        self.handed: dict[str, list] = {}

    def hand(self, name: str, array):
        self.given.setdefault(name, []).append(np.array(array, copy=True))
        self.handed.setdefault(name, []).append(array)
        return array

    def outputs(self) -> dict:
        return {"untouched": {"given": {k: np.stack(v) for k, v in self.given.items()},
                              "after": {k: np.stack([np.asarray(a) for a in self.handed[k]])
                                        for k in self.handed}}}


def _unpack_pair(result, function: str, first: str, second: str):
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        kind = type(result).__name__
        extra = f" of length {len(result)}" if isinstance(result, (tuple, list)) else ""
        raise ProbeError(f"{function} returned a {kind}{extra}; expected a pair ({first}, {second})")
    return result[0], result[1]


# ------------------------------------------------------------ generic call --

def call(get, inputs):
    """Call ``inputs['function'](*args, **kwargs)`` once; also report the args afterwards."""
    fn = get(inputs["function"])
    watched = _Watched()
    names = inputs.get("arg_names", [])
    args = [watched.hand(names[i] if i < len(names) else f"argument {i + 1}", _copy(a)) if isinstance(a, np.ndarray)
            else a for i, a in enumerate(inputs.get("args", []))]
    kwargs = {k: (watched.hand(k, _copy(v)) if isinstance(v, np.ndarray) else v)
              for k, v in inputs.get("kwargs", {}).items()}
    result = _copy_if_array(fn(*args, **kwargs))
    return {"return": result, "args_after": [_copy(a) for a in args if isinstance(a, np.ndarray)],
            **watched.outputs()}


# -------------------------------------------------------------- optimizers --

def optimizer_trajectory(get, inputs):
    """Run an update rule for T steps on a noisy diagonal quadratic.

    The gradient at step t is ``curvature * w_t + noise[t]``, evaluated at the
    function's own iterate, so the returned sequence of weights is what a
    training loop would see. Internal state is only what the function keeps
    in ``config``; the two momentum formulations therefore give the same
    weights.
    """
    fn = get(inputs["function"])
    w = _copy(inputs["w0"])
    curvature, noise = inputs["curvature"], inputs["noise"]
    config = dict(inputs["config"]) if inputs.get("config") is not None else None
    weights = []
    # The update rules may change w in place and return it (as torch.optim does); dw must stay as given.
    watched = _Watched()
    for t in range(noise.shape[0]):
        dw = (curvature * w + noise[t]).astype(w.dtype, copy=False)
        if inputs.get("strided"):
            result = fn(_strided_copy(w), watched.hand("dw", _strided_copy(dw)), config)
        else:
            result = fn(_copy(w), watched.hand("dw", _copy(dw)), config)
        next_w, config = _unpack_pair(result, inputs["function"], "next_w", "config")
        if not isinstance(next_w, np.ndarray):
            raise ProbeError(f"{inputs['function']} returned next_w of type {type(next_w).__name__} "
                             f"at step {t}; expected a numpy array")
        if next_w.shape != w.shape:
            raise ProbeError(f"{inputs['function']} returned next_w of shape {next_w.shape} "
                             f"at step {t}; expected {w.shape}")
        w = _copy(next_w)
        weights.append(_copy(w))
    return {"weights": np.stack(weights), **watched.outputs()}


def _strided_copy(a):
    """A copy of ``a`` that is a non-contiguous view into a larger buffer."""
    # Every other element of rows padded by 3: the rows are not evenly spaced, so
    # even reshape(-1) of a multi-dimensional view has to copy.
    buffer = np.zeros(a.shape[:-1] + (2 * a.shape[-1] + 3,), dtype=a.dtype)
    view = buffer[..., 1:2 * a.shape[-1] + 1:2]
    view[...] = a
    return view


def schedule_values(get, inputs):
    """Evaluate a learning-rate schedule at every step in ``inputs['steps']``."""
    fn = get(inputs["function"])
    values = []
    for t in inputs["steps"]:
        kwargs = dict(inputs.get("kwargs", {}))
        kwargs[inputs["step_argument"]] = int(t)
        v = fn(**kwargs)
        if isinstance(v, np.ndarray) and v.size == 1:
            v = v.reshape(())[()]
        if not isinstance(v, (int, float, np.integer, np.floating)) or isinstance(v, bool):
            raise ProbeError(f"{inputs['function']} returned {type(v).__name__} at step {t}; expected a number")
        values.append(float(v))
    return {"values": np.array(values, dtype=np.float64)}


# ---------------------------------------------------------- gradient check --
# The f handed to the graded function is an ``oracle.Evaluator``: in the sandbox it asks the
# grader for every value, and the grader keeps the record of the points (``evaluations``).

def _with_h(args, inputs):
    """The call's arguments with h: positional, by keyword or left to the default."""
    if "h" not in inputs:
        return args, {}
    if inputs.get("h_positional"):
        return args + (float(inputs["h"]),), {}
    return args, {"h": float(inputs["h"])}


def numerical_gradient(get, inputs):
    """Call eval_numerical_gradient(f, x[, h]) on a smooth function of known gradient."""
    fn = get("eval_numerical_gradient")
    x = _strided_copy(inputs["x"]) if inputs.get("strided") else _copy(inputs["x"])
    answer, log = oracle.handed(get, inputs["f"])
    args, kwargs = _with_h((oracle.Evaluator(inputs["f"], answer), x), inputs)
    try:
        grad = fn(*args, **kwargs)
    except oracle.Refused:
        return {"evaluations": log.outputs()}
    return {"grad": grad, "x_after": x, "evaluations": log.outputs()}


def numerical_gradient_array(get, inputs):
    """Call eval_numerical_gradient_array(f, x, df[, h]) on an array-valued f."""
    fn = get("eval_numerical_gradient_array")
    watched = _Watched()
    x, df = _copy(inputs["x"]), watched.hand("df", _copy(inputs["df"]))
    answer, log = oracle.handed(get, inputs["f"])
    args, kwargs = _with_h((oracle.Evaluator(inputs["f"], answer), x, df), inputs)
    try:
        grad = _copy_if_array(fn(*args, **kwargs))
    except oracle.Refused:
        return {"evaluations": log.outputs(), **watched.outputs()}
    return {"grad": grad, "x_after": x, "evaluations": log.outputs(), **watched.outputs()}


def sparse_gradient_check(get, inputs):
    """Call grad_check_sparse three times: twice with one seed, once with another."""
    fn = get("grad_check_sparse")
    outputs = {}
    x = _copy(inputs["x"])
    watched = _Watched()
    answer, log = oracle.handed(get, inputs["f"])
    try:
        for call, (label, seed) in enumerate((("first", inputs["seed"]), ("again", inputs["seed"]),
                                              ("other_seed", inputs["other_seed"]))):
            outputs[label] = fn(oracle.Evaluator(inputs["f"], answer, call), x,
                                watched.hand("analytic_grad", _copy(inputs["analytic_grad"])),
                                num_checks=int(inputs["num_checks"]), h=float(inputs["h"]), seed=int(seed))
    except oracle.Refused:
        return {"evaluations": log.outputs()}
    outputs["x_after"] = x
    outputs["evaluations"] = log.outputs()
    return outputs | watched.outputs()


# ----------------------------------------------------------- regularization --

# The global generators' seeds before a case's first part and in its replica run: different, so
# code that draws from them (instead of from its seed or rng) gives other values in the two runs,
# even when it seeds them itself at import; the replica's is the same before each of its calls,
# so a draw decided by the global state alone repeats there whatever the seed. These are the
# defaults (the self-check's); the grader sends each run seeds of its own, drawn per submission,
# under GLOBAL_SEED_INPUT, so a replica run cannot recreate the first part's global state.
FIRST_PART_GLOBAL_SEED = 1
REPLICA_GLOBAL_SEED = 2
GLOBAL_SEED_INPUT = "global_seed"


def _reseed_globals(inputs: dict, default: int) -> None:
    seed = int(inputs.get(GLOBAL_SEED_INPUT, default))
    np.random.seed(seed)
    random.seed(seed)


def dropout_behaviour(get, inputs):
    """Forward in train mode with inputs['seed'], in test mode, then backward. (Whether the seed alone
    decides the mask is judged across sandboxes: ``dropout_replica``.)"""
    forward = get("dropout_forward")
    x, p = inputs["x"], float(inputs["p"])
    watched = _Watched()

    def fwd(mode, seed=None):
        param = {"p": p, "mode": mode}
        if seed is not None:
            param["seed"] = int(seed)
        result = forward(watched.hand("x", _copy(x)), param)
        return _unpack_pair(result, "dropout_forward", "out", "cache")

    _reseed_globals(inputs, FIRST_PART_GLOBAL_SEED)
    out, cache = fwd("train", inputs["seed"])
    test_out, test_cache = fwd("test")
    outputs = {"train": out, "test": test_out, "x_after": x}
    if inputs.get("with_backward"):
        backward = get("dropout_backward")
        outputs["dx"] = _copy_if_array(backward(watched.hand("dout", _copy(inputs["dout"])), cache))
        outputs["dx_test"] = _copy_if_array(backward(watched.hand("dout", _copy(inputs["dout"])), test_cache))
    return outputs | watched.outputs()


def _copy_if_array(value):
    # A returned array may be the very input array, which the watch reads again afterwards.
    return _copy(value) if isinstance(value, np.ndarray) else value


def dropout_replica(get, inputs):
    """The second part of the seed case, run in a sandbox of its own: forward in train mode with
    inputs['other_seed'] first, then with inputs['seed'], the global generators reseeded before each."""
    forward = get("dropout_forward")
    outputs = {}
    for label, seed in (("train_other_seed", inputs["other_seed"]), ("train_same_seed", inputs["seed"])):
        _reseed_globals(inputs, REPLICA_GLOBAL_SEED)
        param = {"p": float(inputs["p"]), "mode": "train", "seed": int(seed)}
        outputs[label], _ = _unpack_pair(forward(_copy(inputs["x"]), param), "dropout_forward", "out", "cache")
    return outputs


def dropout_seeds(get, inputs):
    """Forward in train mode once per seed, seeds inputs['seed'] + 0, 1, ..., draws - 1."""
    forward = get("dropout_forward")
    x, p = inputs["x"], float(inputs["p"])
    outs = []
    for j in range(int(inputs["draws"])):
        param = {"p": p, "mode": "train", "seed": int(inputs["seed"]) + j}
        out, _ = _unpack_pair(forward(_copy(x), param), "dropout_forward", "out", "cache")
        outs.append(np.asarray(out))
    shapes = {o.shape for o in outs}
    if len(shapes) != 1:
        raise ProbeError(f"dropout_forward returned outputs of different shapes {sorted(shapes)} for the same x")
    return {"train_seeds": np.stack(outs)}


def dropout_perturbed(get, inputs):
    """Values of sum(dropout_forward(x ± h e_i) * dout) for every i, seed fixed, plus backward at x."""
    forward, backward = get("dropout_forward"), get("dropout_backward")
    x, dout, h = inputs["x"], inputs["dout"], float(inputs["h"])
    param = lambda: {"p": float(inputs["p"]), "mode": "train", "seed": int(inputs["seed"])}

    def value(z):
        # Reseed the global generators too, so a forward pass that (wrongly) ignores
        # the seed still has one fixed mask here and its backward pass can be checked.
        np.random.seed(0)
        random.seed(0)
        out, _ = _unpack_pair(forward(z, param()), "dropout_forward", "out", "cache")
        return float(np.sum(np.asarray(out, dtype=np.float64) * dout))

    plus, minus = _perturbed_values(value, x, h)
    np.random.seed(0)
    random.seed(0)
    watched = _Watched()
    out, cache = _unpack_pair(forward(_copy(x), param()), "dropout_forward", "out", "cache")
    dx = _copy_if_array(backward(watched.hand("dout", _copy(dout)), cache))
    return {"plus": plus, "minus": minus, "dx": dx, **watched.outputs()}


def penalty_and_gradient(get, inputs):
    """Call a penalty (W, reg[, beta]) -> (loss, dW) at W and at W ± h e_i."""
    fn = get(inputs["function"])
    extra = list(inputs.get("extra_args", []))
    W, h = inputs["W"], float(inputs["h"])

    def loss_only(z):
        loss, _ = _unpack_pair(fn(z, *extra), inputs["function"], "loss", "dW")
        return loss

    watched = _Watched()
    W_arg = watched.hand("W", _copy(W))
    loss, dW = _unpack_pair(fn(W_arg, *extra), inputs["function"], "loss", "dW")
    dW = _copy_if_array(dW)
    outputs = {"loss": loss, "dW": dW, **watched.outputs()}
    if inputs.get("numerical"):
        plus, minus = _perturbed_values(lambda z: _as_float(loss_only(z), inputs["function"]), W, h)
        outputs.update(plus=plus, minus=minus)
    return outputs


def _as_float(v, function):
    if isinstance(v, np.ndarray) and v.size == 1:
        v = v.reshape(())[()]
    if not isinstance(v, (int, float, np.integer, np.floating)) or isinstance(v, bool):
        raise ProbeError(f"{function} returned a loss of type {type(v).__name__}; expected a number")
    return float(v)


def _perturbed_values(value, x, h):
    """The function at x + h e_i and x - h e_i for every coordinate i (flattened)."""
    plus = np.empty(x.size)
    minus = np.empty(x.size)
    for i in range(x.size):
        # A fresh point for every call: a function that changes its argument in place
        # must not shift the next evaluation.
        z = np.array(x, dtype=np.float64, copy=True)
        z.flat[i] += h
        plus[i] = value(z)
        z = np.array(x, dtype=np.float64, copy=True)
        z.flat[i] -= h
        minus[i] = value(z)
    return plus, minus


# ----------------------------------------------------------- initialization --

def initializer_samples(get, inputs):
    """Draw W once from an rng seeded with inputs['seed'], the global RNGs seeded first. (Whether
    the rng alone decides W is judged across sandboxes: ``initializer_replica``.)"""
    fn = get(inputs["function"])
    _reseed_globals(inputs, FIRST_PART_GLOBAL_SEED)
    return {"first": fn(int(inputs["fan_in"]), int(inputs["fan_out"]), np.random.default_rng(int(inputs["seed"])))}


def initializer_replica(get, inputs):
    """The second part of the determinism case, run in a sandbox of its own: W from an rng seeded
    with inputs['other_seed'] first, then from one seeded with inputs['seed'], the global RNGs
    reseeded before each."""
    fn = get(inputs["function"])
    outputs = {}
    for label, seed in (("other_seed", inputs["other_seed"]), ("same_seed", inputs["seed"])):
        _reseed_globals(inputs, REPLICA_GLOBAL_SEED)
        outputs[label] = fn(int(inputs["fan_in"]), int(inputs["fan_out"]), np.random.default_rng(int(seed)))
    return outputs


PROBES = {
    f.__name__: f
    for f in (call, optimizer_trajectory, schedule_values, numerical_gradient, numerical_gradient_array,
              sparse_gradient_check, dropout_behaviour, dropout_seeds, dropout_perturbed, penalty_and_gradient,
              initializer_samples, dropout_replica, initializer_replica)
}
