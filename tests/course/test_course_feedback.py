"""Feedback: what of the student's saved outputs is kept (and what never is), and the inlined MathJax.
The page itself, rendered by nbgrader and opened in Chromium with no network, is checked in
test_course_e2e.py."""
from __future__ import annotations

import json

import pytest

from autograder.course import feedback, gradebook_import

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def notebook(tmp_path, cells):
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}))
    return path


def code(source, outputs):
    return {"cell_type": "code", "metadata": {}, "source": source, "outputs": outputs, "execution_count": 1}


def test_text_errors_and_images_are_kept_html_javascript_and_metadata_are_not(tmp_path):
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": ["loss ", "0.1\n"]},
        {"output_type": "error", "ename": "NameError", "evalue": "name 'np' is not defined", "traceback": ["x", 3]},
        {"output_type": "display_data", "metadata": {"filenames": {"image/png": "https://example.org/x.png"}},
         "data": {"image/png": PNG, "text/html": "<script>alert(1)</script>", "application/javascript": "alert(2)"}},
        {"output_type": "execute_result", "execution_count": 3, "metadata": {}, "data": {"text/plain": "42"}},
        {"output_type": "display_data", "metadata": {}, "data": {"image/png": "\"><script>alert(3)</script>"}},
        {"output_type": "display_data", "metadata": {}, "data": {"text/html": "<b>only html</b>"}},
        {"output_type": "stream", "name": "stdin", "text": "?"},
        "not a dict",
    ]
    path = notebook(tmp_path, [{"cell_type": "markdown", "source": "$x$"}, code(["plt.plot(", "x)"], outputs)])
    saved = gradebook_import.saved_code_cells(path)
    assert saved[0] is None
    source, kept = saved[1]
    assert source == "plt.plot(x)"
    assert kept == [
        {"output_type": "stream", "name": "stdout", "text": "loss 0.1\n"},
        {"output_type": "error", "ename": "NameError", "evalue": "name 'np' is not defined", "traceback": ["x"]},
        {"output_type": "display_data", "metadata": {}, "data": {"image/png": PNG}},
        {"output_type": "display_data", "metadata": {}, "data": {"text/plain": "42"}},
    ]
    assert "script" not in json.dumps(kept) and "example.org" not in json.dumps(kept)


def test_saved_outputs_are_bounded_and_bad_notebooks_give_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(gradebook_import, "MAX_KEPT_OUTPUT_BYTES", 350)
    line = {"output_type": "stream", "name": "stdout", "text": "x" * 100}
    saved = gradebook_import.saved_code_cells(notebook(tmp_path, [code("a", [line] * 5), code("b", [line])]))
    assert len(saved[0][1]) == 2 and saved[1][1] == []  # 2 x ~160 bytes fit in 350, nothing after
    bad = tmp_path / "bad.ipynb"
    for text in ("{", "[]", '{"cells": 3}', "\xff"):
        bad.write_text(text, encoding="latin-1")
        assert gradebook_import.saved_code_cells(bad) == []
    assert gradebook_import.saved_code_cells(tmp_path / "missing.ipynb") == []
    (tmp_path / "link.ipynb").symlink_to(notebook(tmp_path, [code("a", [line])]))
    assert gradebook_import.saved_code_cells(tmp_path / "link.ipynb") == []  # links are not followed


def test_the_inlined_mathjax_is_one_self_contained_build():
    script = feedback.offline_mathjax_script("tex-svg-full.js")
    assert len(script) > 1_000_000 and "</script" not in script
    with pytest.raises(ValueError):
        feedback.offline_mathjax_script("tex-chtml.js")  # needs font files next to it: not inlinable
    template = feedback.TEMPLATES / "offline_feedback" / "mathjax.html.j2"
    assert "offline_mathjax" in template.read_text() and "http" not in template.read_text()
