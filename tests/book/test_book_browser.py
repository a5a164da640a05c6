"""Headless-Chromium tests of the built book, served from 127.0.0.1.

Each page listed in book/_toc.yml is loaded once (results are cached per
session) and then checked for: console errors and uncaught exceptions, failed
local requests, MathJax typesetting, images, and requests leaving the machine.
Every request to a host other than 127.0.0.1/localhost is aborted and recorded.
"""
from __future__ import annotations

import dataclasses

import pytest

from book_site import SCREENSHOTS, is_local_url, toc_docnames

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

DOCNAMES = toc_docnames()

# Runs in the page after "load": waits for MathJax (when the page loads it) and
# for every image, then reports what the tests need.
INSPECT_JS = """
async () => {
  const mathjaxScript = document.querySelector('script[src*="mathjax/tex-mml-chtml.js"]');
  if (mathjaxScript) {
    const t0 = Date.now();
    while (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
      if (Date.now() - t0 > 15000) break;
      await new Promise(r => setTimeout(r, 25));
    }
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      await MathJax.startup.promise;
    }
  }
  const imgs = Array.from(document.images);
  for (const img of imgs) { img.loading = "eager"; }
  await Promise.all(imgs.map(img => img.complete ? null :
      new Promise(r => { img.addEventListener("load", r); img.addEventListener("error", r); })));
  const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.currentSrc || i.src);

  // Text the reader sees, minus code (which may legitimately contain "$$").
  const clone = document.querySelector("main, article, body").cloneNode(true);
  clone.querySelectorAll("pre, code, script, style, mjx-container, textarea").forEach(e => e.remove());
  const text = clone.textContent;
  const rawDollars = [];
  let at = text.indexOf("$$");
  while (at >= 0 && rawDollars.length < 5) {
    rawDollars.push(text.slice(Math.max(0, at - 40), at + 40).replace(/\\s+/g, " "));
    at = text.indexOf("$$", at + 2);
  }
  const mathNodes = Array.from(document.querySelectorAll(".math"));
  const untypeset = mathNodes.filter(e => !e.querySelector("mjx-container"))
                             .map(e => e.textContent.slice(0, 60));
  return {
    title: document.title,
    hasMathjax: !!mathjaxScript,
    mathNodes: mathNodes.length,
    mjx: document.querySelectorAll("mjx-container").length,
    mathErrors: Array.from(document.querySelectorAll("mjx-merror")).map(e => e.textContent.slice(0, 80)),
    untypeset,
    rawDollars,
    images: imgs.length,
    broken,
  };
}
"""


@dataclasses.dataclass
class PageReport:
    url: str
    console_errors: list[str]
    page_errors: list[str]
    failed_local: list[str]
    info: dict


@pytest.fixture(scope="session")
def visit(server, new_context):
    """visit(docname) -> PageReport, loading each page at most once per session."""
    ctx = new_context()
    cache: dict[str, PageReport] = {}

    def _visit(docname: str) -> PageReport:
        if docname in cache:
            return cache[docname]
        page = ctx.new_page()
        console_errors: list[str] = []
        page_errors: list[str] = []
        failed_local: list[str] = []
        page.on("console", lambda m: console_errors.append(f"{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: page_errors.append(str(e)))
        page.on("requestfailed", lambda r: failed_local.append(f"{r.url} ({r.failure})")
                if is_local_url(r.url) else None)
        page.on("response", lambda r: failed_local.append(f"{r.url} (HTTP {r.status})")
                if r.status >= 400 and is_local_url(r.url) else None)
        url = f"{server}/{docname}.html"
        page.goto(url, wait_until="load")
        info = page.evaluate(INSPECT_JS)
        page.close()
        cache[docname] = PageReport(url, console_errors, page_errors, failed_local, info)
        return cache[docname]

    return _visit


@pytest.mark.parametrize("docname", DOCNAMES)
def test_page_loads_without_errors(visit, docname):
    report = visit(docname)
    assert report.info["title"], f"{report.url} has no <title>"
    assert not report.page_errors, f"uncaught exceptions on {report.url}: {report.page_errors}"
    assert not report.console_errors, f"console errors on {report.url}: {report.console_errors}"
    assert not report.failed_local, f"local requests failed on {report.url}: {report.failed_local}"


@pytest.mark.parametrize("docname", DOCNAMES)
def test_math_is_typeset(visit, docname):
    info = visit(docname).info
    if info["mathNodes"]:
        assert info["hasMathjax"], f"{docname} has math but does not load MathJax"
        assert info["mjx"] >= info["mathNodes"], (
            f"{docname}: {info['mathNodes']} math nodes but only {info['mjx']} typeset")
    assert not info["untypeset"], f"{docname}: math left as raw TeX: {info['untypeset'][:5]}"
    assert not info["mathErrors"], f"{docname}: MathJax errors: {info['mathErrors'][:5]}"
    assert not info["rawDollars"], f"{docname}: raw $$ in the text: {info['rawDollars']}"


@pytest.mark.parametrize("docname", DOCNAMES)
def test_images_load(visit, docname):
    info = visit(docname).info
    assert not info["broken"], f"{docname}: images that did not load: {info['broken']}"


def test_chapters_have_math_and_figures(visit):
    """The book as a whole: most chapters typeset math and show figures."""
    chapters = [d for d in DOCNAMES if d.startswith("chapters/")]
    with_math = [d for d in chapters if visit(d).info["mjx"] > 0]
    with_figures = [d for d in chapters if visit(d).info["images"] > 0]
    assert len(with_math) >= len(chapters) // 2, f"only {with_math} typeset any math"
    assert len(with_figures) >= len(chapters) // 2, f"only {with_figures} show any figure"


def test_search_finds_a_term(server, new_context):
    """The search page (Sphinx's JS search over searchindex.js) lists results."""
    page = new_context().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/search.html?q=Nesterov", wait_until="load")
    results = page.locator("#search-results ul.search li")
    results.first.wait_for(state="attached", timeout=20_000)
    hrefs = results.locator("a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    page.close()
    assert hrefs, "no search results for 'Nesterov'"
    assert any("02_momentum_and_nesterov" in h for h in hrefs), f"chapter 2 not among {hrefs}"
    assert not errors, errors


def test_search_box_submits_to_search_page(server, new_context):
    """Typing in the theme's search dialog and pressing Enter shows results."""
    page = new_context().new_page()
    page.goto(f"{server}/intro.html", wait_until="load")
    page.keyboard.press("Control+k")
    box = page.locator("form.bd-search input[name='q']").first
    box.wait_for(state="visible", timeout=10_000)
    box.fill("momentum")
    box.press("Enter")
    page.wait_for_url("**/search.html?q=momentum*")
    page.locator("#search-results ul.search li").first.wait_for(state="attached", timeout=20_000)
    assert page.locator("#search-results ul.search li").count() > 0
    page.close()


# Before any page script runs: whatever object the page assigns to window.MathJax
# first (its configuration) gets the menu's "explorer" switched on, as if a
# reader had enabled speech/exploration in MathJax's accessibility menu. That
# loads MathJax's speech-rule engine and its language maps.
ENABLE_EXPLORER_JS = """
(() => {
  let value;
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get() { return value; },
    set(v) {
      if (v && typeof v === "object" && !v.version) {
        v.options = v.options || {};
        v.options.menuOptions = {settings: {explorer: true}};
      }
      value = v;
    },
  });
})();
"""


def test_mathjax_accessibility_stays_local(server, new_context, external_requests):
    """Turning on MathJax's explorer loads its speech maps from the site, not a CDN."""
    docname = next((d for d in DOCNAMES if "gradient_checking" in d), DOCNAMES[1])
    ctx = new_context()
    ctx.add_init_script(ENABLE_EXPLORER_JS)
    page = ctx.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    before = len(external_requests)
    page.goto(f"{server}/{docname}.html", wait_until="load")
    page.evaluate("async () => { await MathJax.startup.promise; }")
    # The explorer component and the speech-rule engine arrive asynchronously.
    page.wait_for_function(
        "() => performance.getEntriesByType('resource').some(e => e.name.includes('/sre/mathmaps/'))",
        timeout=30_000,
    )
    page.wait_for_timeout(300)
    page.close()
    maps = [u for u in requested if "/sre/mathmaps/" in u]
    assert maps and all(is_local_url(u) for u in maps), maps
    assert external_requests[before:] == [], external_requests[before:]
    assert not errors, errors


def test_no_request_leaves_the_machine(visit, server, new_context, external_requests):
    """Runs after the tests above (file order): every page, search included, stayed local."""
    for docname in DOCNAMES:
        visit(docname)
    page = new_context().new_page()
    page.goto(f"{server}/search.html?q=gradient", wait_until="load")
    page.locator("#search-results ul.search li").first.wait_for(state="attached", timeout=20_000)
    page.close()
    assert external_requests == [], f"requests that tried to leave the machine: {sorted(set(external_requests))}"


def _png_is_nontrivial(path):
    from PIL import Image, ImageStat

    with Image.open(path) as im:
        im = im.convert("RGB")
        w, h = im.size
        small = im.resize((max(1, w // 4), max(1, h // 4)))
        colours = small.getcolors(maxcolors=1 << 20)
        stat = ImageStat.Stat(im.convert("L"))
        return w, h, len(colours) if colours else 1 << 20, stat.stddev[0]


@pytest.mark.parametrize("docname", [d for d in DOCNAMES if d.startswith(("chapters/02_", "chapters/09_"))])
def test_screenshot(server, new_context, docname):
    """Full-page PNGs of two chapters in book/_build/screenshots/, for a human to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_context().new_page()
    page.goto(f"{server}/{docname}.html", wait_until="load")
    page.evaluate(INSPECT_JS)  # waits for MathJax and images
    stem = docname.split("/")[-1]
    top = SCREENSHOTS / f"{stem}.png"
    full = SCREENSHOTS / f"{stem}_full.png"
    page.screenshot(path=str(top))
    page.screenshot(path=str(full), full_page=True)
    page.close()
    for path, min_height in ((top, 900), (full, 1800)):
        assert path.stat().st_size > 20_000, f"{path} is suspiciously small"
        w, h, colours, stddev = _png_is_nontrivial(path)
        assert w == 1280 and h >= min_height, f"{path}: unexpected size {w}x{h}"
        assert colours > 50, f"{path} looks blank ({colours} colours)"
        assert stddev > 5, f"{path} looks blank (grey-level stddev {stddev:.1f})"
