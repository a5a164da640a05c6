"""Housekeeping of the workflow: the book build's kernels drop exactly one notice."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTICE = "Kernel is running over TCP without encryption"


def kernel_stderr(tmp_path, ipython_dir) -> str:
    """Start a python3 kernel (as jupyter-book does, over TCP), have it log a warning of its own, stop it;
    what it wrote to stderr."""
    from jupyter_client.manager import KernelManager

    log = tmp_path / f"kernel-{time.monotonic_ns()}.err"
    env = dict(os.environ)
    env["IPYTHONDIR"] = str(ipython_dir)
    km = KernelManager(kernel_name="python3")
    with open(log, "w") as err:
        km.start_kernel(env=env, stderr=err)
        try:
            client = km.client()
            client.start_channels()
            client.wait_for_ready(timeout=60)
            client.execute_interactive('import logging; logging.getLogger("IPKernelApp").warning("another notice")',
                                       timeout=60)
            client.stop_channels()
        finally:
            km.shutdown_kernel(now=True)
    return log.read_text()


def test_book_kernels_drop_the_unencrypted_tcp_notice_and_nothing_else(tmp_path):
    profile = tmp_path / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    shutil.copy(ROOT / "book" / "tools" / "ipython_kernel_config.py", profile)
    filtered = kernel_stderr(tmp_path, tmp_path / "ipython")
    assert NOTICE not in filtered and "another notice" in filtered
    # Without the configuration the notice is there: the check above can fail.
    plain = kernel_stderr(tmp_path, tmp_path / "empty")
    assert NOTICE in plain and "another notice" in plain
    assert "ipython_kernel_config.py" in (ROOT / "Makefile").read_text()
