"""The process that runs a student's submission. It is started by the grader
(inside bubblewrap where available) and speaks only the wire protocol.

stdin  : one message with the plan: the submission's cells, the cases to run
         (probe name and inputs), and resource limits.
stdout : a stream of messages: "loaded" once, then "start" and "result" per
         case, then "done".

Everything the student's code could print goes to /dev/null: the protocol
keeps a private duplicate of the original stdout.
"""

from __future__ import annotations

import os
import traceback

MAX_CELL_ERRORS_SENT = 50   # the grader reports this many; the count says how many more there were


def _apply_limits(limits: dict) -> None:
    import resource

    def cap(which, value):
        try:
            soft, hard = resource.getrlimit(which)
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass

    if limits.get("memory_mb"):
        cap(resource.RLIMIT_AS, int(limits["memory_mb"]) * 1024 * 1024)
    if limits.get("file_bytes"):
        cap(resource.RLIMIT_FSIZE, int(limits["file_bytes"]))
    if limits.get("processes"):
        cap(resource.RLIMIT_NPROC, int(limits["processes"]))
    cap(resource.RLIMIT_CORE, 0)


def _read_exact_from(fd):
    def read_exact(n):
        chunks, remaining = [], n
        while remaining:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                raise EOFError("plan truncated")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    return read_exact


def _plain(received):
    """Unwrap decoded Received values into plain Python/NumPy values."""
    from autograder.sandbox.inside.wire import Received

    if isinstance(received, Received):
        return _plain(received.value)
    if isinstance(received, list):
        return [_plain(v) for v in received]
    if isinstance(received, dict):
        return {k: _plain(v) for k, v in received.items()}
    return received


def describe_exception(exc: BaseException, source_names: set[str]) -> dict:
    """Exception type, message and the innermost line of the submission involved."""
    where = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename in source_names:
            where = {"file": frame.filename, "line": frame.lineno, "code": (frame.line or "")[:200]}
    if isinstance(exc, SyntaxError) and exc.filename in source_names:
        where = {"file": exc.filename, "line": exc.lineno, "code": (exc.text or "").strip()[:200]}
    message = str(exc)
    if len(message) > 1000:
        message = message[:1000] + "..."
    return {"type": type(exc).__name__, "message": message, "where": where}


class _QuietIPython:
    """Stands in for ``get_ipython()``: notebook cells are rewritten by IPython's
    transformer into calls like ``get_ipython().run_line_magic(...)``, which do
    nothing here (no shell, no plots, no help pages)."""

    def __call__(self):
        return self

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


_QuietIPython = _QuietIPython()


class CellTimeout(BaseException):
    """Raised inside a notebook cell that ran past its time at load."""


class CellExit(BaseException):
    """Raised instead of ending the process when a notebook cell exits while loading."""


class _CellBox:
    """Runs notebook cells one at a time, each stopped after ``seconds``, with
    ``os._exit``, ``os.abort`` and ``sys.exit`` raising ``CellExit`` instead of
    ending the process: an experiment cell that hangs or exits costs that cell,
    not the functions the other cells define (as when Jupyter runs each cell).

    A cell that swallows ``CellTimeout`` in a loop, resets the timer, or kills
    the process another way still stops the load; the supervisor's load limit
    then applies as for a ``.py`` file."""

    def __init__(self, seconds: float):
        import posix
        import signal
        import sys

        self.seconds = float(seconds)
        self.armed = False
        self.signal = signal
        self.previous_handler = signal.signal(signal.SIGALRM, self._on_alarm)
        self.saved = [(os, "_exit", os._exit), (os, "abort", os.abort), (posix, "_exit", posix._exit),
                      (posix, "abort", posix.abort), (sys, "exit", sys.exit)]

        def refuse(what):
            def refused(*args, **kwargs):
                raise CellExit(f"called {what} while loading; the grader stopped that cell instead of the process")
            return refused

        for module, name, _ in self.saved:
            setattr(module, name, refuse(f"{module.__name__ if module is not posix else 'os'}.{name}"))

    def _on_alarm(self, signum, frame):
        # A signal that arrives after the cell ended (delivered late) must not hit the grader's own code.
        if self.armed:
            raise CellTimeout(f"did not finish within {self.seconds:.3g} s and was stopped")

    def run(self, code, namespace) -> None:
        self.armed = True
        self.signal.setitimer(self.signal.ITIMER_REAL, self.seconds)
        try:
            exec(code, namespace)
        finally:
            self.signal.setitimer(self.signal.ITIMER_REAL, 0)
            self.armed = False

    def close(self) -> None:
        self.signal.setitimer(self.signal.ITIMER_REAL, 0)
        self.armed = False
        self.signal.signal(self.signal.SIGALRM, self.previous_handler)
        for module, name, original in self.saved:
            setattr(module, name, original)


def main() -> None:
    from autograder.sandbox.inside import compare, oracle, probes, wire
    import numpy as np  # noqa: F401  (imported before student code runs)

    protocol_fd = os.dup(1)
    plan_header, plan_arrays = wire.read_message(_read_exact_from(0))
    plan = _plain(wire.decode_value(plan_header["plan"], plan_arrays))
    reply_fd = os.dup(0)   # the grader's answers to a gradient check's f; the submission gets an empty stdin
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.environ.setdefault("MPLBACKEND", "Agg")
    _apply_limits(plan.get("limits", {}))

    def send(header, arrays=()):
        data = wire.pack(header, list(arrays))
        view = memoryview(data)
        while view:
            written = os.write(protocol_fd, view)
            view = view[written:]

    notebook = False
    if "source" in plan:
        # The submission's bytes are parsed here, under the sandbox's limits, not in the grader.
        from autograder.sandbox.inside import sources

        source = plan.pop("source")
        notebook = source["kind"] == "notebook"
        try:
            plan["cells"] = sources.cells_of(source["kind"], source["filename"], source["data"].tobytes())
        except sources.SourceError as exc:
            send({"type": "loaded", "cell_errors": [], "refused": str(exc)[:2000]})
            os._exit(0)
        del source

    namespace = {"__name__": plan.get("module_name", "__main__"), "__builtins__": __builtins__,
                 "get_ipython": _QuietIPython}
    source_names = {cell["filename"] for cell in plan["cells"]}
    cell_errors, cell_error_count = [], 0
    # Each notebook cell is time-boxed, as Jupyter runs cells one by one; a .py file's top level stays one unit.
    cell_seconds = plan.get("limits", {}).get("notebook_cell_seconds")
    boxed = _CellBox(cell_seconds) if notebook and cell_seconds else None
    # Cells that took an earlier child down, and where to stop when too many did (cell_restarts.py).
    skip_cells, stop_at_cell = set(plan.get("skip_cells") or ()), plan.get("stop_at_cell") or float("inf")
    try:
        for cell in plan["cells"]:
            if boxed is not None:
                if cell.get("number") in skip_cells or cell.get("number", 0) >= stop_at_cell:
                    continue
                send({"type": "cell", "number": cell.get("number")})   # so the supervisor knows whom to skip
            try:
                code = compile(cell["source"], cell["filename"], "exec")
                if boxed is None:
                    exec(code, namespace)
                else:
                    boxed.run(code, namespace)
            except BaseException as exc:  # noqa: BLE001 - a student cell may raise anything, even SystemExit
                cell_error_count += 1
                if len(cell_errors) < MAX_CELL_ERRORS_SENT:
                    error = describe_exception(exc, source_names)
                    if isinstance(exc, (CellTimeout, CellExit)):
                        error["message"] = f"{cell['filename']} {exc}; the cells after it still ran"
                    cell_errors.append(error)
    finally:
        if boxed is not None:
            boxed.close()   # the graded cases run with the process's own exits and signal handlers
    send({"type": "loaded", "cell_errors": cell_errors, "cell_error_count": cell_error_count})

    # A gradient check's f is evaluated by the grader: requests go out on the protocol, replies come on stdin.
    ask_grader = oracle.remote(send, _read_exact_from(reply_fd))

    def get(name):
        if name == oracle.REMOTE:
            return ask_grader
        fn = namespace.get(name)
        if fn is None:
            raise probes.ProbeError(f"function `{name}` is not defined in the submission")
        if not callable(fn):
            raise probes.ProbeError(f"`{name}` in the submission is a {type(fn).__name__}, not a function")
        return fn

    for case in plan["cases"]:
        send({"type": "start", "case": case["index"]})
        try:
            tree, arrays = compare.encode_outputs(probes.PROBES[case["probe"]](get, case["inputs"]))
            send({"type": "result", "case": case["index"], "outputs": tree}, arrays)
        except BaseException as exc:  # noqa: BLE001
            kind = "probe" if isinstance(exc, probes.ProbeError) else "exception"
            send({"type": "result", "case": case["index"], "error": dict(describe_exception(exc, source_names), kind=kind)})
    send({"type": "done"})
    os._exit(0)


if __name__ == "__main__":
    main()
