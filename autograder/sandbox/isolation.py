"""How the child is started: the command line and environment for each isolation level."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

PACKAGE_PARENT = Path(__file__).resolve().parents[2]


@dataclasses.dataclass
class Isolation:
    level: str  # "full" or "reduced"

    def command(self, scratch: str, limits) -> tuple[list[str], dict]:
        env = child_environment(scratch)
        return [sys.executable, "-I", "-S", "-c", CHILD_BOOTSTRAP], env


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
        "AUTOGRADER_PATHS": os.pathsep.join(_child_sys_path()),
    }


def _child_sys_path() -> list[str]:
    import site
    import sysconfig

    paths = [str(PACKAGE_PARENT)]
    paths += [p for p in (sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]) if p]
    return list(dict.fromkeys(paths))


# -I ignores PYTHON* variables and the user site; the paths the child may import
# from are passed explicitly instead.
CHILD_BOOTSTRAP = (
    "import os, sys; sys.path[:0] = os.environ['AUTOGRADER_PATHS'].split(os.pathsep); "
    "from autograder.sandbox.child import main; main()"
)


def detect_isolation() -> Isolation:
    return Isolation("reduced")
