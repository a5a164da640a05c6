"""A notebook cell that defeats its time box or ends its own process costs only that cell.

The child's own time box (SIGALRM) and its refusal of ``os._exit`` cannot stop a cell that
swallows the alarm in a loop, resets the timer, or kills its process (SIGKILL, a segfault).
The supervisor then loads the notebook again without that cell
(``autograder/sandbox/supervisor/cell_restarts.py``). Each notebook here is the correct example
notebook with bad cells added right after adagrad's cell, so that the cells after them
(the schedules) must still run for full marks; graded in the real bubblewrap sandbox.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from autograder import checks, grading
from autograder.sandbox.inside import wire
from autograder.sandbox.supervisor import cell_restarts, launcher, limits
from sandbox_corpus import FAST_TIMEOUT, full_isolation

REPO = Path(__file__).resolve().parents[2]
CORRECT = REPO / "examples" / "submissions" / "optimizers" / "bob_correct.ipynb"

BAD_CELLS = {
    "swallows the alarm in a loop": "import time\nwhile True:\n    try:\n        time.sleep(60)\n"
                                    "    except BaseException:\n        pass\n",
    "switches the timer off": "import signal\nsignal.setitimer(signal.ITIMER_REAL, 0)\n"
                              "signal.setitimer = lambda *a, **k: (0.0, 0.0)\nwhile True:\n    pass\n",
    "ignores SIGALRM": "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass\n",
    "SIGKILLs its process": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
    "segfaults through ctypes": "import ctypes\nctypes.string_at(0)\n",
    "exhausts memory": "import numpy as np\nblocks = []\nwhile True:\n    blocks.append(np.ones(1 << 24))\n",
}
# What the result says about each (a swallowed or switched-off alarm leaves the cell running
# until the supervisor stops it; a dead process is named by its signal; memory ends in
# MemoryError at the address-space limit, or in the cgroup's kill).
SAID = {
    "swallows the alarm in a loop": r"did not finish within [\d.]+ s and was skipped",
    "switches the timer off": r"did not finish within [\d.]+ s and was skipped",
    "ignores SIGALRM": r"did not finish within [\d.]+ s and was skipped",
    "SIGKILLs its process": r"ended its process and was skipped; the cells after it still ran \(the submission's "
                            r"process was killed by SIGKILL",
    "segfaults through ctypes": r"ended its process and was skipped; the cells after it still ran \(the submission's "
                                r"process was killed by SIGSEGV",
    "exhausts memory": r"MemoryError|ended its process and was skipped",
}
MEMORY_MB = 768   # small, so that exhausting it is quick


def _code_cell(source: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": source.splitlines(keepends=True)}


def notebook_with(tmp_path: Path, name: str, bad_cells: list[str]) -> tuple[Path, list[int]]:
    """The correct notebook with ``bad_cells`` inserted after adagrad's cell; their cell numbers (from 1)."""
    nb = json.loads(CORRECT.read_text())
    index = next(i for i, c in enumerate(nb["cells"]) if "def adagrad(" in "".join(c["source"]))
    nb["cells"][index + 1:index + 1] = [_code_cell(source) for source in bad_cells]
    path = tmp_path / f"{name}.ipynb"
    path.write_text(json.dumps(nb))
    return path, [index + 2 + k for k in range(len(bad_cells))]


def grade(path: Path, timeout: float = FAST_TIMEOUT) -> dict:
    options = grading.Options(timeout=timeout, isolation=full_isolation(), budgets=False, memory_mb=MEMORY_MB)
    return grading.grade("optimizers", path, options)[1]


def full_score() -> float:
    return round(sum(checks.points("optimizers").values()), 6)


@pytest.fixture
def children(monkeypatch):
    """Counts the sandboxed children started."""
    started = []

    class Counted(launcher._Child):
        def __init__(self, *args, **kwargs):
            started.append(time.monotonic())
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(launcher, "_Child", Counted)
    return started


# Three ways of never handing control back to the child's time box; each costs the cell's box plus
# the grace (stretched on a loaded machine), so the fast suite runs one of them.
NEVER_RETURNS_SLOW = {"switches the timer off", "ignores SIGALRM"}


@pytest.mark.parametrize("kind", [pytest.param(k, marks=pytest.mark.slow) if k in NEVER_RETURNS_SLOW else k
                                  for k in sorted(BAD_CELLS)])
def test_a_bad_cell_costs_only_itself(tmp_path, kind, children):
    path, (cell,) = notebook_with(tmp_path, "bad", [BAD_CELLS[kind]])
    result = grade(path)
    assert result["status"] == "graded", result["message"]
    # Every graded function keeps its points, those defined after the bad cell too.
    assert result["score"] == pytest.approx(full_score()), result["message"]
    assert all(t["status"] == "passed" for t in result["tests"])
    assert re.search(rf"bad\.ipynb cell {cell}\b", result["message"]), result["message"]
    assert re.search(SAID[kind], result["message"]), result["message"]
    # One child, or one more for the restart; no restart for what the child handles itself.
    assert len(children) <= 2


def test_cells_that_stop_the_load_are_each_skipped_and_all_named(tmp_path, children):
    kinds = ["SIGKILLs its process", "swallows the alarm in a loop", "segfaults through ctypes"]
    path, cells = notebook_with(tmp_path, "three", [BAD_CELLS[k] for k in kinds])
    result = grade(path)
    assert result["score"] == pytest.approx(full_score()), result["message"]
    assert len(children) == 1 + len(kinds)
    for cell in cells:
        assert re.search(rf"three\.ipynb cell {cell}\b", result["message"]), result["message"]
    # The example notebook has one scratch cell of its own that raises.
    assert f"{len(kinds) + 1} cell(s) raised" in result["message"]


def test_a_graded_function_that_crashes_still_costs_only_itself_after_a_skip(tmp_path, children):
    # The restart after adagrad's crash (a new child per function) skips the bad cell again.
    nb_path, (cell,) = notebook_with(tmp_path, "both", [BAD_CELLS["SIGKILLs its process"]])
    nb = json.loads(nb_path.read_text())
    index = next(i for i, c in enumerate(nb["cells"]) if "def adagrad(" in "".join(c["source"]))
    header, _, body = "".join(nb["cells"][index]["source"]).partition("\n")
    assert header.startswith("def adagrad("), header
    nb["cells"][index]["source"] = f"{header}\n    import os\n    os.abort()\n{body}"
    nb_path.write_text(json.dumps(nb))
    result = grade(nb_path)
    lost = checks.points("optimizers")["adagrad"]
    assert result["score"] == pytest.approx(full_score() - lost), result["message"]
    assert {t["status"] for t in result["tests"] if t["function"] == "adagrad"} <= {"error"}
    assert all(t["status"] == "passed" for t in result["tests"] if t["function"] != "adagrad")
    assert f"both.ipynb cell {cell} ended its process and was skipped" in result["message"]
    assert len(children) == 3   # the first load, its restart, and the child after adagrad's crash


def test_many_bad_cells_are_bounded_in_restarts_and_time(tmp_path, children):
    # 200 cells that each SIGKILL their process: MAX_CELL_RESTARTS skips, then one last load of
    # the cells before the next one; the functions (defined before them) keep their points.
    bad = [BAD_CELLS["SIGKILLs its process"]] * 200
    path, cells = notebook_with(tmp_path, "many", bad)
    start = time.monotonic()
    result = grade(path)
    seconds = time.monotonic() - start
    restarts = limits.MAX_CELL_RESTARTS
    assert len(children) == restarts + 2, len(children)
    assert f"many.ipynb cell {cells[restarts]} and the cells after it were not run" in result["message"]
    # The schedules' cells come after the bad ones, so they never ran: only their points are lost.
    schedules = {"step_decay", "cosine_decay", "linear_decay", "inverse_sqrt_decay", "linear_warmup"}
    points = checks.points("optimizers")
    assert result["score"] == pytest.approx(full_score() - sum(points[f] for f in schedules)), result["message"]
    assert all(t["status"] == "passed" for t in result["tests"] if t["function"] not in schedules)
    # Bounded: six children, each killed at once (a few seconds each at worst on a loaded machine).
    assert seconds < 90, seconds


@pytest.mark.slow
def test_many_cells_that_never_return_are_bounded_too(tmp_path, children):
    # Ten cells that swallow the alarm: each costs its box plus the grace before it is skipped.
    path, cells = notebook_with(tmp_path, "stuck", [BAD_CELLS["swallows the alarm in a loop"]] * 10)
    start = time.monotonic()
    result = grade(path)
    seconds = time.monotonic() - start
    restarts = limits.MAX_CELL_RESTARTS
    assert len(children) == restarts + 2, len(children)
    assert f"stuck.ipynb cell {cells[restarts]} and the cells after it were not run" in result["message"]
    schedules = {"step_decay", "cosine_decay", "linear_decay", "inverse_sqrt_decay", "linear_warmup"}
    assert all(t["status"] == "passed" for t in result["tests"] if t["function"] not in schedules)
    # At most: the loads before the last restart (NOTEBOOK_LOAD_FACTOR stretched load times), that
    # restart's load and the last one, each at most as long, plus the graded cases.
    stretched = limits.NOTEBOOK_LOAD_FACTOR * limits.load_timeout(FAST_TIMEOUT) * _contention_now()
    assert seconds < 3 * stretched + 60, (seconds, stretched)


def _contention_now() -> float:
    import os

    from autograder.budgets import contention

    return contention(os.getloadavg()[0], os.cpu_count() or 1)


def test_a_python_file_is_not_restarted(tmp_path, children):
    # A .py file loads as one unit: a SIGKILL at its top level fails the load, with no restart.
    text = (REPO / "autograder" / "references" / "optimizers.py").read_text()
    path = tmp_path / "killer.py"
    path.write_text(text + "\n\nimport os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    result = grade(path)
    assert result["score"] == 0
    assert "could not be loaded" in result["message"] and "SIGKILL" in result["message"]
    assert len(children) == 1


# ------------------------------------------------------- the protocol, untrusted --

class _ScriptedChild:
    """Stands in for a child: replays ``messages`` (dicts, or an exception to raise)."""

    def __init__(self, messages, note="the submission's process was killed by SIGKILL"):
        self.messages = list(messages)
        self.note = note
        self.killed = False

    def read_message(self, deadline):
        item = self.messages.pop(0) if self.messages else TimeoutError()
        if isinstance(item, BaseException):
            raise item
        return item, []

    def death_note(self):
        return self.note

    def kill(self):
        self.killed = True


class _Died(Exception):
    pass


def _load(scripts, notebook=True):
    """Run SessionLoad over scripted children; returns (the load, the fields each child got, the outcome)."""
    load = cell_restarts.SessionLoad(notebook, "nb.ipynb", 2.0)
    given, scripts = [], list(scripts)

    def start_child(fields):
        given.append(fields)
        return _ScriptedChild(scripts.pop(0))

    try:
        outcome = load.load(start_child, _Died)
    except Exception as exc:  # noqa: BLE001 - the test looks at which
        outcome = exc
    return load, given, outcome


LOADED = {"type": "loaded", "cell_errors": []}


def test_a_death_in_a_named_cell_restarts_without_it():
    load, given, outcome = _load([[{"type": "cell", "number": 3}, {"type": "cell", "number": 5}, _Died()],
                                  [{"type": "cell", "number": 3}, {"type": "cell", "number": 7}, LOADED]])
    assert outcome == LOADED
    assert given == [{"skip_cells": [], "stop_at_cell": None}, {"skip_cells": [5], "stop_at_cell": None}]
    assert load.skipped_errors()[0]["message"].startswith("nb.ipynb cell 5 ended its process and was skipped; "
                                                          "the cells after it still ran (the submission's process")


@pytest.mark.parametrize("number", [0, -1, 10**6, 3, 2, True, "4", 4.0, None, [4]])
def test_a_forged_cell_number_is_a_protocol_error(number):
    # After cell 3: a number must be an int above 3, at most MAX_CELLS, and not skipped.
    _, given, outcome = _load([[{"type": "cell", "number": 3}, {"type": "cell", "number": number}]])
    assert isinstance(outcome, wire.WireError), outcome
    assert len(given) == 1


def test_a_skipped_cell_may_not_be_named_again():
    _, given, outcome = _load([[{"type": "cell", "number": 5}, _Died()],
                               [{"type": "cell", "number": 5}]])
    assert isinstance(outcome, wire.WireError) and len(given) == 2


def test_cell_messages_from_a_python_file_are_refused():
    _, given, outcome = _load([[{"type": "cell", "number": 1}]], notebook=False)
    assert isinstance(outcome, wire.WireError)


def test_a_death_before_any_cell_is_not_restarted():
    load, given, outcome = _load([[_Died()]])
    assert isinstance(outcome, _Died) and len(given) == 1
    assert load.describe_failure(outcome, _Died).startswith("the submission could not be loaded: ")


def test_restarts_are_bounded_then_one_last_load_stops_before_the_cell():
    restarts = limits.MAX_CELL_RESTARTS
    dying = [[{"type": "cell", "number": n}, _Died()] for n in range(1, restarts + 2)]
    load, given, outcome = _load(dying + [[LOADED]])
    assert outcome == LOADED
    assert len(given) == restarts + 2
    assert given[-1] == {"skip_cells": list(range(1, restarts + 1)), "stop_at_cell": restarts + 1}
    assert f"nb.ipynb cell {restarts + 1} and the cells after it were not run" in load.skipped_errors()[0]["message"]


def test_when_the_last_load_fails_too_the_load_fails_and_says_why():
    restarts = limits.MAX_CELL_RESTARTS
    dying = [[{"type": "cell", "number": n}, _Died()] for n in range(1, restarts + 3)]
    load, given, outcome = _load(dying)
    assert isinstance(outcome, _Died) and len(given) == restarts + 2
    reason = load.describe_failure(outcome, _Died)
    assert f"cells {', '.join(map(str, range(1, restarts + 1)))} had stopped earlier loads and were skipped" in reason
    assert f"the last load ran only the cells before cell {restarts + 1}" in reason
