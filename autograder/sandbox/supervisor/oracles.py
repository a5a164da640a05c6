"""The grader's side of a gradient check's ``f`` (``inside/oracle.py``): the test
function's parameters stay here, and the child asks for every value over the protocol.

For each case the launcher makes a ``CaseOracle`` from the case's inputs (the grader's,
with the parameters), sends the child ``child_inputs`` (without them), lets ``serve``
answer every "evaluate" message until the case's result arrives, and passes the outcome
through ``CaseOracle.settle``, which puts the grader's own record of the evaluations in
place of whatever the child said.

Everything in a request is the student's to choose: it is checked (the message's form
here; the point's dtype, shape, the call index and the number of evaluations by
``oracle.EvaluationLog``) before the function is evaluated, and a bad request is
answered with a refusal that fails this one case, never with an exception in the grader.
"""

from __future__ import annotations

import os
import select

import numpy as np

from autograder.sandbox.inside import compare, oracle, wire
from autograder.sandbox.supervisor.cpu_budget import remaining

MAX_REFUSAL_CHARS = 1000


def child_inputs(inputs):
    """A case's inputs as the child may see them: its f without the parameters."""
    f_spec = inputs.get("f") if isinstance(inputs, dict) else None
    if isinstance(f_spec, dict) and "params" in f_spec:
        return {**inputs, "f": oracle.public(f_spec)}
    return inputs


def decode_request(header, arrays) -> tuple[object, object]:
    """(call, point) of an "evaluate" message; the point is None unless the message carries exactly one
    array (the log then refuses it). Never raises."""
    call = header.get("call") if isinstance(header, dict) else None
    point = arrays[0] if isinstance(arrays, list) and len(arrays) == 1 else None
    return call, point


def refusal(message: str) -> bytes:
    return wire.pack({"type": "refused", "message": str(message)[:MAX_REFUSAL_CHARS]}, [])


class CaseOracle:
    """One case's f on the grader's side: the parameters, the log, the answers."""

    def __init__(self, inputs):
        f_spec = inputs.get("f") if isinstance(inputs, dict) else None
        self.spec = f_spec if isinstance(f_spec, dict) and "params" in f_spec else None
        self.log = oracle.EvaluationLog(self.spec) if self.spec is not None else None

    def answer(self, header, arrays) -> bytes:
        """The reply to one "evaluate" message: the value, or a refusal saying why."""
        if self.log is None:
            return refusal("this test hands the function no f to evaluate")
        call, point = decode_request(header, arrays)
        if point is None and not self.log.refused:
            count = len(arrays) if isinstance(arrays, list) else 0
            self.log.refused = f"an evaluation of f carried {count} arrays; expected the one point"
        try:
            self.log.record(point, call)
        except oracle.Refused as refused:
            return refusal(str(refused))
        with np.errstate(all="ignore"):
            value = oracle.evaluate(self.spec, point)
        payload: list = []
        tree = wire.encode_value(value, payload)
        return wire.pack({"type": "answer", "value": tree}, payload)

    def settle(self, outcome):
        """``outcome`` with the grader's record of the evaluations as its ``evaluations`` output.

        A case whose evaluations were refused is judged even when the child then reported an
        exception (the refusal raised inside the graded function), so the refusal is named."""
        if self.log is None:
            return outcome
        tree, payload = compare.encode_outputs({"evaluations": self.log.outputs()})
        record = compare.decode_outputs(tree, payload)["evaluations"]
        if outcome.status == "ok" and isinstance(outcome.outputs, dict):
            outcome.outputs["evaluations"] = record
        elif outcome.status == "error" and self.log.refused:
            outcome.status, outcome.outputs, outcome.error = "ok", {"evaluations": record}, None
        return outcome


def write_reply(stream, writer, data: bytes, deadline) -> None:
    """Write ``data`` to the child's stdin by ``deadline`` (TimeoutError otherwise), without
    blocking on a child that stops reading. A closed pipe is left to the next read to report."""
    writer.join(max(0.0, remaining(deadline)))   # the plan goes first
    if writer.is_alive():
        raise TimeoutError
    fd = stream.fileno()
    if os.get_blocking(fd):
        os.set_blocking(fd, False)
    view = memoryview(data)
    while view:
        try:
            # A reply is small and the pipe mostly empty: write first, wait only when it is full.
            view = view[os.write(fd, view):]
            continue
        except BlockingIOError:
            pass
        except OSError:   # the child is gone: reading its next message says how
            return
        left = remaining(deadline)
        if left <= 0:
            raise TimeoutError
        select.select([], [fd], [], min(left, 1.0))


def serve(child, inputs, deadline):
    """After a case's "start": answer its "evaluate" messages until another message comes, by
    ``deadline`` (a ``time.monotonic()`` value or a ``cpu_budget.CaseDeadline``); return that message (header, arrays) and the case's ``CaseOracle``."""
    case_oracle = CaseOracle(inputs)
    header, arrays = child.read_message(deadline)
    while header.get("type") == "evaluate":
        write_reply(child.proc.stdin, child.writer, case_oracle.answer(header, arrays), deadline)
        header, arrays = child.read_message(deadline)
    return header, arrays, case_oracle
