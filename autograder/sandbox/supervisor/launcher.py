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
import time

from autograder.sandbox.inside import wire
from autograder.sandbox.supervisor.detect import detect_isolation
from autograder.sandbox.supervisor.sandboxes import Isolation
from autograder.sandbox.supervisor.limits import Limits  # noqa: F401  (re-exported: launcher.Limits)



@dataclasses.dataclass
class PlannedCase:
    """One call of a probe, as the child will run it."""

    function: str
    probe: str
    inputs: dict


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
    isolation_detail: dict | None = None   # what held for every child of the session (Sandbox.applied)


def _weakest(seen: dict | None, applied: dict) -> dict:
    """The protections that held for all the children of a session: a result
    may only claim what every child had (a cgroup can fail to be created for one)."""
    if seen is None:
        return dict(applied)
    if not applied["cgroups"] and seen["cgroups"]:
        seen, applied = applied, seen
    return {key: (seen[key] and applied[key]) if isinstance(seen[key], bool) else seen[key] for key in seen}


class _ChildDied(Exception):
    pass


# A child may legitimately send large arrays, but not without end.
MAX_PROTOCOL_BYTES = 1 << 30

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
            self.proc.stdin.close()
        except (BrokenPipeError, OSError, ValueError):
            pass

    def read_message(self, deadline: float):
        def read_exact(n):
            while len(self.buffer) < n:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                if not self.selector.select(timeout=min(remaining, 1.0)):
                    continue
                try:
                    chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
                except BlockingIOError:
                    continue
                if not chunk:
                    raise _ChildDied
                self.buffer.extend(chunk)
                self.bytes_read += len(chunk)
                if self.bytes_read > MAX_PROTOCOL_BYTES:
                    raise wire.WireError(f"the submission sent more than {MAX_PROTOCOL_BYTES >> 20} MB of results")
            data = bytes(self.buffer[:n])
            del self.buffer[:n]
            return data

        return wire.read_message(read_exact)

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


def _plan_bytes(cells, cases, start, limits, module_name):
    arrays: list = []
    plan = {
        "cells": cells,
        "module_name": module_name,
        "limits": {"memory_mb": limits.memory_mb, "file_bytes": limits.output_bytes,
                   "processes": limits.processes},
        "cases": [{"index": i, "probe": c.probe, "inputs": c.inputs} for i, c in enumerate(cases) if i >= start],
    }
    tree = wire.encode_value(plan, arrays)
    return wire.pack({"type": "plan", "plan": tree}, arrays)


def _decode_outputs(header, arrays):
    tree = header.get("outputs")
    value = wire.decode_value(tree, arrays)
    if value.kind != "dict":
        raise wire.WireError("outputs are not a dict")
    return value.value


def run_cases(cells: list[dict], cases: list[PlannedCase], limits: Limits | None = None,
              isolation: Isolation | None = None, module_name: str = "__main__") -> SessionResult:
    """Run every case against the submission made of ``cells``; never raises for student behaviour."""
    limits = limits or Limits()
    isolation = isolation or detect_isolation()
    outcomes: list[CaseOutcome | None] = [None] * len(cases)
    cell_errors: list[dict] = []
    start = 0
    first_session = True
    detail = None
    while start < len(cases):
        child = _Child(_plan_bytes(cells, cases, start, limits, module_name), isolation, limits)
        detail = _weakest(detail, child.sandbox.applied)
        try:
            try:
                header, _ = child.read_message(time.monotonic() + max(limits.timeout, 10.0))
                if header.get("type") != "loaded":
                    raise wire.WireError("expected the 'loaded' message")
                if first_session:
                    errors = header.get("cell_errors", [])
                    cell_errors = [e for e in errors if isinstance(e, dict)][:50]
            except (TimeoutError, _ChildDied, wire.WireError, EOFError) as exc:
                reason = _load_failure(exc, child, limits)
                for i in range(start, len(cases)):
                    outcomes[i] = CaseOutcome("timeout" if isinstance(exc, TimeoutError) else "error", message=reason)
                return SessionResult(outcomes, cell_errors, load_problem=reason, isolation=isolation.level,
                                     isolation_detail=detail)
            first_session = False
            start = _read_cases(child, cases, start, outcomes, limits)
        finally:
            child.kill()
    return SessionResult(outcomes, cell_errors, isolation=isolation.level, isolation_detail=detail)


def _load_failure(exc, child, limits) -> str:
    if isinstance(exc, TimeoutError):
        return f"the submission did not finish loading within {max(limits.timeout, 10.0):g} s (a loop at top level?)"
    if isinstance(exc, _ChildDied):
        return "the submission could not be loaded: " + child.death_note()
    return f"the submission broke the grading protocol while loading ({exc})"


def _read_cases(child: _Child, cases, start, outcomes, limits) -> int:
    """Read results until the child finishes or fails; return where the next child must start."""
    expected = start
    while expected < len(cases):
        try:
            header, arrays = child.read_message(time.monotonic() + limits.timeout)
            kind = header.get("type")
            if kind == "start":
                if header.get("case") != expected:
                    raise wire.WireError("cases out of order")
                header, arrays = child.read_message(time.monotonic() + limits.timeout)
                kind = header.get("type")
            if kind != "result" or header.get("case") != expected:
                raise wire.WireError(f"unexpected message {kind!r}")
            if "error" in header:
                error = header["error"] if isinstance(header["error"], dict) else {}
                outcomes[expected] = CaseOutcome("error", message=_describe_error(error), error=error)
            else:
                outcomes[expected] = CaseOutcome("ok", outputs=_decode_outputs(header, arrays))
            expected += 1
        except TimeoutError:
            return _skip_function(cases, outcomes, expected, "timeout",
                                  f"did not return within {limits.timeout:g} s; the process was killed")
        except _ChildDied:
            return _skip_function(cases, outcomes, expected, "error", child.death_note() + " during this test")
        except (wire.WireError, EOFError) as exc:
            return _skip_function(cases, outcomes, expected, "error", f"the submission corrupted the results ({exc})")
    return expected


def _skip_function(cases, outcomes, index, status, message) -> int:
    outcomes[index] = CaseOutcome(status, message=message)
    function = cases[index].function
    nxt = index + 1
    while nxt < len(cases) and cases[nxt].function == function:
        outcomes[nxt] = CaseOutcome(status, message=f"not run: an earlier test of `{function}` failed this way: {message}")
        nxt += 1
    return nxt


def _describe_error(error: dict) -> str:
    etype = str(error.get("type", "Exception"))
    message = str(error.get("message", ""))
    where = error.get("where")
    text = message if error.get("kind") == "probe" else f"{etype}: {message}"
    if isinstance(where, dict) and where.get("line"):
        text += f" (line {where['line']} of {where.get('file', 'the submission')}"
        if where.get("code"):
            text += f": `{where['code']}`"
        text += ")"
    return text
