# base: optimizers
"""os._exit at import time: the whole submission is gone before any test.

Contained: status "error" with a message that says the process exited, 0
points, and the grader (and the rest of the batch) carry on.
"""
import os

os._exit(3)
