"""Autograder for the Training Neural Networks course.

Data flows one way: submission -> sandbox (``autograder.sandbox``) -> plain
arrays -> comparison with the references (``autograder.checks``) -> report
(``autograder.report``).
"""

__version__ = "0.1.0"
