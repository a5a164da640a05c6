"""The one bounded reader of student files (``submission.read_bounded``), used by the grader, the
cache, the Dask path, the intake and the gradebook import. Hypothesis builds folders of regular
files around the size limit, FIFOs, folders and symbolic links (inside, outside, chained, looping,
dangling) and asks for each name, with links followed inside the folder or not at all: the reader
returns exactly the file's bytes when an independent oracle says it may, and otherwise raises
SubmissionError naming the file, never another exception and never blocking."""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder import submission

LIMIT = 64
NAMES = ("a", "b", "c", "d")
KINDS = st.one_of(
    st.tuples(st.just("file"), st.integers(0, 2 * LIMIT)),
    st.tuples(st.just("fifo"), st.none()),
    st.tuples(st.just("folder"), st.none()),
    st.tuples(st.just("link"), st.sampled_from(NAMES)),                # to a sibling (maybe itself: a loop)
    st.tuples(st.just("link_outside"), st.integers(0, LIMIT)),         # to a regular file next to the folder
    st.tuples(st.just("link_dangling"), st.none()),
    st.tuples(st.just("link_through_parent"), st.sampled_from(NAMES)),  # ../sub/<name>: inside after all
)


def _build(root: Path, layout: dict) -> Path:
    folder = root / "sub"
    folder.mkdir()
    for name, (kind, arg) in layout.items():
        path = folder / name
        if kind == "file":
            path.write_bytes(bytes((7 * i + ord(name)) % 256 for i in range(arg)))
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "folder":
            path.mkdir()
        elif kind == "link":
            path.symlink_to(arg)
        elif kind == "link_outside":
            secret = root / f"secret_{name}"
            secret.write_bytes(b"s" * arg)
            path.symlink_to(secret)
        elif kind == "link_dangling":
            path.symlink_to(root / "nowhere")
        elif kind == "link_through_parent":
            path.symlink_to(Path("..") / "sub" / arg)
    return folder


def _oracle(path: Path, folder: Path, follow: bool) -> bytes | None:
    """What may be read: the bytes, or None when the reader must refuse."""
    try:
        if stat.S_ISLNK(os.lstat(path).st_mode) and not follow:
            return None
        real = os.path.realpath(path)
        if os.path.commonpath([real, os.path.realpath(folder)]) != os.path.realpath(folder):
            return None
        info = os.stat(real)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > LIMIT:
        return None
    with open(real, "rb") as handle:
        return handle.read()


def _check(layout: dict, asked: str, follow: bool):
    with tempfile.TemporaryDirectory() as tmp:
        folder = _build(Path(tmp), layout)
        path = folder / asked
        expected = _oracle(path, folder, follow)
        try:
            got = submission.read_bounded(path, LIMIT, links_within=folder if follow else None)
        except submission.SubmissionError as exc:
            assert expected is None, f"refused a readable file: {exc}"
            assert repr(asked) in str(exc)
            return
        assert got == expected


@settings(derandomize=True, max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(layout=st.dictionaries(st.sampled_from(NAMES), KINDS, max_size=4), asked=st.sampled_from(NAMES),
       follow=st.booleans())
def test_reads_exactly_what_may_be_read(layout, asked, follow):
    _check(layout, asked, follow)


@pytest.mark.slow
@settings(derandomize=True, max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(layout=st.dictionaries(st.sampled_from(NAMES), KINDS, max_size=4), asked=st.sampled_from(NAMES),
       follow=st.booleans())
def test_reads_exactly_what_may_be_read_long(layout, asked, follow):
    _check(layout, asked, follow)


def test_the_messages(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "big.py").write_bytes(b"x" * (LIMIT + 1))
    (folder / "ok.py").write_bytes(b"x = 1\n")
    (folder / "link.py").symlink_to("ok.py")
    (tmp_path / "secret.py").write_bytes(b"s")
    (folder / "out.py").symlink_to(tmp_path / "secret.py")
    os.mkfifo(folder / "pipe.py")
    cases = {
        ("big.py", None): "'big.py' is 65 bytes (0.0 MiB); submissions are limited to 64 bytes (0.0 MiB)",
        ("link.py", None): "'link.py' is a symbolic link; it was not followed",
        ("out.py", folder): "'out.py' is a symbolic link to a file outside the submission's folder; submit the file "
                            "itself",
        ("pipe.py", folder): "'pipe.py' is not a regular file",
        ("missing.py", None): "cannot read 'missing.py': No such file or directory",
    }
    for (name, within), message in cases.items():
        with pytest.raises(submission.SubmissionError) as caught:
            submission.read_bounded(folder / name, LIMIT, links_within=within)
        assert str(caught.value) == message
    assert submission.read_bounded(folder / "link.py", LIMIT, links_within=folder) == b"x = 1\n"
    assert submission.read_bounded(folder / "ok.py", LIMIT) == b"x = 1\n"


def test_only_one_bounded_reader_exists():
    """The intake, the gradebook import, the cache and the Dask path all call submission.read_bounded."""
    import autograder

    package = Path(autograder.__file__).parent
    defining = [p.relative_to(package).as_posix() for p in package.rglob("*.py")
                if "def read_bounded(" in p.read_text(encoding="utf-8")]
    assert defining == ["submission.py"]
