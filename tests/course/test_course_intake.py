"""What grade-class says about a submitted folder before it grades it (no nbgrader: fast).

The exact sentences are asserted, since an instructor acts on them; the end-to-end version
with the real nbgrader is tests/course/test_course_intake_e2e.py.
"""
from __future__ import annotations

import json
import os

import pytest
from hypothesis import assume, given, settings, strategies as st

from autograder import submission
from autograder.course import intake
from autograder.course.grade_class import student_lines
from autograder.course.nbgrader_run import failure_reason

A = "optimizers"
NOTEBOOK = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                       "cells": [{"cell_type": "code", "id": "c1", "metadata": {}, "outputs": [],
                                  "execution_count": None, "source": "# café\nx = 1"}]}, ensure_ascii=False)


def folder(tmp_path, student, files: dict[str, bytes | str]):
    path = tmp_path / "submitted" / student / A
    path.mkdir(parents=True)
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (path / name).write_bytes(data)
    return path


def test_the_expected_notebook_alone_gives_no_finding(tmp_path):
    found = intake.inspect(folder(tmp_path, "ann", {f"{A}.ipynb": NOTEBOOK, "selfcheck.py": "x"}), A,
                           frozenset({"selfcheck.py", "selfcheck_data.npz", f"{A}.ipynb"}))
    assert found.findings == [] and found.error is None
    assert found.chosen.name == f"{A}.ipynb" and found.notebook_readable and "café" in found.text


def test_renamed_notebook_is_graded_under_the_expected_name(tmp_path):
    found = intake.inspect(folder(tmp_path, "ren", {f"{A} (1).ipynb": NOTEBOOK}), A)
    assert found.findings == [f"the notebook is named '{A} (1).ipynb', not '{A}.ipynb'; graded it as {A}.ipynb"]
    staged = intake.stage(found, tmp_path, None)
    assert staged == tmp_path / "intake" / "submitted" / "ren" / A / f"{A}.ipynb"
    assert staged.read_text(encoding="utf-8") == NOTEBOOK


def test_extra_notebooks_and_py_files_are_named(tmp_path):
    found = intake.inspect(folder(tmp_path, "ext", {f"{A}.ipynb": NOTEBOOK, "scratch.ipynb": NOTEBOOK,
                                                    "helpers.py": "y = 2"}), A)
    assert found.findings == ["extra notebook(s) 'scratch.ipynb' not graded; only 'optimizers.ipynb' is",
                              ".py file(s) 'helpers.py' not graded; the notebook is"]
    # With a renamed notebook and a stray one, the one whose name is the assignment's is taken.
    found = intake.inspect(folder(tmp_path, "two", {"Optimizers-Copy1.ipynb": NOTEBOOK, "notes.ipynb": NOTEBOOK}), A)
    assert found.chosen.name == "Optimizers-Copy1.ipynb"
    assert found.findings[1] == "extra notebook(s) 'notes.ipynb' not graded; only 'Optimizers-Copy1.ipynb' is"


def test_two_notebooks_with_other_names_are_an_error_that_says_what_to_do(tmp_path):
    found = intake.inspect(folder(tmp_path, "tw", {"mine.ipynb": NOTEBOOK, "other.ipynb": NOTEBOOK}), A)
    assert found.error == ("2 notebooks ('mine.ipynb', 'other.ipynb') and none is named 'optimizers.ipynb'; "
                           "rename the one to grade to optimizers.ipynb")
    assert found.chosen is None
    released = tmp_path / "released.ipynb"
    released.write_text(NOTEBOOK)
    # Nothing is graded, and the gradebook gets the released notebook (every test cell then says 0).
    assert intake.stage(found, tmp_path, released) is None
    assert (tmp_path / "intake" / "submitted" / "tw" / A / f"{A}.ipynb").read_text() == NOTEBOOK
    empty = intake.inspect(folder(tmp_path, "none", {"notes.txt": "hi"}), A)
    assert empty.error == "no notebook: the folder holds no 'optimizers.ipynb' and no .py file"


def test_py_file_instead_of_a_notebook(tmp_path):
    found = intake.inspect(folder(tmp_path, "py", {"optimizers.py": "def sgd(w, dw, config=None):\n    pass\n"}), A)
    assert found.kind == "python"
    assert found.findings == ["a .py file ('optimizers.py') was handed in instead of optimizers.ipynb; graded it, "
                              "and the gradebook shows the released notebook with its results"]
    released = tmp_path / "released.ipynb"
    released.write_text(NOTEBOOK)
    staged = intake.stage(found, tmp_path, released)
    assert staged.name == "optimizers.py" and (staged.parent / "optimizers.ipynb").read_text() == NOTEBOOK


def test_non_utf8_notebook_is_converted_and_said_so(tmp_path):
    found = intake.inspect(folder(tmp_path, "lat", {f"{A}.ipynb": NOTEBOOK.encode("cp1252")}), A)
    offset = NOTEBOOK.encode("utf-8").index("é".encode("utf-8"))
    assert found.findings == [f"'optimizers.ipynb' is not UTF-8 (first invalid byte 0xe9 at offset {offset}); "
                              "read it as Windows-1252 and graded a UTF-8 copy"]
    staged = intake.stage(found, tmp_path, None)
    assert staged.read_bytes() == NOTEBOOK.encode("utf-8")
    bom = intake.inspect(folder(tmp_path, "bom", {f"{A}.ipynb": b"\xef\xbb\xbf" + NOTEBOOK.encode()}), A)
    assert bom.findings == ["'optimizers.ipynb' starts with a UTF-8 byte-order mark; removed it"]
    assert bom.text == NOTEBOOK


def test_unreadable_notebook_goes_to_the_grader_and_the_released_one_to_the_gradebook(tmp_path):
    found = intake.inspect(folder(tmp_path, "bad", {f"{A}.ipynb": '{"cells": 3'}), A)
    assert found.findings[0].startswith("'optimizers.ipynb' is not a readable notebook (not JSON (")
    released = tmp_path / "released.ipynb"
    released.write_text(NOTEBOOK)
    staged = intake.stage(found, tmp_path, released)
    assert staged.read_text() == '{"cells": 3'
    assert (staged.parent / f"{A}.ipynb").read_text() == NOTEBOOK


def test_symbolic_links_are_not_followed_and_big_files_not_read(tmp_path):
    outside = tmp_path / "secret.ipynb"
    outside.write_text(NOTEBOOK)
    path = folder(tmp_path, "sym", {})
    (path / f"{A}.ipynb").symlink_to(outside)
    found = intake.inspect(path, A)
    assert found.findings == ["'optimizers.ipynb' is a symbolic link; it was not followed"]
    assert found.error == "no notebook: the folder holds no 'optimizers.ipynb' and no .py file"
    with pytest.raises(submission.SubmissionError, match="is a symbolic link; it was not followed"):
        submission.read_bounded(path / f"{A}.ipynb")  # O_NOFOLLOW: even asked directly, the link is not read

    linked = tmp_path / "submitted" / "lnk"
    linked.mkdir()
    (linked / A).symlink_to(tmp_path / "submitted" / "sym" / A)
    assert intake.inspect(linked / A, A).error == ("the submission is a symbolic link or not a folder; "
                                                   "it was not followed")

    big = folder(tmp_path, "big", {})
    with open(big / f"{A}.ipynb", "wb") as handle:  # sparse: no disk used
        handle.truncate(submission.MAX_SUBMISSION_BYTES + 1)
    found = intake.inspect(big, A)
    assert found.error == ("'optimizers.ipynb' is 20971521 bytes (20.0 MiB); submissions are limited to "
                           "20971520 bytes (20.0 MiB)")


def test_a_folder_with_too_many_entries_is_not_listed_to_the_end(tmp_path):
    path = folder(tmp_path, "many", {f"{A}.ipynb": NOTEBOOK})
    for i in range(intake.MAX_ENTRIES + 5):
        os.close(os.open(path / f"junk{i:04d}.txt", os.O_CREAT | os.O_WRONLY))
    found = intake.inspect(path, A)
    assert found.findings[0] == "the folder holds more than 200 entries; only the first 200 were looked at"


@pytest.mark.parametrize("name, stem", [("optimizers (1).ipynb", "optimizers"), ("Optimizers-Copy1.ipynb", "optimizers"),
                                        ("optimizers_final.ipynb", "optimizers"), ("optimizers v2.ipynb", "optimizers"),
                                        ("optimizers (2) (3).ipynb", "optimizers"), ("sgd.ipynb", "sgd")])
def test_normalised_stem(name, stem):
    assert intake.normalised_stem(name) == stem


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_decode_never_raises_and_keeps_utf8_exactly(data):
    text, notes = intake.decode(data, "'f'")
    assert isinstance(text, str)
    try:
        exact = data.decode("utf-8")
    except UnicodeDecodeError:
        assert len(notes) == 1 and "is not UTF-8 (first invalid byte 0x" in notes[0]
    else:
        if not data.startswith(b"\xef\xbb\xbf"):
            assert text == exact and notes == []


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.text(alphabet="abcé€ü\n\"{}", max_size=80))
def test_windows_1252_text_comes_back_unchanged(text):
    data = text.encode("cp1252")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:  # a few Windows-1252 sequences ("é€€" = E9 80 80, U+9000) are also valid UTF-8: UTF-8 wins, by design
        assume(not any(ord(c) > 127 for c in text))
    back, notes = intake.decode(data, "'f'")
    assert back == text
    assert (notes == []) == text.isascii()


def test_nbgrader_failure_reason_keeps_every_error_and_the_exception():
    result = {"success": False, "error": "Traceback (most recent call last):\n  File x\n"
                                         "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe9 in position 65\n",
              "log": "[INFO] Sanitizing /c/submitted/lat/optimizers/optimizers.ipynb\n"
                     "[WARNING] No submitted file: /c/x.ipynb\n"
                     "[ERROR] There was an error processing /c/submitted/lat/optimizers/optimizers.ipynb\n"}
    assert failure_reason(result) == ("[WARNING] No submitted file: /c/x.ipynb; [ERROR] There was an error "
                                      "processing /c/submitted/lat/optimizers/optimizers.ipynb; UnicodeDecodeError: "
                                      "'utf-8' codec can't decode byte 0xe9 in position 65")
    assert failure_reason({"success": False}) == "nbgrader gave no reason (its log is empty)"


def test_student_lines_name_the_student_the_folder_and_the_whole_reason():
    info = {"students": ["ann", "lat"], "findings": {"ann": [], "lat": ["'optimizers.ipynb' is not UTF-8 (...)"]},
            "failed": {"lat": ("timeout", "loading the submission took longer than 30 s (a loop at import?)",
                               "/c/intake/submitted/lat/optimizers/optimizers.ipynb")},
            "problems": {"ann": "nbgrader Autograde failed on optimizers for student ann: [ERROR] boom; "
                                "ValueError: no"},
            "differences": ["ann: test_sgd has 0.0 in the gradebook, 5.0 in r/ann.json"]}
    assert student_lines(A, info) == [
        "  ann (submitted/ann/optimizers/): the gradebook import failed, so the gradebook has no score for ann "
        "while ann.json has one: nbgrader Autograde failed on optimizers for student ann: [ERROR] boom; ValueError: no",
        "  lat (submitted/lat/optimizers/): 'optimizers.ipynb' is not UTF-8 (...)",
        "  lat (submitted/lat/optimizers/): grading optimizers.ipynb ended with status 'timeout': loading the "
        "submission took longer than 30 s (a loop at import?)",
        "  gradebook differs from the result: ann: test_sgd has 0.0 in the gradebook, 5.0 in r/ann.json",
    ]


NAMES = ["optimizers.ipynb", "optimizers (1).ipynb", "Optimizers-Copy1.ipynb", "notes.ipynb", "optimizers.py",
         "helpers.py", "selfcheck.py", "data.csv", ".hidden.ipynb", "OPTIMIZERS.IPYNB"]
CONTENTS = [NOTEBOOK.encode(), NOTEBOOK.encode("cp1252"), b"", b"\xff\xfe{", b"def sgd():\n    pass\n"]


@settings(derandomize=True, max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(NAMES), st.sampled_from(CONTENTS), max_size=6))
def test_any_folder_gives_one_file_or_one_reason_and_never_raises(tmp_path_factory, files):
    path = tmp_path_factory.mktemp("any") / "submitted" / "stu" / A
    path.mkdir(parents=True)
    for name, data in files.items():
        (path / name).write_bytes(data)
    found = intake.inspect(path, A, frozenset({"selfcheck.py"}))
    assert (found.chosen is None) == (found.error is not None)
    if found.chosen is not None:
        assert found.chosen.name in files and found.chosen.name != "selfcheck.py" and found.text is not None
        assert found.kind == ("notebook" if found.chosen.suffix.lower() == ".ipynb" else "python")
        # Any notebook there is preferred to any .py, and the exact name to any other.
        if f"{A}.ipynb" in files:
            assert found.chosen.name == f"{A}.ipynb"
        assert found.kind == "notebook" or not any(n.lower().endswith(".ipynb") and not n.startswith(".")
                                                   for n in files)
    assert all(isinstance(f, str) and f for f in found.findings)
