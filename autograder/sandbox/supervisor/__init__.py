"""Grader-side supervision of the sandbox: never imported by the child."""
