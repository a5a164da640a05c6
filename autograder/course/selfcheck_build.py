"""Building the student self-check of one assignment: ``selfcheck.py`` and ``selfcheck_data.npz``.

``selfcheck.py`` is ``selfcheck_template.py`` with ``autograder/sandbox/inside/probes.py``
pasted in at the marker, so the student's function is called by exactly the
procedures the grader uses, and nothing is kept twice in the repository. It
imports only NumPy and the standard library.

``selfcheck_data.npz`` (read with ``allow_pickle=False``) holds a JSON manifest
and plain arrays, for a subset of each function's graded cases (small inputs,
chosen greedily to catch and name as many catalogued mistakes as possible):
  * deterministic cases ("match"): the inputs, the reference's outputs
    (``run_probe_locally`` on the references, decoded as a student's would be)
    and, for diagnosis, the outputs of every catalogued wrong variant that
    differs from the reference on that case;
  * random functions ("stats"): the inputs, which statistics of the outputs to
    check and their bounds (from ``autograder/checks/statistics.py`` and the
    reference formulas), and for each wrong variant the intervals its
    statistics fall in.
No reference or variant code is written: only its outputs.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import functools
import importlib
import importlib.util
import inspect
import json
import math
import sys
import warnings
from pathlib import Path

import numpy as np

from autograder import checks
from autograder.checks import framework, statistics
from autograder.mistakes import catalogue, variants
from autograder.sandbox.inside import probes

TEMPLATE = Path(__file__).with_name("selfcheck_template.py")
PROBES_FILE = Path(probes.__file__)
MARKER = "# @@PROBES@@"
# Cases whose inputs hold more numbers than this are left to the hidden tests (file size).
MAX_INPUT_ELEMENTS = 50_000
CASES_PER_FUNCTION = 3


class BuildError(Exception):
    """The self-check cannot be built consistently (a check changed shape, the reference fails it, ...)."""


# ---------------------------------------------------------------------------- the code --

def selfcheck_source() -> str:
    """The text of selfcheck.py: the template with probes.py pasted in."""
    template = TEMPLATE.read_text(encoding="utf-8")
    if template.count(MARKER) != 1:
        raise BuildError(f"{TEMPLATE.name} must hold the marker {MARKER!r} exactly once")
    # A __future__ import is only legal at the top of a file; the template has its own.
    body = "\n".join(line for line in PROBES_FILE.read_text(encoding="utf-8").splitlines()
                     if not line.startswith("from __future__ import"))
    block = ("# ---- begin: autograder/sandbox/inside/probes.py, verbatim ----\n" + body
             + "\n# ---- end: autograder/sandbox/inside/probes.py ----")
    source = template.replace(MARKER, block)
    tree = ast.parse(source, "selfcheck.py")
    for node in ast.walk(tree):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        if any(n == "autograder" or n.startswith("autograder.") for n in names):
            raise BuildError("selfcheck.py must not import autograder: students do not have it")
    return source


def load_module(path: Path):
    """Import a built selfcheck.py under a private name (it is not on sys.path)."""
    name = f"_selfcheck_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    return module


# ------------------------------------------------------------------------ the data --

class _Arrays:
    """Arrays for the npz file; the manifest refers to them as {"@": key}."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def add(self, array) -> dict:
        array = np.asarray(array)
        if array.dtype.kind not in "biuf":
            raise BuildError(f"only numeric arrays go into the data file, not dtype {array.dtype}")
        key = f"a{len(self.arrays)}"
        self.arrays[key] = array
        return {"@": key}

    def tree(self, value):
        """Plain inputs as JSON with array references."""
        if isinstance(value, np.ndarray):
            return self.add(value)
        if isinstance(value, dict):
            return {str(k): self.tree(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.tree(v) for v in value]
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        if isinstance(value, (int, np.integer)):
            return int(value)
        if isinstance(value, (float, np.floating)):
            return float(value)
        if value is None or isinstance(value, str):
            return value
        raise BuildError(f"cannot store an input of type {type(value).__name__}")


def _input_size(case) -> int:
    def size(v):
        if isinstance(v, np.ndarray):
            return v.size
        if isinstance(v, dict):
            return sum(size(x) for x in v.values())
        if isinstance(v, (list, tuple)):
            return sum(size(x) for x in v)
        return 0
    return size(case.inputs)


def _closure(case) -> dict:
    judge = case.judge
    return inspect.getclosurevars(judge).nonlocals if getattr(judge, "__closure__", None) else {}


def _kind(case) -> str | None:
    """'match' for judges built by matches_reference, the judge's name for the
    statistical judges this module knows, None for judges left to the hidden tests."""
    if {"outputs", "tol", "references"} <= _closure(case).keys():
        return "match"
    name = getattr(case.judge, "__name__", "")
    return name if name in _STATS else None


def _eligible(case) -> bool:
    return _kind(case) is not None and _input_size(case) <= MAX_INPUT_ELEMENTS


def choose(candidates: list[dict], total_cases: int) -> list[dict]:
    """Pick the cases to ship from one function's candidates, each
    {"entry", "named": set of mistake ids named alone, "detected": set}.

    Greedy: the case that newly names (then newly detects) the most catalogued
    mistakes, up to CASES_PER_FUNCTION, leaving at least one graded case to the
    hidden tests (unless the function has only one); at least two cases when
    there are enough.
    """
    cap = max(1, min(CASES_PER_FUNCTION, total_cases - 1))
    chosen, named, detected = [], set(), set()
    while len(chosen) < min(cap, len(candidates)):
        rest = [c for c in candidates if c not in chosen]
        best = max(rest, key=lambda c: (len(c["named"] - named), len(c["detected"] - detected)))
        if not (best["named"] - named or best["detected"] - detected) and len(chosen) >= min(2, cap):
            break
        if not (best["named"] - named or best["detected"] - detected):
            best = rest[0]  # nothing new to catch: the next case in the suite's order
        chosen.append(best)
        named |= best["named"]
        detected |= best["detected"]
    return sorted(chosen, key=candidates.index)


def _reference_module(assignment: str):
    return importlib.import_module(f"autograder.references.{assignment}")


def _variant_functions(reference_fns: dict, function: str) -> list[tuple[catalogue.Mistake, dict]]:
    out = []
    for mistake in catalogue.mistakes_for(function):
        wrong = dict(reference_fns)
        wrong[function] = functools.partial(getattr(variants, function), **mistake.knobs)
        out.append((mistake, wrong))
    return out


@contextlib.contextmanager
def _quiet():
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


# -------------------------------------------------------------- deterministic cases --

_OUTPUT_FIELDS = {"key", "what", "scalar", "minus_input"}


def _match_entry(case, reference_fns, store: _Arrays) -> dict:
    closure = _closure(case)
    outputs, tol = closure["outputs"], closure["tol"]
    unknown = {f.name for f in dataclasses.fields(framework.Output)} - _OUTPUT_FIELDS
    if unknown:
        raise BuildError(f"framework.Output has new fields {sorted(unknown)}: teach the self-check to use them")

    def plain(decoded) -> dict | None:
        got = {}
        for out in outputs:
            array, problem = framework.as_array(framework._pick(decoded, out.key), out.what, allow_scalar=out.scalar)
            if problem:
                return None
            got[out.key] = array
        return got

    decoded = framework.run_probe_locally(case, reference_fns)
    expected = plain(decoded)
    if expected is None:
        raise BuildError(f"{case.name}: the reference's output cannot be stored")
    entry = {
        "name": case.name, "kind": "match", "probe": case.probe, "inputs": store.tree(case.inputs),
        "outputs": [{"key": o.key, "what": o.what, "scalar": bool(o.scalar),
                     "minus_input": getattr(o, "minus_input", None)} for o in outputs],
        "rtol": float(tol.rtol), "atol": float(tol.atol),
        "expected": {k: store.add(v) for k, v in expected.items()}, "variants": [],
    }
    for mistake, wrong in _variant_functions(reference_fns, case.function):
        try:
            with _quiet():
                variant_decoded = framework.run_probe_locally(case, wrong)
        except Exception:  # a wrong variant may blow up on some inputs; then it names nothing here
            continue
        got = plain(variant_decoded)
        # The grader's own comparison decides whether this mistake shows on this case.
        if got is None or framework.first_difference(variant_decoded, decoded, outputs, tol, case.inputs) is None:
            continue
        entry["variants"].append({"id": mistake.id, "mistake": mistake.text(),
                                  "outputs": {k: store.add(v) for k, v in got.items()}})
    return entry


# ---------------------------------------------------------------- statistical cases --
# For each statistical judge of the graded checks: which family of statistics the
# student-side file computes, which of them are checked and how, and how close a
# wrong variant's statistics must be for its mistake to be named.

def _exact(value, context):
    return [value, value]


def _within(abs_tol=0.0, rel_tol=0.0):
    def rule(value, context):
        t = abs_tol + rel_tol * abs(value)
        return [value - t, value + t]
    return rule


def _binary(stat_id, label, want, fail):
    return {"id": stat_id, "label": label, "lo": float(want), "hi": float(want), "expect": "yes" if want else "no",
            "fail": fail}


def _bounded(stat_id, label, lo, hi, expect):
    return {"id": stat_id, "label": label, "lo": float(lo), "hi": float(hi), "expect": expect}


def _dropout_tolerance(case):
    from autograder.checks import regularization as reg
    return (reg.FLOAT32 if case.inputs["x"].dtype == np.float32 else reg.CLOSE).rtol


def _kept_fraction_stat(case):
    p, n = float(case.inputs["p"]), int(case.inputs["x"].size)
    t = statistics.hoeffding_halfwidth(n, 1.0)
    return _bounded("kept_fraction", "the fraction of units kept", p - t, p + t,
                    f"p = {p:g} ± {t:.3g} (Hoeffding bound over {n} units)"), t


def _spec_kept_fraction(case):
    stat, t = _kept_fraction_stat(case)
    return {"family": "dropout_scaling", "stats": [stat], "rules": {"kept_fraction": _within(t)}}


def _spec_inverted_scaling(case):
    stat, t = _kept_fraction_stat(case)
    tol = _dropout_tolerance(case)
    scale = _bounded("scale_error", "max |out·p/x - 1| over the kept units", 0.0, tol,
                     f"at most {tol:g}: every kept unit is x / p")
    return {"family": "dropout_scaling", "stats": [stat, scale], "error_stat": "scale_error",
            "rules": {"kept_fraction": _within(t), "scale_error": _within(1e-9, 0.05)}}


def _spec_seeded(case):
    return {"family": "dropout_seed", "stats": [
        _binary("same_seed_equal", "same seed, same mask", 1,
                "two calls with the same seed gave different outputs; the same seed must give the same mask "
                "(draw it from np.random.default_rng(seed))"),
        _binary("other_seed_equal", "another seed, same mask", 0,
                "two different seeds gave the same output; the mask must come from the seed")],
        "rules": {"same_seed_equal": _exact, "other_seed_equal": _exact}}


def _spec_test_mode(case):
    from autograder.checks import regularization as reg
    tol = reg.EXACT.rtol
    return {"family": "dropout_test", "error_stat": "test_error", "stats": [
        _bounded("test_error", "the relative error of the test-mode output to x", 0.0, tol,
                 f"at most {tol:g}: inverted dropout is the identity at test time")],
        "rules": {"test_error": _within(1e-9, 0.05)}}


def _spec_backward_mask(case):
    from autograder.checks import regularization as reg
    return {"family": "dropout_backward_mask", "error_stat": "dx_error", "stats": [
        _bounded("dx_error", "the relative error of dx to dout * out / x", 0.0, reg.CLOSE.rtol,
                 f"at most {reg.CLOSE.rtol:g}: dout goes through the same mask and scale as the forward pass"),
        _bounded("dx_test_error", "the relative error of dx to dout in test mode", 0.0, reg.EXACT.rtol,
                 f"at most {reg.EXACT.rtol:g}: dx = dout in test mode")],
        "rules": {"dx_error": _within(1e-9, 0.05), "dx_test_error": _within(1e-9, 0.05)}}


def _spec_backward_numerical(case):
    from autograder.checks import regularization as reg
    tol = reg.NUMERICAL.rtol
    return {"family": "dropout_backward_numerical", "error_stat": "dx_error", "stats": [
        _bounded("dx_error", "the relative error of dx to the numerical gradient of your forward pass", 0.0, tol,
                 f"at most {tol:g}")],
        "rules": {"dx_error": _within(1e-9, 0.05)}}


def _spec_determinism(case):
    shape = (int(case.inputs["fan_in"]), int(case.inputs["fan_out"]))
    return {"family": "init_determinism", "stats": [
        _binary("shape_ok", "W has shape (fan_in, fan_out)", 1, f"W does not have shape (fan_in, fan_out) = {shape}"),
        _binary("finite", "W is finite", 1, "W contains NaN or inf"),
        _binary("same_seed_equal", "same seed, same W", 1,
                "two rngs made with the same seed gave different W (NumPy's global generator was reseeded in "
                "between); rng must be the only source of randomness"),
        _binary("other_seed_equal", "another seed, same W", 0, "rngs with different seeds gave the same W; draw W from rng")],
        "rules": {k: _exact for k in ("shape_ok", "finite", "same_seed_equal", "other_seed_equal")}}


def _spec_distribution(case):
    from autograder.checks import initialization as init
    function = case.function
    fan_in, fan_out = int(case.inputs["fan_in"]), int(case.inputs["fan_out"])
    n = fan_in * fan_out
    var = init.target_variance(function, fan_in, fan_out)
    sd = math.sqrt(var)
    stats = []
    if function in init.NORMAL:
        t = statistics.normal_mean_halfwidth(n, sd)
        stats.append(_bounded("mean", "the mean of W", -t, t, f"0 ± {t:.3g}"))
        lo, hi = statistics.chi_square_relative_bounds(n)
        stats.append(_bounded("mean_square", "the variance (mean of W²)", lo * var, hi * var,
                              f"{var:.5g} (between {lo * var:.5g} and {hi * var:.5g}, chi-square bounds)"))
        t = statistics.hoeffding_halfwidth(n, 1.0)
        stats.append(_bounded("tail", "the fraction of entries beyond 2 standard deviations",
                              init.NORMAL_TAIL_2SD - t, init.NORMAL_TAIL_2SD + t,
                              f"{init.NORMAL_TAIL_2SD:.4f} ± {t:.4f} for a normal distribution"))
    else:
        a = math.sqrt(3 * var)
        t = statistics.hoeffding_halfwidth(n, 2 * a)
        stats.append(_bounded("mean", "the mean of W", -t, t, f"0 ± {t:.3g}"))
        t = statistics.hoeffding_halfwidth(n, a * a)
        stats.append(_bounded("mean_square", "the variance (mean of W²)", var - t, var + t, f"{var:.5g} ± {t:.3g}"))
        eps = 25.0 / n  # P(max|W| < a(1 - eps)) = (1 - eps)^n < e^-25 for a correct U(-a, a) draw
        stats.append(_bounded("max_abs", "max |W|", a * (1 - eps), a * (1 + 1e-9),
                              f"just below the bound a = sqrt(3 * variance) = {a:.5g}"))

    def max_abs_rule(value, context):
        scale = context["mean_square"] / var
        t = 0.25 * value * max(1.0, math.sqrt(scale))
        return [value - t, value + t]

    # The same closeness as initialization._diagnose: a variant is named when the
    # student's draw has its variance, tail and range.
    return {"family": "init_distribution", "params": {"threshold": 2 * sd}, "stats": stats,
            "rules": {"mean_square": _within(0.0, 0.06), "tail": _within(0.02), "max_abs": max_abs_rule}}


def _spec_orthonormal(case):
    # Bounds of checks/initialization.py: orthonormal to 1e-8, and |trace| <= 8 for a square
    # Haar-random orthogonal matrix (trace ~ N(0, 1)).
    stats = [_bounded("deviation", "max |WᵀW - I| (or |WWᵀ - I| for a wide W)", 0.0, 1e-8,
                      "below 1e-8: orthonormal columns (rows)")]
    if case.inputs["fan_in"] == case.inputs["fan_out"]:
        stats.append(_bounded("abs_trace", "|trace(W)|", 0.0, 8.0, "at most 8 for a random orthogonal matrix"))

    def deviation_rule(value, context):
        return [0.05, math.inf] if value > 0.05 else [0.0, 0.05]

    return {"family": "orthonormal", "stats": stats, "error_stat": "deviation", "rules": {"deviation": deviation_rule}}


def _spec_sparse(case):
    from autograder.checks import gradient_check as gc
    n = int(case.inputs["num_checks"])
    candidates = {"correct": gc._per_coordinate_errors(case.inputs),
                  "forward": gc._per_coordinate_errors(case.inputs, forward=True),
                  "absolute": gc._per_coordinate_errors(case.inputs, absolute=True)}
    stats = [
        _binary("x_unchanged", "x unchanged", 1, "x was left modified after the calls: put back each entry after "
                                                 "evaluating f at x ± h"),
        _binary("length_ok", "one error per check", 1, f"the result must be a 1-d array of num_checks = {n} errors"),
        _binary("same_seed_equal", "same seed, same result", 1, "two calls with the same seed returned different errors"),
        _bounded("members_correct", "the fraction of returned values that are the centred-difference relative "
                                    "error at some coordinate", 1.0, 1.0, "1 (all of them)"),
        _binary("other_seed_differs", "another seed, other coordinates", 1,
                "another seed checked exactly the same coordinates; the seed argument must drive the choice"),
    ]
    fraction = _within(0.2)
    return {"family": "sparse", "params": {"candidates": candidates}, "stats": stats,
            "rules": {"x_unchanged": _exact, "length_ok": _exact, "same_seed_equal": _exact,
                      "members_correct": fraction, "members_forward": fraction, "members_absolute": fraction}}


_STATS = {
    "_kept_fraction": _spec_kept_fraction, "_inverted_scaling": _spec_inverted_scaling, "_seeded": _spec_seeded,
    "_test_mode": _spec_test_mode, "_backward_mask": _spec_backward_mask, "_backward_numerical": _spec_backward_numerical,
    "_determinism": _spec_determinism, "_distribution": _spec_distribution, "_orthonormal": _spec_orthonormal,
    "_judge_sparse": _spec_sparse,
}


def _stats_entry(case, kind, reference_fns, store: _Arrays, module) -> dict:
    spec = _STATS[kind](case)
    family = module.FAMILIES[spec["family"]]
    params = spec.get("params", {})

    def statistics_of(functions):
        outputs = probes.PROBES[case.probe](lambda name: functions[name], case.inputs)
        return family(outputs, case.inputs, params)

    def passes(values):
        return all(s["lo"] <= values[s["id"]] <= s["hi"] for s in spec["stats"])

    reference_values = statistics_of(reference_fns)
    if not passes(reference_values):
        raise BuildError(f"{case.name}: the reference fails its own self-check statistics {reference_values}")
    entry = {"name": case.name, "kind": "stats", "probe": case.probe, "inputs": store.tree(case.inputs),
             "family": spec["family"], "params": store.tree(params), "stats": spec["stats"],
             "error_stat": spec.get("error_stat"), "variants": []}
    for mistake, wrong in _variant_functions(reference_fns, case.function):
        try:
            with _quiet():
                values = statistics_of(wrong)
        except Exception:  # the variant breaks the calling convention here; it names nothing
            continue
        if passes(values):
            continue
        intervals = {key: [float(v) for v in rule(values[key], values)] for key, rule in spec["rules"].items()}
        entry["variants"].append({"id": mistake.id, "mistake": mistake.text(), "intervals": intervals})
    return entry


# ---------------------------------------------------------------------------- build --

def _coverage(entry: dict, arrays: dict, module, function: str, reference_fns: dict) -> tuple[set, set]:
    """Which catalogued mistakes this shipped case would name alone, and which it would catch,
    judged by the students' own code path in the built module."""
    named, detected = set(), set()
    for mistake, wrong in _variant_functions(reference_fns, function):
        get = module._getter(function, wrong[function], wrong)
        try:
            with _quiet():
                row, _ = module._run_case(entry, arrays, get)
        except Exception:  # noqa: BLE001 - a variant that breaks the probe is caught, but names nothing
            detected.add(mistake.id)
            continue
        if not row["passed"]:
            detected.add(mistake.id)
            if row["diagnoses"] == [mistake.text()]:
                named.add(mistake.id)
    return named, detected


def _references(node) -> set[str]:
    if isinstance(node, dict):
        if list(node) == ["@"]:
            return {node["@"]}
        return set().union(*(_references(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_references(v) for v in node)) if node else set()
    return set()


def build(assignment: str, out_dir: Path) -> dict[str, list[str]]:
    """Write selfcheck.py and selfcheck_data.npz for ``assignment`` into ``out_dir``.

    Returns the names of the cases shipped, per function. Raises BuildError if
    the reference does not pass the built self-check.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # only a matter of speed
        threadpool_limits = None
    # Many small QRs and products: with several BLAS threads on a busy machine they take
    # seconds each instead of milliseconds.
    with threadpool_limits(1) if threadpool_limits else contextlib.nullcontext():
        return _build(assignment, out_dir)


def _build(assignment: str, out_dir: Path) -> dict[str, list[str]]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    code_path = out_dir / "selfcheck.py"
    code_path.write_text(selfcheck_source(), encoding="utf-8")
    module = load_module(code_path)

    reference_fns = framework.reference_functions(_reference_module(assignment))
    store = _Arrays()
    manifest = {"assignment": assignment, "format": 1, "functions": {}}
    suite = checks.suite(assignment)
    for function in checks.functions(assignment):
        cases = [c for c in suite if c.function == function]
        candidates = []
        for case in filter(_eligible, cases):
            kind = _kind(case)
            with _quiet():
                entry = (_match_entry(case, reference_fns, store) if kind == "match"
                         else _stats_entry(case, kind, reference_fns, store, module))
            named, detected = _coverage(entry, store.arrays, module, function, reference_fns)
            candidates.append({"entry": entry, "named": named, "detected": detected})
        if not candidates:
            raise BuildError(f"{assignment}.{function}: no graded case fits the self-check")
        manifest["functions"][function] = [c["entry"] for c in choose(candidates, len(cases))]

    used = _references(manifest["functions"])
    arrays = {key: value for key, value in store.arrays.items() if key in used}
    data_path = out_dir / "selfcheck_data.npz"
    np.savez_compressed(data_path, manifest=np.array(json.dumps(manifest)), **arrays)

    # The reference must pass the file the students get, through the students' code path.
    module = load_module(code_path)
    for function in checks.functions(assignment):
        status, detail = module.run_checks(function, reference_fns[function], reference_fns)
        if status != "ok" or not all(row["passed"] for row in detail[0]):
            raise BuildError(f"{assignment}.{function}: the reference does not pass the built self-check: "
                             f"{status} {detail}")
    return {f: [e["name"] for e in entries] for f, entries in manifest["functions"].items()}
