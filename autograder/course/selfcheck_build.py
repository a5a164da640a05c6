"""Building the student self-check of one assignment: ``selfcheck.py``, ``selfcheck_lib/`` and
``selfcheck_data.npz``.

``selfcheck.py`` is ``selfcheck_template.py``, copied. ``selfcheck_lib/`` is a
verbatim copy of the student-safe modules of ``autograder/sandbox/inside`` (the
probes, the wire format, the comparison and the judging): the self-check calls the student's
function, decodes its outputs and judges them with the very code the grader
runs. Neither imports anything but NumPy and the standard library.

``selfcheck_data.npz`` (read with ``allow_pickle=False``) holds a JSON manifest
and plain arrays, for a subset of each function's graded cases (small inputs,
chosen greedily to catch and name as many catalogued mistakes as possible):
for each case its probe, inputs and the *entry* its judge describes it with
(``Judge.entry`` and ``Judge.variants``: the reference's outputs or the
statistics and bounds to check, and what each catalogued wrong variant gives).
No reference or variant code is written: only its outputs.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np

from autograder import checks
from autograder.checks import framework
from autograder.sandbox import inside

TEMPLATE = Path(__file__).with_name("selfcheck_template.py")
INSIDE = Path(inside.__file__).parent
LIBRARY = "selfcheck_lib"
# The modules shipped to students, copied verbatim: none knows a right answer.
SHIPPED_MODULES = ("__init__.py", "probes.py", "oracle.py", "wire.py", "compare.py", "patterns.py", "judging.py")
# Cases whose inputs hold more numbers than this are left to the hidden tests (file size).
MAX_INPUT_ELEMENTS = 50_000
CASES_PER_FUNCTION = 3


class BuildError(Exception):
    """The self-check cannot be built consistently (a check changed shape, the reference fails it, ...)."""


# ---------------------------------------------------------------------------- the code --

def write_code(out_dir: Path) -> None:
    """selfcheck.py and the shipped package, copied, after checking that none imports autograder."""
    import ast

    out_dir = Path(out_dir)
    library = out_dir / LIBRARY
    if library.exists():
        shutil.rmtree(library)
    library.mkdir(parents=True)
    sources = {out_dir / "selfcheck.py": TEMPLATE} | {library / name: INSIDE / name for name in SHIPPED_MODULES}
    for target, source in sources.items():
        text = source.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text, str(source))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            if any(n == "autograder" or n.startswith("autograder.") for n in names):
                raise BuildError(f"{source.name} must not import autograder: students do not have it")
        target.write_text(text, encoding="utf-8")


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


def _eligible(case) -> bool:
    return _input_size(case) <= MAX_INPUT_ELEMENTS


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


@contextlib.contextmanager
def _quiet():
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def stored_case(case, store: _Arrays) -> dict:
    """One case as the self-check stores it: probe, inputs, and its judge's entry with the variants."""
    with _quiet():
        entry = dict(case.judge.entry(case), variants=case.judge.variants(case))
    return {"name": case.name, "probe": case.probe, "replica": case.replica, "inputs": store.tree(case.inputs),
            "entry": store.tree(entry)}


# ---------------------------------------------------------------------------- build --

def _coverage(entry: dict, arrays: dict, module, function: str, reference_fns: dict) -> tuple[set, set]:
    """Which catalogued mistakes this shipped case would name alone, and which it would catch,
    judged by the students' own code path in the built module."""
    named, detected = set(), set()
    for mistake, wrong in framework.variant_functions(reference_fns, function):
        get = module._getter(function, wrong[function], wrong)
        try:
            with _quiet():
                row, _ = module._run_case(entry, arrays, get)
        except Exception:  # noqa: BLE001 - a variant that breaks the probe is caught, but names nothing
            detected.add(mistake.id)
            continue
        if not row["passed"]:
            detected.add(mistake.id)
            if row["mistake_ids"] == [mistake.id]:
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
    write_code(out_dir)
    code_path = out_dir / "selfcheck.py"
    module = load_module(code_path)

    reference_fns = framework.reference_functions(_reference_module(assignment))
    store = _Arrays()
    manifest = {"assignment": assignment, "format": 2, "functions": {}}
    suite = checks.suite(assignment)
    for function in checks.functions(assignment):
        cases = [c for c in suite if c.function == function]
        candidates = []
        for case in filter(_eligible, cases):
            entry = stored_case(case, store)
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
