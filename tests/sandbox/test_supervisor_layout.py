"""The supervisor is split by job, without import cycles: nothing below the
launcher imports it, and the reaper program imports nothing of the grader."""

from __future__ import annotations

import ast
from pathlib import Path

import autograder.sandbox.supervisor as supervisor

FOLDER = Path(supervisor.__file__).parent
MODULES = sorted(p for p in FOLDER.glob("*.py") if p.name != "__init__.py")


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _local_graph() -> dict[str, set[str]]:
    prefix = "autograder.sandbox.supervisor."
    names = {p.stem for p in MODULES}
    return {p.stem: {i[len(prefix):].split(".")[0] for i in _imports(p) if i.startswith(prefix)} & names
            for p in MODULES}


def test_nothing_imports_the_launcher():
    graph = _local_graph()
    assert [name for name, deps in graph.items() if "launcher" in deps] == []


def test_no_import_cycle_among_the_supervisor_modules():
    graph = _local_graph()
    state: dict[str, str] = {}

    def visit(name, path):
        if state.get(name) == "open":
            raise AssertionError(" -> ".join(path + [name]))
        if state.get(name) == "done":
            return
        state[name] = "open"
        for dep in graph[name]:
            visit(dep, path + [name])
        state[name] = "done"

    for name in graph:
        visit(name, [])


def test_the_reaper_is_a_program_of_the_standard_library_only():
    assert not [i for i in _imports(FOLDER / "reaper.py") if i.startswith("autograder")]
    assert not [p for p in MODULES if "reaper" in _imports(p) or any(".reaper" in i for i in _imports(p))]


def test_no_supervisor_module_is_over_400_lines():
    assert {p.name: len(p.read_text().splitlines()) for p in MODULES if len(p.read_text().splitlines()) > 400} == {}
