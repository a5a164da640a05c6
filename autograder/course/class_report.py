"""A class report from a folder of results: one self-contained HTML page.

    python -m autograder class-report RESULTS_DIR --out report.html

RESULTS_DIR holds result JSON files (the grader's ``--out`` folder, or a
folder of them per assignment, as ``grade-class`` writes). For each
assignment: a per-student table (score, status, points per function, named
mistakes) that sorts by any column, the score histogram, the pass rate of
every test with its colour legend, the most frequent named mistakes with the
students who made each, and the submissions whose grading errored or timed
out. Charts are inline SVG, styles and the sorting script inline: the page
loads nothing from anywhere.

A mistake's name comes from a test's ``mistake_id`` (the catalogue's title)
when the result has one, else from the title part of its ``diagnosis``
(``"<title>: <explanation>"``).
"""

from __future__ import annotations

import collections
import html
import math
import textwrap
from pathlib import Path

from autograder.results import ResultError, read_result

TOP_MISTAKES = 15
# Longest message shown in a table cell; longer ones are cut at a word boundary (the JSON has them whole).
MESSAGE_CHARS = 400
# Pass-rate bands of the per-test chart, (lowest rate, colour, legend), best first.
PASS_BANDS = ((0.8, "#55a868", "80% or more pass"), (0.5, "#dd8452", "50% to 80% pass"),
              (0.0, "#c44e52", "under 50% pass"))


def load_results(folder: Path) -> list[dict]:
    """Every result record under ``folder`` (other JSON files are skipped)."""
    results = []
    for path in sorted(Path(folder).rglob("*.json")):
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        try:
            results.append(read_result(path).to_json())
        except ResultError:
            continue
    return results


# ------------------------------------------------------------------------ numbers --

def pass_rates(results: list[dict]) -> list[tuple[str, float, int]]:
    """(test name, fraction of submissions that passed it, submissions), in suite order."""
    order, passed, seen = [], collections.Counter(), collections.Counter()
    for r in results:
        for t in r["tests"]:
            if t["name"] not in seen:
                order.append(t["name"])
            seen[t["name"]] += 1
            passed[t["name"]] += t["status"] == "passed"
    return [(name, passed[name] / seen[name], seen[name]) for name in order]


def mistake_name(test: dict) -> tuple[str, str] | None:
    """(name, explanation) of the mistake a failed test was matched to, or None."""
    mistake_id = test.get("mistake_id")
    diagnosis = test.get("diagnosis") or ""
    title, _, explanation = diagnosis.partition(":")
    if mistake_id:
        from autograder.mistakes import catalogue

        try:
            known = catalogue.by_id(str(mistake_id))
        except StopIteration:
            return (title.strip() or str(mistake_id)), explanation.strip()
        return known.title, explanation.strip() or known.explanation
    if diagnosis:
        return title.strip(), explanation.strip()
    return None


def student_mistakes(result: dict) -> list[tuple[str, str]]:
    """(function, mistake name) of every named mistake in one result, each once, in suite order."""
    found = []
    for t in result["tests"]:
        named = mistake_name(t)
        if named and (t["function"], named[0]) not in found:
            found.append((t["function"], named[0]))
    return found


def mistake_counts(results: list[dict]) -> list[tuple[str, str, list[str], str]]:
    """(function, mistake name, students who made it, explanation), most frequent first."""
    students, explanation = collections.defaultdict(set), {}
    for r in results:
        for t in r["tests"]:
            named = mistake_name(t)
            if named:
                key = (t["function"], named[0])
                students[key].add(r["student"])
                explanation.setdefault(key, named[1])
    rows = [(f, title, sorted(who), explanation[(f, title)]) for (f, title), who in students.items()]
    return sorted(rows, key=lambda row: (-len(row[2]), row[0], row[1]))


def function_points(result: dict) -> dict[str, tuple[float, float]]:
    """{function: (points earned, points possible)} of one result, in suite order."""
    points = {}
    for t in result["tests"]:
        earned, possible = points.get(t["function"], (0.0, 0.0))
        points[t["function"]] = (earned + float(t["points"]), possible + float(t["max_points"]))
    return points


def shorten(text: str, width: int = MESSAGE_CHARS) -> str:
    """``text`` whole when it fits, else cut at the last word boundary before ``width`` with an ellipsis."""
    text = " ".join(str(text).split())
    if len(text) <= width:
        return text
    cut = textwrap.shorten(text, width=width, placeholder=" …")
    # One "word" longer than the width (a path, a hash) leaves only the placeholder: cut that word.
    return cut if len(cut) > 2 else text[:width - 2] + " …"


def troubles(results: list[dict]) -> list[dict]:
    """Submissions whose grading errored or timed out, as a whole or in some tests."""
    rows = []
    for r in sorted(results, key=lambda r: r["student"]):
        bad = [t for t in r["tests"] if t["status"] in ("error", "timeout")]
        if r["status"] in ("error", "timeout") or bad:
            kinds = collections.Counter(t["status"] for t in bad)
            rows.append({"student": r["student"], "status": r["status"], "message": r.get("message", ""),
                         "errors": kinds["error"], "timeouts": kinds["timeout"],
                         "first": f"{bad[0]['name']}: {bad[0].get('message', '')}" if bad else ""})
    return rows


# ------------------------------------------------------------------ charts (SVG) --

def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _num(x: float) -> str:
    return f"{x:g}" if x == int(x) else f"{x:.2f}".rstrip("0")


def histogram_svg(results: list[dict], bins: int = 20) -> str:
    """Students per score bin (``bins`` equal bins from 0 to the maximum score), as an SVG bar chart."""
    max_score = max(r["max_score"] for r in results) or 1.0
    counts = [0] * bins
    for r in results:
        counts[min(bins - 1, max(0, int(math.floor(bins * r["score"] / max_score))))] += 1
    width, height, left, bottom, top = 640, 240, 40, 36, 14
    plot_w, plot_h = width - left - 10, height - bottom - top
    tallest = max(counts) or 1
    bar_w = plot_w / bins
    parts = [f"<svg class='chart' role='img' aria-label='score histogram' viewBox='0 0 {width} {height}' "
             f"width='{width}' height='{height}'>"]
    for tick in range(tallest + 1) if tallest <= 10 else range(0, tallest + 1, math.ceil(tallest / 10)):
        y = top + plot_h * (1 - tick / tallest)
        parts.append(f"<line x1='{left}' x2='{width - 10}' y1='{y:.1f}' y2='{y:.1f}' class='grid'/>"
                     f"<text x='{left - 6}' y='{y + 4:.1f}' text-anchor='end'>{tick}</text>")
    for i, count in enumerate(counts):
        if count:
            h = plot_h * count / tallest
            low, high = max_score * i / bins, max_score * (i + 1) / bins
            parts.append(f"<rect class='bar' x='{left + i * bar_w + 1:.1f}' y='{top + plot_h - h:.1f}' "
                         f"width='{bar_w - 2:.1f}' height='{h:.1f}'><title>{count} student(s) scored "
                         f"{_num(low)} to {_num(high)}</title></rect>")
    for i in range(0, bins + 1, bins // 4):
        x = left + i * bar_w
        parts.append(f"<text x='{x:.1f}' y='{top + plot_h + 16}' text-anchor='middle'>"
                     f"{_num(max_score * i / bins)}</text>")
    parts.append(f"<text x='{left + plot_w / 2:.1f}' y='{height - 4}' text-anchor='middle'>score (out of "
                 f"{_num(max_score)})</text><text x='12' y='{top + plot_h / 2:.1f}' text-anchor='middle' "
                 f"transform='rotate(-90 12 {top + plot_h / 2:.1f})'>students</text></svg>")
    return "".join(parts)


def band(rate: float) -> tuple[str, str]:
    """(colour, legend text) of a pass rate."""
    return next((colour, text) for lowest, colour, text in PASS_BANDS if rate >= lowest)


def pass_rate_svg(rates: list[tuple[str, float, int]]) -> str:
    """One horizontal bar per test (its pass rate), coloured by ``PASS_BANDS``, with the legend."""
    row, label_w, bar_w = 18, 300, 300
    height = row * len(rates) + 50
    width = label_w + bar_w + 60
    parts = [f"<svg class='chart' role='img' aria-label='pass rate per test' viewBox='0 0 {width} {height}' "
             f"width='{width}' height='{height}'>"]
    for i, (name, rate, count) in enumerate(rates):
        y = 8 + i * row
        colour, _ = band(rate)
        parts.append(f"<text x='{label_w - 6}' y='{y + 12}' text-anchor='end'>{_e(shorten(name, 48))}</text>"
                     f"<rect x='{label_w}' y='{y + 2}' width='{bar_w * rate:.1f}' height='{row - 5}' "
                     f"fill='{colour}'><title>{_e(name)}: {100 * rate:.0f}% of {count} pass</title></rect>"
                     f"<text x='{label_w + bar_w * rate + 4:.1f}' y='{y + 12}'>{100 * rate:.0f}%</text>")
    y = 8 + len(rates) * row + 12
    for k, (_, colour, text) in enumerate(PASS_BANDS):
        x = label_w + k * 130 - 200
        parts.append(f"<rect x='{x}' y='{y}' width='12' height='12' fill='{colour}'/>"
                     f"<text x='{x + 16}' y='{y + 11}'>{_e(text)}</text>")
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------- page --

STYLE = """
body { font-family: sans-serif; max-width: 72em; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th::after { content: " \\2195"; color: #999; }
table.sortable th[aria-sort=ascending]::after { content: " \\2191"; color: #222; }
table.sortable th[aria-sort=descending]::after { content: " \\2193"; color: #222; }
.chart { max-width: 100%; height: auto; font-size: 11px; }
.chart .bar { fill: #4c72b0; }
.chart .grid { stroke: #e5e5e5; }
.muted { color: #666; }
.status-error, .status-timeout { color: #b00; font-weight: bold; }
ul.mistakes { margin: 0; padding-left: 1.1em; }
"""

# Click a header to sort its table by that column; click again to reverse. Cells with data-sort
# sort by that number, others by their text.
SORT_SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('thead th').forEach(function (header, column) {
    header.addEventListener('click', function () {
      var ascending = header.getAttribute('aria-sort') !== 'ascending';
      table.querySelectorAll('thead th').forEach(function (h) { h.removeAttribute('aria-sort'); });
      header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      function key(row) {
        var cell = row.cells[column];
        var number = cell.getAttribute('data-sort');
        return number === null ? cell.textContent.trim().toLowerCase() : parseFloat(number);
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var order = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


def _cell(value, sort: float | None = None, css: str = "") -> str:
    attributes = (f" data-sort='{sort:g}'" if sort is not None else "") + (f" class='{css}'" if css else "")
    return f"<td{attributes}>{value}</td>"


def _table(header, rows, sortable: bool = False, table_id: str = "") -> str:
    """``rows`` hold ready HTML cells (``_cell``) or plain values (escaped; numbers right-aligned)."""
    head = "".join(f"<th scope='col'>{_e(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for c in row:
            if isinstance(c, str) and c.startswith("<td"):
                cells.append(c)
            elif isinstance(c, (int, float)):
                cells.append(_cell(_e(c), c, "n"))
            else:
                cells.append(_cell(_e(c)))
        body.append("<tr>" + "".join(cells) + "</tr>")
    attributes = (" class='sortable'" if sortable else "") + (f" id='{_e(table_id)}'" if table_id else "")
    return f"<table{attributes}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def student_table(assignment: str, results: list[dict]) -> str:
    functions = list(dict.fromkeys(t["function"] for r in results for t in r["tests"]))
    rows = []
    for r in sorted(results, key=lambda r: r["student"]):
        points = function_points(r)
        mistakes = student_mistakes(r)
        named = ("<ul class='mistakes'>" + "".join(f"<li>{_e(f)}: {_e(m)}</li>" for f, m in mistakes) + "</ul>"
                 if mistakes else "")
        status = r["status"]
        rows.append([_cell(_e(r["student"])),
                     _cell(f"{_num(r['score'])} / {_num(r['max_score'])}", r["score"], "n"),
                     _cell(_e(status), None, f"status-{_e(status)}"),
                     *(_cell(f"{_num(points[f][0])} / {_num(points[f][1])}", points[f][0], "n") if f in points
                       else _cell("", -1.0, "n") for f in functions),
                     _cell(named, len(mistakes))])
    return _table(["student", "score", "status", *functions, "named mistakes"], rows, sortable=True,
                  table_id=f"students-{assignment}")


def assignment_section(assignment: str, results: list[dict]) -> str:
    scores = sorted(r["score"] for r in results)
    max_score = max(r["max_score"] for r in results)
    middle = len(scores) // 2
    median = scores[middle] if len(scores) % 2 else (scores[middle - 1] + scores[middle]) / 2
    statuses = collections.Counter(r["status"] for r in results)
    parts = [f"<section id='{_e(assignment)}'><h2>{_e(assignment)}</h2>",
             f"<p>{len(results)} submissions; mean score {sum(scores) / len(scores):.1f}, median {median:.1f} "
             f"of {max_score:g}; status: " + ", ".join(f"{_e(k)} {v}" for k, v in sorted(statuses.items())) + "</p>",
             "<h3>Students</h3><p class='muted'>Click a column header to sort by it.</p>",
             student_table(assignment, results),
             f"<h3>Score histogram</h3>{histogram_svg(results)}"]

    rates = pass_rates(results)
    parts.append(f"<h3>Pass rate per test</h3>{pass_rate_svg(rates)}")
    parts.append(_table(["test", "pass rate", "submissions"],
                        [(n, _cell(f"{100 * r:.0f}%", 100 * r, "n"), c) for n, r, c in rates], sortable=True))

    mistakes = mistake_counts(results)
    parts.append("<h3>Most frequent named mistakes</h3>")
    if mistakes:
        parts.append(_table(["function", "mistake", "students", "who", "explanation"],
                            [(f, title, len(who), ", ".join(who), explanation)
                             for f, title, who, explanation in mistakes[:TOP_MISTAKES]], sortable=True))
    else:
        parts.append("<p class='muted'>No failed test matched a known mistake.</p>")

    bad = troubles(results)
    parts.append("<h3>Grading errors and timeouts</h3>")
    if bad:
        parts.append(_table(["student", "status", "tests with errors", "tests timed out", "message", "first such test"],
                            [(b["student"], b["status"], b["errors"], b["timeouts"], shorten(b["message"]),
                              shorten(b["first"])) for b in bad], sortable=True))
    else:
        parts.append("<p class='muted'>Every submission was graded without errors or timeouts.</p>")
    parts.append("</section>")
    return "\n".join(parts)


def report_title(results: list[dict]) -> str:
    assignments = sorted({r["assignment"] for r in results})
    return "Class report: " + (", ".join(assignments) if assignments else "no results")


def build_report(results: list[dict], title: str | None = None) -> str:
    by_assignment = collections.defaultdict(list)
    for r in results:
        by_assignment[r["assignment"]].append(r)
    sections = [assignment_section(a, rs) for a, rs in sorted(by_assignment.items())]
    if not sections:
        sections = ["<p>No results found.</p>"]
    title = title or report_title(results)
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "script-src 'unsafe-inline'; img-src data:\">"
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{_e(title)}</h1>" + "\n".join(sections) + f"<script>{SORT_SCRIPT}</script></body></html>\n")


def write_report(results_dir: Path, out: Path) -> int:
    """Write the report (mode per the umask, like any file the instructor creates); returns the number
    of results it covers."""
    import os

    from autograder.course.intake import current_umask
    from autograder.report import write_atomic

    results = load_results(results_dir)
    write_atomic(Path(out), build_report(results))
    os.chmod(out, 0o666 & ~current_umask())
    return len(results)
