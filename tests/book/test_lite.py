"""The course in the browser: JupyterLite + Pyodide served from the built book, offline.

Fast checks (no browser): the Pyodide fetcher refuses files that differ from the
official lock; the lite-site verifier catches an unpatched config; every chapter page
either offers a launch whose notebook is in the lite file system or says why it cannot;
every released assignment is launchable with its whole release folder.

The browser test opens the optimizers assignment from the book's assignments page in
headless Chromium, fills in `sgd`, runs `check("sgd", sgd)` (PASS), then a known mistake
(named), saves, finds the edit again after a reload, and downloads the notebook. Every request off the machine is
blocked and counted twice over: by Playwright's router and by a local proxy that every
non-loopback request of the browser (service workers included) is sent to.

A missing site, lite build, Chromium or Playwright skips these tests with the reason; in strict
mode (TESTS_STRICT or CI, tests/conftest.py) every skip is a failure.
"""
from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import shutil
import socketserver
import sys
import threading
import time
from pathlib import Path

import pytest

from book_site import CHROMIUM, CHROMIUM_ARGS, REPO, SITE, is_local_url, toc_docnames

# Chromium's own services (component updates, sign-in, autofill): Chromium contacts them
# even on about:blank, whatever the page does. The proxy refuses them like everything
# else, so they do not leave the machine either; they are counted and reported apart.
CHROMIUM_SERVICE_HOSTS = {"update.googleapis.com", "accounts.google.com", "clients2.google.com",
                          "content-autofill.googleapis.com", "optimizationguide-pa.googleapis.com"}
LITE = SITE / "lite"
TIMINGS = SITE.parent / "lite_timings.json"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


fetch_pyodide = _load("course_fetch_pyodide", REPO / "scripts" / "fetch_pyodide.py")
course_lite = _load("course_lite", REPO / "book" / "lite" / "course_lite.py")


@pytest.fixture(scope="module")
def lite_site() -> Path:
    if not (LITE / "jupyter-lite.json").is_file():
        pytest.skip(f"no JupyterLite site at {LITE}: run `make book` (setup stages Pyodide first)")
    return LITE


# ---------------------------------------------------------------------------- fetcher


def _fake_lock(payload: bytes) -> dict:
    import hashlib

    return {"info": {"version": fetch_pyodide.PYODIDE_VERSION},
            "packages": {"demo": {"file_name": "demo-1.0-py3-none-any.whl", "depends": [], "imports": ["demo"],
                                  "sha256": hashlib.sha256(payload).hexdigest()}}}


def test_fetcher_refuses_a_file_that_differs_from_the_lock(tmp_path):
    carrier = tmp_path / "carrier" / "deep"
    carrier.mkdir(parents=True)
    (carrier / "demo-1.0-py3-none-any.whl").write_bytes(b"tampered")
    lock = _fake_lock(b"official")
    with pytest.raises(fetch_pyodide.VerificationError, match="refusing demo-1.0"):
        fetch_pyodide.collect_wheels(lock, ["demo"], lambda: tmp_path / "carrier", tmp_path / "cache")
    assert not (tmp_path / "cache" / "verified" / "demo-1.0-py3-none-any.whl").exists()


def test_fetcher_takes_a_matching_file_from_any_folder_and_caches_it(tmp_path):
    folder = tmp_path / "instructor" / "pyodide"
    folder.mkdir(parents=True)
    (folder / "demo-1.0-py3-none-any.whl").write_bytes(b"official")
    lock = _fake_lock(b"official")
    got = fetch_pyodide.collect_wheels(lock, ["demo"], lambda: tmp_path / "instructor", tmp_path / "cache")
    assert got["demo-1.0-py3-none-any.whl"].read_bytes() == b"official"

    def no_source():
        raise AssertionError("a cached, verified file must not be fetched again")

    again = fetch_pyodide.collect_wheels(lock, ["demo"], no_source, tmp_path / "cache")
    assert again == got


def test_fetcher_fails_on_a_missing_file(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(fetch_pyodide.VerificationError, match="is not in"):
        fetch_pyodide.collect_wheels(_fake_lock(b"x"), ["demo"], lambda: tmp_path / "empty", tmp_path / "cache")


def test_dependency_closure_follows_the_lock_and_its_spellings():
    lock = {"packages": {"a": {"depends": ["b_c"]}, "b-c": {"depends": []}, "z": {"depends": []}}}
    assert fetch_pyodide.closure(lock, ("a",)) == ["a", "b-c"]
    with pytest.raises(fetch_pyodide.VerificationError):
        fetch_pyodide.closure(lock, ("nope",))


def test_staged_pyodide_verifies():
    if not fetch_pyodide.STAGED_PYODIDE.is_dir():
        pytest.skip("Pyodide is not staged: run `python scripts/fetch_pyodide.py` (setup does)")
    assert fetch_pyodide.verify_staged() == []


def test_staged_verifier_notices_a_changed_wheel(tmp_path):
    if not fetch_pyodide.STAGED_PYODIDE.is_dir():
        pytest.skip("Pyodide is not staged: run `python scripts/fetch_pyodide.py` (setup does)")
    copy = tmp_path / "pyodide"
    shutil.copytree(fetch_pyodide.STAGED_PYODIDE, copy)
    victim = next(copy.glob("numpy-*.whl"))
    data = victim.read_bytes()
    victim.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    problems = fetch_pyodide.verify_staged(copy)
    assert problems == [f"{victim.name} does not match the sha256 in its lock"]


# ---------------------------------------------------------------------------- build checks


def test_verifier_fails_an_unpatched_lite_config(tmp_path):
    lite = tmp_path / "lite"
    lite.mkdir()
    (lite / "jupyter-lite.json").write_text(json.dumps({"jupyter-config-data": {}}))
    problems = course_lite.lite_site_problems(tmp_path)
    assert any("pyodideUrl" in p for p in problems)
    assert any("disablePyPIFallback" in p for p in problems)
    assert any("comm" in p for p in problems)


def test_built_lite_site_passes_its_own_verifier(lite_site):
    assert course_lite.lite_site_problems(lite_site.parent) == []


def test_import_scan():
    code = "import numpy as np\nfrom torch.nn import functional\n%matplotlib inline\nfrom . import x\n"
    assert course_lite.imported_modules(code) == {"numpy", "torch"}


def test_every_chapter_page_launches_or_says_why_not(lite_site):
    chapters = [d for d in toc_docnames() if d.startswith("chapters/")]
    assert chapters
    runnable = 0
    for docname in chapters:
        html = (SITE / f"{docname}.html").read_text(encoding="utf8")
        target = f"../lite/notebooks/index.html?path={docname}.ipynb"
        if "course-lite-unavailable" in html:
            assert "does not have" in html and target not in html, docname
        else:
            assert f'href="{target}"' in html, f"{docname}: no JupyterLite launch and no note saying why"
            assert (lite_site / "files" / f"{docname}.ipynb").is_file()
            runnable += 1
    assert (lite_site / "files" / "chapters" / "myst_nb.py").is_file()
    print(f"{runnable} of {len(chapters)} chapters run in the browser")


def test_every_released_assignment_is_launchable_with_its_whole_folder(lite_site):
    release = REPO / "assignments" / "release"
    released = sorted(p for p in release.iterdir() if p.is_dir()) if release.is_dir() else []
    if not released:
        pytest.skip("no student release: run `python -m autograder release` (make book does)")
    page = (SITE / "assignments.html").read_text(encoding="utf8")
    for folder in released:
        assert f'href="lite/notebooks/index.html?path=assignments/{folder.name}/{folder.name}.ipynb"' in page
        for path in folder.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                staged = lite_site / "files" / "assignments" / folder.name / path.relative_to(folder)
                assert staged.is_file(), f"{staged} missing"
        notebook = json.loads((lite_site / "files" / "assignments" / folder.name / f"{folder.name}.ipynb").read_text())
        assert notebook["metadata"]["kernelspec"]["name"] == "python"  # the Pyodide kernel, no kernel dialog


# ---------------------------------------------------------------------------- browser


class _CountingProxy(socketserver.ThreadingTCPServer):
    """Chromium sends every non-loopback request here; each is recorded and refused."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        self.seen: list[str] = []
        super().__init__(("127.0.0.1", 0), _ProxyHandler)


class _ProxyHandler(socketserver.StreamRequestHandler):
    timeout = 5

    def handle(self):
        try:
            line = self.rfile.readline(8192).decode("latin-1").strip()
        except OSError:
            line = "?"
        self.server.seen.append(line or "?")
        self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    @staticmethod
    def host_of(request_line: str) -> str:
        """'CONNECT host:443 HTTP/1.1' or 'GET http://host/path HTTP/1.1' -> host."""
        parts = request_line.split()
        target = parts[1] if len(parts) > 1 else ""
        if "://" in target:
            target = target.split("://", 1)[1]
        return target.split("/", 1)[0].rsplit(":", 1)[0]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def lite_server(lite_site):
    """The built site on 127.0.0.1 (its own fixture, on the lite site's: no lite build, no server)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(SITE)))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def lite_browser(lite_site, request):
    """A Chromium of its own (sending every non-loopback request to the counting proxy),
    started from the Playwright that tests/book/conftest.py runs: one process cannot run two."""
    if not CHROMIUM.is_file() and shutil.which(str(CHROMIUM)) is None:
        pytest.skip(f"no Chromium at {CHROMIUM} (set BOOK_TEST_CHROMIUM, or install Debian's chromium)")
    shared = request.getfixturevalue("browser")
    proxy = _CountingProxy()
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        browser = shared.browser_type.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=[*CHROMIUM_ARGS, f"--proxy-server=http://127.0.0.1:{proxy.server_address[1]}"])
    except Exception as exc:
        proxy.shutdown()
        pytest.skip(f"Chromium at {CHROMIUM} does not start under Playwright: {exc}")
    yield browser, proxy
    browser.close()
    proxy.shutdown()
    proxy.server_close()


CORRECT_SGD = '''def sgd(w, dw, config=None):
    # written-in-the-browser-test
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config
'''
ASCENT_SGD = CORRECT_SGD.replace('w - config["learning_rate"]', 'w + config["learning_rate"]')


def _cell_with(page, text: str):
    cell = page.locator(".jp-Notebook .jp-Cell").filter(has_text=text).first
    cell.wait_for(timeout=180_000)
    return cell


def _replace_source_and_run(page, cell, source: str) -> None:
    editor = cell.locator(".cm-content").first
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(source)
    page.keyboard.press("Shift+Enter")


def _output_of(cell, pattern: str, timeout_s: float) -> str:
    """Waits until the cell's output matches `pattern` (a JS regexp); returns the output text."""
    output = cell.locator(".jp-OutputArea-output")
    deadline = time.monotonic() + timeout_s
    import re

    while time.monotonic() < deadline:
        text = "\n".join(output.all_inner_texts())
        if re.search(pattern, text):
            return text
        time.sleep(0.2)
    raise AssertionError(f"no output matching {pattern!r} within {timeout_s} s; output so far:\n{text}")


def _run_cell(page, cell) -> None:
    cell.locator(".jp-InputArea-prompt, .jp-InputPrompt").first.click()
    page.keyboard.press("Shift+Enter")


@pytest.mark.browser
@pytest.mark.timeout(900)
def test_optimizers_assignment_runs_its_self_check_in_the_browser(lite_server, lite_browser):
    browser, proxy = lite_browser
    blocked: list[str] = []

    def guard(route):
        if is_local_url(route.request.url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    # JupyterLite's service worker is how the kernel reads files (selfcheck.py, the .npz).
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="allow",
                                  accept_downloads=True)
    context.set_default_timeout(60_000)
    context.route("**/*", guard)
    page_errors: list[str] = []
    try:
        book = context.new_page()
        book.goto(f"{lite_server}/assignments.html")
        launch = book.locator('a.course-lite-launch[href*="path=assignments/optimizers/optimizers.ipynb"]')
        assert launch.count() == 1, "the assignments page has no JupyterLite launch for optimizers"
        with context.expect_page() as opened:
            launch.click()
        t_open = time.monotonic()
        lite = opened.value
        lite.on("pageerror", lambda exc: page_errors.append(str(exc)))

        sgd_cell = _cell_with(lite, "def sgd(w, dw, config=None)")
        check_cell = _cell_with(lite, 'check("sgd", sgd)')

        _replace_source_and_run(lite, sgd_cell, CORRECT_SGD)
        # A def prints nothing: its prompt shows an execution count once the kernel has run it.
        sgd_cell.locator(".jp-InputPrompt").filter(has_text="[1]").wait_for(timeout=300_000)
        kernel_ready_s = time.monotonic() - t_open

        t_check = time.monotonic()
        _run_cell(lite, check_cell)
        passed = _output_of(check_cell, r"Self-check of sgd: .*pass", 120)
        check_s = time.monotonic() - t_check
        assert "FAIL" not in passed and "PASS" in passed, passed

        _replace_source_and_run(lite, sgd_cell, ASCENT_SGD)
        _run_cell(lite, check_cell)
        wrong = _output_of(check_cell, r"looks like a known mistake", 60)
        assert "FAIL" in wrong and "gradient ascent" in wrong, wrong

        # The student's edit persists in the browser (JupyterLite's IndexedDB contents).
        lite.keyboard.press("Control+S")
        lite.wait_for_timeout(1500)
        lite.reload()
        _cell_with(lite, "written-in-the-browser-test")

        # ...and the student can download the notebook to hand it in.
        lite.locator(".lm-MenuBar-itemLabel", has_text="File").first.click()
        with lite.expect_download(timeout=60_000) as download_info:
            lite.locator('.lm-Menu-item[data-command="docmanager:download"]').first.click()
        downloaded = Path(download_info.value.path())
        # Chromium flattens the lite path: assignments_optimizers_optimizers.ipynb
        assert download_info.value.suggested_filename.endswith("optimizers.ipynb")
        saved = json.loads(downloaded.read_text(encoding="utf8"))
        assert any("written-in-the-browser-test" in "".join(c["source"]) for c in saved["cells"])
    finally:
        context.close()

    from_chromium = [r for r in proxy.seen if _ProxyHandler.host_of(r) in CHROMIUM_SERVICE_HOSTS]
    from_pages = [r for r in proxy.seen if r not in from_chromium]
    TIMINGS.write_text(json.dumps({"kernel_ready_after_open_s": round(kernel_ready_s, 1),
                                   "sgd_check_s": round(check_s, 1),
                                   "blocked_page_requests": len(blocked) + len(from_pages),
                                   "blocked_chromium_service_requests": len(from_chromium)}) + "\n")
    print(f"JupyterLite: kernel ran the first cell {kernel_ready_s:.1f} s after the page opened; "
          f'check("sgd", sgd) took {check_s:.1f} s; off-machine requests blocked: {len(blocked)} by the router, '
          f"{len(from_pages)} at the proxy, plus {len(from_chromium)} of Chromium's own services")
    assert blocked == [], f"requests that tried to leave the machine: {blocked}"
    assert from_pages == [], f"requests the pages (or their workers) sent towards other hosts: {from_pages}"
    assert page_errors == [], page_errors


@pytest.mark.browser
@pytest.mark.timeout(120)
def test_both_counters_see_a_request_off_the_machine(lite_server, lite_browser):
    """The two counters the lite test relies on do count (and refuse) an off-machine request."""
    browser, proxy = lite_browser
    before = len(proxy.seen)
    blocked: list[str] = []

    def guard(route):
        if is_local_url(route.request.url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    routed = browser.new_context()
    routed.route("**/*", guard)
    try:
        page = routed.new_page()
        page.goto(f"{lite_server}/intro.html")
        page.evaluate("() => fetch('http://course-probe.example/x').catch(() => null)")
    finally:
        routed.close()
    assert blocked == ["http://course-probe.example/x"]

    # Without the router (as for a service worker's own requests) the proxy gets it, and refuses it.
    unrouted = browser.new_context()
    try:
        page = unrouted.new_page()
        response = page.goto("http://course-probe.example/y")
        assert response is None or response.status == 403
    except Exception:
        pass  # a refused navigation may also surface as a network error
    finally:
        unrouted.close()
    probes = [r for r in proxy.seen[before:] if _ProxyHandler.host_of(r) == "course-probe.example"]
    assert probes, f"the proxy did not see the probe; it saw {proxy.seen[before:]}"


COUNT_EXECUTED_JS = """() => Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt'))
    .filter(e => /\\[\\d+\\]/.test(e.textContent)).length"""
ERROR_OUTPUTS_JS = """() => Array.from(document.querySelectorAll('.jp-OutputArea-output'))
    .map(e => e.textContent).filter(t => /Traceback|Error:/.test(t)).map(t => t.slice(0, 600))"""


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.timeout(1800)
def test_chapters_offered_in_the_browser_run_there(lite_server, lite_browser):
    """Every chapter whose page offers a JupyterLite launch runs top to bottom in Pyodide."""
    browser, proxy = lite_browser
    chapters = [d for d in toc_docnames() if d.startswith("chapters/")
                and "course-lite-launch" in (SITE / f"{d}.html").read_text(encoding="utf8")]
    assert chapters, "no chapter offers a JupyterLite launch"
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="allow")
    context.set_default_timeout(180_000)
    try:
        for docname in chapters:
            page = context.new_page()
            page.goto(f"{lite_server}/lite/notebooks/index.html?path={docname}.ipynb")
            staged = json.loads((LITE / "files" / f"{docname}.ipynb").read_text(encoding="utf8"))
            code_cells = sum(cell["cell_type"] == "code" for cell in staged["cells"])
            # Every cell rendered (windowing is off) before "Run All", or it would run only some.
            page.locator(".jp-Notebook .jp-CodeCell").nth(code_cells - 1).wait_for()
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator('.lm-Menu-item[data-command="runmenu:run-all"], '
                         '.lm-Menu-item[data-command="notebook:run-all-cells"]').first.click()
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                errors = page.evaluate(ERROR_OUTPUTS_JS)
                assert not errors, f"{docname} failed in the browser:\n" + "\n---\n".join(errors)
                if page.evaluate(COUNT_EXECUTED_JS) == code_cells:
                    break
                time.sleep(1)
            else:
                raise AssertionError(f"{docname}: not all {code_cells} cells ran within 900 s")
            page.close()
    finally:
        context.close()
