"""Helpers for the sandbox tests: building hostile submissions from the corpus,
grading them, a loopback server that records every connection, and finding
leftover processes.

Set SANDBOX_TESTS_STRICT=1 to fail, rather than skip, where bubblewrap is not
installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

import autograder
from autograder import cli, grading
from autograder.sandbox.supervisor import isolation, launcher

HOSTILE = Path(__file__).resolve().parent / "hostile"
REPO = Path(autograder.__file__).resolve().parents[1]
REFERENCES = REPO / "autograder" / "references"


def base_of(source: str) -> str:
    first = source.splitlines()[0] if source else ""
    if not first.startswith("# base:"):
        raise ValueError("a hostile .py file starts with '# base: <assignment>' or '# base: none'")
    return first.split(":", 1)[1].strip()


def build(name: str, dest: Path, placeholders: dict[str, str]) -> tuple[str, Path]:
    """Write the graded form of hostile file ``name`` into ``dest``; return (assignment, path).

    A ``# base: X`` file is graded as the reference solution of X followed by
    the file, so only the functions it redefines are attacked.
    """
    src = HOSTILE / name
    dest.mkdir(parents=True, exist_ok=True)
    if src.suffix == ".ipynb":
        target = dest / src.name
        target.write_bytes(src.read_bytes())
        return "optimizers", target
    text = src.read_text()
    for key, value in placeholders.items():
        text = text.replace(f"@@{key}@@", value)
    base = base_of(text)
    assignment = base if base != "none" else "optimizers"
    if base != "none":
        text = (REFERENCES / f"{base}.py").read_text() + "\n\n# ---------------- hostile part ----------------\n" + text
    target = dest / src.name
    target.write_text(text)
    return assignment, target


def points_kept(assignment: str, lost=()) -> float:
    """The score when every function in ``lost`` (or every function, for "all") gets nothing,
    nor does any function whose reference calls one of them: a hostile file is the reference
    with some functions replaced, so the reference's ``adamw``, which calls ``adam``, breaks with it."""
    from autograder import checks

    if lost != "all":
        lost = set(lost) | calling(assignment, lost)
    return round(sum(c.points for c in checks.suite(assignment) if lost != "all" and c.function not in lost), 6)


def with_callers(assignment: str, lost):
    """``lost`` (function -> allowed statuses, or "all") with each graded function whose
    reference calls a lost one added: it breaks with it, in whatever way (it is not the attack's)."""
    if lost == "all":
        return lost
    return {**{f: {"failed", "error", "timeout"} for f in calling(assignment, lost)}, **lost}


def calling(assignment: str, functions) -> set[str]:
    """The graded functions whose reference implementation calls any of ``functions``, directly or not."""
    import importlib

    from autograder import checks

    module = importlib.import_module(f"autograder.references.{assignment}")
    graded = checks.functions(assignment)
    calls = {f: set(getattr(module, f).__code__.co_names) & set(graded) for f in graded}
    found, grew = set(functions), True
    while grew:
        grew = False
        for f, names in calls.items():
            if f not in found and names & found:
                found.add(f)
                grew = True
    return found - set(functions)


def marker() -> str:
    return f"hostile-{uuid.uuid4().hex}"


def processes_with(text: str) -> list[int]:
    """Live (not zombie) processes whose command line contains ``text``."""
    needle = text.encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                if needle not in handle.read():
                    continue
            with open(f"/proc/{entry}/stat") as handle:
                state = handle.read().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):
            found.append(int(entry))
    return found


class LoopbackServer:
    """TCP and UDP on one loopback port; records whatever reaches it."""

    def __init__(self):
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(16)
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.tcp.settimeout(0.2)
        self.udp.settimeout(0.2)
        self.received: list[tuple[str, bytes]] = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._tcp_loop, daemon=True),
                        threading.Thread(target=self._udp_loop, daemon=True)]
        for t in self.threads:
            t.start()

    def _tcp_loop(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1.0)
                try:
                    self.received.append(("tcp", conn.recv(1024)))
                except OSError:
                    self.received.append(("tcp", b""))

    def _udp_loop(self):
        while not self.stopping.is_set():
            try:
                data, peer = self.udp.recvfrom(1024)
            except OSError:
                continue
            self.received.append(("udp", data))
            self.udp.sendto(b"answer", peer)

    def close(self):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=2)
        self.tcp.close()
        self.udp.close()


STRICT = os.environ.get("SANDBOX_TESTS_STRICT", "") not in ("", "0")
FAST_TIMEOUT = 2.0


def full_isolation() -> isolation.Isolation:
    if not sys.platform.startswith("linux"):
        pytest.skip("the sandbox is Linux only")
    if shutil.which("bwrap") is None:
        if STRICT:
            pytest.fail("bwrap is not installed (SANDBOX_TESTS_STRICT is set)")
        pytest.skip("bwrap is not installed")
    iso = isolation.detect_isolation("auto")
    # bwrap is installed, so it must work: a silent fall-back would hide a broken sandbox.
    assert iso.level == "full", f"bwrap is installed but the sandbox does not start: {iso.reason}"
    return iso


class GradedCorpus:
    """The result of grading some hostile files, and what was observed around it."""

    def __init__(self, root: Path, names: list[str], iso: isolation.Isolation, timeout: float = FAST_TIMEOUT,
                 memory_mb: int = 2048):
        self.root = root
        self.subs, self.out, self.hosttmp = root / "submissions", root / "out", root / "hosttmp"
        self.hosttmp.mkdir(parents=True)
        self.marker = marker()
        self.server = LoopbackServer()
        self.started = time.time()
        self.placeholders = {"MARKER": self.marker, "REPO": str(REPO), "OUT": str(self.out / "optimizers"),
                             "HOSTTMP": str(self.hosttmp), "PORT": str(self.server.port),
                             "SUBMISSIONS": str(self.subs)}
        by_assignment: dict[str, list[Path]] = {}
        self.paths: dict[str, Path] = {}
        for name in names:
            assignment, path = build(name, self.subs, self.placeholders)
            by_assignment.setdefault(assignment, []).append(path)
            self.paths[Path(name).stem] = path
        self.leftovers_before = list(launcher.LEFTOVERS)
        options = grading.Options(timeout=timeout, memory_mb=memory_mb, isolation=iso)
        self.results: dict[str, dict] = {}
        try:
            for assignment, paths in by_assignment.items():
                for result in cli.grade_batch(assignment, paths, self.out / assignment, options, workers=2,
                                              quiet=True, force=True):
                    self.results[result["student"]] = result
        finally:
            # Observed the moment grading returns: nothing may still be running.
            self.survivors = processes_with(self.marker)
            self.server.close()
        self.new_leftovers = launcher.LEFTOVERS[len(self.leftovers_before):]
        if self.survivors:   # do not leave them running on the machine either
            for pid in self.survivors:
                try:
                    os.kill(pid, 9)
                except OSError:
                    pass

    def result(self, name: str) -> dict:
        return self.results[name]

    def by_function(self, name: str) -> dict[str, list[dict]]:
        grouped: dict[str, list[dict]] = {}
        for test in self.results[name]["tests"]:
            grouped.setdefault(test["function"], []).append(test)
        return grouped
