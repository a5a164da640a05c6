"""Paths and helpers shared by the tests of the built book (imported by name,
so it must not be called conftest: several test folders have one)."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
# BOOK_TEST_BOOK_DIR lets a helper test a private copy of the book.
BOOK = Path(os.environ.get("BOOK_TEST_BOOK_DIR", REPO / "book")).resolve()
SITE = BOOK / "_build" / "html"
SCREENSHOTS = BOOK / "_build" / "screenshots"
CHROMIUM = Path(os.environ.get("BOOK_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def toc_docnames() -> list[str]:
    """Every document in book/_toc.yml (root first), in reading order."""
    import yaml

    toc = yaml.safe_load((BOOK / "_toc.yml").read_text(encoding="utf8"))
    names = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(str(Path(entry["file"]).with_suffix("")))
            for key in ("sections", "chapters", "parts"):
                walk(entry.get(key))

    for key in ("chapters", "parts", "sections"):
        walk(toc.get(key))
    return names


def is_local_url(url: str) -> bool:
    """True for relative URLs and absolute ones that stay on this machine."""
    parts = urlsplit(url.strip())
    if parts.scheme in ("", "data", "blob", "about", "javascript", "mailto", "file"):
        if parts.scheme == "" and url.strip().startswith("//"):
            return (parts.hostname or "") in LOCAL_HOSTS
        return True
    if parts.scheme in ("http", "https", "ws", "wss"):
        return (parts.hostname or "") in LOCAL_HOSTS
    return False
