"""The trust boundary.

``inside/``      runs in the sandboxed child, next to untrusted student code, and is
                 the only part of the autograder the child can see. Nothing in it may
                 import the references, the checks or the catalogue of mistakes.
``supervisor/``  runs in the grader: starts the sandbox, applies its limits, reads
                 what comes back, and kills everything the submission started.
"""
