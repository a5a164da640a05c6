"""The pieces every graded check is built from.

A ``Case`` is one seeded test: which probe to run on which inputs, and a judge.
A judge is an object that

* describes a case as an *entry* (``entry(case)``: plain data, the expected
  arrays or the statistics to check with their bounds) and the catalogued
  wrong variants' outputs or statistics on it (``variants(case)``);
* judges decoded outputs (``judge(case, received) -> Verdict``, also its
  ``__call__``) by handing the entry to ``sandbox/inside/judging.judge``, the
  one comparison that the in-kernel hidden tests and the students' self-check
  run too (the self-check reads the same entries from its data file);
* lists its statistics and bounds (``bounds(case)``).

Judges run in the grader process, never in the sandbox. Every named mistake
comes from ``mistakes/catalogue.py`` through ``variants(case)``.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Callable

import numpy as np

from autograder.sandbox.inside import compare, judging

# The shared comparison, re-exported for the checks.
as_array = compare.as_array
relative_errors = compare.relative_errors
max_relative_error = compare.max_relative_error


@dataclasses.dataclass
class Verdict:
    passed: bool
    message: str = ""
    diagnosis: str | None = None
    mistake_ids: tuple = ()

    @property
    def mistake_id(self) -> str | None:
        return self.mistake_ids[0] if self.mistake_ids else None


@dataclasses.dataclass
class Case:
    name: str                 # short, unique within the assignment
    function: str             # the graded function
    probe: str                # name in autograder.sandbox.inside.probes.PROBES
    inputs: dict              # plain data only: arrays, numbers, strings, lists, dicts
    judge: "Judge"
    setting: str = ""         # the input in words, for messages
    points: float = 1.0
    # A second probe on the same inputs, run by the grader in a sandbox of its own (one more child
    # per submission for all such parts: ``autograder/replicas.py``); its outputs reach the judge
    # under ``compare.REPLICA``. For what one process could fake: a draw repeated for its seed.
    replica: str | None = None
    # What the judge computed about this case (its entry, the variants' outputs). Not an
    # init field, so a copy made with dataclasses.replace (other inputs) starts empty.
    memo: dict = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)


@dataclasses.dataclass
class Tolerance:
    rtol: float = 1e-6
    atol: float = 1e-10

    def describe(self) -> str:
        return compare.describe_tolerance(self.rtol, self.atol)


def compare_array(received: np.ndarray, expected: np.ndarray, tol: Tolerance, what: str) -> str | None:
    return compare.compare_array(received, expected, tol.rtol, tol.atol, what)


@dataclasses.dataclass
class Output:
    """One output of a probe to compare: its key, how to name it, and whether a scalar is fine."""

    key: str
    what: str
    scalar: bool = False
    # Subtract this input before comparing (e.g. "w0": compare how far the weights
    # moved, so a tiny step is not lost against a large weight).
    minus_input: str | None = None

    def spec(self) -> dict:
        return {"key": self.key, "what": self.what, "scalar": bool(self.scalar), "minus_input": self.minus_input}


# --------------------------------------------------------- running probes on trusted code --

def run_probe_locally(case: Case, functions: dict[str, Callable]) -> dict:
    """Run ``case``'s probe on trusted implementations; decoded exactly as a student's output."""
    return compare.observe(case.probe, lambda name: functions[name], case.inputs, replica=case.replica)


def reference_functions(module) -> dict:
    return {name: getattr(module, name) for name in dir(module) if not name.startswith("_")
            and callable(getattr(module, name))}


def variant_functions(reference_fns: dict, function: str) -> list:
    """(mistake, functions with ``function`` replaced by the mistake's variant) per catalogued mistake."""
    from autograder.mistakes import catalogue, variants

    out = []
    for mistake in catalogue.mistakes_for(function):
        wrong = dict(reference_fns)
        wrong[function] = functools.partial(getattr(variants, function), **mistake.knobs)
        out.append((mistake, wrong))
    return out


def _quietly(run):
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return run()


# ------------------------------------------------------------------------- judges --

class Judge:
    """Base: subclasses give ``entry``, ``variants`` and ``bounds``."""

    references = None  # the reference module whose functions the probes call
    # case -> where f must be evaluated (a gradient check's "evaluations" entry, ``inside/patterns.py``), or None
    pattern = None

    def reference_fns(self) -> dict:
        return reference_functions(self.references)

    def entry(self, case: Case) -> dict:
        if "entry" not in case.memo:
            entry = self._describe(case)
            if self.pattern is not None:
                entry["evaluations"] = self.pattern(case)
            case.memo["entry"] = entry
        return case.memo["entry"]

    def variants(self, case: Case) -> list[dict]:
        if "variants" not in case.memo:
            found = []
            for mistake, wrong in variant_functions(self.reference_fns(), case.function):
                try:
                    outputs = _quietly(functools.partial(run_probe_locally, case, wrong))
                    described = self._variant(case, outputs)
                except Exception:  # noqa: BLE001 - a variant may break the calling convention here; it names nothing
                    continue
                if described is not None:
                    found.append({"id": mistake.id, "mistake": mistake.text(), **described})
            case.memo["variants"] = found
        return case.memo["variants"]

    def bounds(self, case: Case) -> list[dict]:
        return []

    def judge(self, case: Case, received: dict) -> Verdict:
        judgement = judging.judge(self.entry(case), received, case.inputs, variants=lambda: self.variants(case))
        message = judgement.message if judgement.passed else f"{case.setting}: {judgement.message}{self.suffix}"
        ids = tuple(m[0] for m in judgement.mistakes)
        return Verdict(judgement.passed, message, judgement.mistakes[0][1] if ids else None, ids)

    __call__ = judge
    suffix = ""

    def _describe(self, case):
        raise NotImplementedError

    def _variant(self, case, outputs):
        raise NotImplementedError


class MatchesReference(Judge):
    """The student's outputs must match the reference's on the same probe within a tolerance."""

    suffix = ". The expected value is the reference implementation's output on the same input."

    def __init__(self, references, outputs: list[Output], tol: Tolerance, pattern=None):
        self.references, self.outputs, self.tol, self.pattern = references, list(outputs), tol, pattern

    def specs(self):
        return [o.spec() for o in self.outputs]

    def _describe(self, case):
        expected = compare.plain_outputs(run_probe_locally(case, self.reference_fns()), self.specs())
        if expected is None:
            raise ValueError(f"{case.name}: the reference's outputs are not numeric")
        return {"kind": "match", "outputs": self.specs(), "rtol": float(self.tol.rtol), "atol": float(self.tol.atol),
                "expected": expected}

    def _variant(self, case, outputs):
        entry = self.entry(case)
        got = compare.plain_outputs(outputs, entry["outputs"])
        if got is None:
            return None
        problem, _ = compare.first_difference(outputs, entry["expected"], entry["outputs"], entry["rtol"],
                                              entry["atol"], case.inputs)
        # A variant that agrees with the reference on this case cannot be told apart here.
        return None if problem is None else {"outputs": got}

    def bounds(self, case):
        return [{"id": o.key, "label": o.what, "rtol": self.tol.rtol, "atol": self.tol.atol} for o in self.outputs]


def matches_reference(references, outputs: list[Output], tol: Tolerance, pattern=None) -> MatchesReference:
    return MatchesReference(references, outputs, tol, pattern)


# --------------------------------------------------------------- statistical judges --
# Rules: how close a student's statistic must be to a wrong variant's for the
# mistake to be named. Each maps (the variant's value, all its values) -> [lo, hi].

def exact(value, values):
    return [value, value]


def near(abs_tol=0.0, rel_tol=0.0):
    def rule(value, values):
        t = abs_tol + rel_tol * abs(value)
        return [value - t, value + t]
    return rule


def binary(stat_id, label, want, fail) -> dict:
    return {"id": stat_id, "label": label, "lo": float(want), "hi": float(want), "expect": "yes" if want else "no",
            "fail": fail}


def bounded(stat_id, label, lo, hi, expect) -> dict:
    return {"id": stat_id, "label": label, "lo": float(lo), "hi": float(hi), "expect": expect}


class Statistical(Judge):
    """Checks statistics of the outputs (a family in ``judging.FAMILIES``) against
    bounds; names a mistake when the statistics fall where a wrong variant's do.

    ``describe(case)`` returns {"stats": [bounds], "params": {...}, "rules": {stat: rule},
    "error_stat": id or None}. With ``name_by`` (outputs and a tolerance), a mistake is
    named instead when the outputs equal the wrong variant's (for deterministic outputs).
    """

    def __init__(self, family: str, describe: Callable[[Case], dict], references, suffix: str = "",
                 name_by: tuple[list[Output], Tolerance] | None = None, pattern=None):
        if family not in judging.FAMILIES:
            raise KeyError(f"no statistics family {family!r} in judging.FAMILIES")
        self.family, self.describe, self.references, self.suffix = family, describe, references, suffix
        self.name_by, self.pattern = name_by, pattern

    def spec(self, case) -> dict:
        if "spec" not in case.memo:
            case.memo["spec"] = self.describe(case)
        return case.memo["spec"]

    def bounds(self, case):
        return self.spec(case)["stats"]

    def _describe(self, case):
        spec = self.spec(case)
        entry = {"kind": "stats", "family": self.family, "params": spec.get("params", {}), "stats": spec["stats"],
                 "error_stat": spec.get("error_stat")}
        if self.name_by:
            outputs, tol = self.name_by
            entry["name_by"] = {"outputs": [o.spec() for o in outputs], "rtol": float(tol.rtol),
                                "atol": float(tol.atol)}
        return entry

    def _variant(self, case, outputs):
        entry = self.entry(case)
        try:
            values = judging.statistics_of(entry, outputs, case.inputs)
        except compare.Unjudgeable:
            return None
        if not judging.stats_problems(values, entry["stats"]):
            return None  # this variant passes here: it names nothing
        if self.name_by:
            got = compare.plain_outputs(outputs, entry["name_by"]["outputs"])
            return None if got is None else {"outputs": got}
        intervals = {key: [float(v) for v in rule(values[key], values)]
                     for key, rule in self.spec(case)["rules"].items() if key in values}
        return {"intervals": intervals} if intervals else None


# ------------------------------------------------------------------------- points --

def split_points(cases: list[Case], points_per_function: dict[str, float]) -> list[Case]:
    """Give each function its points, shared equally among its cases."""
    counts: dict[str, int] = {}
    for c in cases:
        counts[c.function] = counts.get(c.function, 0) + 1
    given: dict[str, float] = {}
    seen: dict[str, int] = {}
    for c in cases:
        seen[c.function] = seen.get(c.function, 0) + 1
        total = points_per_function[c.function]
        if seen[c.function] < counts[c.function]:
            c.points = round(total / counts[c.function], 6)
        else:
            # The last case takes the remainder, so a function's cases add up to its points exactly.
            c.points = round(total - given.get(c.function, 0.0), 6)
        given[c.function] = given.get(c.function, 0.0) + c.points
    return cases
