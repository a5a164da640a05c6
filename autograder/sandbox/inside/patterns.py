"""Where a gradient check evaluated f: the pattern of a centred-difference check, judged
from the record of every evaluation point (``oracle.EvaluationLog``).

The grader judges its own record (the sandboxed child never sees f's parameters and
cannot edit the record); the self-check judges the one its local f kept. Both run this
module through ``judging.judge``, which reads the entry's "evaluations" part:
``{"h", "every": bool (every coordinate must be checked), "calls": calls of the graded
function per case, "min_distinct": fewest distinct coordinates a random sparse check may
have, "names": {violation: [catalogue id, text]}}``.
"""

from __future__ import annotations

import numpy as np

from . import oracle
from .compare import Unjudgeable, as_array

# Violations the entry does not name from the catalogue get these names (id, title).

PATTERNS = {
    "too_many": ("f-called-too-often", "f called too often"),
    "refused": ("f-called-wrongly", "f called with the wrong argument"),
    "stray": ("f-evaluated-elsewhere", "f evaluated at points that are not x ± h e_i"),
    "wrong_h": ("wrong-step", "a step other than the given h"),
    "forward": ("one-sided-differences", "one-sided differences"),
    "missing": ("coordinates-not-evaluated", "f not evaluated at x ± h e_i"),
    "repeated": ("repeated-coordinate", "repeated coordinate"),
}
# A step is h when it agrees to this relative tolerance (round-off in x + h is about 1e-11 of h).
STEP_RTOL = 1e-4


def _record(received: dict, shape: tuple) -> tuple[np.ndarray, np.ndarray, str]:
    """(points (k, n), call of each point (k,), refusal) from the outputs; raises Unjudgeable."""
    record = received.get("evaluations")
    if record is None or record.kind != "dict":
        raise Unjudgeable("the record of where f was evaluated is missing")
    points, problem = as_array(record.value.get("points"), "the evaluation points")
    calls, problem_calls = as_array(record.value.get("calls"), "the evaluation calls")
    refused = record.value.get("refused")
    if problem or problem_calls or refused is None or refused.kind != "str":
        raise Unjudgeable("the record of where f was evaluated could not be read")
    if points.shape[1:] != shape or calls.shape != points.shape[:1]:
        raise Unjudgeable("the record of where f was evaluated has the wrong shape")
    return points.reshape(len(points), int(np.prod(shape))), calls, refused.value


def _steps(points: np.ndarray, x: np.ndarray, h: float):
    """Per point: how many coordinates moved from x, which one (the first), and by how much."""
    with np.errstate(all="ignore"):
        moved = np.abs(points - x) > 8 * np.finfo(np.float64).eps * (np.abs(x) + h)
        moved |= ~np.isfinite(points)
        count = moved.sum(axis=1)
        index = np.argmax(moved, axis=1)
        step = (points - x)[np.arange(len(points)), index] if len(points) else np.zeros(0)
    return count, index, step


def _number(value: float) -> str:
    """A step as people write it: 1e-5, 0.001."""
    if not np.isfinite(value) or value == 0:
        return f"{value:g}"
    mantissa, exponent = f"{value:.2e}".split("e")
    if abs(int(exponent)) < 4:
        return f"{value:.3g}"
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def _coordinate(index: int, shape: tuple) -> str:
    return str(tuple(int(i) for i in np.unravel_index(index, shape))) if shape else "()"


def evaluation_problem(pattern: dict, received: dict, inputs: dict) -> tuple[str, str] | None:
    """(violation, what was seen) when the record of f's evaluations breaks the pattern of a
    centred-difference check with the given h, or None."""
    x = np.asarray(inputs["x"], dtype=np.float64)
    h = float(pattern["h"])
    try:
        points, calls, refused = _record(received, x.shape)
    except Unjudgeable as exc:
        return "unreadable", str(exc)
    if refused:
        return ("too_many" if refused.startswith(oracle.TOO_MANY) else "refused"), refused
    count, index, step = _steps(points, x.reshape(-1), h)
    if np.any(count > 1):
        first = int(np.argmax(count > 1))
        return "stray", (f"evaluated f at points that are not x ± h e_i: {int(np.sum(count > 1))} of {len(points)} "
                         f"evaluations differ from x in more than one coordinate (evaluation {first + 1} in "
                         f"{int(count[first])}); restore x[i] before moving to the next coordinate")
    single = count == 1
    off = single & ~(np.abs(np.abs(step) - h) <= STEP_RTOL * h)
    if np.any(off):
        used = np.abs(step[off])
        if np.all(np.abs(used - used[0]) <= STEP_RTOL * used[0]) and np.sum(off) == np.sum(single):
            return "wrong_h", (f"used h = {_number(used[0])} instead of the given {_number(h)}: f was evaluated at "
                               f"x ± {_number(used[0])} e_i")
        return "stray", (f"evaluated f at points that are not x ± h e_i: {int(np.sum(off))} evaluations moved "
                         f"one coordinate by steps other than h = {_number(h)} (for example {_number(used[0])})")
    size = x.size
    for call in range(int(pattern.get("calls", 1))):
        here = single & (calls == call)
        plus = np.bincount(index[here & (step > 0)], minlength=size)
        minus = np.bincount(index[here & (step < 0)], minlength=size)
        which = f" in call {call + 1} of {int(pattern['calls'])}" if pattern.get("calls", 1) > 1 else ""
        checked = (plus > 0) | (minus > 0)
        missing = ~checked if pattern.get("every") else np.zeros(size, dtype=bool)
        if not np.any(checked):
            return "missing", (f"f was never evaluated at x ± h e_i{which}: a numerical gradient needs f(x + h e_i) "
                               f"and f(x - h e_i) for every coordinate it checks")
        if np.any(missing):
            return "missing", (f"f was never evaluated at x ± h e_i for {int(np.sum(missing))} of {size} coordinates"
                               f"{which} (the first: {_coordinate(int(np.argmax(missing)), x.shape)})")
        for one, other, name in ((plus, minus, "forward"), (minus, plus, "backward")):
            lacking = (one > 0) & (other == 0)
            if np.any(lacking):
                sign, other_sign = ("+", "−") if name == "forward" else ("−", "+")
                return "forward", (f"{name} differences: f was evaluated at x {sign} h e_i but never at x {other_sign} h e_i "
                                   f"for {int(np.sum(lacking))} of {int(np.sum(checked))} coordinates{which}; "
                                   f"centred differences need both")
        distinct, least = int(np.sum(checked)), int(pattern.get("min_distinct", 0))
        if distinct < least:
            top = int(np.argmax(plus))
            return "repeated", (f"repeated coordinate{which}: {int(np.sum(plus))} checks evaluated only {distinct} "
                                f"distinct coordinate(s), {_coordinate(top, x.shape)} {int(plus[top])} times; "
                                f"coordinates drawn at random from {size} repeat that much with probability below "
                                f"1e-8 (at least {least} distinct expected)")
    return None


def pattern_name(pattern: dict, violation: str) -> tuple[str, str] | None:
    named = pattern.get("names", {}).get(violation)
    if named:
        return named[0], named[1]
    return None
