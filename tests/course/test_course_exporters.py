"""The LMS exports: `nbgrader export --exporter autograder.course.exporters.<LMS>ExportPlugin`, run as the
real nbgrader command on a small gradebook, each file read back and checked against the columns its
LMS documents (written out here independently of the exporters' own constants)."""
from __future__ import annotations

import csv
import warnings

import pytest

from autograder.course import exporters, intake, nbgrader_run
from course_support import nbgrader_cli, new_course

# The documented columns (see autograder/course/exporters.py for where each LMS documents them).
CANVAS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE = ["First name", "Last name", "ID number", "Email address"]
GRADESCOPE = ["First Name", "Last Name", "SID", "Email", "Total Score"]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Two assignments (hw1: 10 points, hw2: 4); ann full marks on hw1 but 3 points late; "O'Brien, Bob"
    (a comma and a quote in the name) 6.5 on hw1 and nothing for hw2; cy submitted nothing."""
    course = new_course(tmp_path_factory.mktemp("exports") / "course", [])
    with nbgrader_run.gradebook(course) as gb, warnings.catch_warnings():
        # nbgrader's add_submission warns that SQLAlchemy links the new records late; they are written.
        warnings.filterwarnings("ignore", message=".*not in session.*")
        for name, points in (("hw1", 10.0), ("hw2", 4.0)):
            gb.add_assignment(name)
            gb.add_notebook(name, name)
            gb.add_grade_cell(f"test_{name}", name, name, max_score=points, cell_type="code")
        gb.add_student("ann", first_name="Ann", last_name="Lee", email="ann@example.org")
        gb.add_student("bob", first_name="Bob", last_name="O'Brien, Jr.")
        gb.add_student("cy")
        for student, assignment, score, penalty in (("ann", "hw1", 10.0, 3.0), ("bob", "hw1", 6.5, 0.0),
                                                    ("ann", "hw2", 4.0, 0.0)):
            gb.add_submission(assignment, student)
            notebook = gb.find_submission_notebook(assignment, assignment, student)
            notebook.late_submission_penalty = penalty
            gb.find_grade(f"test_{assignment}", assignment, assignment, student).auto_score = score
            gb.db.commit()
    return course


def export(course, exporter, *args):
    """The exporter run in this process, configured from nbgrader-style command-line flags
    (test_the_nbgrader_command_line_finds_each_exporter runs the real command)."""
    from traitlets.config import Config

    config, plugin_args = Config(), {}
    args = list(args)
    while args:
        flag = args.pop(0)
        if flag.startswith("--") and "=" in flag:
            section, _, rest = flag[2:].partition(".")
            key, _, value = rest.partition("=")
            config[section][key] = {"True": True, "False": False}.get(value, value)
        else:
            plugin_args.setdefault(flag[2:], []).append(args.pop(0))
    cls = getattr(exporters, exporter)
    plugin = cls(config=config, to=str(course / plugin_args.pop("to", [""])[0]), **plugin_args)
    with nbgrader_run.gradebook(course) as gb:
        plugin.export(gb)


def read(path):
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~intake.current_umask())
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_canvas(course):
    export(course, "CanvasExportPlugin", "--to", "canvas.csv")
    rows = read(course / "canvas.csv")
    assert rows[0] == CANVAS + ["hw1", "hw2"]
    assert rows[1] == ["    Points Possible", "", "", "", "", "10", "4"]
    assert rows[2:] == [["Lee, Ann", "", "", "ann", "", "7", "4"],
                        ["O'Brien, Jr., Bob", "", "", "bob", "", "6.5", "0"],
                        ["cy", "", "", "cy", "", "0", "0"]]
    export(course, "CanvasExportPlugin", "--to", "canvas_sis.csv", "--assignment", "hw2",
           "--CanvasExportPlugin.id_column=SIS User ID", "--ExportPlugin.missing_as_zero=False")
    rows = read(course / "canvas_sis.csv")
    assert rows[0] == CANVAS + ["hw2"]
    assert [r[2:4] + r[5:] for r in rows[2:]] == [["ann", "", "4"], ["bob", "", ""], ["cy", "", ""]]


def test_moodle(course):
    export(course, "MoodleExportPlugin", "--to", "moodle.csv")
    rows = read(course / "moodle.csv")
    assert rows == [MOODLE + ["hw1", "hw2"],
                    ["Ann", "Lee", "ann", "ann@example.org", "7", "4"],
                    ["Bob", "O'Brien, Jr.", "bob", "", "6.5", "0"],
                    ["", "", "cy", "", "0", "0"]]


def test_gradescope_one_file_per_assignment(course):
    export(course, "GradescopeExportPlugin", "--to", "gs.csv")
    assert not (course / "gs.csv").exists()
    hw1, hw2 = read(course / "gs_hw1.csv"), read(course / "gs_hw2.csv")
    assert hw1 == [GRADESCOPE, ["Ann", "Lee", "ann", "ann@example.org", "7"], ["Bob", "O'Brien, Jr.", "bob", "", "6.5"],
                   ["", "", "cy", "", "0"]]
    assert [r[4] for r in hw2[1:]] == ["4", "0", "0"]
    export(course, "GradescopeExportPlugin", "--to", "gs_one.csv", "--assignment", "hw1", "--student", "bob")
    assert read(course / "gs_one.csv") == [GRADESCOPE, ["Bob", "O'Brien, Jr.", "bob", "", "6.5"]]


@pytest.mark.slow
def test_nbgraders_own_csv_would_split_the_name(course):
    """Why the exporters use the csv module: nbgrader's CSV writes fields with str.format."""
    assert nbgrader_cli(course, "export", "--to", "plain.csv").returncode == 0
    with open(course / "plain.csv", newline="") as handle:
        bob = next(r for r in csv.reader(handle) if "bob" in r)
    assert len(bob) == 12  # one more than its 11 columns: "O'Brien, Jr." became two fields


@pytest.mark.parametrize("exporter, file", [
    ("CanvasExportPlugin", "cli_canvas.csv"),
    pytest.param("MoodleExportPlugin", "cli_moodle.csv", marks=pytest.mark.slow),
    pytest.param("GradescopeExportPlugin", "cli_gradescope_hw1.csv", marks=pytest.mark.slow)])
def test_the_nbgrader_command_line_finds_each_exporter(course, exporter, file):
    stem = file.rsplit("_hw1", 1)[0].removesuffix(".csv")
    done = nbgrader_cli(course, "export", "--exporter", f"autograder.course.exporters.{exporter}", "--to", f"{stem}.csv")
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"Using exporter: {exporter}" in done.stderr
    in_process = course / f"in_process_{file}"
    export(course, exporter, "--to", f"in_process_{stem}.csv")
    assert read(course / file) == read(in_process)
