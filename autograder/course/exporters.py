"""nbgrader export plugins that write the gradebook in the CSV formats LMSs import.

    cd assignments
    nbgrader export --exporter autograder.course.exporters.CanvasExportPlugin     --to canvas.csv
    nbgrader export --exporter autograder.course.exporters.MoodleExportPlugin     --to moodle.csv
    nbgrader export --exporter autograder.course.exporters.GradescopeExportPlugin --to gradescope.csv

(``--assignment`` and ``--student`` narrow the export as for nbgrader's own CSV.) The score of a
submission is nbgrader's: its points minus the late penalty, never below zero; a student who
submitted nothing gets 0 (as in ``nbgrader export``), or an empty cell with
``--ExportPlugin.missing_as_zero=False`` (an empty cell leaves the LMS's grade alone).

Unlike nbgrader's own CSV exporter these go through the ``csv`` module, so a name holding a
comma or a quote stays in its column. The files are written whole to a temporary file and
then renamed into place, with the usual mode (0644 under umask 022).

Which columns each LMS reads is written once, next to each exporter, with where it is documented.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import ExportPlugin
from traitlets import Bool, Enum


def _number(value: float) -> str:
    return str(int(value)) if float(value) == int(value) else f"{value:.6g}"


def write_text_file(path: Path, text: str) -> None:
    """Atomically, with the mode an ordinary file gets under the current umask."""
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        mask = os.umask(0o022)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class GradesExportPlugin(ExportPlugin):
    """What the three exporters share: which assignments and students, and each score."""

    missing_as_zero = Bool(True, help="a student with no submission gets 0 (else an empty cell)").tag(config=True)
    default_file = "grades.csv"

    def selected(self, gradebook: Gradebook):
        """(assignments, students) of the gradebook, narrowed by --assignment / --student, in name order."""
        wanted_assignments = {str(a) for a in self.assignment}
        wanted_students = {str(s) for s in self.student}
        assignments = sorted((a for a in gradebook.assignments if not wanted_assignments or a.name in wanted_assignments),
                             key=lambda a: (a.duedate is None, a.duedate or 0, a.name))
        students = sorted((s for s in gradebook.students if not wanted_students or s.id in wanted_students),
                          key=lambda s: s.id)
        return assignments, students

    def score(self, gradebook: Gradebook, assignment, student) -> str:
        try:
            submission = gradebook.find_submission(assignment.name, student.id)
        except MissingEntry:
            return "0" if self.missing_as_zero else ""
        return _number(max(0.0, float(submission.score) - float(submission.late_submission_penalty or 0.0)))

    def destination(self) -> Path:
        return Path(self.to or self.default_file)

    def rows(self, gradebook: Gradebook) -> list[list[str]]:
        raise NotImplementedError

    def export(self, gradebook: Gradebook) -> None:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(self.rows(gradebook))
        write_text_file(self.destination(), buffer.getvalue())
        self.log.info("Exported grades to %s (%s)", self.destination(), type(self).__name__)


# Canvas, "How do I import grades in the Gradebook?" (Instructure Community, Canvas Instructor Guide):
# the first columns are Student, ID, SIS User ID, SIS Login ID and Section, as in Canvas's own
# Gradebook export; every further column is an assignment ("Name (Canvas id)" for an existing one; a
# header without an id creates a new assignment on import). An optional second row whose Student cell
# is "Points Possible" gives each assignment's maximum. Canvas matches a row to a student by ID, then
# SIS User ID, then SIS Login ID; nbgrader's student id is not Canvas's internal ID, so it goes into
# the column chosen by ``id_column``.
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "    Points Possible"


class CanvasExportPlugin(GradesExportPlugin):
    """Canvas Gradebook import: one row per student, one column per assignment."""

    id_column = Enum(["SIS User ID", "SIS Login ID"], "SIS Login ID",
                     help="the Canvas column that holds nbgrader's student id").tag(config=True)
    default_file = "canvas_grades.csv"

    def rows(self, gradebook):
        assignments, students = self.selected(gradebook)
        rows = [[*CANVAS_COLUMNS, *(a.name for a in assignments)],
                [CANVAS_POINTS_ROW, "", "", "", "", *(_number(a.max_score) for a in assignments)]]
        for s in students:
            ids = {self.id_column: s.id}
            name = ", ".join(part for part in (s.last_name, s.first_name) if part) or s.id
            rows.append([name, "", ids.get("SIS User ID", ""), ids.get("SIS Login ID", ""), "",
                         *(self.score(gradebook, a, s) for a in assignments)])
        return rows


# Moodle, "Grade import" (docs.moodle.org, Grades > Grade import, CSV file): the file's first row
# names the columns; on import the teacher picks the column that identifies the user ("Map from")
# and which user field it holds ("Map to": user id, username, ID number or email address), then maps
# each remaining column to a grade item. The identity columns here are the ones Moodle's own CSV
# grade export starts with; nbgrader's student id goes into "ID number" (map ID number -> ID number,
# or Email address -> email address when the gradebook has emails). One column per assignment.
MOODLE_COLUMNS = ("First name", "Last name", "ID number", "Email address")


class MoodleExportPlugin(GradesExportPlugin):
    """Moodle "Import grades: CSV file": identity columns, then one column per grade item."""

    default_file = "moodle_grades.csv"

    def rows(self, gradebook):
        assignments, students = self.selected(gradebook)
        rows = [[*MOODLE_COLUMNS, *(a.name for a in assignments)]]
        for s in students:
            rows.append([s.first_name or "", s.last_name or "", s.id, s.email or "",
                         *(self.score(gradebook, a, s) for a in assignments)])
        return rows


# Gradescope, importing an assignment's scores from a spreadsheet (Gradescope Help Center, scores
# for an assignment graded outside Gradescope): a CSV with a header row, one row per student,
# matched to the roster by Email or, failing that, by SID; the score is read from one column, and
# Gradescope's own roster and score exports name these First Name, Last Name, SID, Email and Total
# Score. Scores are per assignment, so each assignment gets its own file (``--to`` names the file
# when one assignment is exported, else ``<stem>_<assignment>.csv`` for each).
GRADESCOPE_COLUMNS = ("First Name", "Last Name", "SID", "Email", "Total Score")


class GradescopeExportPlugin(GradesExportPlugin):
    """Gradescope score upload: one file per assignment, one row per student."""

    default_file = "gradescope_grades.csv"

    def files(self, gradebook) -> dict[Path, list[list[str]]]:
        assignments, students = self.selected(gradebook)
        target = self.destination()
        files = {}
        for a in assignments:
            path = target if len(assignments) == 1 else target.with_name(f"{target.stem}_{a.name}{target.suffix}")
            files[path] = [list(GRADESCOPE_COLUMNS)] + [
                [s.first_name or "", s.last_name or "", s.id, s.email or "", self.score(gradebook, a, s)]
                for s in students]
        return files

    def export(self, gradebook):
        for path, rows in self.files(gradebook).items():
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\r\n").writerows(rows)
            write_text_file(path, buffer.getvalue())
            self.log.info("Exported grades to %s (Gradescope)", path)
