"""The fixed JSON/CSV contract of ``python -m autograder grade`` (other issues build on it).

{"assignment", "student", "submission", "score", "max_score", "status", "message", "isolation",
 "tests": [{"name", "function", "points", "max_points", "status", "message", "diagnosis", "mistake_id"}]}

``mistake_id`` was added later (the catalogue id of the mistake ``diagnosis`` names), and so was
``isolation_detail`` (what the sandbox really applied: bwrap, seccomp, cgroups, limits; null when the
submission never reached a sandbox); every other field keeps its meaning.
"""
from __future__ import annotations

import csv
import json
import shutil

import pytest

from autograder import checks, report
from autograder.mistakes import catalogue
from autograder.results import Result, ResultError, TestResult
from autograder.sandbox.inside import judging
from engine_support import EXAMPLES, per_function, run_cli

TOP_KEYS = {"assignment", "student", "submission", "score", "max_score", "status", "message", "isolation", "tests",
            "isolation_detail"}
DETAIL_KEYS = {"bwrap", "seccomp", "cgroups", "memory_limit", "cpu_limit", "cpu_cores", "processes_tracked_by",
               "time_budget"}
TEST_KEYS = {"name", "function", "points", "max_points", "status", "message", "diagnosis", "mistake_id"}


def check_contract(result: dict, assignment: str) -> None:
    assert set(result) == TOP_KEYS
    assert result["assignment"] == assignment
    for key in ("student", "submission", "message", "isolation"):
        assert isinstance(result[key], str), key
    assert result["student"]
    detail = result["isolation_detail"]
    assert detail is None or set(detail) == DETAIL_KEYS, detail
    if detail is not None and result["isolation"] == "full":
        assert detail["bwrap"] is True
    for key in ("score", "max_score"):
        assert isinstance(result[key], (int, float)) and not isinstance(result[key], bool), key
    assert result["status"] in ("graded", "error", "timeout")
    assert isinstance(result["tests"], list) and result["tests"]
    names = [t["name"] for t in result["tests"]]
    assert len(names) == len(set(names)), "test names must be unique"
    for t in result["tests"]:
        assert set(t) == TEST_KEYS
        assert isinstance(t["name"], str) and isinstance(t["message"], str) and t["message"]
        assert t["function"] in checks.functions(assignment)
        assert t["status"] in ("passed", "failed", "error", "timeout")
        assert t["diagnosis"] is None or (isinstance(t["diagnosis"], str) and t["diagnosis"])
        if t["mistake_id"] in judging.UNCATALOGUED:   # a generic diagnosis: its title, then what was measured
            assert t["diagnosis"].startswith(judging.UNCATALOGUED[t["mistake_id"]] + ": ")
        elif t["mistake_id"] is not None:   # a catalogued mistake of this very function, whose text is the diagnosis
            mistake = catalogue.by_id(t["mistake_id"])
            assert mistake.function == t["function"] and t["diagnosis"] == mistake.text()
        assert isinstance(t["points"], (int, float)) and isinstance(t["max_points"], (int, float))
        assert 0 <= t["points"] <= t["max_points"]
        assert t["max_points"] > 0
        # all or nothing per test: a passed test earns its points, any other earns none
        assert t["points"] == (t["max_points"] if t["status"] == "passed" else 0)
    assert result["score"] == pytest.approx(sum(t["points"] for t in result["tests"]), abs=1e-6)
    assert result["max_score"] == pytest.approx(sum(t["max_points"] for t in result["tests"]), abs=1e-6)
    assert {t["function"] for t in result["tests"]} == set(checks.functions(assignment))


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """One CLI run over a mixed batch: correct, notebook, stubs, wrong, nbgrader layout, missing."""
    root = tmp_path_factory.mktemp("contract")
    nbgrader = root / "course" / "submitted"
    (nbgrader / "zoe" / "optimizers").mkdir(parents=True)
    shutil.copy(EXAMPLES / "optimizers" / "bob_correct.ipynb", nbgrader / "zoe" / "optimizers" / "optimizers.ipynb")
    (nbgrader / "yann" / "optimizers").mkdir(parents=True)
    shutil.copy(EXAMPLES / "optimizers" / "alice_correct.py", nbgrader / "yann" / "optimizers" / "homework.py")
    paths = [EXAMPLES / "optimizers" / n for n in
             ("alice_correct.py", "bob_correct.ipynb", "carol_stubs.py", "dave_adam_no_bias_correction.py")]
    paths += [nbgrader / "zoe" / "optimizers" / "optimizers.ipynb",  # a file in nbgrader's layout
              nbgrader / "yann" / "optimizers",                        # a folder in nbgrader's layout
              root / "nobody.py"]                                      # does not exist
    out = root / "out"
    proc = run_cli("grade", "optimizers", *map(str, paths), "--out", str(out), "--workers", "2")
    return proc, out


def test_exit_code_zero_when_every_submission_got_a_result(batch):
    proc, out = batch
    assert proc.returncode == 0, proc.stderr
    names = {p.stem for p in out.glob("*.json")}
    assert names == {"alice_correct", "bob_correct", "carol_stubs", "dave_adam_no_bias_correction", "zoe", "yann",
                     "nobody"}


def test_every_result_follows_the_contract(batch):
    _, out = batch
    for file in out.glob("*.json"):
        result = json.loads(file.read_text())
        check_contract(result, "optimizers")
        assert result["student"] == file.stem


def test_names_from_file_stem_and_from_nbgrader_layout(batch):
    _, out = batch
    zoe = json.loads((out / "zoe.json").read_text())
    assert zoe["student"] == "zoe" and zoe["submission"].endswith("zoe/optimizers/optimizers.ipynb")
    assert zoe["score"] == zoe["max_score"]
    yann = json.loads((out / "yann.json").read_text())
    assert yann["student"] == "yann" and yann["submission"].endswith("homework.py")
    assert yann["score"] == yann["max_score"]
    alice = json.loads((out / "alice_correct.json").read_text())
    assert alice["student"] == "alice_correct"


def test_missing_submission_gets_an_error_result(batch):
    proc, out = batch
    nobody = json.loads((out / "nobody.json").read_text())
    assert nobody["status"] == "error" and nobody["score"] == 0
    assert "does not exist" in nobody["message"]
    assert "nobody.py" in proc.stderr


def test_grades_csv_has_a_row_per_student_a_total_and_a_column_per_function(batch):
    _, out = batch
    with (out / "grades.csv").open() as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames
        rows = list(reader)
    functions = list(checks.functions("optimizers"))
    assert columns[0] == "student"
    assert "score" in columns and columns[-len(functions):] == functions
    assert len(rows) == 7 and len({r["student"] for r in rows}) == 7
    for row in rows:
        result = json.loads((out / f"{row['student']}.json").read_text())
        assert float(row["score"]) == pytest.approx(result["score"], abs=1e-3)
        assert sum(float(row[f]) for f in functions) == pytest.approx(float(row["score"]), abs=1e-3)
        for f, (got, _) in per_function(result).items():
            assert float(row[f]) == pytest.approx(got, abs=1e-3)


def test_terminal_shows_the_score_table(batch):
    proc, _ = batch
    total = sum(checks.points("optimizers").values())
    assert "alice_correct" in proc.stdout and f"{total:.1f}/{total:g}" in proc.stdout


def test_max_score_is_the_sum_of_the_functions_points():
    """Points per function are whole numbers (5, 10, ...); the total must be too, not 34.999998."""
    for assignment in checks.ASSIGNMENTS:
        module = __import__(f"autograder.checks.{assignment}", fromlist=["POINTS"])
        total = sum(c.points for c in checks.suite(assignment))
        assert round(total, 6) == sum(module.POINTS.values()), (assignment, total)


def test_every_test_shows_the_input_in_its_message_when_failing(tmp_path):
    """'Each failing test says what was received, what was expected, on which input.'"""
    proc = run_cli("grade", "optimizers", str(EXAMPLES / "optimizers" / "dave_adam_no_bias_correction.py"),
                   "--out", str(tmp_path), "--quiet")
    assert proc.returncode == 0
    result = json.loads((tmp_path / "dave_adam_no_bias_correction.json").read_text())
    failing = [t for t in result["tests"] if t["status"] == "failed"]
    assert failing
    for t in failing:
        assert "received" in t["message"] and "expected" in t["message"]
        assert "steps from w of shape" in t["message"]        # the input
        assert "relative error" in t["message"]               # how it was measured


def test_two_submissions_with_the_same_stem_keep_both_results(tmp_path):
    """a/hw.py and b/hw.py must not silently overwrite each other's DIR/hw.json."""
    for folder, source in (("a", "alice_correct.py"), ("b", "carol_stubs.py")):
        (tmp_path / folder).mkdir()
        shutil.copy(EXAMPLES / "optimizers" / source, tmp_path / folder / "hw.py")
    out = tmp_path / "out"
    proc = run_cli("grade", "optimizers", str(tmp_path / "a" / "hw.py"), str(tmp_path / "b" / "hw.py"),
                   "--out", str(out), "--quiet")
    assert proc.returncode == 0
    results = [json.loads(p.read_text()) for p in out.glob("*.json")]
    total = sum(checks.points("optimizers").values())
    assert sorted(r["score"] for r in results) == [0, total], "one of the two results was overwritten"
    students = [row["student"] for row in csv.DictReader((out / "grades.csv").open())]
    assert len(set(students)) == 2, f"grades.csv cannot tell the two apart: {students}"


def test_a_named_mistake_has_its_catalogue_id(tmp_path):
    proc = run_cli("grade", "optimizers", str(EXAMPLES / "optimizers" / "dave_adam_no_bias_correction.py"),
                   "--out", str(tmp_path), "--quiet")
    assert proc.returncode == 0
    result = json.loads((tmp_path / "dave_adam_no_bias_correction.json").read_text())
    check_contract(result, "optimizers")
    ids = {t["mistake_id"] for t in result["tests"] if t["status"] == "failed"}
    assert ids == {"adam-no-bias-correction"}
    assert all(t["mistake_id"] is None for t in result["tests"] if t["status"] == "passed")


# ------------------------------------------------------------------ typed records --

def _record(**changes) -> dict:
    test = {"name": "sgd: one step", "function": "sgd", "points": 0.0, "max_points": 2.0, "status": "failed",
            "message": "received 1, expected 2", "diagnosis": None, "mistake_id": None}
    record = {"assignment": "optimizers", "student": "ann", "submission": "/x/ann.py", "score": 0.0,
              "max_score": 2.0, "status": "graded", "message": "0 of 1 tests passed", "isolation": "full",
              "tests": [test], "isolation_detail": {"bwrap": True, "seccomp": True, "cgroups": True,
                                                    "memory_limit": "cgroup", "cpu_limit": True, "cpu_cores": 1.0,
                                                    "processes_tracked_by": "pid namespace"}}
    record.update(changes)
    return record


def test_result_round_trips_through_json():
    record = _record()
    assert Result.from_json(record).to_json() == record
    assert Result.loads(Result.from_json(record).dumps()).to_json() == record


def test_a_result_written_before_mistake_id_still_reads():
    record = _record()
    del record["tests"][0]["mistake_id"]
    assert Result.from_json(record).tests[0].mistake_id is None


def test_a_result_written_before_isolation_detail_still_reads():
    record = _record()
    del record["isolation_detail"]
    assert Result.from_json(record).isolation_detail is None


def test_a_forged_isolation_detail_keeps_only_flat_short_values():
    detail = Result.from_json(_record(isolation_detail={"bwrap": True, "nested": {"a": 1}, "x" * 500: 1,
                                                        "nan": float("nan"), "note": "y" * 5000})).isolation_detail
    assert detail["bwrap"] is True and "nested" not in detail and "nan" not in detail
    assert all(len(key) <= 64 for key in detail) and len(detail["note"]) < 300


@pytest.mark.parametrize("change", [
    {"score": "80"}, {"score": float("nan")}, {"score": True}, {"status": "great"}, {"tests": {}},
    {"tests": ["sgd"]}, {"student": 7}, {"assignment": None},
])
def test_a_malformed_result_is_refused(change):
    with pytest.raises(ResultError):
        Result.from_json(_record(**change))


def test_a_malformed_test_is_refused():
    for key, bad in (("points", "2"), ("status", "ok"), ("message", None), ("diagnosis", 3), ("mistake_id", [])):
        record = _record()
        record["tests"][0][key] = bad
        with pytest.raises(ResultError):
            Result.from_json(record)


def test_messages_are_cut_so_no_result_file_grows_without_bound():
    test = TestResult("t", "sgd", 0.0, 1.0, "failed", "x" * 30_000_000, diagnosis="y" * 10_000)
    assert len(test.message) < 5000 and len(test.diagnosis) < 5000
    assert "more characters cut" in test.message


# ------------------------------------------------------------------ output hygiene --

def test_csv_cells_that_look_like_formulas_are_neutralised(tmp_path):
    rows = [_record(student=name, submission=f"/x/{name}.py")
            for name in ("=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx", "plain", "a=b")]
    report.write_grades_csv(tmp_path, rows, ("sgd",))
    cells = [row["student"] for row in csv.DictReader((tmp_path / "grades.csv").open())]
    assert sorted(cells) == sorted(["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "'\tx", "plain", "a=b"])
    assert all(not c.startswith(("=", "+", "-", "@", "\t")) for c in cells)


def test_terminal_table_strips_control_characters():
    table = report.score_table([_record(student="eve\x1b]0;pwned\x07\x1b[2J\r\u202e")])
    assert "\x1b" not in table and "\x07" not in table and "\r" not in table and "\u202e" not in table
    assert "eve" in table


def test_result_files_are_readable_by_the_group(tmp_path):
    import os

    old = os.umask(0o027)
    try:
        path = report.write_result(tmp_path, "ann", _record())
        csv_path = report.write_grades_csv(tmp_path, [_record()], ("sgd",))
    finally:
        os.umask(old)
    for p in (path, csv_path):
        assert p.stat().st_mode & 0o777 == 0o640, oct(p.stat().st_mode)
