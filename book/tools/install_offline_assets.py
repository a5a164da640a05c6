#!/usr/bin/env python3
"""Copy the assets the book needs at view time into the book folder, so the
built site works with no network at all.

Today that is MathJax 3: the ``es5`` build shipped by the ``django-static-mathjax``
wheel (a pinned requirement) is copied to ``BOOK_DIR/_offline_static/mathjax/``.
``_config.yml`` lists ``_offline_static`` in ``html_static_path`` and points
``mathjax_path`` at ``mathjax/tex-mml-chtml.js``, so Sphinx copies the tree to
``_build/html/_static/mathjax/`` and every page loads MathJax (and its fonts,
which MathJax resolves relative to its own script) from the site itself.

Usage: python install_offline_assets.py [BOOK_DIR]   (default: the book folder
containing this script's ``tools/`` folder). Idempotent: files that are already
present with the same size and modification time are left alone, so a second
run costs a directory walk (a few milliseconds).
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
from pathlib import Path

#: Files of the MathJax distribution we deliberately do not ship.
#: ``latest.js`` exists only to fetch "the newest MathJax" from public CDNs.
SKIP_FILES = {"latest.js"}
ENTRY_POINT = "tex-mml-chtml.js"


def mathjax_source() -> Path:
    """The ``es5`` folder of the installed django-static-mathjax package."""
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        sys.exit(
            "install_offline_assets: the 'mathjax' package is missing; "
            "install django-static-mathjax (it is in requirements.txt)"
        )
    for location in spec.submodule_search_locations:
        es5 = Path(location) / "static" / "mathjax" / "es5"
        if (es5 / ENTRY_POINT).is_file():
            return es5
    sys.exit(f"install_offline_assets: no static/mathjax/es5/{ENTRY_POINT} inside {spec.submodule_search_locations}")


def sync_tree(src: Path, dst: Path) -> tuple[int, int, int]:
    """Make ``dst`` an exact copy of ``src`` (minus SKIP_FILES).

    Returns (copied, unchanged, removed) file counts.
    """
    copied = unchanged = removed = 0
    wanted: set[Path] = set()
    for root, _dirs, files in os.walk(src):
        rel_root = Path(root).relative_to(src)
        for name in files:
            if name in SKIP_FILES and rel_root == Path("."):
                continue
            rel = rel_root / name
            wanted.add(rel)
            s, d = src / rel, dst / rel
            st = s.stat()
            try:
                dt = d.stat()
                if dt.st_size == st.st_size and int(dt.st_mtime) == int(st.st_mtime):
                    unchanged += 1
                    continue
            except FileNotFoundError:
                pass
            d.parent.mkdir(parents=True, exist_ok=True)
            tmp = d.with_name(d.name + ".tmp")
            shutil.copy2(s, tmp)  # copy2 keeps the mtime, which the next run compares
            os.replace(tmp, d)
            copied += 1
    # Remove files a previous (other-version) install left behind.
    if dst.exists():
        for root, dirs, files in os.walk(dst, topdown=False):
            for name in files:
                rel = Path(root).relative_to(dst) / name
                if rel not in wanted:
                    (Path(root) / name).unlink()
                    removed += 1
            for name in dirs:
                p = Path(root) / name
                if not any(p.iterdir()):
                    p.rmdir()
    return copied, unchanged, removed


def main(argv: list[str] | None = None) -> int:
    default_book = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("book_dir", nargs="?", type=Path, default=default_book,
                        help=f"the Jupyter Book folder (default: {default_book})")
    args = parser.parse_args(argv)
    book = args.book_dir.resolve()
    if not (book / "_config.yml").is_file():
        sys.exit(f"install_offline_assets: {book} has no _config.yml; is it a book folder?")
    src = mathjax_source()
    dst = book / "_offline_static" / "mathjax"
    copied, unchanged, removed = sync_tree(src, dst)
    print(f"install_offline_assets: MathJax in {dst}: "
          f"{copied} copied, {unchanged} up to date, {removed} removed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
