"""A class report from a folder of results: one self-contained HTML page.

    python -m autograder class-report RESULTS_DIR --out report.html

RESULTS_DIR holds result JSON files (the grader's ``--out`` folder, or a
folder of them per assignment, as ``grade-class`` writes). For each
assignment: the score histogram, the pass rate of every test, the most
frequent named mistakes with the number of students who made them, and the
students whose grading errored or timed out. Plots are PNG images embedded as
base64; the page loads nothing from anywhere.
"""

from __future__ import annotations

import base64
import collections
import html
import io
from pathlib import Path

from autograder.results import ResultError, read_result

TOP_MISTAKES = 15


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


def mistake_counts(results: list[dict]) -> list[tuple[str, str, int, str]]:
    """(function, mistake title, number of students, explanation), most frequent first."""
    students, explanation = collections.defaultdict(set), {}
    for r in results:
        for t in r["tests"]:
            if t.get("diagnosis"):
                title, _, text = t["diagnosis"].partition(":")
                key = (t["function"], title.strip())
                students[key].add(r["student"])
                explanation[key] = text.strip()
    rows = [(f, title, len(who), explanation[(f, title)]) for (f, title), who in students.items()]
    return sorted(rows, key=lambda row: (-row[2], row[0], row[1]))


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


# -------------------------------------------------------------------------- plots --

def _png(fig) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def histogram_png(results: list[dict]) -> str:
    from matplotlib.figure import Figure

    max_score = max(r["max_score"] for r in results) or 1.0
    fig = Figure(figsize=(6.5, 3.2))
    ax = fig.add_subplot()
    bins = [max_score * i / 20 for i in range(21)]
    ax.hist([r["score"] for r in results], bins=bins, color="#4c72b0", edgecolor="white")
    ax.set_xlim(0, max_score)
    ax.set_xlabel(f"score (out of {max_score:g})")
    ax.set_ylabel("students")
    ax.set_title(f"Scores of {len(results)} submissions")
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _png(fig)


def pass_rate_png(rates: list[tuple[str, float, int]]) -> str:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 0.6 + 0.24 * len(rates)))
    ax = fig.add_subplot()
    names = [name for name, _, _ in rates][::-1]
    values = [100 * rate for _, rate, _ in rates][::-1]
    colors = ["#55a868" if v >= 80 else "#dd8452" if v >= 50 else "#c44e52" for v in values]
    ax.barh(range(len(names)), values, color=colors)
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.set_xlim(0, 100)
    ax.set_xlabel("submissions that pass (%)")
    ax.set_title("Pass rate per test")
    return _png(fig)


def mistakes_png(rows) -> str:
    from matplotlib.figure import Figure

    rows = rows[:TOP_MISTAKES]
    fig = Figure(figsize=(7.5, 0.6 + 0.3 * len(rows)))
    ax = fig.add_subplot()
    labels = [f"{f}: {title}" for f, title, _, _ in rows][::-1]
    ax.barh(range(len(rows)), [n for _, _, n, _ in rows][::-1], color="#8172b3")
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.set_xlabel("students")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title("Most frequent named mistakes")
    return _png(fig)


# --------------------------------------------------------------------------- page --

STYLE = """
body { font-family: sans-serif; max-width: 62em; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.n { text-align: right; }
img { max-width: 100%; }
.muted { color: #666; }
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _table(header, rows) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(
        f"<td class='n'>{_e(c)}</td>" if isinstance(c, (int, float)) else f"<td>{_e(c)}</td>" for c in row)
        + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def assignment_section(assignment: str, results: list[dict]) -> str:
    scores = sorted(r["score"] for r in results)
    max_score = max(r["max_score"] for r in results)
    median = scores[len(scores) // 2] if len(scores) % 2 else (scores[len(scores) // 2 - 1] + scores[len(scores) // 2]) / 2
    statuses = collections.Counter(r["status"] for r in results)
    parts = [f"<h2>{_e(assignment)}</h2>",
             f"<p>{len(results)} submissions; mean score {sum(scores) / len(scores):.1f}, median {median:.1f} "
             f"of {max_score:g}; status: " + ", ".join(f"{_e(k)} {v}" for k, v in sorted(statuses.items())) + "</p>",
             f"<h3>Score histogram</h3><img alt='score histogram of {_e(assignment)}' src='{histogram_png(results)}'>"]

    rates = pass_rates(results)
    parts.append(f"<h3>Pass rate per test</h3><img alt='pass rate per test' src='{pass_rate_png(rates)}'>")
    parts.append(_table(["test", "pass rate", "submissions"], [(n, f"{100 * r:.0f}%", c) for n, r, c in rates]))

    mistakes = mistake_counts(results)
    parts.append("<h3>Most frequent named mistakes</h3>")
    if mistakes:
        parts.append(f"<img alt='most frequent named mistakes' src='{mistakes_png(mistakes)}'>")
        parts.append(_table(["function", "mistake", "students", "explanation"], mistakes[:TOP_MISTAKES]))
    else:
        parts.append("<p class='muted'>No failed test matched a known mistake.</p>")

    bad = troubles(results)
    parts.append("<h3>Grading errors and timeouts</h3>")
    if bad:
        parts.append(_table(["student", "status", "tests with errors", "tests timed out", "message", "first such test"],
                            [(b["student"], b["status"], b["errors"], b["timeouts"], b["message"][:300],
                              b["first"][:300]) for b in bad]))
    else:
        parts.append("<p class='muted'>Every submission was graded without errors or timeouts.</p>")
    return "\n".join(parts)


def build_report(results: list[dict], title: str = "Class report") -> str:
    by_assignment = collections.defaultdict(list)
    for r in results:
        by_assignment[r["assignment"]].append(r)
    sections = [assignment_section(a, rs) for a, rs in sorted(by_assignment.items())]
    if not sections:
        sections = ["<p>No results found.</p>"]
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{_e(title)}</h1>" + "\n".join(sections) + "</body></html>\n")


def write_report(results_dir: Path, out: Path) -> int:
    """Write the report; returns the number of results it covers."""
    from autograder.report import write_atomic

    results = load_results(results_dir)
    write_atomic(Path(out), build_report(results, f"Class report: {Path(results_dir).resolve().name}"))
    return len(results)
