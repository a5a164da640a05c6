"""A submission's bytes turned into cells of plain Python, inside the sandbox.

The grader never parses a student's notebook: the JSON reader and IPython's
transformer can both be driven into minutes of work and gigabytes of memory by a
crafted file, so they run here, in the child, under the sandbox's time and
memory limits. A notebook that cannot be graded raises ``SourceError`` with a
message for the student, which the child sends back instead of running anything.

A cell is ``{"source": str, "filename": str}``; ``filename`` is the file name,
plus `` cell N`` (N counts every cell, from 1) for a notebook, whose cells also
carry ``"number": N``.
"""

from __future__ import annotations

import json
import warnings

MAX_CELLS = 10_000             # more cells than any course notebook by two orders of magnitude
MAX_JSON_DEPTH = 100           # nbformat needs about 10; outputs and widget metadata add a few
MAX_INTEGER_DIGITS = 100       # execution counts and image sizes; nothing in a notebook is longer

# Cell magics whose body Jupyter runs as ordinary Python in the user namespace.
TRANSPARENT_CELL_MAGICS = {"time", "timeit", "capture", "prun"}


class SourceError(Exception):
    """The submission cannot be turned into code; the message is for the student."""


def cells_of(kind: str, filename: str, data: bytes) -> list[dict]:
    """The cells to run, in order, for a ``"python"`` or ``"notebook"`` submission."""
    text = bytes(data).decode("utf-8", errors="replace")
    if kind == "notebook":
        return notebook_cells(text, filename)
    return [{"source": text, "filename": filename}]


def _bounded_integer(digits: str) -> int:
    if len(digits) > MAX_INTEGER_DIGITS:
        raise SourceError(f"it holds an integer of {len(digits)} digits")
    return int(digits)


def _deeper_than(value, limit: int) -> bool:
    """Whether ``value`` nests lists and dicts more than ``limit`` deep (without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, (list, dict)))
    return False


def notebook_cells(text: str, filename: str) -> list[dict]:
    """Code cells as Python, with IPython syntax (``%magic``, ``!cmd``) made harmless.

    The notebook is read as plain JSON (nbformat 4): importing nbformat costs a
    second and its validation adds nothing here. nbgrader's hidden-test cells
    and the self-check cells are left out (the grader runs its own checks).
    """
    problem = f"{filename} is not a valid notebook"
    try:
        nb = json.loads(text, parse_int=_bounded_integer)
    except SourceError as exc:
        raise SourceError(f"{problem}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise SourceError(f"{problem}: not JSON ({exc})") from None
    except RecursionError:
        raise SourceError(f"{problem}: its JSON is nested more than {MAX_JSON_DEPTH} levels deep") from None
    except ValueError as exc:   # numbers Python refuses to convert
        raise SourceError(f"{problem}: {str(exc)[:200]}") from None
    if _deeper_than(nb, MAX_JSON_DEPTH):
        raise SourceError(f"{problem}: its JSON is nested more than {MAX_JSON_DEPTH} levels deep")
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        hint = " (nbformat 3 or older: re-save it with Jupyter)" if isinstance(nb, dict) and "worksheets" in nb else ""
        raise SourceError(f"{problem}: it has no list of cells{hint}")
    if len(nb["cells"]) > MAX_CELLS:
        raise SourceError(f"{filename} has {len(nb['cells'])} cells; the grader reads notebooks of at most "
                          f"{MAX_CELLS} cells (merge or delete cells and submit again)")
    cells = []
    for number, cell in enumerate(nb["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(str(part) for part in source)
        if not isinstance(source, str) or not_part_of_the_answer(source):
            continue
        cells.append({"source": python_from_ipython(source), "filename": f"{filename} cell {number}",
                      "number": number})
    return cells


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
    if is_plain_python(source):
        # IPython's transformer rewrites only what is not Python; importing it costs a
        # third of a second per notebook, more than the rest of the conversion.
        return source
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # IPython missing: fall back to neutralising magic lines
        return _neutralise_magic_lines(source)
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # a cell IPython cannot parse is left for Python to report
        return source


def is_plain_python(source: str) -> bool:
    """Whether ``source`` compiles as Python as it is (then IPython would leave it as it is:
    its escapes, ``%``, ``!``, ``?`` and prompts, are syntax errors in Python)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # the cell's own compile, when it runs, warns once
            compile(source, "<cell>", "exec", dont_inherit=True)
    except Exception:  # noqa: BLE001 - SyntaxError, ValueError (null bytes), RecursionError, MemoryError...
        return False
    return True


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


def not_part_of_the_answer(source: str) -> bool:
    """Cells the grader must not run: nbgrader's hidden tests (the grader runs its own
    checks) and the student self-checks (their module is not in the sandbox)."""
    return "### BEGIN HIDDEN TESTS" in source or "from selfcheck import" in source
