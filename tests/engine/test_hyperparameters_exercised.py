"""Every hyperparameter of every update rule is exercised: a rule that writes any one
constant in place of config[key] (its default, 0, or the value one case uses) fails at
least two cases, and the default (for epsilon: none at all) is named "ignores config[key]"."""
from __future__ import annotations

import functools

import numpy as np
import pytest

from autograder import checks
from autograder.checks import optimizers
from autograder.checks.framework import reference_functions, run_probe_locally
from autograder.mistakes import catalogue, variants
from autograder.references import optimizers as reference

CASES = [c for c in checks.suite("optimizers") if c.function in optimizers.UPDATE_RULES]
KEYS = [(fn, key) for fn in optimizers.UPDATE_RULES for key in catalogue._hyperparameters(fn)]


def _run(function, implementation):
    functions = reference_functions(reference) | {function: implementation}
    out = []
    for case in CASES:
        if case.function == function:
            with np.errstate(all="ignore"):
                verdict = case.judge(case, run_probe_locally(case, functions))
            out.append((case, verdict))
    return out


@pytest.mark.parametrize("function,key", KEYS, ids=[f"{f}-{k}" for f, k in KEYS])
def test_each_key_takes_distinct_values_unlike_its_default(function, key):
    default = catalogue._hyperparameters(function)[key]
    set_values = [c.inputs["config"][key] for c in CASES if c.function == function and c.inputs["config"]]
    distinct = set(set_values)
    assert default not in distinct
    assert len(distinct) >= 3, f"{function}: config['{key}'] takes only {sorted(distinct)}"


@pytest.mark.parametrize("function,key", KEYS, ids=[f"{f}-{k}" for f, k in KEYS])
def test_any_hard_coded_constant_fails_and_the_default_is_named(function, key):
    default = catalogue._hyperparameters(function)[key]
    values = {default, 0.0} | {c.inputs["config"][key] for c in CASES if c.function == function and c.inputs["config"]}
    for value in sorted(values):
        pinned = functools.partial(getattr(variants, function), pin={key: value})
        verdicts = _run(function, pinned)
        failed = [v for _, v in verdicts if not v.passed]
        assert len(failed) >= 2, f"{function} with {key} fixed at {value:g} fails only {len(failed)} case(s)"
        if value == default or (key == "epsilon" and value == 0.0):
            wanted = f"{function.replace('_', '-')}-ignores-{key.replace('_', '-')}"
            assert any(v.mistake_id == wanted for v in failed), [v.diagnosis for v in failed]
