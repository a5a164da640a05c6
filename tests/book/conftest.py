"""Shared fixtures for the tests of the built book (book/_build/html).

The tests never build the book themselves: `make test` runs `make book` first.
When the site (or, for the browser tests, Chromium or Playwright) is missing the
tests skip with the reason, so `pytest` on a fresh clone is not a wall of errors; in strict
mode (TESTS_STRICT or CI, tests/conftest.py) every skip is a failure.
"""
from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest
import shared_playwright

from book_site import CHROMIUM, CHROMIUM_ARGS, SITE, is_local_url

@pytest.fixture(scope="session")
def site() -> Path:
    if not (SITE / "index.html").is_file():
        pytest.skip(f"the book is not built ({SITE}/index.html missing): run `make book`")
    return SITE


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="session")
def server(site):
    """Serve the built site on 127.0.0.1 (search only works over http)."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.is_file() and shutil.which(str(CHROMIUM)) is None:
        pytest.skip(f"no Chromium at {CHROMIUM} (set BOOK_TEST_CHROMIUM, or install Debian's chromium)")
    try:
        pw = shared_playwright.driver()
    except ImportError as exc:  # pragma: no cover - playwright is a pinned requirement
        pytest.skip(f"the playwright package is not installed: {exc}")
    try:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:
        pytest.skip(f"Chromium at {CHROMIUM} does not start under Playwright: {exc}")
    yield b
    b.close()


@pytest.fixture(scope="session")
def external_requests() -> list[str]:
    """Every request any test's page tried to send off the machine (all were aborted)."""
    return []


@pytest.fixture(scope="session")
def new_context(browser, external_requests):
    """Factory for browser contexts whose every request off 127.0.0.1 is recorded and aborted."""
    contexts = []

    def guard(route):
        url = route.request.url
        if is_local_url(url):
            route.continue_()
        else:
            external_requests.append(url)
            route.abort("blockedbyclient")

    def make(**kwargs):
        kwargs.setdefault("viewport", {"width": 1280, "height": 900})
        kwargs.setdefault("color_scheme", "light")
        kwargs.setdefault("service_workers", "block")
        ctx = browser.new_context(**kwargs)
        ctx.set_default_timeout(20_000)
        ctx.route("**/*", guard)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()
