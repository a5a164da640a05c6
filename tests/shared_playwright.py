"""One Playwright driver for the whole test session.

Playwright's sync API runs an event loop on the calling thread while it is
started; a second ``sync_playwright()`` in the same process, while the first is
still running (the book tests keep theirs for the whole session), fails with
"using Playwright Sync API inside the asyncio loop". So every browser test, in
any folder, starts its Chromium from this one driver; tests/conftest.py stops
it when the session ends.
"""
from __future__ import annotations

_driver = None


def driver():
    """The session's Playwright driver, started on first use (ImportError if playwright is missing)."""
    global _driver
    if _driver is None:
        from playwright.sync_api import sync_playwright

        _driver = sync_playwright().start()
    return _driver


def stop() -> None:
    global _driver
    if _driver is not None:
        _driver.stop()
        _driver = None
