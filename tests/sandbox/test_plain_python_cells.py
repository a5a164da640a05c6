"""Notebook cells that are already Python skip IPython's transformer
(``sources.python_from_ipython``), which saves importing IPython in every child.

The shortcut is safe only if IPython would have left such a cell's meaning
unchanged. Checked against IPython itself: on every code cell of every notebook
in the repository, on cells built to look like IPython syntax while being valid
Python (escapes inside strings, ``%`` as an operator, ``?`` in comments), and
on random cells made of such lines. Cells with IPython syntax still go through
IPython and come out rewritten.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from autograder.sandbox.inside import sources

pytest.importorskip("IPython")
from IPython.core.inputtransformer2 import TransformerManager  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

TRICKY_LINES = [
    "x = 5 % 3", "y = x %2", "s = '%matplotlib inline'", "t = '!ls'", "print('what?')",
    "z = 1  # really?", "q = [1, 2]  # %timeit", "def f(a):", "    return a % 2", "    # !cmd in a comment",
    "u = '''", "%magic inside a string", "!shell inside a string", "'''", "get_ipython()",
    "v = {'%': 1, '!': 2}", "w = not True", "a = b = 3", "import os", "...", "... # ellipsis, not a prompt",
    "if x:", "    pass", "m = 'a?'.strip('?')", "lambda: None", "n = x if x else y", "@staticmethod",
]


def _meaning(source: str) -> str:
    return ast.dump(ast.parse(source))


def _ipython(source: str) -> str:
    return TransformerManager().transform_cell(source)


def _repository_cells():
    for path in sorted(ROOT.glob("**/*.ipynb")):
        if any(part in {".venv", "node_modules", "_build", ".ipynb_checkpoints"} for part in path.parts):
            continue
        try:
            notebook = json.loads(path.read_text())
        except (ValueError, UnicodeDecodeError):
            continue   # the malformed corpus: not notebooks
        if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
            continue
        for cell in notebook["cells"]:
            if isinstance(cell, dict) and cell.get("cell_type") == "code":
                source = cell.get("source", "")
                yield path, "".join(source) if isinstance(source, list) else str(source)


def test_every_plain_python_cell_in_the_repository_means_the_same_to_ipython():
    checked = 0
    for path, source in _repository_cells():
        if sources.is_plain_python(source):
            assert sources.python_from_ipython(source) == source
            assert _meaning(_ipython(source)) == _meaning(source), (path, source[:200])
            checked += 1
    assert checked > 100, checked


@pytest.mark.parametrize("line", TRICKY_LINES)
def test_lines_that_look_like_ipython_but_are_python_mean_the_same(line):
    source = line if sources.is_plain_python(line) else None
    if source is not None:
        assert _meaning(_ipython(source)) == _meaning(source)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TRICKY_LINES), min_size=1, max_size=12))
def test_random_plain_python_cells_mean_the_same_to_ipython(lines):
    source = "\n".join(lines)
    if sources.is_plain_python(source):
        assert sources.python_from_ipython(source) == source
        assert _meaning(_ipython(source)) == _meaning(source), source


@pytest.mark.parametrize("cell,expected", [
    ("%matplotlib inline\nx = 1", "get_ipython().run_line_magic('matplotlib', 'inline')"),
    ("files = !ls\n", "get_ipython().getoutput('ls')"),
    ("np.zeros?", "get_ipython().run_line_magic('pinfo', 'np.zeros')"),
    (">>> x = 1\n... \n", "x = 1"),
    ("    x = 1\n    y = 2\n", "x = 1\ny = 2"),
])
def test_cells_with_ipython_syntax_still_go_through_ipython(cell, expected):
    assert not sources.is_plain_python(cell)
    converted = sources.python_from_ipython(cell)
    assert expected in converted and sources.is_plain_python(converted), converted


def test_null_bytes_and_deep_nesting_are_not_plain_python():
    assert not sources.is_plain_python("x = 1\0")
    assert not sources.is_plain_python("(" * 10_000 + ")" * 10_000)
