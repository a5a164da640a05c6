"""Loading a notebook again without the cell that brought its child down.

The child time-boxes each notebook cell itself (``child._CellBox``: SIGALRM, and
``os._exit`` turned into an exception), but a cell can defeat that: swallow the
alarm in a loop, reset the timer, or end its own process (SIGKILL, a segfault,
the memory limit). So, before each notebook cell, the child names it
(``{"type": "cell", "number": N}``, N as in ``sources.notebook_cells``), and when
the child dies during cell N, or stays in it past its time box plus
``CELL_GRACE_S``, or past the load time, this module starts a fresh child told to
skip N and every cell skipped before (the plan's ``skip_cells``). A skipped cell
is reported as a cell error ("cell 7 did not finish within 5 s and was skipped;
the cells after it still ran"), so the functions other cells define keep their
points, as when Jupyter runs the cells one by one.

Bounded: time in a named cell is the cell's (its box plus grace), the load time
bounds the rest; at most ``MAX_CELL_RESTARTS`` restarts per session, none once its
loads took ``NOTEBOOK_LOAD_FACTOR`` load times (stretched by the machine's load, as
the cells' limits are), and each load at most that long. When a cell stops the load
after that, one last load runs only the cells before it (``stop_at_cell``), so the
functions defined there are still graded; if that fails too, the load fails as it
would have without restarts, naming the cells.

Everything the child sends is untrusted: a cell number must be an ``int`` in
``1..MAX_CELLS``, above the last one named, and not a skipped cell; a ``.py``
file (one unit, no time boxes) may send no cell messages at all.
"""

from __future__ import annotations

import os
import time

from autograder.budgets import contention
from autograder.sandbox.inside import wire
from autograder.sandbox.inside.sources import MAX_CELLS
from autograder.sandbox.supervisor.limits import (CELL_GRACE_S, MAX_CELL_RESTARTS, NOTEBOOK_LOAD_FACTOR,
                                                   cell_timeout, load_timeout)

STILL_RAN = "the cells after it still ran"


def _machine_contention() -> float:
    try:
        return contention(os.getloadavg()[0], os.cpu_count() or 1)
    except OSError:
        return 1.0


def _valid_number(value, last: int, skipped) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool) and last < value <= MAX_CELLS
            and value not in skipped)


class SessionLoad:
    """The loads of one submission's session: ``load`` starts children until one has
    loaded, skipping the cells that stopped earlier loads.

    ``notebook``: whether the child time-boxes and names cells (``kind == "notebook"``
    and a cell time box in the plan). ``filename`` names the cells in messages as the
    child does (``<filename> cell N``). ``child`` is the child the last ``load`` left
    running (or the one it failed on); ``kill`` ends it.
    """

    def __init__(self, notebook: bool, filename: str, timeout: float):
        self.notebook = notebook
        self.filename = filename
        self.load_seconds = load_timeout(timeout)
        # The cells' wall-clock limits are stretched as the per-test budgets are on a loaded machine, so
        # that a slow honest cell (an import) is not cut off where an idle machine would let it finish.
        self.slowdown = _machine_contention() if notebook else 1.0
        self.most_seconds = self.load_seconds * (NOTEBOOK_LOAD_FACTOR * self.slowdown if notebook else 1)
        self.cell_seconds = cell_timeout(timeout) * self.slowdown
        self.grace = CELL_GRACE_S * self.slowdown
        self.skipped: dict[int, dict] = {}   # cell number -> its error, shaped as the child's cell errors
        self.restarts = 0
        self.seconds_loading = 0.0
        self.child = None
        self.current: int | None = None      # the cell the child last said it was running
        self.refusal = ""                    # why no restart was made, when one was wanted
        self.stuck_in_cell = False           # whether the last deadline was the current cell's
        self.stop_at: int | None = None      # once restarts ran out: the cell from which on nothing runs

    def load(self, start_child, died: type[Exception]) -> dict:
        """The first 'loaded' header a child sends. ``start_child(fields)`` starts a child
        whose plan has ``fields`` ("skip_cells": cell numbers, "stop_at_cell": a number or
        None); ``died`` is what its reader raises at end of file. A failure no restart may
        cure is raised, with ``self.child`` the child it happened in."""
        while True:
            self.kill()
            skip = sorted(number for number in self.skipped if number != self.stop_at)
            self.child = start_child({"skip_cells": skip, "stop_at_cell": self.stop_at})
            began = time.monotonic()
            try:
                return self._read_until_loaded(self.child, began)
            except (TimeoutError, died) as exc:
                spent = self.seconds_loading + time.monotonic() - began
                if not self._may_restart(spent):
                    if self.current is None or self.stop_at is not None or not self.notebook:
                        raise
                    # One last load, of the cells before this one: the functions they define are graded.
                    self.stop_at = self.current
                    self.skipped[self.current] = {"type": "CellsNotRun", "where": None, "message": (
                        f"{self._name(self.current)} and the cells after it were not run: {self.refusal}")}
                    continue
                if isinstance(exc, TimeoutError):
                    error = {"type": "CellTimeout", "message": self._stuck_text(), "where": None}
                else:
                    error = {"type": "CellCrashed", "message": f"{self._name(self.current)} ended its process and "
                             f"was skipped; {STILL_RAN} ({self.child.death_note()})", "where": None}
                self.skipped[self.current] = error
                self.restarts += 1
            finally:
                self.seconds_loading += time.monotonic() - began

    def _read_until_loaded(self, child, began: float) -> dict:
        """Time in a named cell is bounded by the cell's own box (plus grace), not charged to the
        load time, which bounds the rest (start-up, reading the notebook); an attempt as a whole
        takes at most ``most_seconds``."""
        self.current, cell_began, last = None, 0.0, 0
        load_end, hard_end = began + self.load_seconds, began + self.most_seconds
        while True:
            if self.current is None:
                deadline, self.stuck_in_cell = min(load_end, hard_end), False
            else:
                cell_end = cell_began + self.cell_seconds + self.grace
                deadline, self.stuck_in_cell = min(cell_end, hard_end), cell_end <= hard_end
            header, _ = child.read_message(deadline)
            now = time.monotonic()
            if self.current is not None:
                load_end += now - cell_began
            kind = header.get("type")
            if kind == "loaded":
                self.current = None
                return header
            if kind != "cell" or not self.notebook:
                raise wire.WireError("expected the 'loaded' message")
            number = header.get("number")
            if not _valid_number(number, last, self.skipped):
                raise wire.WireError("a cell number out of order or out of range")
            self.current, cell_began, last = number, now, number

    def _may_restart(self, spent: float) -> bool:
        if not self.notebook or self.current is None:
            return False
        if self.restarts >= MAX_CELL_RESTARTS or spent >= self.most_seconds:
            self.refusal = (f"{len(self.skipped) + 1} cells had stopped the load (the grader loads a notebook again "
                            f"without a cell that stopped it at most {MAX_CELL_RESTARTS} times, and not after "
                            f"{self.most_seconds:.3g} s of loading)")
            return False
        return True

    def _name(self, number) -> str:
        return f"{self.filename} cell {number}"

    def _stuck_text(self) -> str:
        if self.stuck_in_cell:
            return (f"{self._name(self.current)} did not finish within {self.cell_seconds:.3g} s and was skipped; "
                    f"{STILL_RAN}")
        return (f"{self._name(self.current)} was still running when the load time ran out, and was skipped; "
                f"{STILL_RAN}")

    def skipped_errors(self) -> list[dict]:
        """The skipped cells as cell errors: first the cell from which on nothing ran, if any
        (a result shows the first few), then the others in cell order."""
        order = sorted(self.skipped, key=lambda number: (number != self.stop_at, number))
        return [self.skipped[number] for number in order]

    def describe_failure(self, exc: BaseException, died: type[Exception]) -> str:
        """Why the load failed, in words, naming the cell it stopped in and the cells skipped."""
        if isinstance(exc, TimeoutError):
            text = (f"the submission did not finish loading within {self.load_seconds:g} s (a loop at top "
                    f"level, or a notebook too large to convert to Python in that time?)")
        elif isinstance(exc, died):
            text = "the submission could not be loaded: " + self.child.death_note()
        else:
            return f"the submission broke the grading protocol while loading ({exc})"
        notes = []
        if self.current is not None:
            notes.append(f"it stopped in {self._name(self.current)}")
        skipped = sorted(number for number in self.skipped if number != self.stop_at)
        if skipped:
            notes.append(f"cells {', '.join(map(str, skipped))} had stopped earlier loads and were skipped")
        if self.stop_at is not None:
            notes.append(f"the last load ran only the cells before cell {self.stop_at}")
        if self.refusal:
            notes.append(self.refusal)
        return text + (f"; {'; '.join(notes)}" if notes else "")

    def kill(self) -> None:
        if self.child is not None:
            self.child.kill()
            self.child = None
