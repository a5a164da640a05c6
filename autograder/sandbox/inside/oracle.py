"""The ``f`` of a gradient check, and the record of where it was evaluated.

A gradient check hands the graded function a test function ``f`` with parameters
(``c``, ``d``, ``m``) that a submission must not see: a submission that can read them
can return the closed-form gradient without computing anything. So in the sandbox
the parameters never enter the child. The ``f`` handed over is an ``Evaluator``
whose ``answer`` sends the point over the protocol; the grader's side
(``supervisor/oracles.py``) evaluates the function, records the point in an
``EvaluationLog`` and answers. In the grader's own runs of the reference and in the
students' self-check (their own process, not a trust boundary) ``answer`` is a
``LocalAnswers``: the same log, the same function, no pipe.

A case's ``f`` is described by a spec (plain data, in the case's inputs)::

    {"kind": a key of FUNCTIONS, "returns": "scalar" | "fresh" | "view" | "buffer",
     "shape": x's shape, "calls": student calls per case, "cap": evaluations allowed per case,
     "params": {name: array}}        # removed before the inputs reach the child

The log (a probe's ``evaluations`` output) is ``{"points": (k, *shape) float64,
"calls": (k,) int64 (which call of the graded function asked), "refused": str}``;
the grader judges it (``judging.evaluation_problem``) from its own copy only.
"""

from __future__ import annotations

import numpy as np

# The name the probes ask ``get`` for in the sandbox: not an identifier, so no submission defines it.
REMOTE = "<the grader's f>"
# Evaluations allowed per call of the graded function: this many times the ones it needs, plus slack
# (cs231n's helpers evaluate f(x) once more; a few extra evaluations are harmless).
CAP_FACTOR = 4
CAP_SLACK = 32
TOO_MANY = "f was called more than"   # how a refusal for too many evaluations begins


class Refused(BaseException):
    """Raised inside the graded function when an evaluation of f is refused (too many, wrong shape).

    A BaseException, so a submission's ``except Exception`` does not hide it; the log keeps the reason."""


# ------------------------------------------------------------ the test functions --

def smooth_scalar(x, c, d):
    """A scalar test function with a known gradient c*cos(x) + d*x**2: sum(c*sin(x)) + sum(d*x**3)/3."""
    return float(np.sum(c * np.sin(x)) + np.sum(d * x**3) / 3.0)


def smooth_array(x, m):
    """An array-valued test function, tanh(x @ m)."""
    return np.tanh(x @ m)


def transpose(x):
    """An array-valued test function whose natural implementation returns a view: x.T."""
    return np.array(x, dtype=np.float64).T.copy()


FUNCTIONS = {"smooth_scalar": smooth_scalar, "smooth_array": smooth_array, "transpose": transpose}
RETURNS = ("scalar", "fresh", "view", "buffer")


def spec(kind: str, returns: str, shape, needed: int, calls: int = 1, **params) -> dict:
    """The spec of a case's f; ``needed``: evaluations one correct call of the graded function makes."""
    if kind not in FUNCTIONS or returns not in RETURNS:
        raise ValueError(f"unknown test function {kind!r} or return style {returns!r}")
    return {"kind": kind, "returns": returns, "shape": [int(n) for n in shape], "calls": int(calls),
            "cap": int(calls) * (CAP_FACTOR * int(needed) + CAP_SLACK), "params": dict(params)}


def public(f_spec: dict) -> dict:
    """The spec without its parameters: what the child may see."""
    return {key: value for key, value in f_spec.items() if key != "params"}


def evaluate(f_spec: dict, point: np.ndarray):
    """The test function's value at ``point`` (trusted side only: needs the parameters)."""
    return FUNCTIONS[f_spec["kind"]](point, **f_spec["params"])


# ------------------------------------------------------------------ the record --

class EvaluationLog:
    """Every point f was evaluated at in one case, checked before it is evaluated.

    ``record`` refuses (raises Refused, and remembers why) a point of another shape or
    dtype, a call index out of range, and any evaluation past the cap; after one refusal
    it refuses everything, so a case either ran within the rules or failed."""

    def __init__(self, f_spec: dict):
        self.shape = tuple(int(n) for n in f_spec["shape"])
        self.calls_allowed = int(f_spec["calls"])
        self.cap = int(f_spec["cap"])
        self.points: list[np.ndarray] = []
        self.calls: list[int] = []
        self.refused = ""

    def problem(self, point, call) -> str:
        """Why ``point`` (asked by call ``call`` of the graded function) must not be evaluated, or ''."""
        if self.refused:
            return self.refused
        if not isinstance(call, int) or isinstance(call, bool) or not 0 <= call < self.calls_allowed:
            return f"an evaluation of f named call {str(call)[:40]} of the graded function; there are {self.calls_allowed}"
        if not isinstance(point, np.ndarray) or point.dtype != np.float64:
            kind = f"an array of dtype {point.dtype}" if isinstance(point, np.ndarray) else type(point).__name__
            return f"f was asked for its value at {kind}; expected float64 numbers"
        if point.shape != self.shape:
            return (f"f was called with an array of shape {point.shape[:8]}; it takes arrays shaped like x, "
                    f"{self.shape}")
        if len(self.points) >= self.cap:
            return (f"{TOO_MANY} {self.cap} times in this test; a correct implementation calls it "
                    f"about 2 times per checked coordinate, so the grader stopped it there")
        return ""

    def record(self, point, call) -> None:
        problem = self.problem(point, call)
        if problem:
            self.refused = problem
            raise Refused(problem)
        self.points.append(np.array(point, dtype=np.float64, copy=True))
        self.calls.append(call)

    def outputs(self) -> dict:
        points = np.stack(self.points) if self.points else np.zeros((0,) + self.shape)
        return {"points": points, "calls": np.array(self.calls, dtype=np.int64), "refused": self.refused}


class LocalAnswers:
    """Answers on the trusted side: record the point, then evaluate the function."""

    def __init__(self, f_spec: dict):
        self.spec = f_spec
        self.log = EvaluationLog(f_spec)

    def __call__(self, point, call):
        self.log.record(point, call)
        return evaluate(self.spec, point)


def remote(send, read_exact):
    """``answer`` for the sandboxed child: send the point to the grader, return its reply.

    ``send(header, arrays)`` writes one message to the grader, ``read_exact(n)`` reads its
    replies. Nothing is checked here: the grader checks every request."""
    from . import wire

    def answer(point, call):
        send({"type": "evaluate", "call": call}, [point])
        header, arrays = wire.read_message(read_exact)
        if header.get("type") == "refused":
            raise Refused(str(header.get("message", "refused")))
        value = wire.decode_value(header.get("value"), arrays).value
        return value.value if isinstance(value, wire.Received) else value
    return answer


# ------------------------------------------------------------------- the f --

class Evaluator:
    """The ``f`` handed to the graded function: one call of it (``call``) in a case.

    It returns values the way the case's layer would: a float, a fresh array, a view of
    its argument (``x.T``), or one output buffer overwritten at every call."""

    def __init__(self, f_spec: dict, answer, call: int = 0):
        self._returns = f_spec["returns"]
        self._answer = answer
        self._call = call
        self._buffer = None

    def __call__(self, z):
        point = np.array(z, dtype=np.float64, copy=True)
        values = self._answer(point, self._call)
        if self._returns == "scalar":
            return float(values)
        values = np.array(values, dtype=np.float64, copy=True)
        if self._returns == "view":
            # A view of the very array passed in: changing that array later changes this result.
            base = z if isinstance(z, np.ndarray) and z.dtype == np.float64 and z.shape == point.shape else point
            return base.T
        if self._returns == "buffer":
            if self._buffer is None or self._buffer.shape != values.shape:
                self._buffer = np.empty_like(values)
            self._buffer[...] = values
            return self._buffer
        return values


def handed(get, f_spec: dict):
    """(answer, log) for one case: local when the spec holds the parameters (grader, self-check),
    else the grader's over the protocol (``get(REMOTE)`` in the child). The child's log stays
    empty: the grader puts its own record in its place, so a record the child could edit is never judged."""
    if "params" in f_spec:
        local = LocalAnswers(f_spec)
        return local, local.log
    return get(REMOTE), EvaluationLog(f_spec)
