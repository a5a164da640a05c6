"""The nbgrader course around the grader (course root: ``assignments/``).

One job per module:
  ``selfcheck_template`` the student-side self-check (standalone; ``selfcheck_build`` pastes the probes in)
  ``selfcheck_build``    selfcheck.py + selfcheck_data.npz of one assignment, from the references
  ``release``            self-check, ``nbgrader generate_assignment``, leak scan
  ``leakscan``           does a release give a solution away?
  ``intake``             look at each submitted folder first: pick, decode and stage the one file to grade
  ``grade_class``        grade submitted/<student>/<assignment>/ in the sandbox, then import
  ``gradebook_import``   our JSON results into nbgrader's gradebook, through nbgrader's autograde
  ``feedback``           the preprocessor that keeps hidden tests out of feedback; MathJax inlined (templates/)
  ``exporters``          nbgrader export plugins: the grades as Canvas, Moodle and Gradescope CSV
  ``class_report``       HTML report with plots from a results folder
  ``nbgrader_run``       running nbgrader's converters in-process on a course folder
  ``cli``                the ``release``, ``grade-class`` and ``class-report`` sub-commands
"""
