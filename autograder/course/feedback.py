"""Feedback without hidden test source.

nbgrader 0.9.6 builds feedback with ``GenerateFeedback.preprocessors =
[GetGrades, CSSHTMLHeaderPreprocessor]``: the autograded notebook, whose test
cells were restored from the gradebook with their hidden tests, goes to HTML
as it is, so the feedback shows the hidden test source (jupyter/nbgrader#917).
``nbgrader_config.py`` adds the preprocessor below to that list.

It is nbgrader's ``ClearHiddenTests`` with two changes for feedback, where the
notebook is the student's: ``enforce_metadata`` is off (a student's own cell
that happens to contain the marker must not stop their feedback; the region
is removed either way), and a region without its end marker is removed to the
end of the cell instead of raising. What the tests printed (the outputs) stays:
that is the feedback.
"""

from __future__ import annotations

from nbgrader.preprocessors import ClearHiddenTests
from traitlets import Bool


class ClearHiddenTestsInFeedback(ClearHiddenTests):
    enforce_metadata = Bool(
        False, help="Complain about hidden tests outside grade cells (off: feedback strips them anywhere)"
    ).tag(config=True)

    def _remove_hidden_test_region(self, cell) -> bool:
        kept, inside, removed = [], False, False
        for line in cell.source.split("\n"):
            if self.begin_test_delimeter in line:
                inside = removed = True
            elif self.end_test_delimeter in line and inside:
                inside = False
            elif not inside:
                kept.append(line)
        cell.source = "\n".join(kept)
        return removed
