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


def _figstyle():
    """book/tools/figstyle.py, where the figure sizes and the legibility rule are written once."""
    import importlib.util
    import sys

    if "figstyle" not in sys.modules:
        spec = importlib.util.spec_from_file_location("figstyle", BOOK / "tools" / "figstyle.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["figstyle"] = module
        spec.loader.exec_module(module)
    return sys.modules["figstyle"]


figstyle = _figstyle()
# Legibility: CSS pixels are 1/96 inch, so 9 pt (1/72 inch each) is 12 CSS px.
MIN_DISPLAYED_FONT_PT = figstyle.MIN_FONT_PT
MIN_DISPLAYED_FONT_PX = figstyle.MIN_FONT_CSS_PX
# Text chunks that book/tools/figstyle.py writes into every figure's PNG.
PNG_KEY_FONT = figstyle.PNG_KEY_FONT
PNG_KEY_DPI = figstyle.PNG_KEY_DPI
PNG_KEY_PHONE = figstyle.PNG_KEY_PHONE


def displayed_font_px(font_pt: float, dpi: float, displayed_width: float, natural_width: float) -> float:
    """Height in CSS px of a font drawn at font_pt points into a PNG of dpi dots per inch,
    once the browser shows the PNG (natural_width px wide) at displayed_width CSS px.

    At its natural size one image pixel is one CSS pixel, so a font of font_pt points is
    font_pt * dpi / 72 px tall; scaling the image scales the font with it.
    """
    if natural_width <= 0:
        raise ValueError("natural_width must be positive")
    return font_pt * dpi / 72.0 * displayed_width / natural_width


def png_phone_behaviour(path: Path) -> str | None:
    """"fits" or "scrolls" as recorded by figstyle (None when absent)."""
    from PIL import Image

    with Image.open(path) as image:
        return (getattr(image, "text", {}) or image.info).get(PNG_KEY_PHONE)


def png_font_metadata(path: Path) -> tuple[float, float] | None:
    """(smallest font in pt, dpi) recorded in a PNG by figstyle, or None when absent."""
    from PIL import Image

    with Image.open(path) as image:
        text = getattr(image, "text", {}) or image.info
        if PNG_KEY_FONT not in text or PNG_KEY_DPI not in text:
            return None
        return float(text[PNG_KEY_FONT]), float(text[PNG_KEY_DPI])
