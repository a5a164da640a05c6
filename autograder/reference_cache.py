"""The reference's work on an assignment, kept on disk between grader runs.

Before the first submission of an assignment, the grader times the reference
on every case (``grading.reference_timings``: the budgets) and, while judging,
computes each case's *entry* (the reference's outputs, or the statistics and
their bounds) and, for a failing test, the catalogued wrong variants' outputs
on it (to name the mistake). All of it depends only on the grader's own code,
the cases' inputs, NumPy and the machine, so a second ``grade`` run need not
redo it: ``prepare`` loads it from ``<cache folder>/references/``, or computes
all of it (variants included, once) and stores it.

The file's name holds a key: a SHA-256 of this format's version, the Python,
NumPy and grader versions, the machine (its name and CPU: timings are
per-machine), every source file under ``SOURCE_FOLDERS`` (the references, the
checks, the mistakes, and the probes and comparison the references run
through), and every case's name, function, probe and inputs. A change to any
of them is another key, so the stale file is never read (and is removed when
a new one is written, once it has not been written for a day).

The file is untrusted on reading (it lives in a folder others may write to, and
disks fail): its size is checked before it is read, its SHA-256 must match the
one it starts with, it is decoded by the sandbox's wire format (plain arrays,
numbers and strings; no pickle) under that format's limits, and its contents
must have the exact shape this module writes, for the same cases. Anything
else, and the work is computed again and the file rewritten. The digest finds
corruption, not forgery: whoever can write the cache folder can write anything
the grader runs, so it must be the grader's own (``AUTOGRADER_CACHE_DIR``,
default ``$XDG_CACHE_HOME/autograder`` or ``~/.cache/autograder``; ``off``
disables the cache).
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np

import autograder
from autograder import checks
from autograder.sandbox.inside import wire

FORMAT = b"autograder-reference-cache 1\n"
MAX_FILE_BYTES = 256 << 20   # far above any assignment's (a few MB): a larger file is not one of ours
STALE_AFTER_S = 24 * 3600    # another key's file is removed once it has not been written for this long
PACKAGE = Path(autograder.__file__).resolve().parent
# The code whose output is cached: changing any file under these changes the key.
SOURCE_FOLDERS = ("references", "checks", "mistakes", "sandbox/inside")

Timings = list[tuple[list[float], int]]   # per case: the reference's seconds on it, and the numbers it moves


def cache_folder() -> Path | None:
    """Where reference files live, or None when the cache is turned off."""
    chosen = os.environ.get("AUTOGRADER_CACHE_DIR", "").strip()
    if chosen.lower() in ("off", "0", "none", "no"):
        return None
    if chosen:
        return Path(chosen) / "references"
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "autograder" / "references"


def prepare(assignment: str, time_reference: Callable[[str], Timings]) -> Timings:
    """The reference's timings on each case of ``checks.suite(assignment)``; and every
    case's entry and variants in its ``memo``, where the judges look first.

    ``time_reference(assignment)`` measures the timings when they are not on disk."""
    return prepare_cases(assignment, checks.suite(assignment), time_reference)


def prepare_cases(assignment: str, cases, time_reference: Callable[[str], Timings]) -> Timings:
    """``prepare`` for these ``cases`` of ``assignment`` (``time_reference`` times the same cases)."""
    folder = cache_folder()
    if folder is None:
        return time_reference(assignment)
    key = cache_key(assignment, cases)
    path = folder / f"{assignment}-{key[:32]}.bin"
    stored = load(path, key, cases)
    if stored is not None:
        for case, (entry, variants, _) in zip(cases, stored, strict=True):
            case.memo.setdefault("entry", entry)
            case.memo.setdefault("variants", variants)
        return [timing for _, _, timing in stored]
    timings = time_reference(assignment)
    try:
        records = [(case.judge.entry(case), case.judge.variants(case), timing)
                   for case, timing in zip(cases, timings, strict=True)]
    except Exception:  # noqa: BLE001 - a case the judges cannot describe: nothing is stored, judging says why
        return timings
    store(path, key, cases, records)
    return timings


# ------------------------------------------------------------------------ the key --

def _source_digest() -> bytes:
    digest = hashlib.sha256()
    for folder in SOURCE_FOLDERS:
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.digest()


def _machine() -> str:
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            model = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "")
    except OSError:
        pass
    return f"{platform.node()}|{platform.machine()}|{model}|{os.cpu_count()}"


def cache_key(assignment: str, cases) -> str:
    """The hex SHA-256 that names ``assignment``'s reference file (see the module's docstring)."""
    digest = hashlib.sha256(FORMAT)
    for part in (sys.version, np.__version__, autograder.__version__, _machine(), assignment):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(_source_digest())
    for case in cases:
        arrays: list = []
        tree = wire.encode_value({"name": case.name, "function": case.function, "probe": case.probe,
                                  "inputs": case.inputs}, arrays)
        digest.update(wire.pack({"case": tree}, arrays))
    return digest.hexdigest()


# ------------------------------------------------------------------ writing, reading --

def _records_value(key: str, cases, records) -> dict:
    return {"key": key, "cases": [
        {"name": case.name, "entry": entry, "variants": variants, "timings": list(samples), "items": items}
        for case, (entry, variants, (samples, items)) in zip(cases, records, strict=True)]}


def store(path: Path, key: str, cases, records) -> bool:
    """Write ``records`` (per case: entry, variants, (timings, items)) to ``path``, atomically;
    False when they cannot be stored faithfully or the folder cannot be written."""
    value = _records_value(key, cases, records)
    arrays: list = []
    body = wire.pack({"cache": wire.encode_value(value, arrays)}, arrays)
    # Only what reads back identically is worth storing (the wire format cuts what it cannot carry).
    if not same(_decode(body, key), value):
        return False
    data = FORMAT + hashlib.sha256(body).hexdigest().encode() + b"\n" + body
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        now = time.time()
        for stale in path.parent.glob(f"{path.name.rsplit('-', 1)[0]}-*.bin"):
            # Another version's file, unless another grader version still uses it (two
            # checkouts graded side by side would otherwise delete each other's every run).
            try:
                if stale != path and now - stale.stat().st_mtime > STALE_AFTER_S:
                    stale.unlink()
            except OSError:
                pass   # removed by another grader meanwhile
    except OSError:
        return False
    return True


def load(path: Path, key: str, cases) -> list | None:
    """Per case (entry, variants, (timings, items)) from ``path`` when it is a valid file
    for ``key`` and these ``cases``; None otherwise (missing, too large, corrupted, other)."""
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > MAX_FILE_BYTES:
                return None
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError:
        return None
    head = len(FORMAT) + 65
    if len(data) > MAX_FILE_BYTES or not data.startswith(FORMAT) or data[head - 1:head] != b"\n":
        return None
    body = data[head:]
    if hashlib.sha256(body).hexdigest().encode() != data[len(FORMAT):head - 1]:
        return None
    value = _decode(body, key)
    return None if value is None else _checked(value, cases)


def _decode(body: bytes, key: str):
    stream = io.BytesIO(body)

    def read_exact(n):
        chunk = stream.read(n)
        if len(chunk) != n:
            raise EOFError
        return chunk

    try:
        header, arrays = wire.read_message(read_exact, max_header_bytes=MAX_FILE_BYTES, max_array_bytes=MAX_FILE_BYTES)
        if stream.read(1):
            return None   # bytes after the message: not a file this module wrote
        value = plain(wire.decode_value(header.get("cache"), arrays))
    except (wire.WireError, EOFError, ValueError, TypeError, RecursionError):
        return None
    return value if isinstance(value, dict) and value.get("key") == key else None


def plain(received):
    """A decoded wire value without its ``Received`` wrappers; ValueError for a type
    the cache never writes (tuples, opaque values)."""
    if received.kind == "opaque" or received.kind == "tuple":
        raise ValueError(f"unexpected {received.kind} in a reference file")
    value = received.value
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _checked(value: dict, cases) -> list | None:
    """The records in ``value`` if they have exactly the shape ``store`` writes, for these cases."""
    stored = value.get("cases")
    if not isinstance(stored, list) or len(stored) != len(cases):
        return None
    records = []
    for case, record in zip(cases, stored, strict=True):
        if not (isinstance(record, dict) and set(record) == {"name", "entry", "variants", "timings", "items"}
                and record["name"] == case.name and isinstance(record["entry"], dict)
                and isinstance(record["variants"], list) and all(isinstance(v, dict) for v in record["variants"])
                and isinstance(record["timings"], list)
                and all(isinstance(t, float) and math.isfinite(t) and t >= 0 for t in record["timings"])
                and isinstance(record["items"], int) and not isinstance(record["items"], bool)
                and record["items"] >= 0):
            return None
        records.append((record["entry"], record["variants"], (record["timings"], record["items"])))
    return records


def same(a, b) -> bool:
    """Whether two plain values are equal in type and content (arrays: dtype, shape and
    every element, NaN equal to NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b
