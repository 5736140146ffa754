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
# the registry data (rules/data) must be what scripts/gen_registry.py makes
# from the MMagic 1.2.0 / MMEngine 0.10.7 wheels: fetch them (never
# installed) for that test; without the network it skips
wheels=.venv/wheels
if [ ! -f "$wheels/mmagic-1.2.0-py2.py3-none-any.whl" ] || [ ! -f "$wheels/mmengine-0.10.7-py3-none-any.whl" ]; then
    .venv/bin/python -m pip download -q --no-deps --only-binary :all: -d "$wheels" mmagic==1.2.0 mmengine==0.10.7 \
        >/dev/null 2>&1 || echo "note: could not download the MMagic/MMEngine wheels; the registry-data test will skip"
fi
export MMGEN_MIGRATE_WHEELS="$PWD/$wheels"
exec .venv/bin/python -m pytest -q "$@"
