"""Reference implementations of every graded function, one module per assignment.

These are the answers. They never enter the sandbox; ``tests/references``
checks each one against torch.
"""
