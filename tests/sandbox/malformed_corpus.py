"""The malformed-input corpus: submissions built to break the grader itself
(not the sandbox), in the classes of issue 8:

1. crash the batch (deep or long-integer JSON, forged frames with impossible
   shapes or wrong field types, file names no file system or terminal likes);
2. make the grader's own work unbounded (huge sparse files, a flood of magics,
   huge outputs in every test, forged megabyte messages);
4. names and files (symbolic links out of the folder, one file for two
   students, spreadsheet formulas and escape codes in names, too many cells).

Each entry builds its files under a root folder and states its exact outcome.
Most live in nbgrader's layout ``submitted/<id>/optimizers/`` so that the entry's
id is the student; the entries about file names are passed as bare files.
Wire forgeries are the ``.py`` files in ``malformed/``, graded on top of the
reference solution like ``hostile/`` (see its README).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path
from typing import Callable

import sandbox_corpus as corpus
from autograder import checks
from autograder.batch import safe_stem

MALFORMED = Path(__file__).resolve().parent / "malformed"
EXAMPLES = corpus.REPO / "examples" / "submissions" / "optimizers"
SOURCE_NOTEBOOK = corpus.REPO / "assignments" / "source" / "optimizers" / "optimizers.ipynb"
ASSIGNMENT = "optimizers"
LONG_STEM = "s" * 240 + "-student"          # with ".py": 251 bytes, just under the 255 a name may have
NON_UTF8_NAME = b"caf\xe9-\xff\xfe.py"       # Latin-1 bytes: not UTF-8
ESCAPE_NAME = "\x1b]0;owned\x07\x1b[2J\x1b[31mred\r.py"
FORMULA_STUDENT = '=HYPERLINK("evil.example";"click")+cmd|calc!A0'


@dataclasses.dataclass
class Entry:
    id: str
    issue_class: int
    build: Callable[[Path], list[Path]]   # root -> the paths given to the grader
    status: str
    lost: dict | str = dataclasses.field(default_factory=dict)   # {function: allowed statuses} or "all"
    message: str = ""                     # in the result's message
    test_message: dict = dataclasses.field(default_factory=dict)  # {function: text in its first test's message}
    student: str | None = None            # the result's student, when it is not the id


def layout(root: Path, student: str) -> Path:
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def correct_py() -> str:
    return (EXAMPLES / "alice_correct.py").read_text()


def correct_notebook() -> dict:
    return json.loads((EXAMPLES / "bob_correct.ipynb").read_text())


def _in_layout(student: str, filename: str, write: Callable[[Path], None]) -> Callable[[Path], list[Path]]:
    def build(root: Path) -> list[Path]:
        folder = layout(root, student)
        write(folder / filename)
        return [folder]
    return build


def _forgery(name: str) -> Callable[[Path], list[Path]]:
    def write(path: Path):
        text = (MALFORMED / f"{name}.py").read_text()
        assert corpus.base_of(text) == ASSIGNMENT
        path.write_text((corpus.REFERENCES / f"{ASSIGNMENT}.py").read_text() + "\n\n# ---- malformed part ----\n" + text)
    return _in_layout(name, "optimizers.py", write)


def _notebook(name: str, text: Callable[[], str]) -> Callable[[Path], list[Path]]:
    return _in_layout(name, "optimizers.ipynb", lambda path: path.write_text(text()))


def _with_metadata(value_text: str) -> str:
    """The correct notebook with ``value_text`` (raw JSON) as a metadata value."""
    nb = correct_notebook()
    nb["metadata"]["x"] = "@@VALUE@@"
    return json.dumps(nb).replace('"@@VALUE@@"', value_text, 1)


def _too_many_cells() -> str:
    nb = correct_notebook()
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    nb["cells"] = [{"cell_type": "markdown", "metadata": {}, "source": "."}] * 10_000 + code
    return json.dumps(nb)


def _magics_flood() -> str:
    nb = correct_notebook()
    flood = "\n".join(f"%time x = {i}" for i in range(20_000))   # about 300 KB
    nb["cells"].insert(0, {"cell_type": "code", "metadata": {}, "source": flood, "outputs": [],
                           "execution_count": None})
    return json.dumps(nb)


def _cells_of_wrong_types() -> str:
    nb = correct_notebook()
    nb["cells"] = [5, "text", None, {"cell_type": "code", "source": 7}, {"cell_type": "code", "source": [1, None]},
                   {"cell_type": ["code"]}, *nb["cells"]]
    return json.dumps(nb)


def _sparse(name: str, filename: str, size: int) -> Callable[[Path], list[Path]]:
    def write(path: Path):
        with open(path, "wb") as handle:
            handle.truncate(size)
    return _in_layout(name, filename, write)


def _symlink_to(name: str, filename: str, target: Callable[[Path], Path]) -> Callable[[Path], list[Path]]:
    return _in_layout(name, filename, lambda path: os.symlink(target(path), path))


def _fifo(root: Path) -> list[Path]:
    folder = layout(root, "fifo")
    os.mkfifo(folder / "optimizers.py")
    return [folder]


def _folder_named_like_a_file(root: Path) -> list[Path]:
    folder = layout(root, "folder_named_like_a_file")
    (folder / "optimizers.py").mkdir()
    return [folder]


def _symlink_loop(root: Path) -> list[Path]:
    folder = layout(root, "symlink_loop")
    os.symlink(folder / "b.py", folder / "optimizers.py")
    os.symlink(folder / "optimizers.py", folder / "b.py")
    return [folder]


def _symlink_inside(root: Path) -> list[Path]:
    folder = layout(root, "symlink_inside_the_folder")
    (folder / "work").mkdir()
    (folder / "work" / "solution.txt").write_text(correct_py())
    os.symlink(Path("work") / "solution.txt", folder / "optimizers.py")
    return [folder]


def _hardlink(root: Path) -> list[Path]:
    folder = layout(root, "hardlink_to_other_student")
    os.link(layout(root, "correct_bob") / "optimizers.ipynb", folder / "optimizers.ipynb")
    return [folder]


def _same_path_twice(root: Path) -> list[Path]:
    folder = layout(root, "same_path_twice")
    (folder / "optimizers.py").write_text(correct_py())
    return [folder, folder / "optimizers.py", folder / "." / "optimizers.py"]


def _bare(filename: str | bytes) -> Callable[[Path], list[Path]]:
    def build(root: Path) -> list[Path]:
        folder = root / "bare"
        folder.mkdir(exist_ok=True)
        path = os.path.join(os.fsencode(folder), filename if isinstance(filename, bytes) else os.fsencode(filename))
        with open(path, "w") as handle:
            handle.write(correct_py())
        return [Path(os.fsdecode(path))]
    return build


def _formula_student(root: Path) -> list[Path]:
    folder = layout(root, FORMULA_STUDENT)
    (folder / "optimizers.py").write_text(correct_py())
    return [folder]


def correct(root: Path) -> list[Path]:
    """The two co-graded correct submissions (they go first in the batch)."""
    alice = layout(root, "correct_alice")
    shutil.copy(EXAMPLES / "alice_correct.py", alice / "optimizers.py")
    bob = layout(root, "correct_bob")
    shutil.copy(EXAMPLES / "bob_correct.ipynb", bob / "optimizers.ipynb")
    return [alice, bob]


def _forged_twenty() -> dict:
    """huge_outputs_every_case forges the first 20 results, then exits during the 21st test."""
    cases = checks.suite(ASSIGNMENT)
    lost = {c.function: {"failed"} for c in cases[:20]}
    lost.setdefault(cases[20].function, set()).add("error")
    return lost


CORRUPTED = "the submission corrupted the results"
ALL_ERROR = "all"
ENTRIES = [
    # ------------------------------------------------ 1. one submission crashes the batch
    Entry("notebook_nested_100000_deep", 1, _notebook("notebook_nested_100000_deep",
          lambda: _with_metadata("[" * 100_000 + "]" * 100_000)), "error", ALL_ERROR,
          "is not a valid notebook: its JSON is nested more than 100 levels deep"),
    Entry("notebook_nested_500_deep", 1, _notebook("notebook_nested_500_deep",
          lambda: _with_metadata("[" * 500 + "]" * 500)), "error", ALL_ERROR,
          "is not a valid notebook: its JSON is nested more than 100 levels deep"),
    Entry("notebook_integer_of_5000_digits", 1, _notebook("notebook_integer_of_5000_digits",
          lambda: _with_metadata("9" * 5000)), "error", ALL_ERROR, "holds an integer of 5000 digits"),
    Entry("notebook_cells_of_wrong_types", 1, _notebook("notebook_cells_of_wrong_types", _cells_of_wrong_types),
          "graded"),
    Entry("frame_overflowing_shape", 1, _forgery("frame_overflowing_shape"), "graded", {"sgd": {"error"}},
          test_message={"sgd": "array shape [0, 1000000000000000000000000000000] is not valid"}),
    Entry("frame_long_integer", 1, _forgery("frame_long_integer"), "graded", {"sgd": {"error"}},
          test_message={"sgd": "header holds an integer of 5000 digits"}),
    Entry("frame_deep_header", 1, _forgery("frame_deep_header"), "graded", {"sgd": {"error"}, "adam": {"error"}},
          test_message={"sgd": CORRUPTED + " (header is nested", "adam": "nested more than 48 levels deep"}),
    Entry("forged_error_fields", 1, _forgery("forged_error_fields"), "graded", {"sgd": {"error"}},
          test_message={"sgd": "(defaults): Exception: "}),
    Entry("forged_error_where", 1, _forgery("forged_error_where"), "graded", {"sgd": {"error"}},
          test_message={"sgd": "Forged\ufffd[2J: see the line (line 7 of the submission)"}),
    Entry("loaded_cell_errors_not_a_list", 1, _forgery("loaded_cell_errors_not_a_list"), "graded", ALL_ERROR,
          test_message={"sgd": CORRUPTED + " (unexpected message 'loaded')"}),
    Entry("loaded_where_not_a_dict", 1, _forgery("loaded_where_not_a_dict"), "graded", ALL_ERROR,
          "1 cell(s) raised while loading, Forged: MMMM",
          test_message={"sgd": "exited with code 0"}),
    Entry("long_file_name", 1, _bare(LONG_STEM + ".py"), "graded", student=safe_stem(LONG_STEM)),
    Entry("non_utf8_file_name", 1, _bare(NON_UTF8_NAME), "graded", student=safe_stem(os.fsdecode(NON_UTF8_NAME[:-3]))),
    Entry("sparse_file_of_a_terabyte", 1, _sparse("sparse_file_of_a_terabyte", "optimizers.py", 1 << 40), "error",
          ALL_ERROR, "'optimizers.py' is 1099511627776 bytes (1048576.0 MiB); submissions are limited to "
                     "20971520 bytes (20.0 MiB)"),
    # ------------------------------------------------ 2. the grader's own work is unbounded
    Entry("sparse_notebook_of_3_gb", 2, _sparse("sparse_notebook_of_3_gb", "optimizers.ipynb", 3 << 30), "error",
          ALL_ERROR, "'optimizers.ipynb' is 3221225472 bytes (3072.0 MiB); submissions are limited to "
                     "20971520 bytes (20.0 MiB)"),
    Entry("magics_flood", 2, _notebook("magics_flood", _magics_flood), "timeout", ALL_ERROR,
          "did not finish loading within 15 s"),
    Entry("huge_outputs_every_case", 2, _forgery("huge_outputs_every_case"), "graded", _forged_twenty(),
          test_message={"sgd": "(5000000,)"}),
    Entry("forged_huge_error", 2, _forgery("forged_huge_error"), "graded", {"sgd": {"error"}, "adam": {"error"}},
          test_message={"sgd": "E: AAAA", "adam": "larger than the 4194304 allowed"}),
    Entry("fifo", 2, _fifo, "error", ALL_ERROR, "'optimizers.py' is not a regular file"),
    Entry("symlink_to_dev_zero", 2, _symlink_to("symlink_to_dev_zero", "optimizers.py", lambda p: Path("/dev/zero")),
          "error", ALL_ERROR, "symbolic link to a file outside the submission's folder"),
    Entry("folder_named_like_a_file", 2, _folder_named_like_a_file, "error", ALL_ERROR,
          "'optimizers.py' is not a regular file"),
    # ------------------------------------------------ 4. names and files
    Entry("symlink_to_reference", 4, _symlink_to("symlink_to_reference", "optimizers.py",
          lambda p: corpus.REFERENCES / "optimizers.py"), "error", ALL_ERROR,
          "symbolic link to a file outside the submission's folder"),
    Entry("symlink_to_source_notebook", 4, _symlink_to("symlink_to_source_notebook", "optimizers.ipynb",
          lambda p: SOURCE_NOTEBOOK), "error", ALL_ERROR, "symbolic link to a file outside the submission's folder"),
    Entry("symlink_to_other_student", 4, _symlink_to("symlink_to_other_student", "optimizers.py",
          lambda p: p.parents[2] / "correct_alice" / "optimizers" / "optimizers.py"), "error", ALL_ERROR,
          "symbolic link to a file outside the submission's folder"),
    Entry("symlink_loop", 4, _symlink_loop, "error", ALL_ERROR, "symbolic link"),
    Entry("symlink_inside_the_folder", 4, _symlink_inside, "graded"),
    Entry("hardlink_to_other_student", 4, _hardlink, "error", ALL_ERROR,
          "this is the same file as the submission of correct_bob"),
    Entry("same_path_twice", 4, _same_path_twice, "graded"),
    Entry("formula_as_student_name", 4, _formula_student, "graded", student=FORMULA_STUDENT),
    Entry("escape_codes_in_file_name", 4, _bare(ESCAPE_NAME), "graded", student=safe_stem(ESCAPE_NAME[:-3])),
    Entry("notebook_of_10001_cells", 4, _notebook("notebook_of_10001_cells", _too_many_cells), "error", ALL_ERROR,
          "cells; the grader reads notebooks of at most 10000 cells"),
]
