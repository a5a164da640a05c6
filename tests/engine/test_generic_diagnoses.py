"""The generic diagnoses of the shared judging layer (sandbox/inside/judging.py): named from
received against expected outputs alone, so the grader and the self-check give them for
any function. Each is tried on what it must name and on near misses it must not."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.sandbox.inside import compare, judging

EXPECTED = np.array([[0.5, -1.25, 2.0], [3.0, 0.75, -4.5]])


def _entry(expected, minus_input=None):
    return {"kind": "match", "rtol": 1e-6, "atol": 1e-12, "expected": {"v": expected},
            "outputs": [{"key": "v", "what": "the output", "scalar": False, "minus_input": minus_input}]}


def _decoded(**raw):
    tree, arrays = compare.encode_outputs(raw)
    return compare.decode_outputs(tree, arrays)


def _named(received, entry=None, inputs=None):
    verdict = judging.judge(entry or _entry(EXPECTED), _decoded(v=received), inputs or {}, variants=[])
    assert not verdict.passed
    return [m[0] for m in verdict.mistakes], verdict


@pytest.mark.parametrize("received,named", [
    (-EXPECTED, "sign-flipped"),
    (2 * EXPECTED, "off-by-constant-factor"),
    (EXPECTED / np.sqrt(2), "off-by-constant-factor"),
    (EXPECTED.T.copy(), "transposed"),
])
def test_names_the_shape_of_the_mistake(received, named):
    ids, verdict = _named(received)
    assert ids == [named]


def test_a_named_factor_is_spelled_out():
    _, verdict = _named(EXPECTED / np.sqrt(2))
    assert "1/√2" in verdict.mistakes[0][1]
    _, verdict = _named(EXPECTED * 3.7)
    assert "3.7" in verdict.mistakes[0][1]


def test_shifted_by_one_step_either_way():
    sequence = np.linspace(1.0, 0.1, 10) ** 2
    entry = _entry(sequence)
    late = np.concatenate([[7.0], sequence[:-1]])
    early = np.concatenate([sequence[1:], [7.0]])
    assert _named(late, entry)[0] == ["shifted-by-one-step"] and "late" in _named(late, entry)[1].mistakes[0][1]
    assert _named(early, entry)[0] == ["shifted-by-one-step"] and "early" in _named(early, entry)[1].mistakes[0][1]


def test_differences_from_an_input_are_what_is_scaled():
    w0 = np.array([100.0, -50.0, 20.0])
    moved = np.array([1e-3, 2e-3, -4e-3])
    entry = _entry(w0 + moved, minus_input="w0")
    ids, _ = _named(w0 + 2 * moved, entry, {"w0": w0})
    assert ids == ["off-by-constant-factor"]


@pytest.mark.parametrize("received", [
    EXPECTED + np.array([[0, 0, 0], [0, 0, 1e-3]]),     # one entry nudged
    EXPECTED * np.array([[1, 1, 1], [1, 1, 2.0]]),       # a factor on one entry only
    np.zeros_like(EXPECTED),                             # no output at all
    np.full(EXPECTED.shape, np.nan),
])
def test_names_nothing_when_the_difference_has_no_simple_shape(received):
    ids, _ = _named(received)
    assert ids == []


def test_an_input_changed_in_place_is_named_even_when_the_outputs_are_right():
    given = np.arange(6.0).reshape(2, 3)
    after = given.copy()
    after[1, 2] = -1.0
    raw = {"v": EXPECTED, "untouched": {"given": {"dout": given[None]}, "after": {"dout": after[None]}}}
    tree, arrays = compare.encode_outputs(raw)
    verdict = judging.judge(_entry(EXPECTED), compare.decode_outputs(tree, arrays), {}, variants=[])
    assert not verdict.passed
    assert [m[0] for m in verdict.mistakes] == ["input-changed-in-place"]
    assert verdict.message.startswith("modified `dout` in place")
    assert "`dout[1, 2]` is -1 after the call where 5 was passed" in verdict.message
    untouched = {"v": EXPECTED, "untouched": {"given": {"dout": given[None]}, "after": {"dout": given[None].copy()}}}
    tree, arrays = compare.encode_outputs(untouched)
    assert judging.judge(_entry(EXPECTED), compare.decode_outputs(tree, arrays), {}, variants=[]).passed
