"""The pieces every graded check is built from.

A ``Case`` is one seeded test: which probe to run on which inputs, and a judge
that looks at what came back (plain values, decoded by the grader) and returns
a ``Verdict``. Judges run in the grader process, never in the sandbox.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from autograder.sandbox.inside import probes, wire


@dataclasses.dataclass
class Verdict:
    passed: bool
    message: str = ""
    diagnosis: str | None = None


@dataclasses.dataclass
class Case:
    name: str                 # short, unique within the assignment
    function: str             # the graded function
    probe: str                # name in autograder.sandbox.inside.probes.PROBES
    inputs: dict              # plain data only: arrays, numbers, strings, lists, dicts
    judge: Callable[["Case", dict], Verdict]
    setting: str = ""         # the input in words, for messages
    points: float = 1.0


# --------------------------------------------------------------- running probes on trusted code --

def run_probe_locally(case: Case, functions: dict[str, Callable]) -> dict:
    """Run ``case``'s probe on trusted implementations and decode the result exactly
    as a student's result would be decoded, so both are compared like for like."""
    def get(name):
        return functions[name]

    raw = probes.PROBES[case.probe](get, case.inputs)
    arrays: list = []
    tree = wire.encode_value(raw, arrays)
    # Round-trip through the wire format (bytes and back) to mirror the sandbox path.
    header, decoded_arrays = wire.read_message(_reader(wire.pack({"outputs": tree}, arrays)))
    return wire.decode_value(header["outputs"], decoded_arrays).value


def _reader(data: bytes):
    view = memoryview(data)
    position = [0]

    def read_exact(n):
        chunk = bytes(view[position[0]:position[0] + n])
        if len(chunk) < n:
            raise EOFError
        position[0] += n
        return chunk
    return read_exact


# ------------------------------------------------------------------------ comparing values --

@dataclasses.dataclass
class Tolerance:
    rtol: float = 1e-6
    atol: float = 1e-10

    def describe(self) -> str:
        return f"|received - expected| <= {self.atol:g} + {self.rtol:g}·|expected| elementwise"


def relative_errors(received: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """The course's relative error, |r - e| / max(1e-8, |r| + |e|), elementwise."""
    r = received.astype(np.float64)
    e = expected.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.abs(r - e) / np.maximum(1e-8, np.abs(r) + np.abs(e))


def as_array(item: wire.Received | None, what: str, *, allow_scalar: bool = False) -> tuple[np.ndarray | None, str]:
    """The received value as a float array, or a message saying why it is not one."""
    if item is None:
        return None, f"{what} is missing from the output"
    if item.kind == "array":
        if item.value.dtype == bool or not np.issubdtype(item.value.dtype, np.number):
            return None, f"{what} is an array of dtype {item.value.dtype}; expected floating-point numbers"
        return item.value.astype(np.float64), ""
    if allow_scalar and item.kind in ("float", "int"):
        return np.asarray(float(item.value)), ""
    expected = "a number or a numpy array" if allow_scalar else "a numpy array"
    hint = " (wrap it with np.array(...))" if item.kind in ("list", "tuple") else ""
    return None, f"{what} is {item.describe()}; expected {expected}{hint}"


def compare_array(received: np.ndarray, expected: np.ndarray, tol: Tolerance, what: str) -> str | None:
    """None if ``received`` matches ``expected`` within ``tol``, else a message saying
    what was received, what was expected, where, and how it was measured."""
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
        bad = ~(np.abs(r - e) <= tol.atol + tol.rtol * np.abs(e)) & ~both_nan
        bad &= ~((r == e) & np.isinf(e))
        # atol + rtol·inf is inf, which would accept anything where inf is expected.
        bad |= np.isinf(e) & (r != e)
    if not np.any(bad):
        return None
    errors = np.where(both_nan, 0.0, relative_errors(r, e))
    errors = np.where(np.isnan(errors), np.inf, errors)
    worst = np.unravel_index(int(np.argmax(np.where(bad, errors, -1))), r.shape) if r.ndim else ()
    at = f" at index {_index(worst)}" if r.ndim else ""
    first = ""
    if r.ndim and int(np.sum(bad)) > 1:
        index = tuple(np.argwhere(bad)[0])
        first = f"; the first differing entry is at index {_index(index)} ({_fmt(r[index])} instead of {_fmt(e[index])})"
    return (f"{what} differs from the expected value in {int(np.sum(bad))} of {r.size} entries{first}; "
            f"the largest difference: received {_fmt(r[worst])}, expected {_fmt(e[worst])}{at} "
            f"(relative error {float(errors[worst]):.2e}, measured as |r-e|/max(1e-8, |r|+|e|); "
            f"tolerance {tol.describe()})")


def _index(idx) -> str:
    return "(" + ", ".join(str(int(i)) for i in idx) + ")" if len(idx) != 1 else f"[{int(idx[0])}]"


def _fmt(x) -> str:
    return f"{float(x):.8g}"


def max_relative_error(received: np.ndarray, expected: np.ndarray) -> float:
    if received.shape != expected.shape or received.size == 0:
        return float("inf")
    errors = relative_errors(received, expected)
    return float(np.nanmax(np.where(np.isnan(errors), np.inf, errors)))


# ------------------------------------------------------------ judging against the reference --

@dataclasses.dataclass
class Output:
    """One output of a probe to compare: its key, how to name it, and whether a scalar is fine."""

    key: str
    what: str
    scalar: bool = False
    # Subtract this input before comparing (e.g. "w0": compare how far the weights
    # moved, so a tiny step is not lost against a large weight).
    minus_input: str | None = None


def _pick(outputs: dict, key: str):
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


def first_difference(received: dict, expected: dict, outputs: list[Output], tol: Tolerance,
                     inputs: dict | None = None) -> str | None:
    for out in outputs:
        r, problem = as_array(_pick(received, out.key), out.what, allow_scalar=out.scalar)
        if problem:
            return problem
        e, _ = as_array(_pick(expected, out.key), out.what, allow_scalar=out.scalar)
        what = out.what
        if out.minus_input and inputs is not None and r.shape == e.shape:
            base = np.asarray(inputs[out.minus_input], dtype=np.float64)
            r, e = r - base, e - base
            what = f"{out.what}, minus {out.minus_input},"
        problem = compare_array(r, e, tol, what)
        if problem:
            return problem
    return None


def matches_reference(references, outputs: list[Output], tol: Tolerance):
    """A judge: the student's outputs must match the reference's on the same probe.

    On a mismatch it looks for a catalogued mistake whose variant reproduces the
    student's outputs, and names it.
    """
    from autograder.mistakes import catalogue, variants

    def judge(case: Case, received: dict) -> Verdict:
        functions = reference_functions(references)
        expected = run_probe_locally(case, functions)
        problem = first_difference(received, expected, outputs, tol, case.inputs)
        if problem is None:
            return Verdict(True, "matches the reference")
        diagnosis = None
        for mistake in catalogue.mistakes_for(case.function):
            wrong = dict(functions)
            wrong[case.function] = _with_knobs(getattr(variants, case.function), mistake.knobs)
            try:
                with np.errstate(all="ignore"):
                    variant_outputs = run_probe_locally(case, wrong)
            except Exception:  # a variant may legitimately blow up on some inputs
                continue
            if first_difference(received, variant_outputs, outputs, tol, case.inputs) is None:
                diagnosis = mistake.text()
                break
        return Verdict(False, f"{case.setting}: {problem}. The expected value is the reference "
                              f"implementation's output on the same input.", diagnosis)

    return judge


def _with_knobs(fn, knobs):
    def variant(*args, **kwargs):
        return fn(*args, **kwargs, **knobs)
    return variant


def reference_functions(module) -> dict:
    return {name: getattr(module, name) for name in dir(module) if not name.startswith("_")
            and callable(getattr(module, name))}


def split_points(cases: list[Case], points_per_function: dict[str, float]) -> list[Case]:
    """Give each function its points, shared equally among its cases."""
    counts: dict[str, int] = {}
    for c in cases:
        counts[c.function] = counts.get(c.function, 0) + 1
    given: dict[str, float] = {}
    seen: dict[str, int] = {}
    for c in cases:
        seen[c.function] = seen.get(c.function, 0) + 1
        total = points_per_function[c.function]
        if seen[c.function] < counts[c.function]:
            c.points = round(total / counts[c.function], 6)
        else:
            # The last case takes the remainder, so a function's cases add up to its points exactly.
            c.points = round(total - given.get(c.function, 0.0), 6)
        given[c.function] = given.get(c.function, 0.0) + c.points
    return cases
