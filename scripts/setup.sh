#!/usr/bin/env bash
# Create .venv (if needed) and install mmgen-migrate with its verify and test
# extras.  torch is pinned by constraints.txt to the CPU build; never install
# an unpinned torch (it pulls a multi-GB CUDA build).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[verify,test]'
