#!/usr/bin/env python
"""Regenerate docs/html-report.png, the HTML review report's picture in the
README and docs/review-and-ci.md.

    python scripts/screenshot_report.py [--out docs/html-report.png]

Runs ``mmgen-migrate convert fixtures/zoo/input --check --verify --report
review.html`` (into a temporary folder), opens the page in headless Chromium
(Debian's ``chromium`` + ``chromium-driver``, as ``.ci/install-browser.sh``
installs them; ``selenium`` from the ``test`` extra), clicks "only what
needs review", types ``--path`` into the path filter and saves a screenshot.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "html-report.png")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=1000)
    ap.add_argument("--path", default="nondivisible", help="path filter typed in (a file with hunks to show)")
    args = ap.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not (chromium and driver_path):
        sys.exit("needs chromium and chromedriver (bash .ci/install-browser.sh)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    with tempfile.TemporaryDirectory(prefix="mmgen-migrate-screenshot-") as tmp:
        page = Path(tmp) / "review.html"
        exe = shutil.which("mmgen-migrate") or str(Path(sys.executable).with_name("mmgen-migrate"))
        run = subprocess.run([exe, "convert", "fixtures/zoo/input", "--check", "--verify", "--report", str(page)],
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if not page.exists():
            sys.exit(f"the report was not written (exit {run.returncode}): {run.stderr[-2000:]}")
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
                     "--disable-background-networking", f"--window-size={args.width},{args.height}",
                     f"--user-data-dir={Path(tmp) / 'profile'}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        try:
            driver.get(page.resolve().as_uri())
            driver.find_element(By.ID, "only-attention").click()
            if args.path:
                driver.find_element(By.ID, "path-filter").send_keys(args.path)
            # the link sits low in the sidebar: show the page from its top
            driver.execute_script("window.scrollTo(0, 0); for (const e of document.querySelectorAll('*'))"
                                  " { if (e.scrollTop) e.scrollTop = 0; }")
            args.out.parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(args.out))
        finally:
            driver.quit()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
