"""Headless Debian Chromium (through Playwright) for the course's HTML pages, with no network.

Imported by name (not a conftest). Where Chromium or Playwright is missing the tests skip with
the reason; in strict mode (TESTS_STRICT or CI, tests/conftest.py) every skip is a failure: a CI
run must not pass by not looking.
"""
from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import shared_playwright

CHROMIUM = Path(os.environ.get("BOOK_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def is_off_machine(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "file", "chrome", "devtools"):
        return False
    return (parts.hostname or "") not in ("127.0.0.1", "localhost", "::1")


@contextlib.contextmanager
def offline_page(viewport=(1280, 900)):
    """(page, blocked, errors): every request that would leave the machine is aborted and its URL
    appended to ``blocked``; page errors and console errors go to ``errors``."""
    if not CHROMIUM.is_file() and shutil.which(str(CHROMIUM)) is None:
        pytest.skip(f"no Chromium at {CHROMIUM} (install Debian's chromium, or set BOOK_TEST_CHROMIUM)")
    try:
        pw = shared_playwright.driver()
    except ImportError as exc:
        pytest.skip(f"playwright is not installed: {exc}")
    # One Playwright driver per session (tests/shared_playwright.py), a browser per page.
    try:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:  # noqa: BLE001 - any launch failure means no browser
        pytest.skip(f"Chromium at {CHROMIUM} does not start under Playwright: {exc}")
    try:
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                      service_workers="block")
        blocked, errors = [], []

        def route(r):
            if is_off_machine(r.request.url):
                blocked.append(r.request.url)
                r.abort()
            else:
                r.continue_()

        context.route("**/*", route)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
        page.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}")
                if msg.type == "error" else None)
        yield page, blocked, errors
    finally:
        browser.close()
