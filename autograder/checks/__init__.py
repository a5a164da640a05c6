"""Graded checks, one module per assignment. ``suite(name)`` returns its cases."""

from __future__ import annotations

import functools
import importlib

ASSIGNMENTS = ("gradient_check", "optimizers", "regularization", "initialization")


@functools.lru_cache(maxsize=None)
def _module(assignment: str):
    if assignment not in ASSIGNMENTS:
        raise KeyError(f"unknown assignment {assignment!r}; choose one of {', '.join(ASSIGNMENTS)}")
    return importlib.import_module(f"autograder.checks.{assignment}")


@functools.lru_cache(maxsize=None)
def suite(assignment: str):
    """The seeded cases of ``assignment``, grouped by function in the order of FUNCTIONS."""
    module = _module(assignment)
    cases = module.build_cases()
    order = {name: i for i, name in enumerate(module.FUNCTIONS)}
    return tuple(sorted(cases, key=lambda c: order[c.function]))


def functions(assignment: str) -> tuple[str, ...]:
    return tuple(_module(assignment).FUNCTIONS)


def points(assignment: str) -> dict[str, float]:
    """Each graded function's points, as the grader gives them (its cases add up to this)."""
    return {name: float(_module(assignment).POINTS[name]) for name in functions(assignment)}
