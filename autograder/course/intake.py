"""Looking at a student's submitted folder before anything grades or imports it.

nbgrader expects ``submitted/<student>/<assignment>/<assignment>.ipynb`` in UTF-8.
Students hand in ``optimizers (1).ipynb``, two notebooks, a ``.py`` file, or a
notebook saved as Windows-1252. ``inspect`` decides which one file is the
submission and says, in one sentence per finding, what it noticed and what it
did; ``stage`` writes the normalised copy that both the sandboxed grader and
the gradebook import then read:

    intake/submitted/<student>/<assignment>/<assignment>.ipynb   (UTF-8; the submitted notebook,
                                                                   or the released one when the
                                                                   student handed in .py / a broken file)
    intake/submitted/<student>/<assignment>/<assignment>.py      (UTF-8; only when a .py was handed in)
    intake/submitted/<student>/<assignment>/timestamp.txt        (nbgrader's, when there was one)

The collected ``submitted/`` folder is never modified. Every read is bounded:
entries are ``lstat``-ed and symbolic links are never followed, a file is
read by the grader's own bounded reader (``submission.read_bounded``: ``O_NOFOLLOW``, regular
files only, no more than the grader's ``MAX_SUBMISSION_BYTES`` by ``fstat`` before a byte is
read), and a folder with more than ``MAX_ENTRIES`` entries
is not listed further.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import stat
from pathlib import Path

from autograder import submission

MAX_ENTRIES = 200
MAX_TIMESTAMP_BYTES = 200
INTAKE_FOLDER = "intake"

# "optimizers (1)", "optimizers-Copy1", "Optimizers_final", "optimizers v2": the assignment's name
# with what browsers, Jupyter and students add to it.
_DECORATION = re.compile(r"(\s*\(\d+\)|[-_ ]?copy\d*|[-_ ]?(final|v\d+|new|old|submission))+$", re.IGNORECASE)


class IntakeError(Exception):
    """The folder holds no file that can be graded; the message says why and what to do."""


@dataclasses.dataclass
class Intake:
    """What was found in one ``submitted/<student>/<assignment>/`` folder."""

    student: str
    assignment: str
    folder: Path
    chosen: Path | None = None          # the file graded, in the submitted folder
    text: str | None = None             # its content, decoded
    kind: str = ""                      # "notebook" or "python"
    notebook_readable: bool = False     # ``text`` parses as an nbformat-4 notebook
    timestamp: str | None = None
    findings: list[str] = dataclasses.field(default_factory=list)   # one sentence each
    error: str | None = None            # set when nothing can be graded


def normalised_stem(name: str) -> str:
    """``"Optimizers (1).ipynb"`` -> ``"optimizers"``."""
    stem = Path(name).stem.strip()
    return _DECORATION.sub("", stem).strip().lower()


def _listing(folder: Path) -> tuple[list[os.DirEntry], list[str]]:
    entries, findings = [], []
    with os.scandir(folder) as it:
        for count, entry in enumerate(it):
            if count >= MAX_ENTRIES:
                findings.append(f"the folder holds more than {MAX_ENTRIES} entries; only the first "
                                f"{MAX_ENTRIES} were looked at")
                break
            entries.append(entry)
    return sorted(entries, key=lambda e: e.name), findings


def decode(data: bytes, name: str) -> tuple[str, list[str]]:
    """Text of a submitted file, and what had to be done to read it."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), [f"{name} starts with a UTF-8 byte-order mark; removed it"]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        bad = f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
    try:
        text, encoding = data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "Latin-1"
    return text, [f"{name} is not UTF-8 (first invalid {bad}); read it as {encoding} and graded a UTF-8 copy"]


def _is_notebook(text: str) -> tuple[bool, str]:
    try:
        nb = json.loads(text)
    except ValueError as exc:
        return False, f"not JSON ({exc})"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return False, "no list of cells"
    if nb.get("nbformat") != 4:
        return False, f"nbformat {nb.get('nbformat')!r}, not 4"
    return True, ""


def _pick(candidates: list[Path], assignment: str, suffix: str) -> tuple[Path | None, list[Path]]:
    """The one candidate to grade (exact name, else the only one, else the only near-name), and the others."""
    exact = [p for p in candidates if p.name == f"{assignment}{suffix}"]
    if exact:
        return exact[0], [p for p in candidates if p != exact[0]]
    if len(candidates) == 1:
        return candidates[0], []
    near = [p for p in candidates if normalised_stem(p.name) == assignment]
    if len(near) == 1:
        return near[0], [p for p in candidates if p != near[0]]
    return None, candidates


def _names(paths) -> str:
    return ", ".join(f"'{p.name}'" for p in paths)


def inspect(folder: Path, assignment: str, released: frozenset[str] = frozenset()) -> Intake:
    """Decide which file of ``folder`` is the submission, read it (bounded) and decode it.

    ``released``: names of the files the release handed out (``selfcheck.py``), which are
    expected in the folder and never taken for the submission.
    """
    folder = Path(folder)
    intake = Intake(student=folder.parent.name, assignment=assignment, folder=folder)
    try:
        info = os.lstat(folder)
    except OSError as exc:
        intake.error = f"cannot read the folder: {exc.strerror}"
        return intake
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        intake.error = "the submission is a symbolic link or not a folder; it was not followed"
        return intake
    entries, intake.findings = _listing(folder)
    notebooks, scripts = [], []
    for entry in entries:
        if entry.name.startswith(".") or (entry.name in released and entry.name != f"{assignment}.ipynb"):
            continue
        path = folder / entry.name
        if entry.is_symlink():
            if entry.name.lower().endswith((".ipynb", ".py")):
                intake.findings.append(f"'{entry.name}' is a symbolic link; it was not followed")
            continue
        if not entry.is_file(follow_symlinks=False):
            continue
        if entry.name.lower().endswith(".ipynb"):
            notebooks.append(path)
        elif entry.name.lower().endswith(".py"):
            scripts.append(path)

    chosen, others = _pick(notebooks, assignment, ".ipynb")
    if chosen is not None:
        intake.kind = "notebook"
        if chosen.name != f"{assignment}.ipynb":
            intake.findings.append(f"the notebook is named '{chosen.name}', not '{assignment}.ipynb'; graded it "
                                   f"as {assignment}.ipynb")
        if others:
            intake.findings.append(f"extra notebook(s) {_names(others)} not graded; only '{chosen.name}' is")
        if scripts:
            intake.findings.append(f".py file(s) {_names(scripts)} not graded; the notebook is")
    elif notebooks:
        intake.error = (f"{len(notebooks)} notebooks ({_names(notebooks)}) and none is named "
                        f"'{assignment}.ipynb'; rename the one to grade to {assignment}.ipynb")
        return intake
    else:
        chosen, others = _pick(scripts, assignment, ".py")
        if chosen is None and scripts:
            intake.error = (f"no notebook, and {len(scripts)} .py files ({_names(scripts)}) none named "
                            f"'{assignment}.py'; rename the one to grade to {assignment}.ipynb or {assignment}.py")
            return intake
        if chosen is None:
            intake.error = f"no notebook: the folder holds no '{assignment}.ipynb' and no .py file"
            return intake
        intake.kind = "python"
        intake.findings.append(f"a .py file ('{chosen.name}') was handed in instead of {assignment}.ipynb; graded "
                               f"it, and the gradebook shows the released notebook with its results")
        if others:
            intake.findings.append(f"extra .py file(s) {_names(others)} not graded")

    intake.chosen = chosen
    try:
        data = submission.read_bounded(chosen)
    except submission.SubmissionError as exc:
        intake.error = str(exc)
        return intake
    intake.text, notes = decode(data, f"'{chosen.name}'")
    intake.findings.extend(notes)
    if intake.kind == "notebook":
        intake.notebook_readable, why = _is_notebook(intake.text)
        if not intake.notebook_readable:
            intake.findings.append(f"'{chosen.name}' is not a readable notebook ({why}); the grader reports it, "
                                   f"and the gradebook shows the released notebook with no points")
    stamp = folder / "timestamp.txt"
    try:
        if stat.S_ISREG(os.lstat(stamp).st_mode):
            intake.timestamp = submission.read_bounded(stamp, MAX_TIMESTAMP_BYTES).decode(
                "utf-8", errors="replace").strip()
    except (OSError, submission.SubmissionError):
        pass
    return intake


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    os.chmod(path, 0o666 & ~current_umask())


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def stage(intake: Intake, course: Path, released_notebook: Path | None) -> Path | None:
    """Write the normalised copy into ``course/intake/submitted/<student>/<assignment>/``.

    Returns the file the grader should grade (None when nothing can be graded).
    The folder always gets a notebook nbgrader can import when a released one exists.
    """
    target = Path(course) / INTAKE_FOLDER / "submitted" / intake.student / intake.assignment
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    notebook = target / f"{intake.assignment}.ipynb"
    graded = None
    if intake.text is not None and intake.kind == "notebook":
        graded = notebook
        _write(notebook, intake.text)
        if not intake.notebook_readable and released_notebook is not None:
            # nbgrader cannot import an unreadable notebook; the released one carries the grader's
            # (error) result into the gradebook, so both say 0.
            graded = target / f".{intake.assignment}.submitted.ipynb"
            _write(graded, intake.text)
            _write(notebook, released_notebook.read_text(encoding="utf-8"))
    elif intake.text is not None:
        graded = target / f"{intake.assignment}.py"
        _write(graded, intake.text)
        if released_notebook is not None:
            _write(notebook, released_notebook.read_text(encoding="utf-8"))
    elif released_notebook is not None:
        _write(notebook, released_notebook.read_text(encoding="utf-8"))
    if intake.timestamp:
        _write(target / "timestamp.txt", intake.timestamp + "\n")
    return graded
