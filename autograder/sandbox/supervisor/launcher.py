"""Grader-side supervision of the sandboxed child.

``run_cases`` starts the child, streams the plan to it and reads results with a
deadline per case. If a case hangs or the child dies, everything the child
started is killed, that case is marked, the remaining cases of the same
function are skipped (they would most likely hang or crash too) and a fresh
child carries on with the next function. So a crash or hang in one graded
function costs only that function's tests.
"""

from __future__ import annotations

import dataclasses
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading

import numpy as np

from autograder.sandbox.inside import wire
from autograder.sandbox.supervisor import cpu_budget, detect, oracles
from autograder.sandbox.supervisor.sandboxes import Isolation, weakest_protections
from autograder.sandbox.supervisor.cell_restarts import SessionLoad
from autograder.sandbox.supervisor.limits import Limits  # (re-exported: launcher.Limits)


@dataclasses.dataclass
class PlannedCase:
    """One call of a probe, as the child will run it."""

    function: str
    probe: str
    inputs: dict
    budget_s: float | None = None       # seconds the child may take on it (at most limits.timeout)
    stop_message: str | None = None     # the test's message when that budget stops it


@dataclasses.dataclass
class CaseOutcome:
    status: str                 # "ok", "error", "timeout"
    outputs: dict | None = None  # name -> wire.Received, when status == "ok"
    message: str = ""
    error: dict | None = None   # the child's description of an exception


@dataclasses.dataclass
class SessionResult:
    outcomes: list[CaseOutcome]
    cell_errors: list[dict]
    load_problem: str | None = None   # set when the submission could not even be loaded
    isolation: str = "full"
    cell_error_count: int = 0         # cells that raised (cell_errors keeps the first MAX_CELL_ERRORS)
    isolation_detail: dict | None = None   # what held for every child of the session (Sandbox.applied)


class _ChildDied(Exception):
    pass


# A child may legitimately send large arrays, but not without end.
MAX_PROTOCOL_BYTES = 1 << 30
# One result message: a probe returns a few arrays and numbers, so its JSON header
# is small; these bound what one message can make the grader allocate (a JSON
# header takes about ten times its size once parsed).
MAX_RESULT_HEADER_BYTES = 4 << 20
MAX_RESULT_ARRAY_BYTES = 64 << 20
# Whatever text the child sends (error messages, code lines, file names) is the
# student's to choose: it is cut to these lengths before it is kept anywhere.
MAX_MESSAGE_CHARS = 1000
MAX_NAME_CHARS = 200
MAX_CELL_ERRORS = 50
SMALL_READ_BYTES = 1 << 20   # reads up to this size go through a buffer; larger ones straight into their array

# Pids that survived a kill (should stay empty; tests look at it).
LEFTOVERS: list[int] = []


class _Child:
    """One running child process and a non-blocking reader of its messages."""

    def __init__(self, plan_bytes: bytes, isolation: Isolation, limits: Limits):
        self.limits = limits
        self.stderr_file = tempfile.TemporaryFile(prefix="autograder-stderr-")
        self.sandbox = isolation.start(limits, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=self.stderr_file)
        self.proc = self.sandbox.proc
        self.selector = selectors.DefaultSelector()
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.selector.register(self.proc.stdout, selectors.EVENT_READ)
        self.buffer = bytearray()
        self.bytes_read = 0
        # A writer thread, so a child that never reads its plan cannot block us.
        self.writer = threading.Thread(target=self._write_plan, args=(plan_bytes,), daemon=True)
        self.writer.start()

    def _write_plan(self, data: bytes):
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()   # left open: a gradient check's f is answered on it (oracles.py)
        except (BrokenPipeError, OSError, ValueError):
            pass

    def _wait_readable(self, deadline) -> bool:
        remaining = cpu_budget.remaining(deadline)   # a time.monotonic() value, or a case's CaseDeadline
        if remaining <= 0:
            raise TimeoutError
        return bool(self.selector.select(timeout=min(remaining, 1.0)))

    def _count(self, got: int):
        if not got:
            raise _ChildDied
        self.bytes_read += got
        if self.bytes_read > MAX_PROTOCOL_BYTES:
            raise wire.WireError(f"the submission sent more than {MAX_PROTOCOL_BYTES >> 20} MB of results")

    def read_message(self, deadline: float):
        fd = self.proc.stdout.fileno()

        def read_exact(n):
            if n > SMALL_READ_BYTES and len(self.buffer) < n:
                return read_large(n)
            while len(self.buffer) < n:
                if not self._wait_readable(deadline):
                    continue
                try:
                    chunk = os.read(fd, SMALL_READ_BYTES)
                except BlockingIOError:
                    continue
                self._count(len(chunk))
                self.buffer.extend(chunk)
            # One copy, writable, so the decoder can wrap it as an array without another.
            data = self.buffer[:n]
            del self.buffer[:n]
            return data

        def read_large(n):
            # Straight into the array's own memory: an array of n bytes costs n bytes, once.
            data = bytearray(n)
            view = memoryview(data)
            have = len(self.buffer)
            view[:have] = self.buffer
            self.buffer = bytearray()
            while have < n:
                if not self._wait_readable(deadline):
                    continue
                try:
                    got = os.readv(fd, [view[have:]])
                except BlockingIOError:
                    continue
                self._count(got)
                have += got
            view.release()
            return data

        return wire.read_message(read_exact, MAX_RESULT_HEADER_BYTES, MAX_RESULT_ARRAY_BYTES)

    def death_note(self) -> str:
        """How the child ended, in words."""
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "the submission's process stopped answering"
        signum = -code if code < 0 else None
        if code > 128 and self.sandbox.isolation.level == "full":
            signum = code - 128   # bwrap exits with 128 + the signal that killed the child
        if signum == signal.SIGKILL and self.sandbox.oom_killed():
            return (f"the submission's process was killed for going over the memory limit "
                    f"of {self.limits.memory_mb} MB")
        if signum is not None:
            sig = signal.Signals(signum).name if signum in signal.Signals._value2member_map_ else str(signum)
            hint = {"SIGKILL": " (killed: most often the memory limit)", "SIGSEGV": " (segmentation fault)",
                    "SIGXFSZ": " (wrote a file larger than allowed)", "SIGXCPU": " (CPU time limit)"}.get(sig, "")
            return f"the submission's process was killed by {sig}{hint}"
        return f"the submission's process exited with code {code} (for example through os._exit or sys.exit)"

    def kill(self):
        survivors = self.sandbox.kill()
        if survivors:
            LEFTOVERS.extend(survivors)
            print(f"autograder: WARNING: processes {survivors} of a submission could not be killed",
                  file=sys.stderr)
        for stream in (self.proc.stdout, self.proc.stdin):
            try:
                stream.close()
            except OSError:
                pass
        self.selector.close()
        self.stderr_file.close()


@dataclasses.dataclass
class SourceFile:
    """A submission as the child turns it into cells: ``kind`` is "python" or "notebook"."""

    kind: str
    filename: str
    data: bytes


def _plan_bytes(cells, cases, start, limits, module_name, load_fields=None, cell_seconds=None):
    arrays: list = []
    if isinstance(cells, SourceFile):
        # Raw bytes as an array: the child parses and converts them under its own limits.
        code = {"source": {"kind": cells.kind, "filename": cells.filename,
                           "data": np.frombuffer(cells.data, dtype=np.uint8)}}
    else:
        code = {"cells": cells}
    plan = {
        **code,
        "module_name": module_name, **(load_fields or {}),   # cells to skip (cell_restarts.py)
        "limits": {"memory_mb": limits.memory_mb, "file_bytes": limits.output_bytes,
                   "processes": limits.processes, "notebook_cell_seconds": cell_seconds},
        "cases": [{"index": i, "probe": c.probe, "inputs": oracles.child_inputs(c.inputs)}
                  for i, c in enumerate(cases) if i >= start],
    }
    tree = wire.encode_value(plan, arrays)
    return wire.pack({"type": "plan", "plan": tree}, arrays)


def _decode_outputs(header, arrays):
    tree = header.get("outputs")
    value = wire.decode_value(tree, arrays)
    if value.kind != "dict":
        raise wire.WireError("outputs are not a dict")
    return value.value


def run_cases(cells: list[dict] | SourceFile, cases: list[PlannedCase], limits: Limits | None = None,
              isolation: Isolation | None = None, module_name: str = "__main__", on_outcome=None) -> SessionResult:
    """Run every case against the submission (``cells``, or a ``SourceFile`` the child
    converts); never raises for student behaviour.

    ``on_outcome(index, outcome)``, when given, is called as each case's outcome
    arrives, and the outcome's decoded outputs are dropped afterwards: the grader
    then holds one case's arrays at a time, not every case's.
    """
    limits = limits or Limits()

    def settle(index, outcome):
        if on_outcome is not None:
            on_outcome(index, outcome)
            outcome.outputs = None
        outcomes[index] = outcome

    isolation = isolation or detect.detect_isolation()
    outcomes: list[CaseOutcome | None] = [None] * len(cases)
    cell_errors: list[dict] = []
    cell_error_count = 0
    start = 0
    first_session = True
    detail = None
    loading = SessionLoad(isinstance(cells, SourceFile) and cells.kind == "notebook",   # a notebook cell that
                          getattr(cells, "filename", ""), limits.timeout)   # takes its child down is skipped

    def start_child(load_fields):
        nonlocal detail
        plan = _plan_bytes(cells, cases, start, limits, module_name, load_fields, loading.cell_seconds)
        child = _Child(plan, isolation, limits)
        detail = weakest_protections(detail, child.sandbox.applied)
        return child

    while start < len(cases):
        try:
            try:
                header = loading.load(start_child, _ChildDied)
                refused = header.get("refused")
                if refused is not None:
                    reason = clean_text(refused, MAX_MESSAGE_CHARS)
                    for i in range(start, len(cases)):
                        settle(i, CaseOutcome("error", message=f"not run: {reason}"))
                    return SessionResult(outcomes, cell_errors, load_problem=reason, isolation=isolation.level)
                if first_session:
                    cell_errors = clean_cell_errors(header.get("cell_errors"))
                    count = header.get("cell_error_count")
                    cell_error_count = max(len(cell_errors), count if isinstance(count, int)
                                           and not isinstance(count, bool) and count < 10**9 else 0)
                    cell_errors = (clean_cell_errors(loading.skipped_errors()) + cell_errors)[:MAX_CELL_ERRORS]
                    cell_error_count += len(loading.skipped)
            except (TimeoutError, _ChildDied, wire.WireError, EOFError) as exc:
                reason = loading.describe_failure(exc, _ChildDied)
                for i in range(start, len(cases)):
                    settle(i, CaseOutcome("timeout" if isinstance(exc, TimeoutError) else "error", message=reason))
                return SessionResult(outcomes, cell_errors, load_problem=reason, isolation=isolation.level,
                                     cell_error_count=cell_error_count, isolation_detail=detail)
            first_session = False
            start = _read_cases(loading.child, cases, start, settle, limits)
        finally:
            loading.kill()
    return SessionResult(outcomes, cell_errors, isolation=isolation.level, cell_error_count=cell_error_count,
                         isolation_detail=detail)


def _read_cases(child: _Child, cases, start, settle, limits) -> int:
    """Read results until the child finishes or fails; return where the next child must start."""
    expected = start
    while expected < len(cases):
        deadline = cpu_budget.CaseDeadline(child.sandbox, cases[expected].budget_s, limits.timeout)  # from 'start'
        try:
            header, arrays = child.read_message(deadline.restart())
            kind = header.get("type")
            if kind != "start" or header.get("case") != expected:
                raise wire.WireError("cases out of order" if kind == "start" else f"unexpected message {kind!r}")
            header, arrays, case_oracle = oracles.serve(child, cases[expected].inputs, deadline.restart())
            kind = header.get("type")
            if kind != "result" or header.get("case") != expected:
                raise wire.WireError(f"unexpected message {kind!r}")
            if "error" in header:
                error = clean_error(header["error"])
                outcome = CaseOutcome("error", message=_describe_error(error), error=error)
            else:
                outcome = CaseOutcome("ok", outputs=_decode_outputs(header, arrays))
            del header, arrays
            settle(expected, case_oracle.settle(outcome))
            expected += 1
        except TimeoutError:
            return _skip_function(cases, settle, expected, "timeout", deadline.stop_message(cases[expected]))
        except _ChildDied:
            return _skip_function(cases, settle, expected, "error", child.death_note() + " during this test")
        except (wire.WireError, EOFError) as exc:
            return _skip_function(cases, settle, expected, "error",
                                  f"the submission corrupted the results ({clean_text(exc, MAX_MESSAGE_CHARS)})")
    return expected


def _skip_function(cases, settle, index, status, message) -> int:
    settle(index, CaseOutcome(status, message=message))
    function = cases[index].function
    nxt = index + 1
    while nxt < len(cases) and cases[nxt].function == function:
        settle(nxt, CaseOutcome(status, message=f"not run: an earlier test of `{function}` failed this way: {message}"))
        nxt += 1
    return nxt


# ------------------------------------------------ what the child says, cleaned --

def clean_text(value, limit: int) -> str:
    """``value`` as text of at most ``limit`` characters, without control characters
    other than newline and tab (the child may send anything)."""
    text = value if isinstance(value, str) else str(value) if isinstance(value, (int, float, BaseException)) else ""
    if len(text) > limit:
        text = text[:limit] + "..."
    return "".join(ch if ch in "\n\t" or (ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF) else "\ufffd"
                   for ch in text)


def _clean_where(where) -> dict | None:
    if not isinstance(where, dict):
        return None
    line = where.get("line")
    return {"file": clean_text(where.get("file", ""), MAX_NAME_CHARS),
            "line": line if isinstance(line, int) and not isinstance(line, bool) and 0 < line < 10**9 else None,
            "code": clean_text(where.get("code", ""), MAX_NAME_CHARS)}


def clean_error(error) -> dict:
    """A child's description of an exception, with each field of the right type and length."""
    error = error if isinstance(error, dict) else {}
    cleaned = {"type": clean_text(error.get("type", "Exception"), MAX_NAME_CHARS) or "Exception",
               "message": clean_text(error.get("message", ""), MAX_MESSAGE_CHARS),
               "where": _clean_where(error.get("where"))}
    if error.get("kind") in ("probe", "exception"):
        cleaned["kind"] = error["kind"]
    return cleaned


def clean_cell_errors(errors) -> list[dict]:
    """The cell errors of a 'loaded' message: a list of cleaned errors, at most MAX_CELL_ERRORS."""
    if not isinstance(errors, list):
        return []
    return [clean_error(e) for e in errors[:MAX_CELL_ERRORS] if isinstance(e, dict)]


def _describe_error(error: dict) -> str:
    etype = error["type"]
    message = error["message"]
    where = error["where"]
    text = message if error.get("kind") == "probe" else f"{etype}: {message}"
    if where and where["line"]:
        text += f" (line {where['line']} of {where['file'] or 'the submission'}"
        if where["code"]:
            text += f": `{where['code']}`"
        text += ")"
    return text
