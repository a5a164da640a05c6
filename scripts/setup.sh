#!/usr/bin/env bash
# One-time set-up of everything the course needs: system packages for the
# sandbox (bubblewrap) and the browser tests (chromium), then a virtualenv with
# the pinned Python packages and the autograder itself installed editable.
set -euo pipefail
VENV="${1:-.venv}"

need_apt=()
command -v bwrap >/dev/null 2>&1 || need_apt+=(bubblewrap)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
# The sandbox's seccomp filter is compiled with libseccomp (through pyseccomp).
ldconfig -p 2>/dev/null | grep -q 'libseccomp\.so\.2' || need_apt+=(libseccomp2)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)  # npm pack fetches the Pyodide runtime
if ((${#need_apt[@]})); then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo -n"
    echo "setup: installing system packages: ${need_apt[*]}"
    if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null; }; then
      echo "setup: WARNING could not install ${need_apt[*]}; the grader falls back to reduced isolation; 'make test' (strict mode) will fail" >&2
    fi
  else
    echo "setup: WARNING no apt-get; install ${need_apt[*]} yourself for full isolation and browser tests" >&2
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -r requirements.txt
"$VENV/bin/python" -m pip install -q --no-deps -e .
# Pyodide for the in-browser course (npm + pip, verified against the official lock, cached).
"$VENV/bin/python" scripts/fetch_pyodide.py
echo "setup: done ($("$VENV/bin/python" --version), torch $("$VENV/bin/python" -c 'import torch; print(torch.__version__)'))"
