"""Sphinx extension: the course in the browser (JupyterLite + the Pyodide kernel), offline.

What it does around jupyterlite-sphinx (which it loads):

* builder-inited: stages the JupyterLite contents into ``jupyterlite_content_dir``
  (``book/lite/_contents``, gitignored): every chapter of the TOC as a notebook
  (jupytext), a tiny ``myst_nb`` stand-in so ``glue(...)`` cells run, the book's
  ``data/`` folder when there is one, and every released assignment folder
  (``assignments/release/<name>/``, copied whole, whatever files it holds).
  It also deletes a stale ``.jupyterlite.doit.db``: one left by an interrupted build
  made the next lite build skip patching its config.
* config: drops every off-machine stylesheet jupyterlite-sphinx registers (a web font).
* doctree-resolved: puts a box under the title of each chapter and under each
  assignment's heading on the assignments page: a launch link when every module its
  code imports exists in the browser, otherwise a note naming what is missing.
  A released assignment whose self-check files import something the browser lacks, or
  that has no heading to attach to, is a build warning (an error under -W).
* build-finished: verifies the built lite site (config patched to the local Pyodide,
  PyPI fallback off, comm indexed, every staged package file matching its lock, the
  contents present, no source maps, no web-font link in any page) and fails the build
  when anything is wrong.

Config keys (all optional): ``course_lite_assignment_release`` (default
``../assignments/release``, relative to the book), ``course_lite_data_dir`` (``data``).
"""
from __future__ import annotations

import ast
import importlib.util
import json
import shutil
import sys
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
LITE_OUTPUT = "lite"  # jupyterlite-sphinx writes the lite site to <outdir>/lite
CHAPTERS_PREFIX = "chapters/"
ASSIGNMENTS_DOC = "assignments"
PYODIDE_EXTENSION = "@jupyterlite/pyodide-kernel-extension"
PYODIDE_KERNELSPEC = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}

# Stands in for myst_nb inside the browser: the chapters call glue() to hand numbers
# and figures to the book's text; in a notebook the reader just sees the value.
MYST_NB_STAND_IN = '''"""Browser stand-in for myst_nb: glue(name, value) shows the value (the book inserts it in the text)."""
from IPython.display import display


def glue(name, variable, display_value=True, **kwargs):
    if kwargs.get("display", display_value):
        display(variable)
'''


def _fetch_pyodide_module():
    """scripts/fetch_pyodide.py, the one place that knows the Pyodide version and packages."""
    spec = importlib.util.spec_from_file_location("course_fetch_pyodide", REPO / "scripts" / "fetch_pyodide.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


FETCH = _fetch_pyodide_module()


# ---------------------------------------------------------------------------
# which modules exist in the browser


def browser_modules(contents_modules: set[str]) -> set[str]:
    """Top-level module names importable in the lite kernel: the stdlib, the staged packages, our files."""
    lock_path = FETCH.STAGED_PYODIDE / "pyodide-lock.json"
    available = set(sys.stdlib_module_names) | contents_modules | {"IPython", "ipykernel", "comm", "piplite"}
    if lock_path.is_file():
        for entry in json.loads(lock_path.read_text(encoding="utf8"))["packages"].values():
            available.update(entry.get("imports", []))
    return available


def imported_modules(code: str) -> set[str]:
    """Top-level names of every module `code` imports (IPython magics and shell lines skipped)."""
    lines = [line for line in code.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def notebook_imports(notebook: dict) -> set[str]:
    found = set()
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            found |= imported_modules(source if isinstance(source, str) else "".join(source))
    return found


# ---------------------------------------------------------------------------
# staging the contents


def _release_dir(app: Sphinx) -> Path:
    return (Path(app.srcdir) / app.config.course_lite_assignment_release).resolve()


def _contents_dir(app: Sphinx) -> Path:
    return Path(app.srcdir) / app.config.jupyterlite_content_dir


def stage_contents(app: Sphinx) -> None:
    import jupytext
    import nbformat

    contents = _contents_dir(app)
    shutil.rmtree(contents, ignore_errors=True)
    (contents / "chapters").mkdir(parents=True)
    (contents / "chapters" / "myst_nb.py").write_text(MYST_NB_STAND_IN, encoding="utf8")

    # What each page offers, read again in doctree-resolved: docname -> (lite path, missing modules).
    launches: dict[str, tuple[str, list[str]]] = {}
    assignments: dict[str, tuple[str, list[str]]] = {}

    data_dir = Path(app.srcdir) / app.config.course_lite_data_dir
    if data_dir.is_dir():
        shutil.copytree(data_dir, contents / "data")

    available = browser_modules({"myst_nb"})
    for source in sorted((Path(app.srcdir) / "chapters").glob("*.md")):
        notebook = jupytext.read(source)
        notebook.metadata["kernelspec"] = dict(PYODIDE_KERNELSPEC)
        notebook.metadata.pop("jupytext", None)
        lite_path = f"chapters/{source.stem}.ipynb"
        nbformat.write(notebook, contents / lite_path)
        missing = sorted(notebook_imports(notebook) - available)
        launches[f"chapters/{source.stem}"] = (lite_path, missing)

    release = _release_dir(app)
    released = sorted(p for p in release.iterdir() if p.is_dir()) if release.is_dir() else []
    if not released:
        logger.warning(f"course_lite: no released assignments in {release}; run `python -m autograder release` "
                       "before building the book, or no assignment can be opened in the browser")
    for folder in released:
        target = contents / "assignments" / folder.name
        shutil.copytree(folder, target, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        local_modules = {p.stem for p in target.glob("*.py")} | {p.name for p in target.iterdir() if p.is_dir()}
        available_here = browser_modules(local_modules)
        helper_imports = set()
        for script in target.rglob("*.py"):
            helper_imports |= imported_modules(script.read_text(encoding="utf8"))
        bad = sorted(helper_imports - available_here)
        if bad:
            logger.warning(f"course_lite: the released files of {folder.name} import {', '.join(bad)}, "
                           "which the browser (Pyodide) does not have: the self-check would fail there")
        notebook_path = target / f"{folder.name}.ipynb"
        if not notebook_path.is_file():
            logger.warning(f"course_lite: {folder} has no {folder.name}.ipynb")
            continue
        notebook = json.loads(notebook_path.read_text(encoding="utf8"))
        notebook.setdefault("metadata", {})["kernelspec"] = dict(PYODIDE_KERNELSPEC)
        notebook_path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf8")
        assignments[folder.name] = (f"assignments/{folder.name}/{folder.name}.ipynb",
                                    sorted(notebook_imports(notebook) - available_here))

    app.course_lite_launches = launches
    app.course_lite_assignments = assignments


def builder_inited(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    # A doit database left by an interrupted lite build makes the next one believe its
    # tasks (among them patching jupyter-lite.json) are up to date.
    for stale in (Path(app.srcdir) / ".jupyterlite.doit.db", Path.cwd() / ".jupyterlite.doit.db"):
        stale.unlink(missing_ok=True)
    # The lite build adds to what is in its output folder; start it from nothing so that
    # no extension, wheel or file of an earlier build survives (it takes seconds).
    shutil.rmtree(Path(app.outdir) / LITE_OUTPUT, ignore_errors=True)
    problems = FETCH.verify_staged()
    if problems:
        raise ExtensionError("course_lite: the Pyodide files are not staged or do not verify "
                             "(run `python scripts/fetch_pyodide.py`, which setup does):\n  " + "\n  ".join(problems))
    stage_contents(app)


def only_the_pyodide_extension(app: Sphinx, config) -> None:
    """Give the lite build the Pyodide kernel extension and nothing else from the environment.

    jupyter lite build would otherwise copy every JupyterLab extension installed in the
    venv (nbgrader's, jupytext's, notebook 7.6's...); built against a newer JupyterLab than
    jupyterlite-core 0.6 ships, they stopped the notebook page from loading at all.  The
    config file written here switches that scan off and names the one extension we want
    (its path depends on the venv, hence generated; lite/extensions/ is not an option:
    jupyterlite-core 0.6.4 never copies what is there).
    """
    extension = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / PYODIDE_EXTENSION
    if not (extension / "package.json").is_file():
        raise ExtensionError(f"course_lite: {extension} is missing (pip install jupyterlite-pyodide-kernel)")
    generated = HERE / "_generated" / "jupyter_lite_config.json"
    generated.parent.mkdir(exist_ok=True)
    generated.write_text(json.dumps({"LiteBuildConfig": {
        "ignore_sys_prefix": ["federated_extensions"],
        "federated_extensions": [str(extension)],
    }}, indent=1) + "\n", encoding="utf8")
    config.jupyterlite_config = str(generated)


def drop_external_stylesheets(app: Sphinx, config) -> None:
    """jupyterlite-sphinx registers a web font from a CDN on every page; the site is offline."""
    app.registry.css_files = [(name, attrs) for name, attrs in app.registry.css_files
                              if "//" not in str(name)]


# ---------------------------------------------------------------------------
# the boxes on the pages


def _launch_box(relative_root: str, lite_path: str, missing: list[str], what: str) -> nodes.raw:
    url = f"{relative_root}{LITE_OUTPUT}/notebooks/index.html?path={lite_path}"
    link = (f'<a class="course-lite-launch" href="{url}" target="_blank" rel="noopener">'
            f"Open {what} in JupyterLite</a>")
    keep = ("Python runs inside this page (Pyodide), with no server and no network. Your edits are saved "
            "in this browser's storage; use <em>File &rarr; Download</em> to keep the notebook or hand it in.")
    if what == "this chapter" and missing:
        html = ('<div class="admonition note course-lite course-lite-unavailable">'
                '<p class="admonition-title">Not runnable in the browser</p>'
                f"<p>This chapter's code uses {', '.join(f'<code>{m}</code>' for m in missing)}, which the "
                "in-browser Python (Pyodide) does not have, so it has no JupyterLite launch. "
                "Run it in JupyterLab instead (see the README).</p></div>")
    else:
        caveat = ""
        if missing:
            caveat = (f" The cells that use {', '.join(f'<code>{m}</code>' for m in missing)} do not run in "
                      "the browser (Pyodide does not have it); the graded functions and their self-checks do.")
        html = ('<div class="admonition tip course-lite">'
                '<p class="admonition-title">Run it in your browser</p>'
                f"<p>{link}. {keep}{caveat}</p></div>")
    return nodes.raw("", html, format="html")


def _insert_after_title(section: nodes.Element, box: nodes.Node) -> None:
    index = 1 if section.children and isinstance(section.children[0], nodes.title) else 0
    section.insert(index, box)


def doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if app.builder.format != "html":
        return
    relative_root = "../" * docname.count("/")
    launches = getattr(app, "course_lite_launches", {})
    if docname in launches:
        lite_path, missing = launches[docname]
        first = next(iter(doctree.findall(nodes.section)), None)
        if first is not None:
            _insert_after_title(first, _launch_box(relative_root, lite_path, missing, "this chapter"))
    if docname == ASSIGNMENTS_DOC:
        for name, (lite_path, missing) in getattr(app, "course_lite_assignments", {}).items():
            wanted = f"assignment-{name.replace('_', '-')}"
            section = next((s for s in doctree.findall(nodes.section) if wanted in s["ids"]), None)
            if section is None:
                logger.warning(f"course_lite: {docname} has no section labelled ({wanted})= "
                               f"for the released assignment {name}", location=docname)
                continue
            _insert_after_title(section, _launch_box(relative_root, lite_path, missing, "this assignment"))


# ---------------------------------------------------------------------------
# checking the built lite site


def lite_site_problems(outdir: Path, contents: Path | None = None) -> list[str]:
    """Everything wrong with the built lite site under `outdir` ([] when it is sound)."""
    lite = outdir / LITE_OUTPUT
    config_path = lite / "jupyter-lite.json"
    if not config_path.is_file():
        return [f"{config_path} is missing: the JupyterLite build did not run"]
    config = json.loads(config_path.read_text(encoding="utf8")).get("jupyter-config-data", {})
    kernel = config.get("litePluginSettings", {}).get("@jupyterlite/pyodide-kernel-extension:kernel", {})
    problems = []
    if kernel.get("pyodideUrl") != "./static/pyodide/pyodide.js":
        problems.append(f"pyodideUrl is {kernel.get('pyodideUrl')!r}, not the site's own ./static/pyodide/pyodide.js "
                        "(the lite build did not patch its config; a stale .jupyterlite.doit.db does that)")
    extensions = sorted(e.get("name", "?") for e in config.get("federated_extensions", []))
    if extensions != [PYODIDE_EXTENSION]:
        problems.append(f"federated extensions {extensions}, expected only {PYODIDE_EXTENSION} "
                        "(others, built for another JupyterLab, break the page)")
    if kernel.get("disablePyPIFallback") is not True:
        problems.append("disablePyPIFallback is not true: piplite would ask PyPI for anything missing")
    if "numpy" not in kernel.get("loadPyodideOptions", {}).get("packages", []):
        # Pyodide loads a package when a cell imports it, but not when a module the cell
        # imports does: `from selfcheck import check` alone would fail without this.
        problems.append("numpy is not preloaded (loadPyodideOptions.packages): the self-check cell would fail")
    piplite_urls = kernel.get("pipliteUrls") or []
    if not any(url.startswith("./") for url in piplite_urls):
        problems.append(f"pipliteUrls {piplite_urls!r} has no local wheel index")
    index = lite / "pypi" / "all.json"
    if not index.is_file() or "comm" not in json.loads(index.read_text(encoding="utf8")):
        problems.append(f"{index} does not list the comm wheel the kernel installs at start-up")
    problems += FETCH.verify_staged(lite / "static" / "pyodide")
    if contents is not None:
        for path in contents.rglob("*"):
            if path.is_file() and not (lite / "files" / path.relative_to(contents)).is_file():
                problems.append(f"{path.relative_to(contents)} is staged but not in {lite / 'files'}")
    maps = [p for p in lite.rglob("*.map")]
    if maps:
        problems.append(f"{len(maps)} source maps in the lite site (e.g. {maps[0].relative_to(outdir)})")
    for page in outdir.glob("**/*.html"):
        if LITE_OUTPUT in page.relative_to(outdir).parts[:1]:
            continue
        if "fonts.googleapis" in page.read_text(encoding="utf8", errors="replace"):
            problems.append(f"{page.relative_to(outdir)} links a web font")
            break
    return problems


def build_finished(app: Sphinx, error) -> None:
    # jupyterlite-sphinx runs the lite build in the book folder but deletes the doit
    # database from the current folder, so with `jupyter-book build book` it stays behind.
    (Path(app.srcdir) / ".jupyterlite.doit.db").unlink(missing_ok=True)
    if error is not None or app.builder.format != "html":
        return
    problems = lite_site_problems(Path(app.outdir), _contents_dir(app))
    if problems:
        raise ExtensionError("course_lite: the built JupyterLite site is broken:\n  " + "\n  ".join(problems))
    lite = Path(app.outdir) / LITE_OUTPUT
    files = [p for p in lite.rglob("*") if p.is_file()]
    logger.info(f"course_lite: lite site verified ({len(files)} files, "
                f"{sum(p.stat().st_size for p in files) / 1e6:.1f} MB)")


def setup(app: Sphinx) -> dict:
    app.setup_extension("jupyterlite_sphinx")
    app.add_config_value("course_lite_assignment_release", "../assignments/release", "env")
    app.add_config_value("course_lite_data_dir", "data", "env")
    app.connect("config-inited", drop_external_stylesheets)
    app.connect("config-inited", only_the_pyodide_extension)
    drop_external_stylesheets(app, app.config)
    app.connect("builder-inited", builder_inited)
    app.connect("doctree-resolved", doctree_resolved)
    # After jupyterlite-sphinx's own build-finished handler (priority 500) has built the lite site.
    app.connect("build-finished", build_finished, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
