# nbgrader configuration of the Training Neural Networks course.
#
# The course root is the folder of this file (assignments/): run nbgrader from
# here (`cd assignments && nbgrader ...`), or use `python -m autograder release`
# and `python -m autograder grade-class`, which find this file themselves.
# A copy of this file in another folder makes that folder a course of its own
# (the tests build temporary courses that way).
import importlib.util
import os

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = root
c.CourseDirectory.course_id = "training-nn"
# SQLite gradebook in the course root (nbgrader's default location, made explicit).
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(root, "gradebook.db")

# The released stub: the docstring and `# YOUR CODE HERE` stay, the solution becomes this line.
c.ClearSolutions.code_stub = {"python": "raise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Plain `nbgrader autograde` executes each notebook; a cell may take this long (seconds)
# before nbgrader interrupts it. The whole notebook normally runs in well under a minute.
c.Execute.timeout = 120

# Feedback must not show the hidden tests (nbgrader 0.9.6 does by default, jupyter/nbgrader#917):
# nbgrader's default list plus a ClearHiddenTests that removes the test source and keeps what the
# tests printed (see autograder/course/feedback.py).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "autograder.course.feedback.ClearHiddenTestsInFeedback",
]

# Feedback that renders with no network: nbgrader's feedback page, with MathJax 3 written into the
# page instead of loaded from a CDN (autograder/course/feedback.py, templates/offline_feedback/).
# Setting the template also switches off nbgrader's default template dirs, so its own comes first.
_nbgrader_spec, _autograder_spec = importlib.util.find_spec("nbgrader"), importlib.util.find_spec("autograder")
if _nbgrader_spec is not None and _autograder_spec is not None:  # else nbgrader's own feedback page
    c.HTMLExporter.template_name = "offline_feedback"
    c.HTMLExporter.extra_template_basedirs = [
        os.path.join(os.path.dirname(_nbgrader_spec.origin), "server_extensions", "formgrader", "templates"),
        os.path.join(os.path.dirname(_autograder_spec.origin), "course", "templates"),
    ]
    c.HTMLExporter.filters = {"offline_mathjax": "autograder.course.feedback.offline_mathjax_script"}
