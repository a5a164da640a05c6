"""The class report opened in headless Chromium: it renders, its charts are there, sorting works,
and it asks nothing of the network."""
from __future__ import annotations

import json

from autograder.cli import main
from course_browser import offline_page

ADAM = "Adam without bias correction: m and v start at zero, so divide them by (1 - beta1**t)"


def _test(name, function, points, max_points, diagnosis=None, mistake_id=None, status=None):
    test = {"name": name, "function": function, "points": points, "max_points": max_points,
            "status": status or ("passed" if points == max_points else "failed"), "message": "m",
            "diagnosis": diagnosis}
    if mistake_id:
        test["mistake_id"] = mistake_id
    return test


def write_results(folder):
    rows = {  # student: (sgd points, adam points, adam diagnosis, mistake_id)
        "ann": (4, 6, None, None),
        "ben": (4, 0, ADAM, None),
        "cat": (0, 6, None, None),
        "dan": (2, 0, None, "adam-no-bias-correction"),
        "eve": (4, 3, None, None),
    }
    folder.mkdir(parents=True)
    for student, (sgd, adam, diagnosis, mistake_id) in rows.items():
        tests = [_test("sgd: a", "sgd", sgd, 4), _test("adam: a", "adam", adam, 6, diagnosis, mistake_id)]
        record = {"assignment": "optimizers", "student": student, "submission": f"{student}.ipynb",
                  "score": float(sgd + adam), "max_score": 10.0, "status": "graded", "message": "ok",
                  "isolation": "full", "tests": tests}
        (folder / f"{student}.json").write_text(json.dumps(record))
    return {s: float(a + b) for s, (a, b, _, _) in rows.items()}


def column(page, table, index):
    return page.eval_on_selector_all(f"#{table} tbody tr", f"rows => rows.map(r => r.cells[{index}].textContent.trim())")


def test_class_report_renders_and_sorts_in_chromium(tmp_path):
    scores = write_results(tmp_path / "results" / "optimizers")
    out = tmp_path / "report.html"
    assert main(["class-report", str(tmp_path / "results"), "--out", str(out)]) == 0
    with offline_page() as (page, blocked, errors):
        page.goto(out.as_uri())
        assert page.title() == "Class report: optimizers"
        assert page.inner_text("h1") == "Class report: optimizers"
        table = "students-optimizers"
        assert column(page, table, 0) == sorted(scores)  # written in student order
        # The charts drew: one histogram bar per occupied score bin, one bar per test, the legend.
        assert page.locator("svg[aria-label='score histogram'] rect.bar").count() == len(set(scores.values()))
        legend = page.text_content("svg[aria-label='pass rate per test']")
        assert "80% or more pass" in legend and "under 50% pass" in legend
        box = page.locator("svg[aria-label='score histogram']").bounding_box()
        assert box["width"] > 300 and box["height"] > 100

        page.click(f"#{table} thead th:nth-child(2)")  # score, ascending
        by_score = sorted(scores, key=lambda s: (scores[s], s))
        assert [scores[s] for s in column(page, table, 0)] == [scores[s] for s in by_score]
        assert page.get_attribute(f"#{table} thead th:nth-child(2)", "aria-sort") == "ascending"
        page.click(f"#{table} thead th:nth-child(2)")  # descending
        assert [scores[s] for s in column(page, table, 0)] == sorted(scores.values(), reverse=True)
        # Numbers sort as numbers (10 after 4, not before): the adam column, ascending.
        page.click(f"#{table} thead th:nth-child(5)")
        assert column(page, table, 4) == ["0 / 6", "0 / 6", "3 / 6", "6 / 6", "6 / 6"]
        page.click(f"#{table} thead th:nth-child(1)")  # by name again
        assert column(page, table, 0) == sorted(scores)

        # Both ways of naming a mistake (diagnosis title, mistake_id) land in one row with both students.
        mistakes = page.eval_on_selector_all("table", "ts => ts[2].innerText")
        assert "Adam without bias correction\t2\tben, dan" in mistakes
        page.screenshot(path=str(tmp_path / "class_report.png"), full_page=True)
        assert blocked == [] and errors == []
