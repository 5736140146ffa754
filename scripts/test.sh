#!/usr/bin/env bash
# Set up and run the whole test suite (README: "run the tests"; CI: .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# the HTML report is tested in a real headless browser (Debian's chromium);
# installs it when we can (root + apt), otherwise those tests skip
if [ -f .ci/install-browser.sh ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        bash .ci/install-browser.sh || echo "note: could not install chromium; browser tests will skip"
    fi
fi
exec .venv/bin/python -m pytest -q "$@"
