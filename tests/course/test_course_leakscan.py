"""No solution in the student release: the scan of every released file, and proof that it finds leaks."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from autograder import checks
from autograder.course import selfcheck_build, leakscan
from autograder.course.nbgrader_run import CourseError
from autograder.course.release import release
from course_support import ROOT, copy_course, read_notebook, solution_cells


def test_the_release_holds_no_solution_in_any_file(released_course):
    release_dir = released_course / "release"
    assert sorted(p.name for p in release_dir.iterdir()) == sorted(checks.ASSIGNMENTS)
    for assignment in checks.ASSIGNMENTS:
        folder = release_dir / assignment
        files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
        library = [f"{selfcheck_build.LIBRARY}/{name}" for name in selfcheck_build.SHIPPED_MODULES]
        assert files == sorted([f"{assignment}.ipynb", "selfcheck.py", "selfcheck_data.npz", *library]), files
        # Every graded function is in the released notebook, as a stub the scan accepts.
        cells = [c for c in read_notebook(release_dir / assignment / f"{assignment}.ipynb")["cells"]
                 if c["cell_type"] == "code"]
        text = "\n".join("".join(c["source"]) for c in cells)
        for function in checks.functions(assignment):
            assert f"def {function}(" in text
    assert leakscan.scan_release(release_dir) == []


def _plant_solution(folder):
    """The released adam cell replaced by the instructor's solution."""
    path = folder / "optimizers.ipynb"
    nb = read_notebook(path)
    solution = solution_cells(folder.parents[1], "optimizers")["adam"]
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "adam":
            cell["source"] = solution
    path.write_text(json.dumps(nb), encoding="utf-8")


def _add_cell(folder, source):
    path = folder / "optimizers.ipynb"
    nb = read_notebook(path)
    nb["cells"].append({"cell_type": "code", "metadata": {}, "source": source, "outputs": [], "execution_count": None})
    path.write_text(json.dumps(nb), encoding="utf-8")


LEAKS = {
    "solution in the notebook": (_plant_solution, "`adam` has a body beyond the stub"),
    "variants.py in the folder": (lambda f: shutil.copy(ROOT / "autograder/mistakes/variants.py", f / "helpers.py"),
                                  "`sgd` has a body beyond the stub"),
    "reference module renamed": (lambda f: shutil.copy(ROOT / "autograder/references/optimizers.py", f / "extra.txt"),
                                 "defines `adam`"),
    "object array in the data": (lambda f: np.savez(f / "selfcheck_data.npz", answer=np.array([{"w": 1}], dtype=object)),
                                 "cannot be read without pickle"),
    "a lambda bound to a graded name": (lambda f: _add_cell(f, "sgd = lambda w, dw, config=None: (w - dw, config)"),
                                        "graded name `sgd` is assigned"),
    "a solution marker left over": (lambda f: _add_cell(f, "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"),
                                    "BEGIN SOLUTION"),
    "an import of the grader": (lambda f: _add_cell(f, "from autograder.references.optimizers import adam"),
                                "imports autograder.references.optimizers.adam"),
    "a binary file": (lambda f: (f / "blob.bin").write_bytes(bytes(range(256))), "unexpected binary file"),
}


@pytest.mark.parametrize("leak", sorted(LEAKS))
def test_the_scan_finds_a_planted_leak(released_course, tmp_path, leak):
    course = copy_course(released_course, tmp_path / "course")
    folder = course / "release" / "optimizers"
    assert leakscan.scan_release(course / "release") == []
    plant, expected = LEAKS[leak]
    plant(folder)
    problems = leakscan.scan_release(course / "release")
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("body, leaks", [
    ('    """Docstring."""\n    # YOUR CODE HERE\n    raise NotImplementedError()\n', False),
    ("    raise NotImplementedError\n", False),
    ("    pass\n", True),
    ('    """Docstring."""\n    raise NotImplementedError()\n    return w, config\n', True),
    ("    return w - 0.01 * dw, config\n", True),
    ('    raise ValueError("not yet")\n', True),
])
def test_only_the_stub_body_is_accepted(body, leaks):
    problems = leakscan.scan_python("def sgd(w, dw, config=None):\n" + body, ["sgd"])
    assert bool(problems) == leaks, problems


def test_release_refuses_to_finish_when_a_solution_escapes_nbgrader(released_course, tmp_path, monkeypatch):
    """A solution cell whose nbgrader metadata was lost is copied into the release verbatim.
    The release's cell check refuses such a notebook first; with that check out of the way,
    the final scan of the released files must still refuse it on its own."""
    course = copy_course(released_course, tmp_path / "course")
    path = course / "source" / "optimizers" / "optimizers.ipynb"
    nb = read_notebook(path)
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "adam":
            del cell["metadata"]["nbgrader"]
            cell["source"] = cell["source"].replace("### BEGIN SOLUTION\n", "").replace("### END SOLUTION\n", "") \
                if isinstance(cell["source"], str) else \
                [line for line in cell["source"] if "SOLUTION" not in line]
    path.write_text(json.dumps(nb), encoding="utf-8")
    with pytest.raises(CourseError, match="adam: 0 solution cells"):
        release(course, ["optimizers"], log=lambda *a: None)
    from autograder.course import release as release_module
    monkeypatch.setattr(release_module, "notebook_problems", lambda root, name: [])
    with pytest.raises(CourseError, match="`adam` has a body beyond the stub"):
        release(course, ["optimizers"], log=lambda *a: None)
