"""Judging a case: the one decision the grader, the in-kernel hidden tests and the
students' self-check all make, on decoded outputs.

Nothing here knows a right answer. A judge in ``autograder/checks`` *describes*
a case as an entry (plain data: the expected arrays or the statistics to check
and their bounds, and the outputs or statistics of each catalogued wrong
variant), and ``judge(entry, received, inputs)`` decides. The grader builds the
entry live from the references; the self-check reads the same entry from
``selfcheck_data.npz``, written at release by the same judge objects. Both run
this module (the self-check a verbatim copy), so they cannot disagree.

Entry formats (arrays are float64 ndarrays):

* ``{"kind": "match", "outputs": [{"key", "what", "scalar", "minus_input"}], "rtol", "atol",
  "expected": {key: array}, "variants": [{"id", "mistake", "outputs": {key: array}}]}``
* ``{"kind": "stats", "family": name in FAMILIES, "params": {...}, "stats": [{"id", "label",
  "lo", "hi", "expect", "fail"?, "unless_failed"?}], "error_stat": id or None,
  "variants": [{"id", "mistake", "intervals": {stat id: [lo, hi]}}]}``; or, with
  ``"name_by": {"outputs": [...], "rtol", "atol"}``, variants that carry their "outputs".
"""

from __future__ import annotations

import math

import numpy as np

from .compare import (Unjudgeable, WrongShape, as_array, first_difference, max_relative_error, pick, relative_errors,
                      require)
from .patterns import PATTERNS, evaluation_problem, pattern_name

# A returned error "is" the error at some coordinate when it agrees to this relative tolerance.
MEMBERSHIP_RTOL = 1e-3


# ------------------------------------------------- statistics of random outputs --
# A family turns the decoded outputs of one probe into named numbers. Which of them
# are checked, within which bounds, comes from the entry.

def _equal(a, b) -> float:
    return float(a.shape == b.shape and bool(np.array_equal(a, b)))


def _change_rate(kept: np.ndarray) -> float:
    """The fraction of neighbours (in the order given) where one unit is kept and the
    next dropped or the other way round: the number of runs less one, over N - 1."""
    flat = kept.reshape(-1)
    return float(np.mean(flat[1:] != flat[:-1])) if flat.size > 1 else 0.0


def dropout_scaling(outputs, inputs, params):
    x, p = np.asarray(inputs["x"], dtype=np.float64), float(inputs["p"])
    out = require(outputs, "train", "the train-mode output", shape=x.shape)
    kept = out != 0
    if not np.any(kept):
        raise Unjudgeable("every unit was dropped (the output is all zeros)")
    scale = float(np.max(relative_errors(out[kept], x[kept] / p)))
    # Runs along the rows (C order) and down the columns (Fortran order).
    return {"kept_fraction": float(np.mean(kept)), "scale_error": scale,
            "change_rate": _change_rate(kept), "change_rate_columns": _change_rate(kept.T)}


def dropout_independence(outputs, inputs, params):
    """Masks of many seeds (rows): keep rate per unit across seeds, agreement of the
    masks of consecutive seeds, and runs along the units within each mask."""
    x, p = np.asarray(inputs["x"], dtype=np.float64), float(inputs["p"])
    outs = require(outputs, "train_seeds", "the train-mode outputs for the seeds",
                   shape=(int(inputs["draws"]),) + x.shape)
    kept = (outs != 0).reshape(outs.shape[0], -1)
    changes = kept[:, 1:] != kept[:, :-1]
    return {"position_rate_gap": float(np.max(np.abs(np.mean(kept, axis=0) - p))),
            "seed_agreement": float(np.mean(kept[1:] == kept[:-1])),
            "change_rate": float(np.mean(changes)) if changes.size else 0.0}


def dropout_expectation(outputs, inputs, params):
    x = np.asarray(inputs["x"], dtype=np.float64)
    out = require(outputs, "train", "the train-mode output", shape=x.shape)
    return {"mean_gap": float(np.mean(out - x)), "mean_out": float(np.mean(out))}


def dropout_seed(outputs, inputs, params):
    # The first call and the two calls of the replica (other seed first) run in separate processes.
    first = require(outputs, "train", "the output")
    again = require(outputs, "replica.train_same_seed", "the output for the same seed in a separate run")
    other = require(outputs, "replica.train_other_seed", "the output for another seed in a separate run")
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
    again = require(outputs, "replica.same_seed", "W from a second rng with the same seed, in a separate run")
    other = require(outputs, "replica.other_seed", "W from an rng with another seed, in a separate run")
    shape_ok = first.shape == shape
    return {"shape_ok": float(shape_ok), "transposed": float(not shape_ok and first.shape == shape[::-1]),
            "finite": float(bool(np.all(np.isfinite(first)))),
            "same_seed_equal": _equal(first, again), "other_seed_equal": _equal(first, other)}


def init_distribution(outputs, inputs, params):
    shape = (int(inputs["fan_in"]), int(inputs["fan_out"]))
    W = require(outputs, "first", "W", shape=shape)
    if not np.all(np.isfinite(W)):
        raise Unjudgeable(f"W contains {int(np.sum(~np.isfinite(W)))} NaN or inf entries")
    stats = {"mean": float(np.mean(W)), "mean_square": float(np.mean(W * W)),
             "tail": float(np.mean(np.abs(W) > params["threshold"])), "max_abs": float(np.max(np.abs(W)))}
    if "law" in params:
        values = np.sort(W.reshape(-1))
        stats["ks_distance"] = _ks_distance(values, params["law"], float(params["scale"]))
        stats["repeated_fraction"] = 1.0 - float(np.count_nonzero(np.diff(values)) + 1) / values.size
    return stats


_erf = np.frompyfunc(math.erf, 1, 1)  # NumPy has no erf, and SciPy is not available where this runs


def _ks_distance(sorted_values: np.ndarray, law: str, scale: float) -> float:
    """Kolmogorov–Smirnov: sup_x |F_n(x) - F(x)| for the exact law, N(0, scale²) or
    U(-scale, scale); the sup is reached just before or at a sample point."""
    n = sorted_values.size
    if law == "normal":
        cdf = 0.5 * (1.0 + _erf(sorted_values / (scale * math.sqrt(2.0))).astype(np.float64))
    elif law == "uniform":
        cdf = np.clip((sorted_values + scale) / (2 * scale), 0.0, 1.0)
    else:
        raise ValueError(f"unknown law {law!r}")
    above = np.arange(1, n + 1) / n - cdf
    below = cdf - np.arange(n) / n
    return float(max(np.max(above), np.max(below)))


def orthonormal(outputs, inputs, params):
    fan_in, fan_out = int(inputs["fan_in"]), int(inputs["fan_out"])
    W = require(outputs, "first", "W")
    if W.shape != (fan_in, fan_out):
        # A transposed W is a catalogued mistake, so say so in numbers rather than stop.
        return {"shape_ok": 0.0, "transposed": float(W.shape == (fan_out, fan_in))}
    gram = W.T @ W if fan_in >= fan_out else W @ W.T
    with np.errstate(all="ignore"):
        deviation = float(np.max(np.abs(gram - np.eye(gram.shape[0]))))
    n = max(fan_in, fan_out)
    with np.errstate(all="ignore"):
        # Entries scaled by √n: for a Haar-random W they are spread like N(0, 1).
        mean_abs, max_abs = float(np.mean(np.abs(W)) * math.sqrt(n)), float(np.max(np.abs(W)))
    return {"shape_ok": 1.0, "transposed": 0.0, "deviation": deviation if math.isfinite(deviation) else math.inf,
            "abs_trace": abs(float(np.trace(W))) if fan_in == fan_out else 0.0,
            "mean_abs_scaled": mean_abs if math.isfinite(mean_abs) else math.inf,
            "max_abs": max_abs if math.isfinite(max_abs) else math.inf}


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


def _numerical_pair(key: str, what: str, input_key: str):
    """(what, received, the centred-difference gradient) for a family whose probe reports the
    function's values at x ± h e_i: the pair the generic diagnoses are read from."""
    def pair(outputs, inputs):
        x = np.asarray(inputs[input_key])
        plus = require(outputs, "plus", "the values at x + h e_i", shape=(x.size,))
        minus = require(outputs, "minus", "the values at x - h e_i", shape=(x.size,))
        received = require(outputs, key, what, shape=x.shape)
        return what, received, ((plus - minus) / (2 * float(inputs["h"]))).reshape(x.shape)
    return pair


# Families whose main output has an exact counterpart (up to the centred difference's
# error, far below NUMERICAL_RTOL), so sign, factor and transpose can be named as for a match.
COMPARED = {"penalty_numerical": _numerical_pair("dW", "dW", "W"),
            "dropout_backward_numerical": _numerical_pair("dx", "dx", "x")}
NUMERICAL_RTOL, NUMERICAL_ATOL = 1e-4, 1e-10


FAMILIES = {f.__name__: f for f in (
    dropout_scaling, dropout_independence, dropout_expectation, dropout_seed, dropout_test, dropout_backward_mask,
    dropout_backward_numerical, penalty_numerical, init_determinism, init_distribution, orthonormal, sparse)}


# ---------------------------------------------------------- generic diagnoses --
# Named from the received and expected outputs alone, so the grader and the self-check
# give them for any function. Each is (id, title); the text adds what was measured.

INPUT_CHANGED = ("input-changed-in-place", "an input changed in place")
CONSTANT_FACTOR = ("off-by-constant-factor", "off by a constant factor")
SIGN_FLIPPED = ("sign-flipped", "sign flipped")
TRANSPOSED = ("transposed", "transposed")
SHIFTED = ("shifted-by-one-step", "shifted by one step")
WRONG_SHAPE = ("wrong-shape", "wrong shape")
GENERIC = dict([INPUT_CHANGED, CONSTANT_FACTOR, SIGN_FLIPPED, TRANSPOSED, SHIFTED, WRONG_SHAPE])
# Every name that is not a catalogue entry of its own: the generic diagnoses and the gradient check's
# evaluation patterns (id -> title; a diagnosis with such an id starts with its title).
UNCATALOGUED = {**GENERIC, **dict(PATTERNS.values())}

# Factors worth a name when an output is off by one of them.
_NAMED_FACTORS = ((2.0, "2"), (0.5, "1/2"), (math.sqrt(2), "√2"), (1 / math.sqrt(2), "1/√2"), (math.sqrt(3), "√3"),
                  (1 / math.sqrt(3), "1/√3"), (10.0, "10"), (0.1, "1/10"))
# Inputs that a function may change in place (and return): the update rules' w.
IN_PLACE_NOTES = {"dw": " (an update rule may update w in place and return it, as torch.optim does, "
                        "but dw belongs to the caller)"}


def changed_input(received: dict) -> tuple[str, str] | None:
    """(name, why) when an input handed to the function differs after the call from the copy the
    probe took before it (the probe's "untouched" output), or None."""
    watched = received.get("untouched")
    if watched is None or watched.kind != "dict":
        return None
    given, after = watched.value.get("given"), watched.value.get("after")
    if given is None or after is None or given.kind != "dict" or after.kind != "dict":
        return None
    for name in sorted(given.value):
        before = given.value[name]
        now = after.value.get(name)
        if before is None or now is None or before.kind != "array" or now.kind != "array":
            continue
        b, a = before.value, now.value
        if b.shape != a.shape or b.dtype != a.dtype:
            return name, f"modified `{name}` in place: it became an array of shape {a.shape[1:]}, dtype {a.dtype}"
        with np.errstate(invalid="ignore"):
            same = (b == a) | (np.isnan(b) & np.isnan(a)) if np.issubdtype(b.dtype, np.inexact) else (b == a)
        if bool(np.all(same)):
            continue
        where = tuple(int(i) for i in np.argwhere(~same)[0])
        call, index = where[0], where[1:]
        shown = "[" + ", ".join(map(str, index)) + "]" if index else ""
        calls = f" (call {call + 1} of {b.shape[0]})" if b.shape[0] > 1 else ""
        return name, (f"modified `{name}` in place{calls}: {int(np.sum(~same))} of {same.size} entries changed "
                f"over {b.shape[0]} call(s), first "
                f"`{name}{shown}` is {float(a[where]):.8g} after the call where {float(b[where]):.8g} was passed"
                f"{IN_PLACE_NOTES.get(name, '')}. Leave the caller's arrays as they were: compute into a new array "
                f"(or start from `{name}.copy()`) instead of `{name}[...] = ...`, `{name} *= ...` or `{name} -= ...`")
    return None


def _close(r: np.ndarray, e: np.ndarray, rtol: float, atol: float) -> bool:
    if r.shape != e.shape or r.size == 0 or not (np.all(np.isfinite(r)) and np.all(np.isfinite(e))):
        return False
    return bool(np.all(np.abs(r - e) <= atol + rtol * np.abs(e)))


def _factor_name(c: float) -> str:
    for value, name in _NAMED_FACTORS:
        if abs(c - value) <= 1e-6 * value:
            return f"{name} ({c:.6g})"
    return f"{c:.6g}"


def wrong_shape(what: str, shape: tuple, expected: tuple, inputs: dict) -> list[tuple[str, str]]:
    """The generic name of an output whose shape is not the expected one, saying which input
    has the expected shape when one does (dW must be shaped like W)."""
    like = next((k for k, v in sorted(inputs.items()) if isinstance(v, np.ndarray) and v.shape == tuple(expected)),
                None)
    said = f"{like} has shape {tuple(expected)}" if like else f"expected {tuple(expected)}"
    swapped = ("; it is the expected shape reversed: are rows and columns (fan_in and fan_out, or an axis and a "
               "transpose) the wrong way round?") if len(shape) == 2 and tuple(shape) == tuple(expected)[::-1] else ""
    return [(WRONG_SHAPE[0], f"{WRONG_SHAPE[1]}: {what} has shape {tuple(shape)}, {said}{swapped}"
                             + (f"; return an array shaped like {like}" if like else ""))]


def shape_of_difference(r: np.ndarray, e: np.ndarray, what: str, rtol: float, atol: float,
                        inputs: dict) -> list[tuple[str, str]]:
    """Generic diagnoses of a received array against the expected one: transposed, wrong
    shape, sign flipped, off by a constant factor, shifted by one step (a sequence one row late
    or early); [] when the difference has none of these shapes."""
    with np.errstate(all="ignore"):
        if r.ndim == 2 and r.shape != e.shape and _close(r.T, e, rtol, atol):
            return [(TRANSPOSED[0], f"{TRANSPOSED[1]}: {what} has shape {r.shape} and equals the transpose of the "
                                    f"expected {e.shape}; check which axis is which")]
        if r.shape != e.shape:
            return wrong_shape(what, r.shape, e.shape, inputs)
        if not np.any(e != 0):
            return []
        if _close(-r, e, rtol, atol):
            return [(SIGN_FLIPPED[0], f"{SIGN_FLIPPED[1]}: {what} is exactly the negative of the expected value; "
                                      f"look for a + that should be a - (or the reverse)")]
        c = float(np.sum(r * e) / np.sum(e * e))
        if math.isfinite(c) and c != 0 and abs(c - 1) > 10 * rtol and _close(r, c * e, rtol, atol):
            return [(CONSTANT_FACTOR[0], f"{CONSTANT_FACTOR[1]}: {what} is the expected value times "
                                         f"{_factor_name(c)} everywhere; look for a missing or extra factor "
                                         f"(a 2, a 1/2, a square root, a learning rate)")]
        if r.ndim >= 1 and r.shape[0] > 2:
            if _close(r[1:], e[:-1], rtol, atol):
                return [(SHIFTED[0], f"{SHIFTED[1]}: {what} is one step late: its entry k is the expected entry "
                                     f"k - 1; check where the step counter starts and when it is incremented")]
            if _close(r[:-1], e[1:], rtol, atol):
                return [(SHIFTED[0], f"{SHIFTED[1]}: {what} is one step early: its entry k is the expected entry "
                                     f"k + 1; check where the step counter starts and when it is incremented")]
    return []


def output_shape_of_mistake(entry: dict, received: dict, inputs: dict) -> list[tuple[str, str]]:
    """Generic diagnoses of a failed match entry, from the received and expected outputs
    alone (``shape_of_difference``). The first output that fails decides."""
    for spec in entry["outputs"]:
        r, problem = as_array(pick(received, spec["key"]), spec["what"], allow_scalar=spec.get("scalar", False))
        if problem:
            return []
        e = np.asarray(entry["expected"][spec["key"]], dtype=np.float64)
        if spec.get("minus_input") and r.shape == e.shape:
            base = np.asarray(inputs[spec["minus_input"]], dtype=np.float64)
            r, e = r - base, e - base
        if _close(r, e, entry["rtol"], entry["atol"]):
            continue
        return shape_of_difference(r, e, spec["what"], entry["rtol"], entry["atol"], inputs)
    return []


def stats_shape_of_mistake(entry: dict, received: dict, inputs: dict) -> list[tuple[str, str]]:
    """Generic diagnoses of a failed stats entry whose family has an exact counterpart (COMPARED)."""
    pair = COMPARED.get(entry.get("family"))
    if pair is None:
        return []
    try:
        with np.errstate(all="ignore"):
            what, r, e = pair(received, inputs)
    except Unjudgeable:
        return []
    return shape_of_difference(r, e, what, NUMERICAL_RTOL, NUMERICAL_ATOL, inputs)


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
    pattern = entry.get("evaluations")
    problem = evaluation_problem(pattern, received, inputs) if pattern else None
    if problem is not None and problem[0] in ("too_many", "refused", "unreadable"):
        verdict = Judgement(False, problem[1])    # the outputs are incomplete: the record says why
    else:
        verdict = _judge_outputs(entry, received, inputs, variants)
    if problem is not None:
        violation, seen = problem
        named = pattern_name(pattern, violation)
        if named is None and violation in PATTERNS and not verdict.mistakes:
            # A generic name only when no catalogued mistake explains the failure (x not restored also
            # moves the next points off the axes).
            named = (PATTERNS[violation][0], f"{PATTERNS[violation][1]}: {seen}")
        besides = "" if verdict.passed or verdict.message == seen else f"; and besides: {verdict.message}"
        mistakes = [m for m in verdict.mistakes if not named or m[0] != named[0]] + ([named] if named else [])
        verdict = Judgement(False, seen + besides, verdict.error, mistakes)
    changed = changed_input(received)
    if changed is None:
        return verdict
    problem = "" if verdict.passed else f"; and besides: {verdict.message}"
    name, why = changed
    return Judgement(False, why + problem, verdict.error,
                     [(INPUT_CHANGED[0], f"{INPUT_CHANGED[1]}: the function modified `{name}`, which belongs to the "
                                         f"caller{IN_PLACE_NOTES.get(name, '')}")] + verdict.mistakes)


def _judge_outputs(entry: dict, received: dict, inputs: dict, variants) -> Judgement:
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
        except WrongShape as exc:
            return Judgement(False, str(exc), mistakes=wrong_shape(exc.what, exc.shape, exc.expected, inputs))
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
    if not verdict.mistakes:
        verdict.mistakes = (output_shape_of_mistake if entry["kind"] == "match" else stats_shape_of_mistake)(
            entry, received, inputs)
    return verdict
