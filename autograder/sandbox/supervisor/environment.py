"""What the sandboxed child is started with: its interpreter, the folders it may
import from, its environment variables and, when the grader runs as root, the
user id it becomes before any of its own code runs."""

from __future__ import annotations

import itertools
import os
import sys
import sysconfig
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[2]      # .../autograder
PACKAGE_PARENT = PACKAGE_DIR.parent                       # what must be on sys.path to import it
SANDBOX_DIR = PACKAGE_DIR / "sandbox"                     # only its __init__.py and inside/ are shown to the child


def child_environment(scratch: str) -> dict:
    """A minimal environment: no inherited secrets, single-threaded BLAS, headless matplotlib."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": scratch,
        "TMPDIR": scratch,
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": scratch,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "LANG": "C.UTF-8",
        "AUTOGRADER_PATHS": os.pathsep.join(child_sys_path()),
    }


def site_dirs() -> list[str]:
    paths = sysconfig.get_paths()
    return list(dict.fromkeys(p for p in (paths.get("purelib"), paths.get("platlib")) if p and os.path.isdir(p)))


def child_sys_path() -> list[str]:
    return list(dict.fromkeys([str(PACKAGE_PARENT)] + site_dirs()))


def interpreter() -> str:
    # The venv's python is a symlink; inside the sandbox only the real file exists.
    return os.path.realpath(sys.executable)


# When the grader runs as root, the sandboxed child starts as root without
# capabilities other than changing user, and becomes a user of its own before
# anything else happens: so RLIMIT_NPROC, which Linux ignores for root, holds,
# and the child can neither signal the grader's processes nor leave its cgroup.
DROP_PRIVILEGES = (
    "import os\n"
    "uid = int(os.environ.get('AUTOGRADER_UID') or 0)\n"
    "if uid:\n"
    "    os.setgroups([]); os.setresgid(uid, uid, uid); os.setresuid(uid, uid, uid)\n"
)

# -I ignores PYTHON* variables and the user site; -S skips site-packages' .pth
# files (an editable install's finder would point back at the whole source tree).
# The paths the child may import from are passed explicitly instead.
CHILD_BOOTSTRAP = DROP_PRIVILEGES + (
    "import sys; sys.path[:0] = os.environ['AUTOGRADER_PATHS'].split(os.pathsep)\n"
    "from autograder.sandbox.inside.child import main; main()\n"
)

_uids = itertools.count()


def sandbox_uid() -> int:
    """An unprivileged user id of its own for each concurrent sandbox (root only)."""
    return 2_000_000_000 + (os.getpid() % 100_000) * 1000 + next(_uids) % 1000
