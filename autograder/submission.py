"""Finding a submission on disk and reading its bytes, safely.

Everything here touches files a student chose, so every step is checked before
it is done: the file's size is looked up (``stat``) before a byte is read, only
regular files are read, and a symbolic link is followed only when it stays in
the submission's own folder (a link to the reference solution or to another
student's file is refused). Turning the bytes into code (JSON, IPython syntax)
is not done here but inside the sandbox (``autograder.sandbox.inside.sources``).
"""

from __future__ import annotations

import dataclasses
import errno
import os
import stat
from pathlib import Path

from autograder.sandbox.inside.sources import (  # noqa: F401  (re-exported for the release's leak scan)
    SourceError, notebook_cells, python_from_ipython)

MAX_SUBMISSION_BYTES = 20 * 1024 * 1024


class SubmissionError(Exception):
    """The submission cannot be read at all (missing, unreadable, not a notebook, ...)."""


@dataclasses.dataclass
class Submission:
    path: Path                # the file that was graded
    student: str              # the student's id (folder name in nbgrader's layout, else the file stem)
    name: str                 # stem of the result file
    kind: str                 # "notebook" or "python"
    data: bytes               # the file's bytes, at most MAX_SUBMISSION_BYTES
    module_name: str          # __name__ the code runs under

    @property
    def filename(self) -> str:
        return self.path.name


def _absolute(path: Path) -> Path:
    """``path`` made absolute without following symbolic links (``..`` is resolved lexically)."""
    return Path(os.path.abspath(os.fsdecode(path)))


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def _checked_file(file: Path, folder: Path) -> Path:
    """``file`` if it is a regular file whose real location is inside ``folder``; else SubmissionError."""
    try:
        info = os.lstat(file)
    except OSError as exc:
        raise SubmissionError(f"cannot read {file.name!r}: {exc.strerror}") from None
    if stat.S_ISLNK(info.st_mode):
        real = Path(os.path.realpath(file))
        if not _inside(real, Path(os.path.realpath(folder))):
            raise SubmissionError(f"{file.name!r} is a symbolic link to a file outside the submission's folder; "
                                  f"submit the file itself")
        try:
            info = os.stat(real)
        except OSError as exc:
            raise SubmissionError(f"{file.name!r} is a broken symbolic link ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise SubmissionError(f"{file.name!r} is not a regular file")
    return file


def locate(path: Path, assignment: str) -> Path:
    """The file to grade: ``path`` itself, or the one notebook / .py file in a folder.

    The file must be a regular file; a symbolic link must stay inside the
    submission's folder (``path`` itself for a folder, else the file's folder).
    """
    path = _absolute(Path(path))
    if not os.path.isdir(path):   # unlike Path.is_dir, never raises (a name too long, a folder we cannot enter)
        if not os.path.lexists(path):
            raise SubmissionError(f"{path} does not exist")
        return _checked_file(path, path.parent)
    for preferred in (f"{assignment}.ipynb", f"{assignment}.py"):
        if os.path.lexists(path / preferred):
            return _checked_file(path / preferred, path)
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError as exc:
        raise SubmissionError(f"cannot list {path}: {exc.strerror}") from None
    candidates = [path / e.name for e in entries
                  if e.name.endswith((".ipynb", ".py")) and not e.name.startswith(".")]
    notebooks = [p for p in candidates if p.suffix == ".ipynb"]
    chosen = notebooks or candidates
    if len(chosen) == 1:
        return _checked_file(chosen[0], path)
    if not chosen:
        raise SubmissionError(f"no .ipynb or .py file in {path}")
    names = ", ".join(repr(p.name) for p in chosen[:10]) + (", ..." if len(chosen) > 10 else "")
    raise SubmissionError(f"{path} holds several candidate files ({names}); name one {assignment}.ipynb")


def student_of(path: Path, assignment: str) -> str:
    """nbgrader's ``submitted/<student>/<assignment>/file`` gives the student; else the file stem.

    The path is read as given (symbolic links are not followed): a link to
    another student's file must not turn one student into the other.
    """
    parts = _absolute(Path(path)).parts
    for i in range(len(parts) - 2):
        if parts[i] in ("submitted", "autograded") and i + 2 < len(parts) and parts[i + 2] == assignment:
            return parts[i + 1]
    return Path(path).stem


def _size(n: int) -> str:
    return f"{n} bytes ({n / 2**20:.1f} MiB)"


def _opened_inside(fd: int, folder: Path) -> bool:
    """Is the file open on ``fd`` inside ``folder``? Asked of the descriptor itself (Linux's
    /proc/self/fd), so a path swapped between the check and the open cannot lead out; where the
    system cannot say, the resolved path checked before the open stands."""
    try:
        opened = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return True
    return _inside(Path(opened), Path(os.path.realpath(folder)))


def read_bounded(file: Path, limit: int = MAX_SUBMISSION_BYTES, *, links_within: Path | None = None) -> bytes:
    """The bytes of the regular file ``file``, never more than ``limit`` of them.

    The one reader of files a student chose (the grader's and the intake's). Before a byte is
    read, on the open descriptor (so a file swapped after it was chosen cannot make us read a
    device, a pipe or a huge file): it must be a regular file of at most ``limit`` bytes by
    ``fstat``; bytes beyond ``limit`` that appear while reading are refused too.
    Symbolic links: with ``links_within=None`` none is followed (``O_NOFOLLOW``); with a folder,
    a link is followed only to a file whose real location is inside that folder, checked on the
    resolved path before the open and on the opened descriptor after it.
    Raises SubmissionError saying why.
    """
    file = Path(file)
    name = repr(file.name)
    outside = SubmissionError(f"{name} is a symbolic link to a file outside the submission's folder; "
                              f"submit the file itself")
    target = file
    if links_within is not None:
        target = Path(os.path.realpath(file))
        if not _inside(target, Path(os.path.realpath(links_within))):
            raise outside
    flags = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
             | getattr(os, "O_NOCTTY", 0))
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SubmissionError(f"{name} is a symbolic link; it was not followed") from None
        raise SubmissionError(f"cannot read {name}: {exc.strerror}") from None
    try:
        if links_within is not None and not _opened_inside(fd, links_within):
            raise outside
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SubmissionError(f"{name} is not a regular file")
        if info.st_size > limit:
            raise SubmissionError(f"{name} is {_size(info.st_size)}; submissions are limited to {_size(limit)}")
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise SubmissionError(f"{name} grew beyond {_size(limit)} while it was read")
        return b"".join(chunks)
    except OSError as exc:
        raise SubmissionError(f"cannot read {name}: {exc.strerror}") from None
    finally:
        os.close(fd)


def load(path: Path, assignment: str) -> Submission:
    file = locate(Path(path), assignment)
    student = student_of(file, assignment)
    data = read_bounded(file, links_within=file.parent)   # locate's folder: the file's own
    if file.suffix == ".ipynb":
        return Submission(file, student, student, "notebook", data, "__main__")
    return Submission(file, student, student, "python", data, "submission")
