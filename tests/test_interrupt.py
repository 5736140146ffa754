"""Interrupted runs: killing a batch midway leaves no half-written file.

Outputs are staged, checked, then each one replaces its destination with an
atomic rename (convert.write_atomic), so a reader of the output tree sees a
complete conversion or nothing — never a partial file or a temporary file.
Each test runs the real CLI on a generated tree of 240 configs sharing
``_base_`` files and stops it at a chosen moment."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import libcst as cst
import pytest

N_CONFIGS = 240  # a run of about two seconds: long enough to be stopped midway


def _make_tree(root: Path) -> Path:
    src = root / "src"
    (src / "_base_" / "models").mkdir(parents=True)
    (src / "_base_" / "models" / "sngan.py").write_text(
        "model = dict(type='BasiccGAN', generator=dict(type='SNGANGenerator', num_classes=10),\n"
        "             discriminator=dict(type='ProjDiscriminator', num_classes=10),\n"
        "             gan_loss=dict(type='GANLoss', gan_type='hinge'))\n"
        "train_cfg = dict(disc_steps=2, gen_steps=1, batch_accumulation_steps=1)\n")
    (src / "_base_" / "runtime.py").write_text("log_level = 'INFO'\nload_from = None\n")
    for i in range(N_CONFIGS):
        group = src / f"group{i % 6}"
        group.mkdir(exist_ok=True)
        accu = 1 + i % 3
        (group / f"exp_{i:03d}.py").write_text(
            "_base_ = ['../_base_/models/sngan.py', '../_base_/runtime.py']\n"
            f"# experiment {i}\n"
            f"train_cfg = dict(disc_steps={2 * accu}, batch_accumulation_steps={accu})\n"
            "optimizer = dict(\n"
            f"    generator=dict(type='Adam', lr={(i + 1) * 1e-5!r}, betas=(0.0, 0.999)),\n"
            f"    discriminator=dict(type='Adam', lr={(i + 1) * 4e-5!r}, betas=(0.0, 0.999)))\n")
    return src


def _env(tmp: Path) -> dict:
    scratch = tmp / "scratch"
    scratch.mkdir(exist_ok=True)
    return dict(os.environ, MMGEN_MIGRATE_SCRATCH=str(scratch), TMPDIR=str(scratch))


def _exec_flag() -> list[str]:
    """`--allow-exec` where the CLI has it (before it existed, every config
    was executed, in the sandbox)."""
    from mmgen_migrate.cli import cli

    return ["--allow-exec"] if "allow_exec" in {p.name for p in cli.commands["convert"].params} else []


def _cli(src: Path, out: Path, tmp: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "mmgen_migrate.cli", "convert", str(src), "-o", str(out), "-q", *_exec_flag()],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(tmp), cwd=tmp, start_new_session=True)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """The tree and its complete conversion (an uninterrupted run)."""
    tmp = tmp_path_factory.mktemp("interrupt")
    src = _make_tree(tmp)
    ref = tmp / "reference"
    proc = _cli(src, ref, tmp)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode in (0, 1), err.decode()
    files = sorted(p.relative_to(ref).as_posix() for p in ref.rglob("*.py"))
    assert len(files) == N_CONFIGS + 2
    return src, ref


_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.mmgen-migrate-\d+\.tmp$")


def _assert_only_complete_files(out: Path, ref: Path, allow_leftover: bool = False) -> int:
    """Every file in ``out`` is a complete conversion.  With ``allow_leftover``,
    a SIGKILL between naming the complete temporary file and renaming it (two
    system calls, see convert.write_atomic) may leave ``.NAME.mmgen-migrate-PID.tmp``:
    it must then hold the complete conversion of NAME too."""
    if not out.exists():
        return 0
    count = 0
    for p in out.rglob("*"):
        if p.is_dir():
            continue
        rel = p.relative_to(out).as_posix()
        leftover = _LEFTOVER.match(p.name)
        if leftover and allow_leftover:
            target = (p.parent / leftover.group("name")).relative_to(out).as_posix()
            assert p.read_bytes() == (ref / target).read_bytes(), f"partial temporary file left behind: {rel}"
            continue
        assert not p.name.startswith("."), f"temporary file left behind: {rel}"
        data = p.read_bytes()
        cst.parse_module(data.decode("utf-8"))  # parses
        assert data == (ref / rel).read_bytes(), f"{rel} is not a complete conversion"
        count += 1
    return count


def _wait_for(predicate, limit: float) -> bool:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.002)
    return False


def test_sigkill_during_writing_leaves_only_complete_files(tree, tmp_path):
    src, ref = tree
    out = tmp_path / "out"
    proc = _cli(src, out, tmp_path)
    started = _wait_for(lambda: out.exists() and any(out.rglob("*.py")), 300)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert started, "the run never started writing"
    written = _assert_only_complete_files(out, ref, allow_leftover=True)
    assert 0 < written <= N_CONFIGS + 2
    # running again completes the tree
    proc = _cli(src, out, tmp_path)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode in (0, 1), err.decode()
    assert _assert_only_complete_files(out, ref) == N_CONFIGS + 2


def test_a_leftover_temporary_file_is_removed_by_the_next_write(tmp_path):
    """A SIGKILL between naming the complete temporary file and renaming it
    (two system calls) can leave `.NAME.mmgen-migrate-PID.tmp`; the next run
    that writes NAME removes it."""
    from mmgen_migrate.convert import write_atomic

    dst = tmp_path / "exp [1].py"
    stale = tmp_path / ".exp [1].py.mmgen-migrate-12345.tmp"
    stale.write_text("partial = dict(")
    other = tmp_path / ".other.py.mmgen-migrate-12345.tmp"
    other.write_text("x = 1\n")
    write_atomic(dst, b"x = 2\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, dst.name]
    assert dst.read_bytes() == b"x = 2\n"


@pytest.mark.parametrize("delay", [0.3, 1.0])
def test_sigkill_early_leaves_only_complete_files(tree, tmp_path, delay):
    src, ref = tree
    out = tmp_path / "out"
    proc = _cli(src, out, tmp_path)
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    _assert_only_complete_files(out, ref, allow_leftover=True)
    # nothing is left in the scratch space: the evaluation template gets
    # SIGTERM from the kernel when the converter dies, kills and reaps the
    # file's process, then removes its folder; the janitor removes the
    # converter's staging folder
    scratch = tmp_path / "scratch"
    assert _wait_for(lambda: not any(scratch.iterdir()), 10), [str(p) for p in scratch.rglob("*")]


def test_ctrl_c_stops_cleanly(tree, tmp_path):
    """SIGINT (Ctrl-C) to the converter only: exit 130 with one line saying
    "interrupted" (not click's "Aborted!" and exit 1, which means "needs
    review"), no traceback, only complete files, and no staging or
    evaluation folders."""
    src, ref = tree
    out = tmp_path / "out"
    proc = _cli(src, out, tmp_path)
    scratch = tmp_path / "scratch"
    # interrupt once files are being converted (not while Python starts)
    assert _wait_for(lambda: any(p.name.startswith("mmgen-migrate-") for p in scratch.iterdir()), 120)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    text = err.decode()
    if proc.returncode in (0, 1) and "interrupted" not in text:
        pytest.skip("the run finished before the interrupt arrived")
    assert proc.returncode == 130, (proc.returncode, text)
    assert "Traceback" not in text and "Aborted" not in text, text
    assert text.strip().splitlines()[-1] == "mmgen-migrate: interrupted", text
    _assert_only_complete_files(out, ref)
    leftovers = [p.name for p in (tmp_path / "scratch").iterdir()]
    assert not leftovers, f"left behind after Ctrl-C: {leftovers}"
