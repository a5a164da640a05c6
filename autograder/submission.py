"""Finding a submission on disk and turning it into cells of plain Python."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path


class SubmissionError(Exception):
    """The submission cannot be read at all (missing, unreadable, not a notebook, ...)."""


@dataclasses.dataclass
class Submission:
    path: Path                # the file that was graded
    student: str              # the student's id (folder name in nbgrader's layout, else the file stem)
    name: str                 # stem of the result file
    cells: list[dict]         # [{"source": str, "filename": str}] in execution order
    module_name: str          # __name__ the code runs under


def locate(path: Path, assignment: str) -> Path:
    """The file to grade: ``path`` itself, or the one notebook / .py file in a folder."""
    path = Path(path)
    if path.is_file():
        return path
    if not path.is_dir():
        raise SubmissionError(f"{path} does not exist")
    for preferred in (f"{assignment}.ipynb", f"{assignment}.py"):
        if (path / preferred).is_file():
            return path / preferred
    candidates = sorted(p for p in path.iterdir() if p.suffix in (".ipynb", ".py") and p.is_file()
                        and not p.name.startswith("."))
    notebooks = [p for p in candidates if p.suffix == ".ipynb"]
    chosen = notebooks or candidates
    if len(chosen) == 1:
        return chosen[0]
    if not chosen:
        raise SubmissionError(f"no .ipynb or .py file in {path}")
    raise SubmissionError(f"{path} holds several candidate files ({', '.join(p.name for p in chosen)}); "
                          f"name one {assignment}.ipynb")


def student_of(path: Path, assignment: str) -> str:
    """nbgrader's ``submitted/<student>/<assignment>/file`` gives the student; else the file stem."""
    parts = Path(path).resolve().parts
    for i in range(len(parts) - 2):
        if parts[i] in ("submitted", "autograded") and i + 2 < len(parts) and parts[i + 2] == assignment:
            return parts[i + 1]
    return Path(path).stem


def load(path: Path, assignment: str) -> Submission:
    file = locate(Path(path), assignment)
    student = student_of(file, assignment)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise SubmissionError(f"cannot read {file}: {exc}") from None
    if len(raw) > 20 * 1024 * 1024:
        raise SubmissionError(f"{file.name} is {len(raw) / 1e6:.0f} MB; submissions are limited to 20 MB")
    text = raw.decode("utf-8", errors="replace")
    if file.suffix == ".ipynb":
        cells = notebook_cells(text, file.name)
        module_name = "__main__"
    else:
        cells = [{"source": text, "filename": file.name}]
        module_name = "submission"
    return Submission(file, student, student, cells, module_name)


def notebook_cells(text: str, filename: str) -> list[dict]:
    """Code cells as Python, with IPython syntax (``%magic``, ``!cmd``) made harmless.

    The notebook is read as plain JSON (nbformat 4): importing nbformat costs a
    second per grading command and its validation adds nothing here.
    """
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SubmissionError(f"{filename} is not a valid notebook: not JSON ({exc})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        hint = " (nbformat 3 or older: re-save it with Jupyter)" if isinstance(nb, dict) and "worksheets" in nb else ""
        raise SubmissionError(f"{filename} is not a valid notebook: it has no list of cells{hint}")
    cells = []
    for number, cell in enumerate(nb["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(str(part) for part in source)
        if not isinstance(source, str):
            continue
        if _not_part_of_the_answer(source):
            continue
        cells.append({"source": python_from_ipython(source), "filename": f"{filename} cell {number}"})
    return cells


# Cell magics whose body Jupyter runs as ordinary Python in the user namespace.
TRANSPARENT_CELL_MAGICS = {"time", "timeit", "capture", "prun"}


def python_from_ipython(source: str) -> str:
    """IPython syntax rewritten to Python, keeping line numbers.

    IPython's own transformer turns ``%magic``, ``!cmd``, ``x = !cmd`` and
    ``obj?`` into calls on ``get_ipython()``, which the sandbox child stubs
    out. A cell magic whose body is Python (``%%time``) keeps its body; any
    other cell magic (``%%bash``) makes the cell IPython-only, so it is dropped.
    """
    lines = source.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].lstrip()[2:].split(maxsplit=1)
        if not magic or magic[0] not in TRANSPARENT_CELL_MAGICS:
            return ""
        lines[first] = ""
        source = "\n".join(lines)
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # IPython missing: fall back to neutralising magic lines
        return _neutralise_magic_lines(source)
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # a cell IPython cannot parse is left for Python to report
        return source


def _neutralise_magic_lines(source: str) -> str:
    out = []
    for line in source.splitlines():
        body = line.lstrip()
        indent = line[: len(line) - len(body)]
        if body.startswith(("%", "!")) or _is_shell_assignment(body):
            out.append(indent + "pass")
        else:
            out.append(line)
    return "\n".join(out)


def _is_shell_assignment(body: str) -> bool:
    # files = !ls   or   x = %timeit ...
    if "=" not in body:
        return False
    left, _, right = body.partition("=")
    return left.strip().isidentifier() and right.lstrip().startswith(("!", "%"))


def _not_part_of_the_answer(source: str) -> bool:
    """Cells the grader must not run: nbgrader's hidden tests (the grader runs its own
    checks) and the student self-checks (their module is not in the sandbox)."""
    return "### BEGIN HIDDEN TESTS" in source or "from selfcheck import" in source
