"""Time ``mmgen-migrate verify`` on the fixture pairs, on CPU.

Each pair runs as a fresh subprocess (``python -m mmgen_migrate.verify OLD NEW
--device cpu --format json``), so the figures include interpreter start and
the torch/MMEngine imports, as a user or CI job would see them. Reports the
wall time (best and median of ``--repeat`` runs), the verifier's own time
(``elapsed_s`` in the JSON, i.e. without interpreter start), the CPU time
of the subprocess (less sensitive to a busy machine than wall time), and the peak
resident memory of the subprocess (``ru_maxrss`` from ``os.wait4``).

Target: under 5 s per pair. This script prints figures; it asserts nothing.

    python benchmarks/bench_verify.py [--repeat 3] [--pairs biggan_old:biggan_new ...]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "fixtures" / "verify"
TARGET_S = 5.0

PAIRS = [
    ("biggan_old", "biggan_new"),
    ("biggan_old", "biggan_new_wrong_g_accum"),
    ("biggan_old", "biggan_new_wrong_d_accum"),
    ("biggan_old", "biggan_new_wrong_disc_steps"),
    ("biggan_old", "biggan_new_ema_not_inverted"),
    ("biggan_old", "biggan_new_wrong_lr"),
    ("biggan_old", "biggan_new_wrong_betas"),
    ("biggan_frac_old", "biggan_frac_new"),
    ("biggan_frac_old", "biggan_frac_int_new"),
    ("dcgan_step_old", "dcgan_step_new"),
    ("cyclegan_linear_old", "cyclegan_linear_new"),
    ("stylegan2_fp16_old", "stylegan2_fp16_new"),
    ("stylegan2_fp16_old", "stylegan2_fp16_int_scale_new"),
]


def run_once_with_rss(old: Path, new: Path, cmd=None):
    cmd = cmd or [sys.executable, "-m", "mmgen_migrate.verify", str(old), str(new),
                  "--device", "cpu", "--format", "json"]
    out_r, out_w = os.pipe()
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # child
        os.chdir(ROOT)
        os.close(out_r)
        os.dup2(out_w, 1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.execv(sys.executable, cmd)
    os.close(out_w)
    chunks = []
    while True:
        b = os.read(out_r, 65536)
        if not b:
            break
        chunks.append(b)
    os.close(out_r)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return wall, rc, b"".join(chunks), usage.ru_maxrss / 1024.0, cpu  # KiB -> MiB on Linux


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pairs", nargs="*", help="OLD:NEW fixture stems (default: all pairs)")
    args = ap.parse_args(argv)
    pairs = [tuple(p.split(":")) for p in args.pairs] if args.pairs else PAIRS

    print(f"verify benchmark: {len(pairs)} pairs, {args.repeat} runs each, CPU, "
          f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    header = f"{'pair':58} {'verdict':13} {'iters':>5} {'best s':>7} {'median s':>8} " \
             f"{'cpu s':>6} {'verify s':>8} {'peak MiB':>8}  target"
    print(header)
    print("-" * len(header))
    # Baseline: interpreter start + the imports every run pays (torch, MMEngine
    # optim/config, and torch's lazy dynamo import on the first optimizer).
    base_cmd = [sys.executable, "-c", "import torch, mmengine.optim, mmengine.config, mmengine.hooks; "
                "torch.optim.Adam([torch.zeros(1, requires_grad=True)])"]
    base = [run_once_with_rss(None, None, base_cmd) for _ in range(max(1, args.repeat))]
    print(f"{'(baseline: python + torch/MMEngine imports)':58} {'':13} {'':>5} "
          f"{min(b[0] for b in base):7.2f} {statistics.median(b[0] for b in base):8.2f} "
          f"{min(b[4] for b in base):6.2f} {'':>8} {max(b[3] for b in base):8.1f}")
    worst = 0.0
    for old, new in pairs:
        walls, rss, cpus, doc = [], [], [], {}
        for _ in range(max(1, args.repeat)):
            wall, rc, out, peak, cpu = run_once_with_rss(FIX / f"{old}.py", FIX / f"{new}.py")
            walls.append(wall)
            rss.append(peak)
            cpus.append(cpu)
            try:
                doc = json.loads(out)
            except ValueError:
                doc = {"verdict": f"exit {rc}", "iterations": 0, "elapsed_s": float("nan")}
        best, med = min(walls), statistics.median(walls)
        worst = max(worst, med)
        ok = "ok" if med < TARGET_S else "SLOW"
        print(f"{old + ' -> ' + new:58} {doc.get('verdict', '?'):13} {doc.get('iterations', 0):>5} "
              f"{best:7.2f} {med:8.2f} {min(cpus):6.2f} {doc.get('elapsed_s', float('nan')):8.2f} "
              f"{max(rss):8.1f}  {ok}")
    print("-" * len(header))
    print(f"worst median: {worst:.2f} s per pair (target < {TARGET_S:.0f} s); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall times grow with load; "
          "cpu s is user+system time of the subprocess)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
