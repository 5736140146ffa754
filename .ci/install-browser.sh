#!/usr/bin/env bash
# Install Debian's chromium + chromedriver for the HTML report browser tests
# (tests/reports/test_html_browser.py).  Idempotent and quiet: does nothing
# when both are already there.  Needs root (CI runs as root).
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
command -v chromium >/dev/null && command -v chromedriver >/dev/null
