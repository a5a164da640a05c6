"""Static check (no browser): the built site references nothing off the machine.

Scans every .html, .css and .js file under book/_build/html for absolute
http(s) or protocol-relative (//host) URLs in places where a browser would
fetch them:

* HTML: src/href/srcset/poster/data/action attributes of resource elements,
  url(...) and @import in style attributes and <style> blocks, and *any* URL in
  an inline <script> (that is how sphinx-thebe smuggles in its unpkg.com URL);
  plus <a href> links in the page chrome (header, sidebars, footer), which must
  not point off-site either. Links written by authors inside the article text
  (e.g. to a paper) are navigation, not resources, and are allowed.
* CSS: url(...) and @import.
* JS: quoted URL literals. XML namespace identifiers (never fetched) are
  ignored, and a short allowlist below documents the few literals in the
  vendored MathJax that are not fetched in a browser.

The browser tests (test_book_browser.py) complement this by routing every real
request and failing on any that leaves 127.0.0.1.
"""
from __future__ import annotations

import fnmatch
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from book_site import LOCAL_HOSTS, is_local_url

# Attributes through which an element makes the browser fetch something.
RESOURCE_ATTRS = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "input": ("src",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
    "form": ("action",),
    "base": ("href",),
}
# URL literals anywhere in CSS/JS/inline code. A host needs a dot and a TLD so
# that strings like "//../es5" or XPath "//*[...]" do not match.
URL_RE = re.compile(r"""(?:https?:)?//(?P<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})(?::\d+)?[^\s"'`)<>]*""")
QUOTED_URL_RE = re.compile(r"""(?P<q>["'`])(?P<url>(?:https?:)?//[^"'`\s]+)""")
CSS_URL_RE = re.compile(r"""url\(\s*["']?(?P<url>[^"')\s]+)""", re.I)
CSS_IMPORT_RE = re.compile(r"""@import\s+(?:url\()?\s*["']?(?P<url>[^"')\s;]+)""", re.I)

# Hosts that only ever appear as XML namespace / identifier strings.
NAMESPACE_HOSTS = {"www.w3.org", "exslt.org", "ns.saxonica.com", "saxon.sf.net"}

# (path glob under the site, URL prefix, why it is not fetched)
JS_ALLOWLIST = [
    ("_static/mathjax/*", "https://www.mathjax.org",
     "href of a link in MathJax's About/Help dialogs; only followed if the reader clicks it"),
    ("_static/mathjax/*", "https://cdn.jsdelivr.net/npm/speech-rule-engine@",
     "speech-rule-engine's default map location; in a browser MathJax sets SREfeature.json to "
     "[mathjax]/sre/mathmaps (test_mathjax_accessibility_stays_local checks the maps load locally)"),
    ("_static/mathjax/*", "https://cdn.jsdelivr.net/npm/sre-mathmaps-ie@",
     "loaded only when speech-rule-engine detects Internet Explorer"),
    ("_static/mathjax/*", "https://cdn.jsdelivr.net/npm/wicked-good-xpath@",
     "XPath polyfill, loaded only by browsers without document.evaluate (Internet Explorer)"),
]


def _external(url: str) -> bool:
    url = url.strip()
    return (url.startswith(("http://", "https://", "//"))) and not is_local_url(url)


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.article_depth = 0  # >0 while inside <article> (the page's content)
        self.in_tag: str | None = None  # "script" or "style" while inside one

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "article":
            self.article_depth += 1
        for name in RESOURCE_ATTRS.get(tag, ()):
            value = attrs.get(name)
            if not value:
                continue
            urls = [part.strip().split(" ")[0] for part in value.split(",")] if name == "srcset" else [value]
            for url in urls:
                if _external(url):
                    self.problems.append(f"<{tag} {name}={url!r}>")
        style = attrs.get("style") or ""
        for rx in (CSS_URL_RE, CSS_IMPORT_RE):
            for m in rx.finditer(style):
                if _external(m["url"]):
                    self.problems.append(f"<{tag} style=...{m['url']!r}>")
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            target = (attrs.get("content") or "").partition("url=")[2]
            if _external(target):
                self.problems.append(f"<meta refresh {target!r}>")
        if tag == "a" and self.article_depth == 0 and _external(attrs.get("href") or ""):
            self.problems.append(f"<a href={attrs['href']!r}> in the page chrome")
        if tag in ("script", "style"):
            self.in_tag = tag

    def handle_endtag(self, tag):
        if tag == "article" and self.article_depth:
            self.article_depth -= 1
        if tag in ("script", "style"):
            self.in_tag = None

    def handle_data(self, data):
        if self.in_tag == "script":
            for m in URL_RE.finditer(data):
                if m["host"] not in NAMESPACE_HOSTS and _external(m.group(0)):
                    self.problems.append(f"inline <script> mentions {m.group(0)!r}")
        elif self.in_tag == "style":
            for rx in (CSS_URL_RE, CSS_IMPORT_RE):
                for m in rx.finditer(data):
                    if _external(m["url"]):
                        self.problems.append(f"<style> loads {m['url']!r}")


def scan_html(text: str) -> list[str]:
    scanner = _Scanner()
    scanner.feed(text)
    scanner.close()
    return scanner.problems


def scan_css(text: str) -> list[str]:
    return [f"CSS loads {m['url']!r}" for rx in (CSS_URL_RE, CSS_IMPORT_RE)
            for m in rx.finditer(text) if _external(m["url"])]


def scan_js(text: str, relpath: str) -> list[str]:
    problems = []
    for m in QUOTED_URL_RE.finditer(text):
        url = m["url"]
        host = URL_RE.match(url)
        if not host or host["host"] in NAMESPACE_HOSTS or host["host"] in LOCAL_HOSTS:
            continue
        if any(fnmatch.fnmatch(relpath, glob) and url.startswith(prefix) for glob, prefix, _ in JS_ALLOWLIST):
            continue
        problems.append(f"JS string {url[:100]!r}")
    return problems


def _site_files(site: Path, suffix: str) -> list[Path]:
    return sorted(p for p in site.rglob(f"*{suffix}") if p.is_file())


def _report(site: Path, found: dict[Path, list[str]]) -> str:
    lines = []
    for path, problems in found.items():
        for problem in sorted(set(problems))[:10]:
            lines.append(f"{path.relative_to(site)}: {problem}")
    return "off-machine references in the built site:\n  " + "\n  ".join(lines)


def test_html_references_nothing_off_machine(site):
    pages = _site_files(site, ".html")
    assert len(pages) >= 5, f"only {len(pages)} HTML files in {site}"
    found = {p: scan_html(p.read_text(encoding="utf8", errors="replace")) for p in pages}
    found = {p: v for p, v in found.items() if v}
    assert not found, _report(site, found)


def test_css_references_nothing_off_machine(site):
    found = {p: scan_css(p.read_text(encoding="utf8", errors="replace")) for p in _site_files(site, ".css")}
    found = {p: v for p, v in found.items() if v}
    assert not found, _report(site, found)


# The JupyterLite app (lite/) bundles JupyterLab, Pyodide and their extensions: thousands of
# documentation links and CDN defaults (Pyodide's own index URL, the kernel's default
# pyodideUrl) that the site's configuration replaces by local files. A string scan cannot
# tell those apart, so lite/ is checked where it matters: book/lite/course_lite.py fails the
# build unless the kernel is configured with the local Pyodide and no PyPI fallback, and
# tests/book/test_lite.py runs a notebook there and counts every request off the machine.
JS_SCAN_SKIPS = ("lite/",)


def test_js_references_nothing_off_machine(site):
    found = {}
    for p in _site_files(site, ".js"):
        if p.relative_to(site).as_posix().startswith(JS_SCAN_SKIPS):
            continue
        problems = scan_js(p.read_text(encoding="utf8", errors="replace"), p.relative_to(site).as_posix())
        if problems:
            found[p] = problems
    assert not found, _report(site, found)


def test_mathjax_is_served_locally(site):
    """Pages with math load MathJax from _static/mathjax/, and the file is there."""
    assert (site / "_static" / "mathjax" / "tex-mml-chtml.js").is_file(), \
        "MathJax missing from the site: run book/tools/install_offline_assets.py (make book does)"
    assert (site / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").is_dir()
    srcs = set()
    for page in _site_files(site, ".html"):
        srcs.update(re.findall(r'<script[^>]*\ssrc="([^"]*mathjax[^"]*)"', page.read_text(encoding="utf8")))
    assert srcs, "no page loads MathJax"
    for src in srcs:
        assert "_static/mathjax/tex-mml-chtml.js" in src and is_local_url(src), src


@pytest.mark.parametrize("snippet, expected", [
    pytest.param('<script src="https://cdn.example.org/x.js"></script>', 1, id="cdn-script"),
    pytest.param('<link rel="stylesheet" href="//fonts.googleapis.com/css">', 1, id="protocol-relative-css"),
    pytest.param('<img srcset="a.png 1x, https://x.org/b.png 2x">', 1, id="srcset"),
    pytest.param('<script>const U = "https://unpkg.com/thebe@0.8.2/lib/index.js"</script>', 1, id="inline-script"),
    pytest.param('<div style="background: url(https://x.org/a.png)"></div>', 1, id="style-url"),
    pytest.param('<footer><a href="https://www.sphinx-doc.org/">Sphinx</a></footer>', 1, id="chrome-link"),
    pytest.param('<article><a href="https://arxiv.org/abs/1412.6980">Adam</a></article>', 0, id="article-link"),
    pytest.param('<script src="../_static/mathjax/tex-mml-chtml.js"></script>'
                 '<img src="http://127.0.0.1:8000/a.png">', 0, id="local"),
    pytest.param('<svg xmlns="http://www.w3.org/2000/svg"></svg>', 0, id="namespace"),
])
def test_scanner_catches_what_it_should(snippet, expected):
    """The scanner itself: it flags fetches and chrome links, not namespaces or article links."""
    assert len(scan_html(snippet)) == expected, scan_html(snippet)


def test_css_and_js_scanners():
    assert scan_css("@import url('https://fonts.googleapis.com/css2?family=Lato');")
    assert scan_css("a{background:url(//cdn.x.org/i.png)}")
    assert not scan_css("a{background:url(../images/i.png)} b{mask:url(data:image/svg+xml;utf8,<svg/>)}")
    assert scan_js('s.src="https://www.googletagmanager.com/gtag/js"', "_static/x.js")
    assert not scan_js('e.setAttribute("xmlns","http://www.w3.org/2000/svg")', "_static/x.js")
    assert not scan_js('n.url="https://cdn.jsdelivr.net/npm/speech-rule-engine@"+v', "_static/mathjax/a11y/sre.js")
    assert scan_js('n.url="https://cdn.jsdelivr.net/npm/speech-rule-engine@"+v', "_static/other.js")
