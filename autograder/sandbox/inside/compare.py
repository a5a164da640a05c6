"""Judging decoded outputs: the one comparison the grader, the in-kernel hidden
tests and the students' self-check all run.

Nothing here knows a right answer. A judge in ``autograder/checks`` *describes*
a case as an entry (plain data: the expected arrays or the statistics to check
and their bounds, and the outputs or statistics of each catalogued wrong
variant), and ``judge(entry, received, inputs)`` decides. The grader builds the
entry live from the references; the self-check reads the same entry from
``selfcheck_data.npz``, written at release by the same judge objects. Both run
this module, so they cannot disagree.

``received`` is always what ``observe`` returns: the probe's outputs passed
through the wire encoding and decoded into ``wire.Received`` values, exactly as
the grader decodes a sandboxed child's message.

Entry formats (arrays are float64 ndarrays):

* ``{"kind": "match", "outputs": [{"key", "what", "scalar", "minus_input"}], "rtol", "atol",
  "expected": {key: array}, "variants": [{"id", "mistake", "outputs": {key: array}}]}``
* ``{"kind": "stats", "family": name in FAMILIES, "params": {...}, "stats": [{"id", "label",
  "lo", "hi", "expect", "fail"?}], "error_stat": id or None,
  "variants": [{"id", "mistake", "intervals": {stat id: [lo, hi]}}]}``; or, with
  ``"name_by": {"outputs": [...], "rtol", "atol"}``, variants that carry their "outputs".
"""

from __future__ import annotations

import math

import numpy as np

from . import probes, wire

# Before any arithmetic on a received array its shape is compared with the expected
# one, so an (N, 1) against a (1, N) output never broadcasts to N² entries; and no
# array larger than this is judged at all.
MAX_JUDGED_ELEMENTS = 20_000_000
# A returned error "is" the error at some coordinate when it agrees to this relative tolerance.
MEMBERSHIP_RTOL = 1e-3


class Unjudgeable(Exception):
    """The output has a shape or type that cannot be judged; the message says why."""


# ------------------------------------------------------------ running a probe --

def encode_outputs(raw) -> tuple[dict, list]:
    """The wire tree and array payloads of a probe's raw outputs (what the child sends)."""
    arrays: list = []
    return wire.encode_value(raw, arrays), arrays


def decode_outputs(tree, arrays) -> dict:
    """Decoded outputs as the grader sees them: {key: wire.Received}."""
    decoded = wire.decode_value(tree, arrays).value
    if not isinstance(decoded, dict):
        raise wire.WireError("a probe's outputs must be a dict")
    return decoded


def observe(probe: str, get, inputs: dict) -> dict:
    """Run ``probe`` with functions from ``get`` and decode its outputs through the
    wire format (bytes and back), as a sandboxed child's outputs are decoded."""
    raw = probes.PROBES[probe](get, inputs)
    tree, arrays = encode_outputs(raw)
    data = wire.pack({"outputs": tree}, arrays)
    position = [0]

    def read_exact(n):
        chunk = data[position[0]:position[0] + n]
        if len(chunk) < n:
            raise EOFError
        position[0] += n
        return chunk

    header, decoded_arrays = wire.read_message(read_exact)
    return decode_outputs(header["outputs"], decoded_arrays)


# ---------------------------------------------------------- values as arrays --

def as_array(item, what: str, *, allow_scalar: bool = False) -> tuple[np.ndarray | None, str]:
    """A received value as a float64 array, or (None, why it is not one)."""
    if item is None:
        return None, f"{what} is missing from the output"
    if item.kind == "array":
        value = item.value
        if value.dtype == bool or not np.issubdtype(value.dtype, np.number) or np.iscomplexobj(value):
            return None, f"{what} is an array of dtype {value.dtype}; expected floating-point numbers"
        if value.size > MAX_JUDGED_ELEMENTS:
            return None, f"{what} has {value.size} entries, more than any check expects"
        return value.astype(np.float64), ""
    if allow_scalar and item.kind in ("float", "int"):
        return np.asarray(float(item.value)), ""
    expected = "a number or a numpy array" if allow_scalar else "a numpy array"
    hint = " (wrap it with np.array(...))" if item.kind in ("list", "tuple") else ""
    return None, f"{what} is {item.describe()}; expected {expected}{hint}"


def pick(outputs: dict, key: str):
    """Outputs may be nested: 'weights' or 'return.0' (first item of a returned tuple)."""
    head, _, rest = key.partition(".")
    item = outputs.get(head)
    while rest and item is not None:
        index, _, rest = rest.partition(".")
        if item.kind in ("tuple", "list") and index.isdigit() and int(index) < len(item.value):
            item = item.value[int(index)]
        else:
            return None
    return item


def require(outputs: dict, key: str, what: str, *, shape=None) -> np.ndarray:
    """The output ``key`` as a float64 array of ``shape`` (if given), or Unjudgeable."""
    value, problem = as_array(pick(outputs, key), what)
    if problem:
        raise Unjudgeable(problem)
    if shape is not None and value.shape != tuple(shape):
        raise Unjudgeable(f"{what} has shape {value.shape}; expected {tuple(shape)}")
    return value


# ------------------------------------------------------------------ comparing --

def relative_errors(received: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """The course's relative error, |r - e| / max(1e-8, |r| + |e|), elementwise; shapes must be equal."""
    if received.shape != expected.shape:
        raise ValueError(f"shapes {received.shape} and {expected.shape} differ")
    r = received.astype(np.float64)
    e = expected.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        errors = np.abs(r - e) / np.maximum(1e-8, np.abs(r) + np.abs(e))
    both_nan = np.isnan(r) & np.isnan(e)
    return np.where(both_nan, 0.0, np.where(np.isnan(errors), np.inf, errors))


def max_relative_error(received: np.ndarray, expected: np.ndarray) -> float:
    """inf when the shapes differ; 0 for two empty arrays."""
    if received.shape != expected.shape:
        return math.inf
    if received.size == 0:
        return 0.0
    return float(np.max(relative_errors(received, expected)))


def _fmt(x) -> str:
    return f"{float(x):.8g}"


def _index(idx) -> str:
    return "(" + ", ".join(str(int(i)) for i in idx) + ")" if len(idx) != 1 else f"[{int(idx[0])}]"


def describe_tolerance(rtol: float, atol: float) -> str:
    return f"|received - expected| <= {atol:g} + {rtol:g}·|expected| elementwise"


def compare_array(received: np.ndarray, expected: np.ndarray, rtol: float, atol: float, what: str) -> str | None:
    """None if ``received`` matches ``expected`` within atol + rtol·|expected| elementwise,
    else a message saying what was received, what was expected, where, and how it was measured.
    Shapes are compared first: no broadcasting. NaN matches only NaN, ±inf only itself."""
    if received.shape != expected.shape:
        return f"{what} has shape {received.shape}; expected shape {expected.shape}"
    r = received.astype(np.float64)
    e = expected.astype(np.float64)
    nan_r, nan_e = np.isnan(r), np.isnan(e)
    if np.any(nan_r & ~nan_e):
        first = tuple(np.argwhere(nan_r & ~nan_e)[0]) if r.ndim else ()
        at = f"first at index {_index(first)}, " if r.ndim else ""
        return (f"{what} contains NaN at {int(np.sum(nan_r & ~nan_e))} of {r.size} entries "
                f"({at}where {_fmt(e[first])} was expected)")
    both_nan = nan_r & nan_e
    with np.errstate(invalid="ignore", over="ignore"):
        bad = ~(np.abs(r - e) <= atol + rtol * np.abs(e)) & ~both_nan
        bad &= ~((r == e) & np.isinf(e))
        # atol + rtol·inf is inf, which would accept anything where inf is expected.
        bad |= np.isinf(e) & (r != e)
    if not np.any(bad):
        return None
    errors = relative_errors(r, e)
    worst = np.unravel_index(int(np.argmax(np.where(bad, errors, -1))), r.shape) if r.ndim else ()
    at = f" at index {_index(worst)}" if r.ndim else ""
    first = ""
    if r.ndim and int(np.sum(bad)) > 1:
        index = tuple(np.argwhere(bad)[0])
        first = f"; the first differing entry is at index {_index(index)} ({_fmt(r[index])} instead of {_fmt(e[index])})"
    return (f"{what} differs from the expected value in {int(np.sum(bad))} of {r.size} entries{first}; "
            f"the largest difference: received {_fmt(r[worst])}, expected {_fmt(e[worst])}{at} "
            f"(relative error {float(errors[worst]):.2e}, measured as |r-e|/max(1e-8, |r|+|e|); "
            f"tolerance {describe_tolerance(rtol, atol)})")


def plain_outputs(received: dict, specs: list[dict]) -> dict | None:
    """{key: float64 array} of the outputs ``specs`` names, or None if one is not numeric."""
    got = {}
    for spec in specs:
        value, problem = as_array(pick(received, spec["key"]), spec["what"], allow_scalar=spec.get("scalar", False))
        if problem:
            return None
        got[spec["key"]] = value
    return got


def first_difference(received: dict, expected: dict, specs: list[dict], rtol: float, atol: float,
                     inputs: dict) -> tuple[str | None, float]:
    """(the first problem or None, the largest relative error seen) of ``received``
    (decoded outputs) against ``expected`` ({key: array}) on the outputs ``specs`` names."""
    worst = 0.0
    for spec in specs:
        r, problem = as_array(pick(received, spec["key"]), spec["what"], allow_scalar=spec.get("scalar", False))
        if problem:
            return problem, math.inf
        e = np.asarray(expected[spec["key"]], dtype=np.float64)
        what = spec["what"]
        if spec.get("minus_input") and r.shape == e.shape:
            # Compare how far the values moved from this input, so a tiny step is not
            # lost against a large weight.
            base = np.asarray(inputs[spec["minus_input"]], dtype=np.float64)
            r, e = r - base, e - base
            what = f"{what}, minus {spec['minus_input']},"
        problem = compare_array(r, e, rtol, atol, what)
        worst = max(worst, max_relative_error(r, e))
        if problem:
            return problem, worst
    return None, worst


# ------------------------------------------------- statistics of random outputs --
# A family turns the decoded outputs of one probe into named numbers. Which of them
# are checked, within which bounds, comes from the entry.

def _equal(a, b) -> float:
    return float(a.shape == b.shape and bool(np.array_equal(a, b)))


def dropout_scaling(outputs, inputs, params):
    x, p = np.asarray(inputs["x"], dtype=np.float64), float(inputs["p"])
    out = require(outputs, "train", "the train-mode output", shape=x.shape)
    kept = out != 0
    if not np.any(kept):
        raise Unjudgeable("every unit was dropped (the output is all zeros)")
    scale = float(np.max(relative_errors(out[kept], x[kept] / p)))
    return {"kept_fraction": float(np.mean(kept)), "scale_error": scale}


def dropout_expectation(outputs, inputs, params):
    x = np.asarray(inputs["x"], dtype=np.float64)
    out = require(outputs, "train", "the train-mode output", shape=x.shape)
    return {"mean_gap": float(np.mean(out - x)), "mean_out": float(np.mean(out))}


def dropout_seed(outputs, inputs, params):
    first = require(outputs, "train", "the output")
    again = require(outputs, "train_same_seed", "the output for the same seed")
    other = require(outputs, "train_other_seed", "the output for another seed")
    return {"same_seed_equal": _equal(first, again), "other_seed_equal": _equal(first, other)}


def dropout_test(outputs, inputs, params):
    x = np.asarray(inputs["x"], dtype=np.float64)
    test = require(outputs, "test", "the test-mode output", shape=x.shape)
    return {"test_error": max_relative_error(test, x)}


def dropout_backward_mask(outputs, inputs, params):
    x, dout, p = np.asarray(inputs["x"], dtype=np.float64), np.asarray(inputs["dout"]), float(inputs["p"])
    out = require(outputs, "train", "the train-mode output of your dropout_forward", shape=x.shape)
    dx = require(outputs, "dx", "dx", shape=dout.shape)
    dx_test = require(outputs, "dx_test", "dx in test mode", shape=dout.shape)
    return {"dx_error": max_relative_error(dx, dout * out / x), "dx_test_error": max_relative_error(dx_test, dout),
            "unscaled_error": max_relative_error(dx, dout * (out != 0)),
            "unmasked_error": max_relative_error(dx, dout / p)}


def dropout_backward_numerical(outputs, inputs, params):
    x, dout, p = np.asarray(inputs["x"]), np.asarray(inputs["dout"]), float(inputs["p"])
    plus = require(outputs, "plus", "the forward values at x + h e_i", shape=(x.size,))
    minus = require(outputs, "minus", "the forward values at x - h e_i", shape=(x.size,))
    dx = require(outputs, "dx", "dx", shape=x.shape)
    numerical = ((plus - minus) / (2 * float(inputs["h"]))).reshape(x.shape)
    return {"dx_error": max_relative_error(dx, numerical),
            "unscaled_error": max_relative_error(dx, dout * (numerical != 0)),
            "unmasked_error": max_relative_error(dx, dout / p)}


def penalty_numerical(outputs, inputs, params):
    W = np.asarray(inputs["W"])
    plus = require(outputs, "plus", "the loss at W + h e_i", shape=(W.size,))
    minus = require(outputs, "minus", "the loss at W - h e_i", shape=(W.size,))
    dW = require(outputs, "dW", "dW", shape=W.shape)
    numerical = ((plus - minus) / (2 * float(inputs["h"]))).reshape(W.shape)
    return {"dW_error": max_relative_error(dW, numerical)}


def init_determinism(outputs, inputs, params):
    shape = (int(inputs["fan_in"]), int(inputs["fan_out"]))
    first = require(outputs, "first", "W")
    again = require(outputs, "same_seed", "W from a second rng with the same seed")
    other = require(outputs, "other_seed", "W from an rng with another seed")
    shape_ok = first.shape == shape
    return {"shape_ok": float(shape_ok), "finite": float(bool(np.all(np.isfinite(first)))),
            "same_seed_equal": _equal(first, again), "other_seed_equal": _equal(first, other)}


def init_distribution(outputs, inputs, params):
    shape = (int(inputs["fan_in"]), int(inputs["fan_out"]))
    W = require(outputs, "first", "W", shape=shape)
    if not np.all(np.isfinite(W)):
        raise Unjudgeable(f"W contains {int(np.sum(~np.isfinite(W)))} NaN or inf entries")
    return {"mean": float(np.mean(W)), "mean_square": float(np.mean(W * W)),
            "tail": float(np.mean(np.abs(W) > params["threshold"])), "max_abs": float(np.max(np.abs(W)))}


def orthonormal(outputs, inputs, params):
    fan_in, fan_out = int(inputs["fan_in"]), int(inputs["fan_out"])
    W = require(outputs, "first", "W")
    if W.shape != (fan_in, fan_out):
        # A transposed W is a catalogued mistake, so say so in numbers rather than stop.
        return {"shape_ok": 0.0, "transposed": float(W.shape == (fan_out, fan_in))}
    gram = W.T @ W if fan_in >= fan_out else W @ W.T
    with np.errstate(all="ignore"):
        deviation = float(np.max(np.abs(gram - np.eye(gram.shape[0]))))
    return {"shape_ok": 1.0, "transposed": 0.0, "deviation": deviation if math.isfinite(deviation) else math.inf,
            "abs_trace": abs(float(np.trace(W))) if fan_in == fan_out else 0.0}


def _members(values: np.ndarray, candidates: np.ndarray) -> float:
    """The fraction of ``values`` equal (to MEMBERSHIP_RTOL) to some candidate."""
    if values.size == 0:
        return 0.0
    hits = [bool(np.any(np.abs(candidates - v) <= MEMBERSHIP_RTOL * np.abs(candidates))) for v in values]
    return float(np.mean(hits))


def sparse(outputs, inputs, params):
    n = int(inputs["num_checks"])
    x = np.asarray(inputs["x"], dtype=np.float64)
    first = require(outputs, "first", "the returned errors")
    again = require(outputs, "again", "the errors of a second call with the same seed")
    other = require(outputs, "other_seed", "the errors with another seed")
    x_after = require(outputs, "x_after", "x after the calls")
    flat = first.reshape(-1) if first.ndim <= 1 and first.size <= 10 * n + 10 else np.zeros(0)
    stats = {"x_unchanged": _equal(x_after, x),
             "length_ok": float(first.ndim <= 1 and first.size == n),
             "same_seed_equal": _equal(first, again),
             "other_seed_differs": float(not (other.size == flat.size
                                              and np.array_equal(np.sort(other.reshape(-1)), np.sort(flat))))}
    for label, candidates in params["candidates"].items():
        stats[f"members_{label}"] = _members(flat, np.asarray(candidates, dtype=np.float64))
    return stats


FAMILIES = {f.__name__: f for f in (
    dropout_scaling, dropout_expectation, dropout_seed, dropout_test, dropout_backward_mask,
    dropout_backward_numerical, penalty_numerical, init_determinism, init_distribution, orthonormal, sparse)}


# -------------------------------------------------------------------- judging --

class Judgement:
    """What ``judge`` decided: passed, a message, the largest error (or None), the
    catalogued mistakes whose output the received one matches (ids and texts, in catalogue order)."""

    __slots__ = ("passed", "message", "error", "mistakes")

    def __init__(self, passed: bool, message: str = "", error: float | None = None, mistakes=()):
        self.passed, self.message, self.error, self.mistakes = passed, message, error, list(mistakes)

    def __repr__(self):
        return f"Judgement(passed={self.passed}, mistakes={[m[0] for m in self.mistakes]}, message={self.message!r})"


def statistics_of(entry: dict, received: dict, inputs: dict) -> dict:
    """The entry family's statistics of ``received``; raises Unjudgeable."""
    with np.errstate(all="ignore"):
        return FAMILIES[entry["family"]](received, inputs, entry.get("params", {}))


def within(value, lo, hi) -> bool:
    return value is not None and lo <= value <= hi


def stats_problems(values: dict, stats: list[dict]) -> list[str]:
    """Why ``values`` miss the entry's bounds: yes/no properties carry their own
    sentence, numbers say what was measured and expected. A statistic that could not
    be computed (absent), or one marked "unless_failed", counts only when no earlier one failed."""
    problems = []
    for spec in stats:
        if problems and spec.get("unless_failed"):
            continue  # a secondary property, said only when the primary ones hold
        value = values.get(spec["id"])
        if value is None:
            if not problems:
                problems.append(f"{spec['label']} could not be measured")
            continue
        if not within(value, spec["lo"], spec["hi"]):
            problems.append(spec.get("fail") or f"{spec['label']} is {value:.4g}; expected {spec['expect']}")
    return problems


def variant_matches(entry: dict, received: dict, values: dict | None, variant: dict, inputs: dict) -> bool:
    """Does the received output look like ``variant``'s? A variant carries either its
    outputs (compared like a match entry's, with the entry's tolerance or its
    "name_by" tolerance) or intervals for the statistics of a stats entry."""
    if "outputs" in variant:
        rule = entry if entry["kind"] == "match" else entry["name_by"]
        problem, _ = first_difference(received, variant["outputs"], rule["outputs"], rule["rtol"], rule["atol"],
                                      inputs)
        return problem is None
    intervals = variant["intervals"]
    return (values is not None and bool(intervals)
            and all(within(values.get(k), lo, hi) for k, (lo, hi) in intervals.items()))


def judge(entry: dict, received: dict, inputs: dict, variants=None) -> Judgement:
    """Judge decoded ``received`` outputs against ``entry``.

    ``variants`` (the entry's own list if None) may be a callable returning the
    list, so the grader computes the wrong variants' outputs only for a failure.
    """
    if entry["kind"] == "match":
        problem, error = first_difference(received, entry["expected"], entry["outputs"], entry["rtol"],
                                          entry["atol"], inputs)
        if problem is None:
            return Judgement(True, "matches the reference", error)
        values = None
        verdict = Judgement(False, problem, error)
    else:
        try:
            values = statistics_of(entry, received, inputs)
        except Unjudgeable as exc:
            return Judgement(False, str(exc))
        except Exception as exc:  # noqa: BLE001 - an output shape no family foresaw: the student's, not ours
            return Judgement(False, f"the output could not be checked ({type(exc).__name__}: {exc})")
        problems = stats_problems(values, entry["stats"])
        error = values.get(entry.get("error_stat")) if entry.get("error_stat") else None
        if not problems:
            return Judgement(True, "within the bounds of a correct implementation", error)
        verdict = Judgement(False, "; ".join(problems), error)
    if variants is None:
        variants = entry.get("variants", [])
    elif callable(variants):
        variants = variants()
    verdict.mistakes = [(v["id"], v["mistake"]) for v in variants
                        if variant_matches(entry, received, values, v, inputs)]
    return verdict
