#!/usr/bin/env python
"""Benchmark: `convert -j N` against `-j 1` on a generated tree.

    python benchmarks/bench_jobs.py [--configs 300] [--jobs 1 2 4] [--repeat 2]

Uses the tree of `bench_convert.py` (configs sharing `_base_` files, so every
parallel batch re-converts the shared bases: the figure includes that cost).
Prints the best wall time of each `-j`, the speed-up over `-j 1`, and checks
that every run wrote byte-identical output.  Only prints figures; nothing
asserts on time.  The speed-up depends on free cores: on a busy or 2-core
machine expect little.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_convert import generate  # noqa: E402

EXE = [sys.executable, "-m", "mmgen_migrate.cli"] if not shutil.which("mmgen-migrate") else ["mmgen-migrate"]


def tree_bytes(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.py"))}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configs", type=int, default=300)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mmgen-migrate-bench-jobs-") as tmp:
        src = Path(tmp) / "configs"
        n = generate(src, args.configs)
        print(f"{n} config files, {os.cpu_count()} CPUs")
        best: dict[int, float] = {}
        outputs = {}
        for jobs in args.jobs:
            for rep in range(args.repeat):
                out = Path(tmp) / f"out-j{jobs}-{rep}"
                t0 = time.perf_counter()
                proc = subprocess.run(EXE + ["convert", str(src), "-o", str(out), "-j", str(jobs), "-q",
                                             "--isolated"], capture_output=True, text=True)
                wall = time.perf_counter() - t0
                if proc.returncode not in (0, 1):
                    print(proc.stderr)
                    return proc.returncode
                best[jobs] = min(best.get(jobs, wall), wall)
                outputs.setdefault(jobs, tree_bytes(out))
        base = best.get(1)
        for jobs in args.jobs:
            speed = f"  x{base / best[jobs]:.2f}" if base else ""
            print(f"-j {jobs:<3} {best[jobs]:7.2f} s  {n / best[jobs]:7.1f} files/s{speed}")
        first = next(iter(outputs.values()))
        same = all(o == first for o in outputs.values())
        print("outputs identical across -j:", "yes" if same else "NO")
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
