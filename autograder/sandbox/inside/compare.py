"""Decoded outputs as arrays, and the one comparison of received against expected values.

The grader, the in-kernel hidden tests and the students' self-check all run this
module (the self-check ships it verbatim in ``selfcheck_lib/``). ``observe`` runs a
probe and decodes its outputs through the wire format, exactly as the grader decodes
a sandboxed child's message; ``first_difference`` compares them with expected arrays,
shapes first, never broadcasting. Judging a case (entries, statistics, named
mistakes) is in ``judging.py``, built on this.
"""

from __future__ import annotations

import math

import numpy as np

from . import probes, wire

# Before any arithmetic on a received array its shape is compared with the expected
# one, so an (N, 1) against a (1, N) output never broadcasts to N² entries; and no
# array larger than this is judged at all.
MAX_JUDGED_ELEMENTS = 20_000_000


class Unjudgeable(Exception):
    """The output has a shape or type that cannot be judged; the message says why."""


class WrongShape(Unjudgeable):
    """An output array whose shape is not the one the check needs (``what``, ``shape``, ``expected``)."""

    def __init__(self, what: str, shape: tuple, expected: tuple):
        super().__init__(f"{what} has shape {shape}; expected {expected}")
        self.what, self.shape, self.expected = what, tuple(shape), tuple(expected)


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


# A case may have a second part (its "replica" probe, on the same inputs). The grader runs it in
# a sandbox of its own, a separate process that never saw the first part, and judges the two
# parts' outputs together: the replica's are under this key. Run here, in one process, it is the
# self-check's and the hidden tests' way; the verdict on the merged outputs is the same.
REPLICA = "replica"


def merge_parts(first: dict, replica: dict) -> dict:
    """One case's decoded outputs from its two parts: the first part's, and the replica's under
    ``REPLICA`` (whatever the first part sent under that key is replaced: it is not the replica's)."""
    return {**first, REPLICA: wire.Received(dict(replica), {"kind": "dict"})}


def observe(probe: str, get, inputs: dict, replica: str | None = None) -> dict:
    """Run ``probe`` with functions from ``get`` and decode its outputs through the
    wire format (bytes and back), as a sandboxed child's outputs are decoded; with
    ``replica``, run that probe after it and merge its outputs as ``merge_parts`` does."""
    raw = probes.PROBES[probe](get, inputs)
    if replica is not None:
        raw = {**raw, REPLICA: probes.PROBES[replica](get, inputs)}
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
    """Outputs may be nested: 'weights', 'return.0' (first item of a returned tuple) or
    'replica.same_seed' (an entry of a dict, such as the outputs of a case's second part)."""
    head, _, rest = key.partition(".")
    item = outputs.get(head)
    while rest and item is not None:
        index, _, rest = rest.partition(".")
        if item.kind in ("tuple", "list") and index.isdigit() and int(index) < len(item.value):
            item = item.value[int(index)]
        elif item.kind == "dict":
            item = item.value.get(index)
        else:
            return None
    return item


def require(outputs: dict, key: str, what: str, *, shape=None) -> np.ndarray:
    """The output ``key`` as a float64 array of ``shape`` (if given), or Unjudgeable."""
    value, problem = as_array(pick(outputs, key), what)
    if problem:
        raise Unjudgeable(problem)
    if shape is not None and value.shape != tuple(shape):
        raise WrongShape(what, value.shape, tuple(shape))
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
