"""The reference's work kept on disk between runs (``autograder/reference_cache.py``):
a second run loads the entries, variants and timings instead of computing them; a
change to the sources, the inputs or the versions is another key; a damaged,
forged, truncated or oversized file is never trusted, and the work is computed
again; grading gives the same results from the cache as without it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from autograder import checks, grading, reference_cache
from autograder.checks import framework
from engine_support import EXAMPLES, ROOT
from autograder.sandbox.inside import wire

SUITE = checks.suite


def _fresh(assignment):
    """The assignment's cases with empty memos (the real suite's are shared by the process)."""
    return tuple(dataclasses.replace(case) for case in SUITE(assignment))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A cache folder of its own; ``checks.suite`` gives fresh cases on every call, as a new
    process would; ``calls`` counts how often the reference is timed."""
    monkeypatch.setenv("AUTOGRADER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(checks, "suite", _fresh)
    calls = []

    def time_reference(assignment):
        calls.append(assignment)
        return grading._time_reference(assignment)

    return tmp_path / "cache" / "references", calls, time_reference


def _prepare(assignment, time_reference):
    cases = checks.suite(assignment)
    timings = reference_cache.prepare_cases(assignment, cases, time_reference)
    return cases, timings


@pytest.mark.parametrize("assignment", ["gradient_check", "optimizers",
                                        pytest.param("regularization", marks=pytest.mark.slow),
                                        pytest.param("initialization", marks=pytest.mark.slow)])
def test_a_second_run_loads_the_reference_work_and_runs_no_reference(cache, monkeypatch, assignment):
    folder, calls, time_reference = cache
    cold_cases, cold_timings = _prepare(assignment, time_reference)
    assert calls == [assignment] and len(list(folder.glob(f"{assignment}-*.bin"))) == 1
    assert all({"entry", "variants"} <= set(c.memo) for c in cold_cases)

    def no_reference(*args, **kwargs):
        raise AssertionError("the reference ran although its work is cached")

    monkeypatch.setattr(framework, "run_probe_locally", no_reference)
    warm_cases, warm_timings = _prepare(assignment, time_reference)
    assert calls == [assignment], "the second run timed the reference again"
    assert warm_timings == cold_timings
    for cold, warm in zip(cold_cases, warm_cases, strict=True):
        assert warm.memo is not cold.memo
        assert reference_cache.same(warm.memo["entry"], cold.memo["entry"]), cold.name
        assert reference_cache.same(warm.memo["variants"], cold.memo["variants"]), cold.name


def test_a_changed_source_or_input_is_another_key_and_the_stale_file_goes(cache, monkeypatch, tmp_path):
    folder, calls, time_reference = cache
    _prepare("gradient_check", time_reference)
    first = list(folder.glob("gradient_check-*.bin"))
    # A copy of the grader's sources, with one reference file edited.
    package = tmp_path / "package"
    for sub in reference_cache.SOURCE_FOLDERS:
        shutil.copytree(reference_cache.PACKAGE / sub, package / sub)
    monkeypatch.setattr(reference_cache, "PACKAGE", package)
    cases = checks.suite("gradient_check")
    same_sources = reference_cache.cache_key("gradient_check", cases)
    with open(package / "references" / "gradient_check.py", "a") as handle:
        handle.write("\n# an edit\n")
    edited = reference_cache.cache_key("gradient_check", cases)
    assert edited != same_sources
    _prepare("gradient_check", time_reference)
    assert calls == ["gradient_check"] * 2
    second = list(folder.glob("gradient_check-*.bin"))
    # The first version's file stays while it may still be in use, and goes once it is a day old.
    assert len(second) == 2 and set(first) < set(second)
    old = first[0].stat().st_mtime - reference_cache.STALE_AFTER_S - 60
    os.utime(first[0], (old, old))
    monkeypatch.setattr(reference_cache, "PACKAGE", tmp_path / "package-2")
    for sub in reference_cache.SOURCE_FOLDERS:
        shutil.copytree(package / sub, tmp_path / "package-2" / sub)
    with open(tmp_path / "package-2" / "checks" / "gradient_check.py", "a") as handle:
        handle.write("\n# another edit\n")
    _prepare("gradient_check", time_reference)
    third = list(folder.glob("gradient_check-*.bin"))
    assert len(third) == 2 and first[0] not in third
    # An input changed by one ulp is another key too.
    changed = list(cases)
    index, name, value = next((i, k, v) for i, c in enumerate(changed) for k, v in c.inputs.items()
                              if isinstance(v, np.ndarray) and v.dtype.kind == "f" and v.size)
    bumped = value.copy()
    bumped.flat[0] = np.nextafter(bumped.flat[0], np.inf)
    changed[index] = dataclasses.replace(changed[index], inputs={**changed[index].inputs, name: bumped})
    assert reference_cache.cache_key("gradient_check", changed) != edited


def _valid_file(cache):
    folder, _, time_reference = cache
    _prepare("gradient_check", time_reference)
    (path,) = folder.glob("gradient_check-*.bin")
    return path


def _forged(data: bytes, body: bytes) -> bytes:
    """A file with a correct digest around ``body``: what corruption cannot produce but forgery can."""
    return reference_cache.FORMAT + hashlib.sha256(body).hexdigest().encode() + b"\n" + body


def _body_with(value) -> bytes:
    arrays: list = []
    return wire.pack({"cache": wire.encode_value(value, arrays)}, arrays)


def _damages(data: bytes, key: str):
    head = len(reference_cache.FORMAT) + 65
    yield "a flipped byte in the body", data[:-7] + bytes([data[-7] ^ 1]) + data[-6:]
    yield "a flipped digest", data[:head - 2] + (b"0" if data[head - 2:head - 1] != b"0" else b"1") + data[head - 1:]
    yield "truncated", data[: len(data) // 2]
    yield "bytes appended", data + b"\0"
    yield "empty", b""
    yield "another format", b"autograder-reference-cache 0\n" + data[len(reference_cache.FORMAT):]
    yield "not a message", _forged(data, b"\xff" * 100)
    yield "another key", _forged(data, _body_with({"key": "0" * 64, "cases": []}))
    yield "too few cases", _forged(data, _body_with({"key": key, "cases": []}))
    yield "a tuple where a list goes", _forged(data, _body_with({"key": key, "cases": ()}))
    yield "a negative timing", _forged(data, _body_with({"key": key, "cases": [
        {"name": c.name, "entry": {}, "variants": [], "timings": [-1.0], "items": 0}
        for c in checks.suite("gradient_check")]}))
    yield "a wrong case name", _forged(data, _body_with({"key": key, "cases": [
        {"name": "x", "entry": {}, "variants": [], "timings": [], "items": 0}
        for c in checks.suite("gradient_check")]}))


def test_a_damaged_or_forged_file_is_never_trusted_and_the_work_is_recomputed(cache):
    folder, calls, time_reference = cache
    path = _valid_file(cache)
    data = path.read_bytes()
    cases = checks.suite("gradient_check")
    key = reference_cache.cache_key("gradient_check", cases)
    assert reference_cache.load(path, key, cases) is not None
    for what, damaged in _damages(data, key):
        path.write_bytes(damaged)
        assert reference_cache.load(path, key, checks.suite("gradient_check")) is None, what
        before = len(calls)
        _prepare("gradient_check", time_reference)
        assert len(calls) == before + 1, what
        assert path.read_bytes() != damaged and reference_cache.load(path, key, cases) is not None, what


def test_a_file_larger_than_any_cache_is_not_read(cache, monkeypatch):
    path = _valid_file(cache)
    cases = checks.suite("gradient_check")
    key = reference_cache.cache_key("gradient_check", cases)
    monkeypatch.setattr(reference_cache, "MAX_FILE_BYTES", path.stat().st_size - 1)
    assert reference_cache.load(path, key, cases) is None


def test_a_folder_in_place_of_the_file_or_an_unwritable_cache_still_grades(cache, tmp_path, monkeypatch):
    folder, calls, time_reference = cache
    path = _valid_file(cache)
    path.unlink()
    path.mkdir()
    _, timings = _prepare("gradient_check", time_reference)
    assert len(timings) == len(checks.suite("gradient_check")) and path.is_dir()
    monkeypatch.setenv("AUTOGRADER_CACHE_DIR", "off")
    assert reference_cache.cache_folder() is None
    _prepare("gradient_check", time_reference)
    assert calls == ["gradient_check"] * 3


@settings(derandomize=True, max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=4))
def test_random_damage_never_raises_and_never_loads(tmp_path_factory, edits):
    path, key, cases, data = _SHARED.get() or _SHARED.make(tmp_path_factory)
    damaged = bytearray(data)
    for position, byte in edits:
        damaged[position % len(damaged)] = byte
    path.write_bytes(bytes(damaged))
    loaded = reference_cache.load(path, key, cases)
    assert loaded is None or bytes(damaged) == data


class _Shared:
    """One valid file for the property test (Hypothesis does not mix with function fixtures)."""

    def __init__(self):
        self.value = None

    def get(self):
        return self.value

    def make(self, factory):
        folder = factory.mktemp("cache")
        old = os.environ.get("AUTOGRADER_CACHE_DIR")
        os.environ["AUTOGRADER_CACHE_DIR"] = str(folder)
        try:
            cases = _fresh("gradient_check")
            reference_cache.prepare_cases("gradient_check", cases, grading._time_reference)
        finally:
            if old is None:
                del os.environ["AUTOGRADER_CACHE_DIR"]
            else:
                os.environ["AUTOGRADER_CACHE_DIR"] = old
        (path,) = (folder / "references").glob("gradient_check-*.bin")
        self.value = (path, reference_cache.cache_key("gradient_check", cases), cases, path.read_bytes())
        return self.value


_SHARED = _Shared()


def test_grading_from_the_cache_gives_the_same_results_as_without_it(tmp_path):
    """Two whole grading commands, each in a process of its own: the first fills the
    cache, the second reads it (the file is not rewritten); the results are identical,
    and identical to a run with the cache off."""
    submissions = [EXAMPLES / "optimizers" / name for name in ("dave_adam_no_bias_correction.py",
                                                               "erin_momentum_moving_average.py")]

    def run(out, cache_dir):
        env = {**os.environ, "AUTOGRADER_CACHE_DIR": cache_dir, "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-m", "autograder", "grade", "optimizers", *map(str, submissions),
                               "--out", str(out), "--quiet", "--force", "--timeout", "20"],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
        assert done.returncode == 0, done.stderr
        return {p.name: _comparable(json.loads(p.read_text())) for p in sorted(out.glob("*.json"))}

    cache_dir = tmp_path / "cache"
    cold = run(tmp_path / "cold", str(cache_dir))
    (path,) = (cache_dir / "references").glob("optimizers-*.bin")
    written = path.stat().st_mtime_ns
    warm = run(tmp_path / "warm", str(cache_dir))
    assert path.stat().st_mtime_ns == written
    off = run(tmp_path / "off", "off")
    assert cold == warm == off and len(cold) == 2
    assert any(t["mistake_id"] for r in cold.values() for t in r["tests"]), "no mistake was named"


def _comparable(result: dict) -> dict:
    result = dict(result)
    result.pop("submission")
    return result
