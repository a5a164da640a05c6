"""Layout of the built book in headless Chromium: phones and figure legibility.

* At a 390 px wide viewport (a common phone), no page is wider than the screen: wide tables
  and equations scroll inside their own box, long code and words wrap.
* Every figure on every page was drawn by book/tools/figstyle.py (its PNG records the smallest
  font, the dpi and whether it fits the column or scrolls), and as displayed both on the phone
  and on a desktop (1280 px viewport) its smallest font is at least 9 pt:
  font_pt * dpi / 72 * displayed_width / natural_width >= 12 CSS px. The widths are measured in
  the browser and the fonts read from the built images.
* A figure is never shown larger than it was drawn (one inch is 96 CSS px), on a desktop it is
  not shrunk either, and the phone column is as wide as figstyle assumes when it checks figures
  at build time.
"""
from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

from book_site import (BOOK, MIN_DISPLAYED_FONT_PX, SITE, displayed_font_px, figstyle,
                       png_font_metadata, png_phone_behaviour, toc_docnames)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

DOCNAMES = toc_docnames()
PHONE = {"width": figstyle.PHONE_VIEWPORT_PX, "height": 844}
DESKTOP = {"width": figstyle.DESKTOP_VIEWPORT_PX, "height": 900}
SCREENS = {"phone": PHONE, "desktop": DESKTOP}

# After "load": wait for MathJax to typeset (it changes widths), then measure.
OVERFLOW_JS = """
async () => {
  for (let i = 0; i < 600 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++) {
    if (!document.querySelector('script[src*="mathjax"]')) break;
    await new Promise(r => setTimeout(r, 25));
  }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  const width = document.documentElement.clientWidth;
  const culprits = [];
  for (const e of document.querySelectorAll('.bd-article *')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 1) continue;
    let scrolls = false;
    for (let p = e.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') { scrolls = true; break; }
    }
    if (!scrolls) culprits.push(`${e.tagName.toLowerCase()} ends at ${Math.round(r.right)} px: `
                                + (e.textContent || '').trim().slice(0, 50));
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, culprits: culprits.slice(0, 5)};
}
"""

FIGURES_JS = """
async () => {
  const imgs = Array.from(document.querySelectorAll('.bd-article .cell_output img'));
  for (const img of imgs) img.loading = 'eager';
  await Promise.all(imgs.map(img => img.complete ? null :
      new Promise(r => { img.addEventListener('load', r); img.addEventListener('error', r); })));
  return imgs.map(img => {
    let box = img.parentElement;  // the block that holds it (inline wrappers have no width)
    while (box.parentElement && box.clientWidth === 0) box = box.parentElement;
    const style = getComputedStyle(box);
    let scrollBox = false;
    for (let p = box; p && !scrollBox; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      scrollBox = (o === 'auto' || o === 'scroll') && p.clientWidth < img.getBoundingClientRect().width + 1;
    }
    return {src: img.currentSrc || img.src, shown: img.getBoundingClientRect().width,
            natural: img.naturalWidth, scrollBox,
            room: box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)};
  });
}
"""


def _open(server, new_context, viewport, docname):
    page = new_context(viewport=viewport).new_page()
    page.goto(f"{server}/{docname}.html", wait_until="load")
    return page


@pytest.mark.parametrize("docname", DOCNAMES)
def test_no_sideways_scrolling_on_a_phone(server, new_context, docname):
    page = _open(server, new_context, PHONE, docname)
    report = page.evaluate(OVERFLOW_JS)
    page.close()
    assert report["scrollWidth"] <= report["width"], (
        f"{docname} is {report['scrollWidth']} px wide on a {report['width']} px screen; "
        f"elements sticking out: {report['culprits']}")


def _site_file(src: str):
    path = unquote(urlsplit(src).path).lstrip("/")
    return SITE / path


def _figures(server, new_context, screen, docname):
    page = _open(server, new_context, SCREENS[screen], docname)
    figures = page.evaluate(FIGURES_JS)
    page.close()
    return [fig | {"path": _site_file(fig["src"])} for fig in figures]


def legibility_problems(figures: list[dict], screen: str) -> list[str]:
    """Every way the figures, as measured in the browser, break the rule (see the module doc)."""
    problems = []
    for fig in figures:
        path = fig["path"]
        if path.suffix.lower() != ".png":
            continue
        meta = png_font_metadata(path)
        if meta is None:
            problems.append(f"{path.name}: not drawn through figstyle (no font metadata)")
            continue
        font_pt, dpi = meta
        shown_px = displayed_font_px(font_pt, dpi, fig["shown"], fig["natural"])
        if shown_px < MIN_DISPLAYED_FONT_PX - 1e-6:
            problems.append(f"{path.name}: smallest font {font_pt:g} pt drawn at {dpi:g} dpi, image "
                            f"{fig['natural']} px shown at {fig['shown']:.0f} CSS px on the {screen} -> "
                            f"{shown_px:.1f} CSS px (< {MIN_DISPLAYED_FONT_PX:g})")
        true_width = figstyle.shown_width_css_px(fig["natural"], dpi)
        if fig["shown"] > true_width + 1:
            problems.append(f"{path.name}: drawn {true_width:.0f} CSS px wide but blown up to {fig['shown']:.0f}")
        if png_phone_behaviour(path) == "scrolls" and fig["shown"] > fig["room"] + 1 and not fig["scrollBox"]:
            problems.append(f"{path.name}: a scrolling figure wider than its column without a box that scrolls")
    return problems


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("docname", DOCNAMES)
def test_figures_are_legible_as_shown(server, new_context, screen, docname):
    figures = _figures(server, new_context, screen, docname)
    source = BOOK / f"{docname}.md"
    if source.is_file() and "plt.show()" in source.read_text(encoding="utf8"):
        assert figures, f"{docname} draws figures but none was found on the page"
    problems = legibility_problems(figures, screen)
    if screen == "desktop":
        # the desktop column holds every figure drawn to fit the column at its true size
        for fig in figures:
            if fig["path"].suffix.lower() == ".png" and png_phone_behaviour(fig["path"]) == "fits":
                meta = png_font_metadata(fig["path"])
                true_width = figstyle.shown_width_css_px(fig["natural"], meta[1])
                if fig["shown"] < true_width - 1:
                    problems.append(f"{fig['path'].name}: shrunk on a desktop ({true_width:.0f} -> "
                                    f"{fig['shown']:.0f} CSS px)")
    assert not problems, f"{docname} on the {screen}: " + "; ".join(problems)


def test_phone_column_is_what_figstyle_assumes(server, new_context):
    """figstyle checks every figure at build time against PHONE_COLUMN_PX; the theme must agree."""
    docname = next(d for d in DOCNAMES if d.startswith("chapters/"))
    figures = _figures(server, new_context, "phone", docname)
    assert figures, docname
    rooms = {round(fig["room"]) for fig in figures}
    assert all(abs(room - figstyle.PHONE_COLUMN_PX) <= 1 for room in rooms), (
        f"figures on a {PHONE['width']} px phone get {sorted(rooms)} CSS px, "
        f"figstyle.PHONE_COLUMN_PX is {figstyle.PHONE_COLUMN_PX}")


def test_momentum_map_is_interactive(server, new_context):
    """Chapter 2's (alpha, rho) map: the slider picks a slice, hovering reads off a setting."""
    docname = next(d for d in DOCNAMES if "momentum" in d)
    page = _open(server, new_context, DESKTOP, docname)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    root = page.locator(".momentum-map")
    assert root.count() == 1, "the momentum map is missing"
    label = root.locator(".momentum-map-rho")
    before = label.text_content()
    root.locator("input").evaluate("el => { el.value = 0; el.dispatchEvent(new Event('input')); }")
    after = label.text_content()
    assert before != after and float(after) == 0.0, (before, after)
    canvas = root.locator("canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    # lower-left corner: small step, no momentum -> converges (slowly); right edge, rho = 0 -> diverges
    page.mouse.move(box["x"] + 0.1 * box["width"], box["y"] + 0.95 * box["height"])
    assert "iterations" in root.locator(".momentum-map-readout").text_content()
    page.mouse.move(box["x"] + 0.99 * box["width"], box["y"] + 0.99 * box["height"])
    assert "diverges" in root.locator(".momentum-map-readout").text_content()
    page.close()
    assert not errors, errors
