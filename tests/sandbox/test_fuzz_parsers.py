"""Property-based fuzzing of everything that parses student bytes or writes
student text: the notebook reader, the wire decoder, the result records and
writers, and file names.

Each property runs twice: in the fast suite with a fixed seed and few examples,
and many more times under ``slow``. The property is always the same: the
parser either returns a well-formed value or raises its own error type, with a
message of bounded length; it never raises anything else.
"""
from __future__ import annotations

import csv
import io
import json
import os
import struct
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from autograder import batch, report, submission
from autograder.results import MAX_TEXT_CHARS, Result, ResultError, TestResult
from autograder.sandbox.inside import sources, wire
from autograder.sandbox.supervisor import launcher

FAST = settings(derandomize=True, max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(derandomize=False, max_examples=1000, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def both(strategy_args: dict):
    """The property as a fast test and a slow one."""
    def wrap(prop):
        fast = FAST(given(**strategy_args)(prop))
        slow = pytest.mark.slow(SLOW(given(**strategy_args)(prop)))
        return fast, slow
    return wrap


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=False),
                         st.text(max_size=30))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=10), inner, max_size=5)), max_leaves=40)
cell_values = st.one_of(json_values, st.fixed_dictionaries({
    "cell_type": st.sampled_from(["code", "markdown", "raw", 5]),
    "source": st.one_of(st.text(max_size=200), st.lists(st.one_of(st.text(max_size=40), json_scalars), max_size=5),
                        json_scalars)}))
notebooks = st.fixed_dictionaries({"cells": st.one_of(st.lists(cell_values, max_size=8), json_values)},
                                  optional={"metadata": json_values, "nbformat": json_values})


# ------------------------------------------------------------------ notebook reader --

def check_notebook_text(text: str):
    try:
        cells = sources.notebook_cells(text, "nb.ipynb")
    except sources.SourceError as exc:
        assert len(str(exc)) < 1000
        return
    assert isinstance(cells, list)
    for cell in cells:
        assert isinstance(cell["source"], str) and cell["filename"].startswith("nb.ipynb cell ")


def _notebook_shape(nb):
    check_notebook_text(json.dumps(nb))


test_notebook_reader_on_notebook_shapes, test_notebook_reader_on_notebook_shapes_slow = both(
    {"nb": notebooks})(_notebook_shape)


test_notebook_reader_on_any_text, test_notebook_reader_on_any_text_slow = both(
    {"text": st.text(max_size=300)})(check_notebook_text)


def _deep_and_long(nb, depth, digits):
    text = json.dumps({"metadata": "@", **nb}).replace('"@"', "[" * depth + "1" + "0" * digits + "]" * depth, 1)
    check_notebook_text(text)


test_notebook_reader_on_deep_and_long_numbers, test_notebook_reader_on_deep_and_long_numbers_slow = both(
    {"nb": notebooks, "depth": st.integers(0, 5000), "digits": st.integers(0, 6000)})(_deep_and_long)


def _cells_of(data, kind):
    try:
        cells = sources.cells_of(kind, "f", data)
    except sources.SourceError:
        return
    assert all(isinstance(c["source"], str) for c in cells)


test_cells_of_any_bytes, test_cells_of_any_bytes_slow = both(
    {"data": st.binary(max_size=300), "kind": st.sampled_from(["python", "notebook"])})(_cells_of)


# ------------------------------------------------------------------ wire decoder --

def _reader(data: bytes):
    view = memoryview(data)
    position = [0]

    def read_exact(n):
        if position[0] + n > len(view):
            raise EOFError
        chunk = bytearray(view[position[0]:position[0] + n])
        position[0] += n
        return chunk
    return read_exact


def check_frame(data: bytes):
    try:
        header, arrays = wire.read_message(_reader(data), launcher.MAX_RESULT_HEADER_BYTES,
                                           launcher.MAX_RESULT_ARRAY_BYTES)
    except (wire.WireError, EOFError) as exc:
        assert len(str(exc)) < 1000
        return
    assert isinstance(header, dict)
    assert all(type(a) is np.ndarray and a.dtype.name in wire.ALLOWED_DTYPES for a in arrays)
    for tree in (header.get("outputs"), header.get("plan")):
        try:
            wire.decode_value(tree, arrays)
        except wire.WireError:
            pass
    error = launcher.clean_error(header.get("error"))
    assert len(launcher._describe_error(error)) < 3 * launcher.MAX_MESSAGE_CHARS
    assert all(len(e["message"]) <= launcher.MAX_MESSAGE_CHARS + 3
               for e in launcher.clean_cell_errors(header.get("cell_errors")))


def frame(header_bytes: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I", len(header_bytes)) + header_bytes + payload


array_specs = st.fixed_dictionaries({
    "dtype": st.one_of(st.sampled_from(sorted(wire.ALLOWED_DTYPES) + ["object", "complex128"]), json_scalars),
    "shape": st.one_of(st.lists(st.one_of(st.integers(0, 10), st.integers(-5, 10**40), st.booleans()), max_size=6),
                       json_scalars),
    "nbytes": st.one_of(st.integers(0, 64), st.integers(-1, 10**40), json_scalars)})
value_trees = st.recursive(
    st.one_of(st.fixed_dictionaries({"kind": st.sampled_from(["float", "int", "bool", "str", "none", "opaque"]),
                                     "value": json_scalars}),
              st.fixed_dictionaries({"kind": st.just("array"), "index": st.one_of(st.integers(-2, 4), json_scalars)}),
              json_values),
    lambda inner: st.one_of(
        st.fixed_dictionaries({"kind": st.sampled_from(["list", "tuple"]), "items": st.lists(inner, max_size=4)}),
        st.fixed_dictionaries({"kind": st.just("dict"), "items": st.dictionaries(st.text(max_size=5), inner,
                                                                                 max_size=4)})),
    max_leaves=30)
headers = st.fixed_dictionaries(
    {"type": st.sampled_from(["result", "loaded", "start", "done"])},
    optional={"arrays": st.one_of(st.lists(array_specs, max_size=4), json_values), "outputs": value_trees,
              "case": json_scalars, "error": st.one_of(json_values, st.fixed_dictionaries(
                  {}, optional={"type": json_values, "message": json_values, "kind": json_values,
                                "where": st.one_of(json_values, st.fixed_dictionaries(
                                    {}, optional={"line": json_values, "file": json_values, "code": json_values}))})),
              "cell_errors": json_values})


test_wire_decoder_on_any_bytes, test_wire_decoder_on_any_bytes_slow = both(
    {"data": st.binary(max_size=400)})(check_frame)

def _forged_header(header, payload):
    check_frame(frame(json.dumps(header).encode(), payload))


test_wire_decoder_on_forged_headers, test_wire_decoder_on_forged_headers_slow = both(
    {"header": headers, "payload": st.binary(max_size=200)})(_forged_header)


def _deep_header(depth, digits, lie):
    body = b'{"type": "result", "case": ' + b"7" * digits + b', "outputs": ' + b"[" * depth + b"]" * depth + b"}"
    check_frame(struct.pack(">I", lie if lie is not None else len(body)) + body)


test_wire_decoder_on_deep_and_long_headers, test_wire_decoder_on_deep_and_long_headers_slow = both(
    {"depth": st.integers(0, 200_000), "digits": st.integers(1, 6000),
     "lie": st.one_of(st.none(), st.integers(0, 2**32 - 1))})(_deep_header)


def _empty_array_of_any_shape(shape, dtype):
    """No bytes, so the byte count always agrees; the shape alone can overflow NumPy."""
    header = {"type": "result", "case": 0, "arrays": [{"dtype": dtype, "shape": [0] + shape, "nbytes": 0}],
              "outputs": {"kind": "dict", "items": {"weights": {"kind": "array", "index": 0}}}}
    check_frame(frame(json.dumps(header).encode()))


test_wire_decoder_on_empty_arrays_of_huge_shapes, test_wire_decoder_on_empty_arrays_of_huge_shapes_slow = both(
    {"shape": st.lists(st.integers(0, 10**40), max_size=40), "dtype": st.sampled_from(sorted(wire.ALLOWED_DTYPES))})(
    _empty_array_of_any_shape)


def _round_trip(values):
    arrays: list = []
    tree = wire.encode_value(values, arrays)
    header, decoded_arrays = wire.read_message(_reader(wire.pack({"type": "result", "outputs": tree}, arrays)))
    decoded = wire.decode_value(header["outputs"], decoded_arrays)
    assert decoded.kind == "list" and len(decoded.value) == len(values)
    for original, received in zip(values, decoded.value, strict=True):
        if isinstance(original, np.ndarray):
            np.testing.assert_array_equal(received.value, original)
            assert received.value.dtype == original.dtype and received.value.shape == original.shape


plain_arrays = st.sampled_from(["float64", "float32", "int64", "uint8", "bool"]).flatmap(
    lambda dtype: st.lists(st.integers(0, 3), max_size=3).map(
        lambda shape: (np.arange(int(np.prod(shape))) % 7).astype(dtype).reshape(shape)))
test_wire_round_trip, test_wire_round_trip_slow = both(
    {"values": st.lists(st.one_of(plain_arrays, json_scalars), max_size=5)})(_round_trip)


# ------------------------------------------------------------------ results and writers --

any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=60) | st.sampled_from(
    ["=1+1", "+cmd", "-2", "@SUM(A1)", "\x1b[2J\x1b]0;x\x07", "\udcff\udcfe", "a\u202eb", "\r\n", "." * 300])
statuses = st.sampled_from(["passed", "failed", "error", "timeout"])
test_records = st.builds(TestResult, name=any_text, function=st.sampled_from(["sgd", "adam"]),
                         points=st.floats(0, 10), max_points=st.floats(0.5, 10), status=statuses,
                         message=any_text | st.text(max_size=10).map(lambda t: t * 2000),
                         diagnosis=st.none() | any_text, mistake_id=st.none() | any_text)
result_records = st.builds(Result, assignment=st.just("optimizers"), student=any_text, submission=any_text,
                           score=st.floats(0, 100), max_score=st.floats(0, 100),
                           status=st.sampled_from(["graded", "error", "timeout"]), message=any_text,
                           isolation=st.sampled_from(["full", "reduced", "none"]),
                           tests=st.lists(test_records, max_size=4))


def _write_and_read(results):
    with tempfile.TemporaryDirectory() as tmp:
        for i, result in enumerate(results):
            path = report.write_result(Path(tmp), f"r{i}", result)
            again = Result.loads(path.read_bytes())
            assert again.to_json() == Result.from_json(result.to_json()).to_json()
            assert all(len(t.message) <= MAX_TEXT_CHARS + 100 for t in again.tests)
        csv_path = report.write_grades_csv(Path(tmp), results, ("sgd", "adam"))
        rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
        assert len(rows) == len(results) + 1
        for row in rows[1:]:
            assert not row[0].startswith(report.FORMULA_STARTS) and not row[1].startswith(report.FORMULA_STARTS)
        table = report.score_table(results)
        assert all(ch.isprintable() or ch == "\n" for ch in table)


test_result_writer, test_result_writer_slow = both({"results": st.lists(result_records, max_size=4)})(_write_and_read)


def _from_json(record):
    try:
        result = Result.from_json(record)
    except ResultError as exc:
        assert len(str(exc)) < 300
        return
    json.loads(result.dumps())


test_result_reader_on_any_json, test_result_reader_on_any_json_slow = both(
    {"record": st.one_of(json_values, st.fixed_dictionaries(
        {"assignment": json_scalars, "student": json_scalars, "score": json_scalars, "max_score": json_scalars,
         "status": st.sampled_from(["graded", "error", 5]),
         "tests": st.lists(st.dictionaries(st.sampled_from(["name", "function", "points", "max_points", "status",
                                                             "message", "diagnosis", "mistake_id"]),
                                           json_scalars), max_size=3)}))})(_from_json)


# ------------------------------------------------------------------ file names --

file_names = st.binary(min_size=1, max_size=251).filter(lambda b: b"/" not in b and b"\0" not in b
                                                         and b not in (b".", b".."))


def _names(names):
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, raw in enumerate(names):
            folder = os.path.join(os.fsencode(tmp), str(i).encode())
            os.mkdir(folder)
            path = os.path.join(folder, raw + b".py")
            with open(path, "w") as handle:
                handle.write("x = 1\n")
            paths.append(Path(os.fsdecode(path)))
        stems = batch.result_names("optimizers", paths)
        assert len(set(stems)) == len(stems), "every submission keeps its own result"
        for path, stem in zip(paths, stems, strict=True):
            assert stem.isprintable() and "/" not in stem and not stem.startswith(".")
            assert len(stem.encode("utf-8")) <= batch.MAX_NAME_BYTES + 10
            loaded = submission.load(path, "optimizers")
            assert loaded.data == b"x = 1\n"
            report.write_atomic(Path(tmp) / "out" / f"{stem}.json", "{}")


test_file_names, test_file_names_slow = both({"names": st.lists(file_names, min_size=1, max_size=4)})(_names)
