#!/usr/bin/env python
"""Regenerate the expected 1.x outputs of the fixture trees.

    python scripts/update_fixtures.py            # every tree under fixtures/
    python scripts/update_fixtures.py zoo        # one tree

A fixture tree is ``fixtures/<name>/input`` (0.x configs, written by us) with
``fixtures/<name>/expected`` (what ``mmgen-migrate convert input -o expected``
must produce).  Review ``git diff fixtures/`` line by line before committing:
the expected files are the promise the tests hold the converter to.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from mmgen_migrate.convert import FAILED, convert_files, discover

ROOT = Path(__file__).resolve().parents[1] / "fixtures"


def trees(names: list[str]) -> list[Path]:
    found = sorted(p.parent for p in ROOT.glob("*/input") if p.is_dir())
    if names:
        found = [p for p in found if p.name in names]
    return found


def main(argv: list[str]) -> int:
    for tree in trees(argv):
        src, dst = tree / "input", tree / "expected"
        results = convert_files(discover(src), src)
        if dst.exists():
            shutil.rmtree(dst)
        for res in results:
            out = dst / res.rel
            out.parent.mkdir(parents=True, exist_ok=True)
            if res.status == FAILED:
                print(f"{tree.name}/{res.rel}: FAILED: {res.error}", file=sys.stderr)
                continue
            out.write_bytes(res.new_text.encode("utf-8"))
        print(f"{tree.name}: {len(results)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
