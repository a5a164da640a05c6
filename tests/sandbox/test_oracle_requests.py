"""The grader's side of a gradient check's f (``supervisor/oracles.py``).

Whatever the child sends as an evaluation request (any header, any number of arrays of
any dtype and shape), the grader answers with a value or a refusal, evaluates f only at a
well-formed point within the case's cap, and never raises. The parameters of f never
enter the plan the child reads. A child that stops reading its answers costs its case's
time, not the grader's.
"""
from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from autograder import checks
from autograder.sandbox.inside import compare, oracle, wire
from autograder.sandbox.supervisor import launcher, oracles

FAST = settings(derandomize=True, max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(derandomize=False, max_examples=2000, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SUITE = checks.suite("gradient_check")
WITH_F = [c for c in SUITE if "f" in c.inputs]
SCALAR_CASE = next(c for c in WITH_F if c.function == "eval_numerical_gradient")
SHAPE = tuple(SCALAR_CASE.inputs["x"].shape)


def _decoded(reply: bytes):
    position = [0]

    def read_exact(n):
        chunk = reply[position[0]:position[0] + n]
        if len(chunk) < n:
            raise EOFError
        position[0] += n
        return chunk
    header, arrays = wire.read_message(read_exact)
    assert position[0] == len(reply), "one reply is exactly one message"
    return header, arrays


def _value(header, arrays):
    return wire.decode_value(header["value"], arrays).value


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(), st.text(max_size=20))
calls = st.one_of(st.just(0), st.integers(-3, 5), json_scalars, st.lists(st.integers(), max_size=3))
dtypes = st.sampled_from(sorted(wire.ALLOWED_DTYPES))
shapes = st.one_of(st.just(SHAPE), st.just(SHAPE[::-1] + (1,)), hnp.array_shapes(min_dims=0, max_dims=4, max_side=7))
points = st.one_of(
    hnp.arrays(np.float64, st.just(SHAPE), elements=st.floats(allow_nan=True, allow_infinity=True)),
    st.builds(lambda dtype, shape: np.zeros(shape, dtype=dtype), dtypes, shapes))
requests = st.tuples(
    st.dictionaries(st.text(max_size=8), json_scalars, max_size=4),
    calls,
    st.lists(points, min_size=0, max_size=3))


def check_requests(batch):
    case_oracle = oracles.CaseOracle(SCALAR_CASE.inputs)
    answered = 0
    refused_once = False
    for extra, call, arrays in batch:
        header = {**extra, "type": "evaluate", "call": call}
        kind, reply_arrays = None, None
        reply = case_oracle.answer(header, list(arrays))
        kind_header, reply_arrays = _decoded(reply)
        kind = kind_header["type"]
        well_formed = (len(arrays) == 1 and arrays[0].dtype == np.float64 and arrays[0].shape == SHAPE
                       and type(call) is int and call == 0)
        if kind == "answer":
            assert well_formed and not refused_once
            with np.errstate(all="ignore"):
                expected = oracle.evaluate(SCALAR_CASE.inputs["f"], arrays[0])
            got = _value(kind_header, reply_arrays)
            assert got == expected or (np.isnan(got) and np.isnan(expected))
            answered += 1
        else:
            assert kind == "refused"
            assert isinstance(kind_header["message"], str) and len(kind_header["message"]) <= oracles.MAX_REFUSAL_CHARS
            assert refused_once or not well_formed or answered >= case_oracle.log.cap
            refused_once = True
    assert len(case_oracle.log.points) == answered <= case_oracle.log.cap
    record = case_oracle.log.outputs()
    assert record["points"].shape == (answered,) + SHAPE and record["calls"].shape == (answered,)


fast_requests = FAST(given(st.lists(requests, max_size=6))(check_requests))
test_any_request_gets_a_value_or_a_refusal_and_never_an_exception = fast_requests
test_any_request_gets_a_value_or_a_refusal_and_never_an_exception_many_times = pytest.mark.slow(
    SLOW(given(st.lists(requests, max_size=12))(check_requests)))


def test_past_the_cap_every_request_is_refused_and_the_refusal_is_named():
    case_oracle = oracles.CaseOracle(SCALAR_CASE.inputs)
    x = np.array(SCALAR_CASE.inputs["x"], dtype=np.float64)
    kinds = [_decoded(case_oracle.answer({"type": "evaluate", "call": 0}, [x]))[0]["type"]
             for _ in range(case_oracle.log.cap + 5)]
    assert kinds == ["answer"] * case_oracle.log.cap + ["refused"] * 5
    assert case_oracle.log.refused.startswith(oracle.TOO_MANY)
    assert case_oracle.log.cap == oracle.CAP_FACTOR * 2 * x.size + oracle.CAP_SLACK


def test_an_oversized_point_is_refused_without_evaluating_f(monkeypatch):
    def must_not_run(*args, **kwargs):
        raise AssertionError("f evaluated on a refused point")
    monkeypatch.setattr(oracle, "evaluate", must_not_run)
    case_oracle = oracles.CaseOracle(SCALAR_CASE.inputs)
    huge = np.zeros((2000, 2000))
    header, _ = _decoded(case_oracle.answer({"type": "evaluate", "call": 0}, [huge]))
    assert header["type"] == "refused" and "shape (2000, 2000)" in header["message"]
    header, _ = _decoded(case_oracle.answer({"type": "evaluate", "call": 0}, [np.zeros(SHAPE, np.float32)]))
    assert header["type"] == "refused"


def test_a_case_without_f_refuses_every_request():
    plain = next(c for c in SUITE if "f" not in c.inputs)
    header, _ = _decoded(oracles.CaseOracle(plain.inputs).answer({"type": "evaluate", "call": 0},
                                                                  [np.zeros(3)]))
    assert header["type"] == "refused"


def test_the_parameters_of_f_never_enter_the_plan():
    planned = [launcher.PlannedCase(c.function, c.probe, c.inputs) for c in SUITE]
    plan = launcher._plan_bytes([{"source": "", "filename": "s.py"}], planned, 0, launcher.Limits(), "m")
    secret = [value for c in WITH_F for value in c.inputs["f"]["params"].values()]
    assert len(secret) >= 10
    for value in secret:
        assert np.ascontiguousarray(value).tobytes() not in plan
    # The check can fail: the inputs the child needs are there, byte for byte.
    assert np.ascontiguousarray(SCALAR_CASE.inputs["x"]).tobytes() in plan
    assert all("params" not in oracles.child_inputs(c.inputs)["f"] for c in WITH_F)
    assert all("params" in c.inputs["f"] for c in WITH_F), "the grader's own copy keeps them"


def test_settle_puts_the_graders_record_in_place_of_the_childs():
    case_oracle = oracles.CaseOracle(SCALAR_CASE.inputs)
    x = np.array(SCALAR_CASE.inputs["x"], dtype=np.float64)
    case_oracle.answer({"type": "evaluate", "call": 0}, [x])
    forged = compare.decode_outputs(*compare.encode_outputs(
        {"grad": np.zeros(SHAPE), "evaluations": {"points": np.zeros((50,) + SHAPE), "calls": np.zeros(50, int),
                                                  "refused": ""}}))
    outcome = case_oracle.settle(launcher.CaseOutcome("ok", outputs=forged))
    assert outcome.outputs["evaluations"].value["points"].value.shape == (1,) + SHAPE

    refused = oracles.CaseOracle(SCALAR_CASE.inputs)
    refused.answer({"type": "evaluate", "call": 0}, [np.zeros(3)])
    outcome = refused.settle(launcher.CaseOutcome("error", message="Refused: ..."))
    assert outcome.status == "ok" and "shape (3,)" in outcome.outputs["evaluations"].value["refused"].value


class _Stalled:
    """A child that never reads its stdin: the pipe fills up."""

    def __init__(self):
        read_end, write_end = os.pipe()
        self.keep = read_end
        self.stdin = os.fdopen(write_end, "wb")
        self.writer = threading.Thread(target=lambda: None)
        self.writer.start()

    def close(self):
        self.stdin.close()
        os.close(self.keep)


def test_a_child_that_stops_reading_its_answers_times_out_by_the_deadline():
    stalled = _Stalled()
    try:
        start = time.monotonic()
        with pytest.raises(TimeoutError):
            oracles.write_reply(stalled.stdin, stalled.writer, b"x" * (4 << 20), time.monotonic() + 0.5)
        assert time.monotonic() - start < 3
    finally:
        stalled.close()
