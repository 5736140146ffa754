#!/usr/bin/env python
"""Benchmark: convert trees of 0.x configs with `_base_` chains.

    python benchmarks/bench_convert.py [--configs 150] [--repeat 3] [--tree both|generated|zoo]

Prints, side by side in one run, for two trees of about ``--configs`` files
(a generated one of small leaves with chains of four `_base_` files, and one
of real-sized configs, copies of ``fixtures/zoo/input``): the best wall time,
its CPU time, files/second and peak memory of `mmgen-migrate convert TREE -o
OUT` with `-j 1` and `-j 2` (a fresh process each time, interpreter start
included), the same for a no-op LibCST codemod over the same tree (`python -m
libcst.tool codemod noop.NOOPCommand`, which uses every core), the ratio,
and the time of `mmgen-migrate --help`.  The commands take turns, so a busy
spell of the machine slows them alike; the package is byte-compiled first,
as an installed one is.

Targets: convert no slower than the no-op codemod (ratio <= 1.0); `-j 2`
faster than `-j 1`; peak memory under 300 MB; `--help` under 0.3 s.  This
script only prints figures; nothing asserts on time.  On a loaded machine
(see the load average it prints) the figures are not comparable.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FAMILIES = {
    "biggan": ("BasiccGAN", "BigGANGenerator", "BigGANDiscriminator", "hinge"),
    "sngan": ("BasiccGAN", "SNGANGenerator", "ProjDiscriminator", "hinge"),
    "dcgan": ("StaticUnconditionalGAN", "DCGANGenerator", "DCGANDiscriminator", "vanilla"),
    "lsgan": ("StaticUnconditionalGAN", "LSGANGenerator", "LSGANDiscriminator", "lsgan"),
    "stylegan2": ("StaticUnconditionalGAN", "StyleGANv2Generator", "StyleGAN2Discriminator", "wgan-logistic-ns"),
}


def model_base(family: str) -> str:
    mtype, gen, disc, loss = FAMILIES[family]
    return f"""# {family} model (generated for the benchmark)
model = dict(
    type='{mtype}',
    generator=dict(type='{gen}', out_size=64, base_channels=64),
    discriminator=dict(type='{disc}', in_size=64, base_channels=64),
    gan_loss=dict(type='GANLoss', gan_type='{loss}'))
train_cfg = dict(disc_steps=1)
test_cfg = None
optimizer = dict(
    generator=dict(type='Adam', lr=0.0002, betas=(0.0, 0.999)),
    discriminator=dict(type='Adam', lr=0.0002, betas=(0.0, 0.999)))
"""


DATASET = """dataset_type = 'UnconditionalImageDataset'
train_pipeline = [
    dict(type='LoadImageFromFile', key='real_img'),
    dict(type='Resize', keys=['real_img'], scale=(64, 64)),
    dict(type='Normalize', keys=['real_img'], mean=[127.5] * 3, std=[127.5] * 3),
]
data = dict(samples_per_gpu={bs}, workers_per_gpu=4,
            train=dict(type=dataset_type, imgs_root='data/{name}', pipeline=train_pipeline))
"""

RUNTIME = """checkpoint_config = dict(interval=10000, by_epoch=False)
log_config = dict(interval=100, hooks=[dict(type='TextLoggerHook')])
dist_params = dict(backend='nccl')
log_level = 'INFO'
load_from = None
resume_from = None
workflow = [('train', 10000)]
runner = dict(type='DynamicIterBasedRunner', is_dynamic_ddp=False, pass_training_status=True)
"""


def generate(root: Path, n_configs: int) -> int:
    """Write a config zoo: model/dataset/runtime bases, a family base per
    family (two levels), then leaves and leaf variants (chains of 4)."""
    (root / "_base_" / "models").mkdir(parents=True)
    (root / "_base_" / "datasets").mkdir()
    for fam in FAMILIES:
        (root / "_base_" / "models" / f"{fam}_64.py").write_text(model_base(fam))
    for name, bs in (("ffhq", 32), ("celeba", 64), ("lsun", 16)):
        (root / "_base_" / "datasets" / f"{name}.py").write_text(DATASET.format(name=name, bs=bs))
    (root / "_base_" / "default_runtime.py").write_text(RUNTIME)
    count = len(FAMILIES) + 4
    i = 0
    families = list(FAMILIES)
    while count < n_configs:
        fam = families[i % len(families)]
        folder = root / fam
        folder.mkdir(exist_ok=True)
        data = ("ffhq", "celeba", "lsun")[i % 3]
        leaf = folder / f"{fam}_{data}_{i:03d}.py"
        accu = (1, 2, 4)[i % 3]
        disc = accu * (1 + i % 3)
        leaf.write_text(
            f"_base_ = ['../_base_/models/{fam}_64.py', '../_base_/datasets/{data}.py',\n"
            f"          '../_base_/default_runtime.py']\n\n"
            f"n_disc = {disc}  # D passes per G phase\n"
            f"train_cfg = dict(disc_steps=n_disc, batch_accumulation_steps={accu})\n"
            f"optimizer = dict(generator=dict(lr=0.0001 * {1 + i % 4}))\n"
            f"total_iters = {100000 + i * 1000}\n"
        )
        count += 1
        if count < n_configs:
            variant = folder / f"{fam}_{data}_{i:03d}_lr.py"
            variant.write_text(
                f"_base_ = './{leaf.name}'\n"
                f"# a variant that only changes the discriminator lr\n"
                f"optimizer = dict(discriminator=dict(lr=0.0004))\n"
            )
            count += 1
        i += 1
    return count


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the command and its processes, peak RSS in KiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, max(after.ru_maxrss, before.ru_maxrss)


ZOO = Path(__file__).resolve().parent.parent / "fixtures" / "zoo" / "input"


def copy_zoo(root: Path, n_configs: int) -> int:
    """Real-sized configs: copies of the zoo fixtures (our own configs,
    written like MMGeneration's: 20-70 lines, `_base_` lists, models, data,
    hooks, schedules), as many as reach ``n_configs`` files."""
    per_copy = sum(1 for _ in ZOO.rglob("*.py"))
    copies = max(1, -(-n_configs // per_copy))
    for k in range(copies):
        shutil.copytree(ZOO, root / f"copy{k + 1}")
    return copies * per_copy


def compile_package() -> None:
    """Byte-compile the installed package, as ``pip install`` does (an
    editable install under PYTHONDONTWRITEBYTECODE never has its bytecode;
    libcst, the codemod's package, has)."""
    import compileall

    import mmgen_migrate

    compileall.compile_dir(str(Path(mmgen_migrate.__file__).parent), quiet=2)  # (a read-only install: as it is)


def measure(label: str, tree: Path, n: int, exe: str, work: Path, repeat: int) -> dict:
    """Each command ``repeat`` times, in turn (so that a busy spell of the
    machine slows all of them alike); best wall time of each."""
    names = ["mmgen-migrate convert -j 1", "mmgen-migrate convert -j 2", "no-op LibCST codemod (all cores)"]
    walls: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    peak: dict[str, int] = {name: 0 for name in names}
    for k in range(repeat):
        for jobs in (1, 2):
            out = work / f"{label}-out{jobs}-{k}"
            wall, cpu, p = timed([exe, "convert", str(tree), "-o", str(out), "-q", "-j", str(jobs)])
            walls[names[jobs - 1]].append((wall, cpu))
            peak[names[jobs - 1]] = max(peak[names[jobs - 1]], p)
        copy = work / f"{label}-cm{k}"
        shutil.copytree(tree, copy)
        wall, cpu, p = timed([sys.executable, "-m", "libcst.tool", "codemod", "-x",
                              "libcst.codemod.commands.noop.NOOPCommand", "--no-format",
                              "--hide-progress", str(copy)])
        walls[names[2]].append((wall, cpu))
        peak[names[2]] = max(peak[names[2]], p)
    rows = {name: (*min(walls[name]), peak[name]) for name in names}
    print(f"\n{label}: {n} files in {tree}")
    print(f"{'':36} {'best wall':>10} {'its CPU':>8} {'files/s':>8} {'peak RSS':>9}")
    for name, (wall, cpu, p) in rows.items():
        print(f"{name:36} {wall:>8.2f} s {cpu:>6.2f} s {n / wall:>8.0f} {p / 1024:>6.0f} MiB")
    cbest = rows[names[2]][0]
    for jobs in (1, 2):
        best = rows[names[jobs - 1]][0]
        print(f"ratio convert -j {jobs} / no-op codemod: {best / cbest:.2f} (target <= 1.00: "
              f"{'met' if best <= cbest else 'NOT met'})")
    j1, j2 = rows[names[0]][0], rows[names[1]][0]
    print(f"-j 2 speed-up over -j 1: {j1 / j2:.2f}x")
    from mmgen_migrate.convert import discover
    from mmgen_migrate.parallel import auto_jobs

    print(f"convert without -j runs {auto_jobs(discover(tree))} process(es) on this tree here")
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configs", type=int, default=150)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tree", choices=("both", "generated", "zoo"), default="both")
    args = ap.parse_args()
    exe = shutil.which("mmgen-migrate") or str(Path(sys.executable).with_name("mmgen-migrate"))
    compile_package()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    peaks = []
    with tempfile.TemporaryDirectory(prefix="mmgen-migrate-bench-") as tmp:
        work = Path(tmp)
        if args.tree in ("both", "generated"):
            tree = work / "generated"
            n = generate(tree, args.configs)
            rows = measure("generated tree (small leaves and chains of 4)", tree, n, exe, work, args.repeat)
            peaks += [v[2] for k, v in rows.items() if k.startswith("mmgen")]
        if args.tree in ("both", "zoo") and ZOO.is_dir():
            tree = work / "zoo"
            n = copy_zoo(tree, args.configs)
            rows = measure("real-sized tree (copies of fixtures/zoo/input)", tree, n, exe, work, args.repeat)
            peaks += [v[2] for k, v in rows.items() if k.startswith("mmgen")]
        helps = [timed([exe, "--help"])[0] for _ in range(args.repeat)]
        print()
        peak = max(peaks) if peaks else 0
        print(f"peak memory: {peak / 1024:.0f} MiB (target < 300 MiB: {'met' if peak / 1024 < 300 else 'NOT met'})")
        print(f"mmgen-migrate --help: {min(helps):.2f} s (target < 0.3 s: {'met' if min(helps) < 0.3 else 'NOT met'})")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
