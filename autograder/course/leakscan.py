"""Does a student release give away a solution? Scan every file of it.

For each released assignment folder, the graded functions are
``checks.functions(assignment)``. Every file must pass:
  * ``.py`` and each code cell of an ``.ipynb``: parsed with ``ast``; a
    definition of a graded function may hold a docstring and
    ``raise NotImplementedError()``, nothing else; a graded name must not be
    bound any other way (assignment, lambda, import), and nothing may import
    ``autograder`` (the grader and its references);
  * every cell: no nbgrader solution or hidden-test markers left over;
  * ``.npz``: loads with ``allow_pickle=False`` and holds no object arrays;
    its text arrays are scanned for function definitions too;
  * anything else: text is scanned for definitions of graded functions;
    binary files of other kinds are not expected in a release.
"""

from __future__ import annotations

import ast
import json
import re
import zipfile
from pathlib import Path

import numpy as np

from autograder import checks
from autograder.submission import python_from_ipython

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def graded_names(assignment: str) -> tuple[str, ...]:
    if assignment in checks.ASSIGNMENTS:
        return checks.functions(assignment)
    # An unknown folder: hold it to every assignment's functions.
    return tuple(name for a in checks.ASSIGNMENTS for name in checks.functions(a))


def scan_release(release_dir: Path) -> list[str]:
    """Problems found in every assignment folder of ``release_dir`` (empty: no leak)."""
    release_dir = Path(release_dir)
    if not release_dir.is_dir():
        return [f"{release_dir} does not exist"]
    problems = []
    folders = sorted(p for p in release_dir.iterdir() if p.is_dir())
    if not folders:
        problems.append(f"{release_dir} holds no assignment folder")
    for folder in folders:
        problems += scan_assignment(folder, folder.name)
    for stray in sorted(p for p in release_dir.iterdir() if p.is_file()):
        problems += scan_file(stray, graded_names(""))
    return problems


def scan_assignment(folder: Path, assignment: str) -> list[str]:
    names = graded_names(assignment)
    problems = []
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        problems += scan_file(path, names)
    return problems


def scan_file(path: Path, names) -> list[str]:
    suffix = path.suffix.lower()
    if suffix == ".py":
        return [f"{path}: {p}" for p in scan_python(path.read_text(encoding="utf-8", errors="replace"), names)]
    if suffix == ".ipynb":
        return scan_notebook(path, names)
    if suffix == ".npz":
        return scan_npz(path, names)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return [f"{path}: unexpected binary file in a release"]
    return [f"{path}: {p}" for p in scan_text(text, names)]


def _stub_statement(node) -> bool:
    """`raise NotImplementedError()` or `raise NotImplementedError`."""
    if not isinstance(node, ast.Raise) or node.cause is not None:
        return False
    exc = node.exc
    if isinstance(exc, ast.Call):
        return isinstance(exc.func, ast.Name) and exc.func.id == "NotImplementedError" and not exc.args \
            and not exc.keywords
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def _is_docstring(node) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def scan_python(source: str, names) -> list[str]:
    names = set(names)
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        # Code that cannot be parsed cannot be checked; a release must hold none.
        return [f"cannot be parsed ({exc.msg}, line {exc.lineno}); a release must hold only valid Python"]
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names:
            body = node.body[1:] if node.body and _is_docstring(node.body[0]) else node.body
            if len(body) != 1 or not _stub_statement(body[0]):
                problems.append(f"line {node.lineno}: `{node.name}` has a body beyond the stub "
                                f"({len(body)} statement(s) after the docstring)")
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Name) and leaf.id in names:
                        problems.append(f"line {node.lineno}: the graded name `{leaf.id}` is assigned")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module = getattr(node, "module", None) or ""
            for alias in node.names:
                full = f"{module}.{alias.name}" if module else alias.name
                if full == "autograder" or full.startswith("autograder.") or module.startswith("autograder"):
                    problems.append(f"line {node.lineno}: imports {full} (the grader is not part of a release)")
                elif (alias.asname or alias.name).split(".")[0] in names:
                    problems.append(f"line {node.lineno}: imports the graded name `{alias.asname or alias.name}`")
        elif isinstance(node, (ast.ClassDef,)) and node.name in names:
            problems.append(f"line {node.lineno}: a class named like the graded function `{node.name}`")
    return problems


def scan_text(text: str, names) -> list[str]:
    problems = []
    for name in names:
        if re.search(rf"\bdef\s+{re.escape(name)}\s*\(", text):
            problems.append(f"defines `{name}`")
    return problems


def scan_notebook(path: Path, names) -> list[str]:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
    except (ValueError, KeyError, TypeError) as exc:
        return [f"{path}: not a readable notebook ({exc})"]
    problems = []
    for number, cell in enumerate(cells, start=1):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        where = f"{path} cell {number}"
        for marker in MARKERS:
            if marker in source:
                problems.append(f"{where}: still holds the nbgrader marker `{marker}`")
        if cell.get("cell_type") == "code":
            problems += [f"{where}: {p}" for p in scan_python(python_from_ipython(source), names)]
        else:
            problems += [f"{where}: {p}" for p in scan_text(source, names)]
        for output in cell.get("outputs", []):
            problems.append(f"{where}: has outputs ({output.get('output_type')}); a release is committed without them")
            break
    return problems


def scan_npz(path: Path, names) -> list[str]:
    problems = []
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.namelist()
    except zipfile.BadZipFile:
        return [f"{path}: not a valid .npz file"]
    try:
        with np.load(path, allow_pickle=False) as data:
            for key in data.files:
                array = data[key]
                if array.dtype.kind == "O":
                    problems.append(f"{path}: `{key}` is an object array")
                elif array.dtype.kind in "US":
                    text = "\n".join(str(x) for x in np.ravel(array))
                    problems += [f"{path} `{key}`: {p}" for p in scan_text(text, names)]
    except ValueError as exc:
        # np.load refuses pickled (object) arrays when allow_pickle is False.
        problems.append(f"{path}: cannot be read without pickle ({exc})")
    if any(not m.endswith(".npy") for m in members):
        problems.append(f"{path}: holds files other than .npy arrays")
    return problems
