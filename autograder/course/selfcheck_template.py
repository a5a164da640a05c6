"""Self-check for this assignment: runs one of your functions on a few fixed
inputs and compares what it returns with stored answers.

In the notebook:

    from selfcheck import check
    check("sgd", sgd)

It prints one line per case (PASS or FAIL, and the relative error to the
expected output) and, when your output matches a known mistake, names it.
The expected outputs are in ``selfcheck_data.npz`` next to this file; they
were computed from the course's reference implementations when the
assignment was released. This file holds no solutions.

Passing the self-check is a good sign, not the grade: the hidden tests run
more cases, with other inputs.

The folder ``selfcheck_lib`` next to this file is a verbatim copy of the
grader's own ``autograder/sandbox/inside`` modules: the probes that call your
function exactly as the grader does, the wire format its outputs are decoded
through, and the comparison and judging that decide. The grader runs the same code.

(Released by ``python -m autograder release`` from ``autograder/course/selfcheck_template.py``.)
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sys
import threading
import traceback
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from selfcheck_lib import compare, judging, probes  # noqa: E402  (found next to this file)

DATA_FILE = os.path.join(HERE, "selfcheck_data.npz")
LIBRARY = os.path.join(HERE, "selfcheck_lib")
# A self-check normally takes well under a second; this only stops an endless loop.
TIME_LIMIT = 10.0
MESSAGE_WIDTH = 240

_loaded = None


class _NotImplementedYet(Exception):
    def __init__(self, function):
        super().__init__(function)
        self.function = function


class _TooSlow(BaseException):
    """Raised by the timer inside the student's code; not an Exception, so their `except Exception` lets it through."""


def _data():
    global _loaded
    if _loaded is None:
        with np.load(DATA_FILE, allow_pickle=False) as stored:
            arrays = {key: stored[key] for key in stored.files}
        _loaded = (json.loads(str(arrays.pop("manifest"))), arrays)
    return _loaded


def _tree(node, arrays):
    """Rebuild stored data: {"@": key} stands for an array in the data file."""
    if isinstance(node, dict):
        if list(node) == ["@"]:
            return np.array(arrays[node["@"]], copy=True)
        return {key: _tree(value, arrays) for key, value in node.items()}
    if isinstance(node, list):
        return [_tree(value, arrays) for value in node]
    return node


def _describe(value):
    if value is None:
        return "None"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"an object of type {type(value).__name__}"


def _getter(name, fn, namespace):
    """The probe asks for functions by name: yours under check, others from the notebook."""
    def get(wanted):
        f = fn if wanted == name else namespace.get(wanted)
        if f is None or not callable(f):
            raise probes.ProbeError(f"this check also calls your `{wanted}`, which is not defined: run its cell first")

        def call_student(*args, **kwargs):
            try:
                return f(*args, **kwargs)
            except NotImplementedError:
                raise _NotImplementedYet(wanted) from None
        return call_student
    return get


@contextlib.contextmanager
def _time_limit(seconds):
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def stop(signum, frame):
        raise _TooSlow()

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _where(exc):
    """' (line N of your code)' for the innermost frame outside this file."""
    here = os.path.abspath(__file__)
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.path.abspath(f.filename) != here and not os.path.abspath(f.filename).startswith(LIBRARY + os.sep)]
    return f" (line {frames[-1].lineno} of your code)" if frames else ""


def _run_case(case, arrays, get):
    """One row {"name", "passed", "error" (relative error or None), "message", "diagnoses", "mistake_ids"},
    and what the student's code printed meanwhile."""
    row = {"name": case["name"], "passed": False, "error": None, "message": "", "diagnoses": [], "mistake_ids": []}
    inputs = _tree(case["inputs"], arrays)
    printed = io.StringIO()
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"), contextlib.redirect_stdout(printed):
            warnings.simplefilter("ignore")
            # A case's second part runs here in the same process (the grader runs it in another sandbox).
            outputs = compare.observe(case["probe"], get, inputs, replica=case.get("replica"))
    except (_NotImplementedYet, _TooSlow):
        raise
    except probes.ProbeError as exc:
        row["message"] = str(exc)
        return row, printed.getvalue()
    except Exception as exc:  # noqa: BLE001 - whatever the student's code raises is a failed case
        row["message"] = f"raised {type(exc).__name__}: {exc}{_where(exc)}"
        return row, printed.getvalue()
    judgement = judge_stored(case, arrays, outputs, inputs)
    row.update(passed=judgement.passed, error=judgement.error, message="" if judgement.passed else judgement.message,
               diagnoses=[m[1] for m in judgement.mistakes], mistake_ids=[m[0] for m in judgement.mistakes])
    return row, printed.getvalue()


def judge_stored(case, arrays, outputs, inputs=None):
    """The grader's judging (selfcheck_lib/judging.py) of a stored case on decoded outputs."""
    inputs = _tree(case["inputs"], arrays) if inputs is None else inputs
    return judging.judge(_tree(case["entry"], arrays), outputs, inputs)


def run_checks(name, fn, namespace=None):
    """The self-check as data: (status, detail).

    "ok": detail is (rows, number of lines the student's code printed); "not implemented":
    the name of the function that still raises NotImplementedError; "too slow": the rows
    done before the time limit; "unknown": the names that have a self-check.
    """
    manifest, arrays = _data()
    cases = manifest["functions"].get(name)
    if cases is None:
        return "unknown", sorted(manifest["functions"])
    get = _getter(name, fn, namespace if namespace is not None else {})
    rows, printed = [], 0
    try:
        with _time_limit(TIME_LIMIT):
            for case in cases:
                row, text = _run_case(case, arrays, get)
                printed += len(text.splitlines())
                rows.append(row)
    except _NotImplementedYet as exc:
        return "not implemented", exc.function
    except _TooSlow:
        return "too slow", rows
    return "ok", (rows, printed)


def check(name, fn):
    """Run the self-check of the graded function ``name`` on your ``fn`` and print a table."""
    if not callable(fn):
        print(f"check({name!r}, ...): the second argument must be your function, not {_describe(fn)}.")
        return
    try:
        namespace = sys._getframe(1).f_globals
    except (AttributeError, ValueError):
        namespace = {}
    if not os.path.exists(DATA_FILE):
        print(f"The self-check data file {os.path.basename(DATA_FILE)} is missing; it belongs next to selfcheck.py "
              f"in the released assignment folder.")
        return
    status, detail = run_checks(name, fn, namespace)
    if status == "unknown":
        print(f"There is no self-check called {name!r}; the graded functions are: {', '.join(detail)}.")
    elif status == "not implemented":
        if detail == name:
            print(f"{name}: not implemented yet (it still raises NotImplementedError).")
        else:
            print(f"{name}: this check runs your `{detail}` too, which is not implemented yet.")
    elif status == "too slow":
        print(f"{name}: stopped after {TIME_LIMIT:g} s (a self-check takes well under a second): "
              f"is there an endless loop?")
    else:
        print(_table(name, *detail))


def _table(name, rows, printed):
    passed = sum(r["passed"] for r in rows)
    width = max(len(r["name"]) for r in rows)
    lines = [f"Self-check of {name}: {passed} of {len(rows)} cases pass"]
    for r in rows:
        error = "" if r["error"] is None else f"rel. error {r['error']:.1e}"
        lines.append(f"  {'PASS' if r['passed'] else 'FAIL'}  {r['name'].ljust(width)}  {error}".rstrip())
        if not r["passed"] and r["message"]:
            message = r["message"] if len(r["message"]) <= MESSAGE_WIDTH else r["message"][:MESSAGE_WIDTH - 3] + "..."
            lines.append(f"        {message}")
        if len(r["diagnoses"]) == 1:
            lines.append(f"        looks like a known mistake: {r['diagnoses'][0]}")
        elif r["diagnoses"]:
            lines.append("        looks like one of these known mistakes:")
            lines += [f"          - {d}" for d in r["diagnoses"]]
    if printed:
        lines.append(f"  (your code printed {printed} line(s) during the check; they are not shown)")
    if passed == len(rows):
        lines.append("  The hidden tests run more cases; this is a good sign, not the grade.")
    return "\n".join(lines)
