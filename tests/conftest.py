"""Fixtures shared by every test folder, and the strict mode CI runs in.

Strict mode (``TESTS_STRICT=1``, which ``make test`` sets, or ``CI=true``): a
skipped test is a failed test. A test skips when a real component it needs is
missing (bubblewrap, Chromium, the built book, a cgroup); in CI that must turn
the run red, so that a green run means the sandbox and the site were really
tested. Plain ``pytest`` on a developer's machine still skips, with the reason.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

# One BLAS/OpenMP thread, set before anything imports NumPy: the suite runs on 2
# cores, where extra BLAS threads only spin (a statistical soak took 56 s with
# them and 2.4 s without), and results must not depend on the thread count.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


STRICT = _flag("TESTS_STRICT") or _flag("CI")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in strict mode (TESTS_STRICT / CI), which counts as a failure: {reason}"


def pytest_sessionfinish(session, exitstatus):
    # Stop the browser tests' shared Playwright driver, if any test started it.
    driver = sys.modules.get("shared_playwright")
    if driver is not None:
        driver.stop()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return ROOT / "examples" / "submissions"
