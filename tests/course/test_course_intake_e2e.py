"""grade-class with the real nbgrader on the folders students actually hand in: a renamed notebook,
an extra notebook, a .py file instead of the notebook, a Windows-1252 notebook, two notebooks with
other names, and a symbolic link. Each gets its exact message; every score in the gradebook equals
the JSON result; the collected submitted/ folders are left as they were.

The message logic alone is tested fast in test_course_intake.py.
"""
from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from autograder.cli import main
from autograder.course import nbgrader_run
from course_support import copy_course, solution_cells, submit

A = "optimizers"


def tree_digest(folder):
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_symlink():
            digest.update(str(path.readlink()).encode())
        elif path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.mark.slow
def test_grade_class_says_what_it_did_with_each_kind_of_folder(released_course, tmp_path, capsys):
    course = copy_course(released_course, tmp_path / "course")
    submit(course, "alice", A, solved=True)
    folder = submit(course, "renamed", A, solved=True)
    (folder / f"{A}.ipynb").rename(folder / f"{A} (1).ipynb")
    folder = submit(course, "extra", A, solved=True)
    shutil.copy(folder / f"{A}.ipynb", folder / "scratch.ipynb")
    folder = submit(course, "latin1", A, solved=True)
    notebook = json.loads((folder / f"{A}.ipynb").read_text(encoding="utf-8"))
    notebook["cells"].insert(0, {"cell_type": "markdown", "id": "note", "metadata": {}, "source": "Réponses de Zoé"})
    data = json.dumps(notebook, ensure_ascii=False).encode("cp1252", errors="replace")
    (folder / f"{A}.ipynb").write_bytes(data)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    folder = course / "submitted" / "pyfile" / A
    folder.mkdir(parents=True)
    (folder / f"{A}.py").write_text("import math\nimport numpy as np\n\n" + "\n\n".join(solution_cells(course, A).values()))
    folder = submit(course, "twowrong", A, solved=True)
    (folder / f"{A}.ipynb").rename(folder / "mine.ipynb")
    shutil.copy(folder / "mine.ipynb", folder / "other.ipynb")
    folder = course / "submitted" / "linked" / A
    folder.mkdir(parents=True)
    (folder / f"{A}.ipynb").symlink_to(course / "submitted" / "alice" / A / f"{A}.ipynb")
    folder = course / "submitted" / "crasher" / A
    folder.mkdir(parents=True)
    (folder / f"{A}.py").write_text("import os\nos._exit(3)\n")
    before = tree_digest(course / "submitted")

    status = main(["grade-class", A, "--course", str(course), "--quiet", "--workers", "2"])
    printed = capsys.readouterr().out
    assert status == 0, printed
    lines = printed.splitlines()
    assert lines[0].startswith(f"{A}: 8 submission(s): 6 graded in ")
    assert ", 2 with nothing to grade; imported into the gradebook in " in lines[0]
    crasher = [line for line in lines if line.startswith("  crasher ")]
    assert crasher[0] == ("  crasher (submitted/crasher/optimizers/): a .py file ('optimizers.py') was handed in instead "
                          "of optimizers.ipynb; graded it, and the gradebook shows the released notebook with its results")
    # The grader's whole message follows, whatever it says.
    grading_line = "  crasher (submitted/crasher/optimizers/): grading optimizers.py ended with status 'error': "
    assert crasher[1].startswith(grading_line) and len(crasher[1]) > len(grading_line) + 10, crasher
    assert len(crasher) == 2
    assert [line for line in lines[1:] if not line.startswith("  crasher ")] == [
        "  extra (submitted/extra/optimizers/): extra notebook(s) 'scratch.ipynb' not graded; only "
        "'optimizers.ipynb' is",
        f"  latin1 (submitted/latin1/optimizers/): 'optimizers.ipynb' is not UTF-8 (first invalid byte "
        f"0x{data[first_bad]:02x} at offset {first_bad}); read it as Windows-1252 and graded a UTF-8 copy",
        "  linked (submitted/linked/optimizers/): 'optimizers.ipynb' is a symbolic link; it was not followed",
        "  linked (submitted/linked/optimizers/): no notebook: the folder holds no 'optimizers.ipynb' and no .py file",
        "  pyfile (submitted/pyfile/optimizers/): a .py file ('optimizers.py') was handed in instead of "
        "optimizers.ipynb; graded it, and the gradebook shows the released notebook with its results",
        "  renamed (submitted/renamed/optimizers/): the notebook is named 'optimizers (1).ipynb', not "
        "'optimizers.ipynb'; graded it as optimizers.ipynb",
        "  twowrong (submitted/twowrong/optimizers/): 2 notebooks ('mine.ipynb', 'other.ipynb') and none is named "
        "'optimizers.ipynb'; rename the one to grade to optimizers.ipynb",
    ]

    results = {p.stem: json.loads(p.read_text()) for p in (course / "results" / A).glob("*.json")}
    assert sorted(results) == ["alice", "crasher", "extra", "latin1", "linked", "pyfile", "renamed", "twowrong"]
    full = results["alice"]["max_score"]
    for student in ("alice", "extra", "latin1", "renamed"):
        assert results[student]["score"] == full, (student, results[student]["message"])
    assert results["pyfile"]["status"] == "graded" and results["pyfile"]["score"] > 0
    assert results["crasher"]["status"] == "error" and results["crasher"]["score"] == 0
    for student in ("twowrong", "linked"):
        assert results[student]["status"] == "error" and results[student]["score"] == 0
    assert results["twowrong"]["message"].startswith("2 notebooks ('mine.ipynb', 'other.ipynb')")
    with nbgrader_run.gradebook(course) as gb:
        for student, result in results.items():
            assert gb.find_submission(A, student).score == pytest.approx(result["score"]), student
    assert tree_digest(course / "submitted") == before

    # Run again: nothing is graded twice, and the line says so.
    assert main(["grade-class", A, "--course", str(course), "--quiet"]) == 0
    again = capsys.readouterr().out.splitlines()[0]
    assert again.startswith(f"{A}: 8 submission(s): 0 graded in ")
    assert ", 6 up to date (not graded again; --force regrades), 2 with nothing to grade;" in again
