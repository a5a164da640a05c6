"""Feedback without hidden test source, that renders offline.

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

Offline: nbgrader's feedback template loads MathJax 2 from a CDN, so a student
reading the page without network sees raw ``$...$``. ``nbgrader_config.py``
selects the ``offline_feedback`` template (``templates/`` here): nbgrader's
feedback page with MathJax 3 written into the page by the ``offline_mathjax``
filter below, from the ``django-static-mathjax`` package the book serves its
MathJax from. The page stays one file (nbgrader's ``release_feedback`` hands
out the HTML file alone); the full SVG build adds about 2.3 MB to it.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from nbgrader.preprocessors import ClearHiddenTests
from traitlets import Bool

TEMPLATES = Path(__file__).resolve().parent / "templates"
# The MathJax 3 builds the feedback may inline (single files that load nothing else).
INLINE_MATHJAX_BUILDS = ("tex-svg-full.js",)


def mathjax_es5() -> Path:
    """The ``es5`` folder of MathJax 3 in the installed ``django-static-mathjax`` (the book's source too)."""
    spec = importlib.util.find_spec("mathjax")
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / "static" / "mathjax" / "es5"
        if (folder / INLINE_MATHJAX_BUILDS[0]).is_file():
            return folder
    raise FileNotFoundError("MathJax 3 is missing: install django-static-mathjax (it is in requirements.txt)")


@functools.lru_cache(maxsize=None)
def offline_mathjax_script(build: str) -> str:
    """Jinja filter: the text of a MathJax build, to put inside a <script> element."""
    from markupsafe import Markup

    if build not in INLINE_MATHJAX_BUILDS:
        raise ValueError(f"{build} is not a self-contained MathJax build ({', '.join(INLINE_MATHJAX_BUILDS)})")
    text = (mathjax_es5() / build).read_text(encoding="utf-8")
    # Inside <script>, only "</script" would end the element early.
    return Markup(text.replace("</script", "<\\/script"))


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
