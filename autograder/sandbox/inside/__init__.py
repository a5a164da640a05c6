"""Code that runs inside the sandbox, beside the student's code (and is visible to it).

It holds no answers: only the child's main loop, the probes that call a graded
function, the wire format that carries plain arrays back to the grader, and a gradient
check's f, whose parameters stay with the grader (``oracle.py``).
"""
