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


def test_an_output_of_another_shape_is_named_a_wrong_shape():
    ids, verdict = _named(EXPECTED.reshape(-1))
    assert ids == ["wrong-shape"]
    assert verdict.mistakes[0][1].startswith("wrong shape: the output has shape (6,), expected (2, 3)")
    # The reverse shape with other values is not "transposed" (that needs the transpose's values), but is said.
    ids, verdict = _named(np.ones((3, 2)))
    assert ids == ["wrong-shape"] and "the expected shape reversed" in verdict.mistakes[0][1]


def _penalty_entry():
    return {"kind": "stats", "family": "penalty_numerical", "params": {},
            "stats": [{"id": "dW_error", "label": "the error of dW", "lo": 0.0, "hi": 1e-5, "expect": "tiny"}],
            "error_stat": "dW_error"}


def _penalty_outputs(W, dW, h=1e-5):
    """What penalty_and_gradient reports for the loss sum(W**2), with ``dW`` as the gradient."""
    flat = W.reshape(-1)
    plus = np.array([np.sum(flat ** 2) + 2 * h * flat[i] + h * h for i in range(flat.size)])
    minus = np.array([np.sum(flat ** 2) - 2 * h * flat[i] + h * h for i in range(flat.size)])
    return _decoded(plus=plus, minus=minus, dW=dW)


W = np.array([[0.5, -1.25, 2.0, 0.1, -0.3], [3.0, 0.75, -4.5, 1.5, -2.0],
              [0.2, 0.4, -0.6, 0.8, 1.0], [-1.0, 2.5, 0.3, -0.7, 0.9]])


@pytest.mark.parametrize("dW,named,said", [
    (-2 * W, "sign-flipped", "sign flipped: dW is exactly the negative"),
    (4 * W, "off-by-constant-factor", "times 2 (2)"),
    ((2 * W).T.copy(), "wrong-shape", "wrong shape: dW has shape (5, 4), W has shape (4, 5)"),
    ((2 * W).reshape(-1), "wrong-shape", "wrong shape: dW has shape (20,), W has shape (4, 5); return an array "
                                         "shaped like W"),
])
def test_a_gradient_checked_numerically_is_named_like_a_match(dW, named, said):
    verdict = judging.judge(_penalty_entry(), _penalty_outputs(W, dW), {"W": W, "h": 1e-5}, variants=[])
    assert not verdict.passed
    assert [m[0] for m in verdict.mistakes] == [named]
    assert said in verdict.mistakes[0][1]


def test_a_right_or_shapeless_wrong_gradient_gets_no_generic_name():
    assert judging.judge(_penalty_entry(), _penalty_outputs(W, 2 * W), {"W": W, "h": 1e-5}, variants=[]).passed
    nudged = 2 * W + np.where(W > 1, 0.3, 0.0)
    verdict = judging.judge(_penalty_entry(), _penalty_outputs(W, nudged), {"W": W, "h": 1e-5}, variants=[])
    assert not verdict.passed and verdict.mistakes == []
