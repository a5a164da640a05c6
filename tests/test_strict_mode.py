"""In strict mode (CI, ``make test``) a skip fails the run; elsewhere it stays a skip."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SKIPPING_TEST = '''
import pytest

def test_needs_a_missing_component():
    pytest.skip("bubblewrap is not installed")
'''


def _run(tmp_path: Path, **env) -> subprocess.CompletedProcess:
    (tmp_path / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text())
    (tmp_path / "test_component.py").write_text(SKIPPING_TEST)
    environment = {k: v for k, v in os.environ.items() if k not in ("CI", "TESTS_STRICT")}
    environment.update(env)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                          cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120)


def test_a_skip_fails_in_strict_mode(tmp_path):
    done = _run(tmp_path, TESTS_STRICT="1")
    assert done.returncode == 1, done.stdout
    assert "1 failed" in done.stdout and "bubblewrap is not installed" in done.stdout


def test_ci_turns_strict_mode_on(tmp_path):
    assert _run(tmp_path, CI="true").returncode == 1


def test_a_skip_is_a_skip_outside_strict_mode(tmp_path):
    done = _run(tmp_path)
    assert done.returncode == 0 and "1 skipped" in done.stdout
