"""The `convert`, `rules` and `explain` commands as a user drives them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from mmengine.config import Config

from mmgen_migrate.cli import cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

CLEAN = """\
model = dict(type='BasiccGAN', generator=dict(type='G'), discriminator=dict(type='D'))
train_cfg = dict(disc_steps=8, batch_accumulation_steps=8)
optimizer = dict(generator=dict(type='Adam', lr=1e-4), discriminator=dict(type='Adam', lr=4e-4))
"""
REVIEW = CLEAN.replace("disc_steps=8", "disc_steps=3").replace("batch_accumulation_steps=8",
                                                                "batch_accumulation_steps=2")


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def test_file_to_file(tmp_path):
    src = tmp_path / "old.py"
    src.write_text(CLEAN)
    out = tmp_path / "new.py"
    r = run("convert", src, "-o", out, "--select", "OPT001,STP001")
    assert r.exit_code == 0, r.output
    cfg = Config.fromfile(str(out))
    assert cfg.optim_wrapper.constructor == "MultiOptimWrapperConstructor"
    assert cfg.optim_wrapper.generator.accumulative_counts == 8
    assert cfg.model.discriminator_steps == 1
    assert "train_cfg" not in cfg and "optimizer" not in cfg
    assert src.read_text() == CLEAN
    assert "1 converted" in r.output


def test_file_to_stdout(tmp_path):
    src = tmp_path / "old.py"
    src.write_text(CLEAN)
    r = run("convert", src, "--select", "OPT,STP")
    assert r.exit_code == 0
    assert r.stdout.startswith("model = dict(")
    assert "optim_wrapper = dict(" in r.stdout
    assert "converted" not in r.stdout  # the report goes to stderr, stdout is the config


def test_stdin_to_stdout(tmp_path):
    r = run("convert", "-", "--select", "OPT001", input=CLEAN)
    assert r.exit_code == 0, r.output
    assert "optim_wrapper = dict(" in r.stdout
    assert not list(tmp_path.glob(".mmgen-migrate-stdin-*"))


def test_review_findings_exit_1(tmp_path):
    src = tmp_path / "old.py"
    src.write_text(REVIEW)
    r = run("convert", src, "-o", tmp_path / "new.py", "--select", "OPT,STP")
    assert r.exit_code == 1
    assert "review" in r.output and "STP001" in r.output
    assert Config.fromfile(str(tmp_path / "new.py")).model.discriminator_steps == 1.5


def test_diff_writes_nothing(tmp_path):
    src = tmp_path / "cfgs"
    shutil.copytree(FIXTURES / "zoo" / "input", src)
    before = {p: p.read_bytes() for p in src.rglob("*.py")}
    r = run("convert", src, "--diff", "--select", "OPT,STP")
    assert "+optim_wrapper = dict(" in r.stdout
    assert "-optimizer = dict(" in r.stdout
    assert {p: p.read_bytes() for p in src.rglob("*.py")} == before
    assert sorted(p for p in src.rglob("*") if p.is_file()) == sorted(before)  # nothing new


def test_check_exit_codes(tmp_path):
    src = tmp_path / "old.py"
    src.write_text(CLEAN)
    assert run("convert", src, "--check", "--select", "OPT,STP").exit_code == 1
    out = tmp_path / "new.py"
    assert run("convert", src, "-o", out, "--select", "OPT,STP").exit_code == 0
    # a converted config passes --check
    r = run("convert", out, "--check", "--select", "OPT,STP")
    assert r.exit_code == 0, r.output
    assert src.read_text() == CLEAN


def test_folder_to_folder_mirrors_layout_and_is_idempotent(tmp_path):
    src = FIXTURES / "zoo" / "input"
    out = tmp_path / "out"
    r = run("convert", src, "-o", out)
    assert r.exit_code in (0, 1), r.output
    ins = sorted(p.relative_to(src).as_posix() for p in src.rglob("*.py"))
    outs = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.py"))
    assert ins == outs
    again = run("convert", out, "--check")
    assert "0 would be converted" in again.output


def test_in_place(tmp_path):
    src = tmp_path / "old.py"
    src.write_text(CLEAN)
    r = run("convert", src, "--in-place", "--select", "OPT,STP")
    assert r.exit_code == 0
    assert "optim_wrapper" in src.read_text()


def test_select_and_ignore(tmp_path):
    src = tmp_path / "old.py"
    src.write_text(CLEAN)
    only_opt = run("convert", src, "--select", "OPT001").stdout
    assert "optim_wrapper" in only_opt and "disc_steps=8" in only_opt
    no_opt = run("convert", src, "--select", "OPT,STP", "--ignore", "OPT001").stdout
    assert "optimizer = dict(" in no_opt and "discriminator_steps" in no_opt
    bad = run("convert", src, "--select", "NOPE999")
    assert bad.exit_code == 2 and "unknown rule 'NOPE999'" in bad.output


def test_json_report(tmp_path):
    src = tmp_path / "old.py"
    src.write_text(REVIEW)
    r = run("convert", src, "-o", tmp_path / "new.py", "--format", "json", "--select", "OPT,STP")
    data = json.loads(r.stdout)
    assert data["schema"] == "mmgen-migrate.report/1"
    assert data["summary"]["converted"] == 1 and data["summary"]["by_severity"]["review"] >= 1
    (entry,) = data["files"]
    steps = [c for c in entry["changes"] if c["new_path"] == "model.discriminator_steps"]
    assert steps[0]["rule"] == "STP001" and steps[0]["severity"] == "review"
    assert steps[0]["new_value"] == 1.5
    assert steps[0]["old_paths"] == ["train_cfg.disc_steps", "train_cfg.batch_accumulation_steps"]


def test_rules_and_explain():
    r = run("rules")
    assert r.exit_code == 0
    assert "OPT001" in r.output and "STP001" in r.output
    e = run("explain", "STP001")
    assert e.exit_code == 0
    assert "disc_steps / batch_accumulation_steps" in e.output or "d / A" in e.output
    assert "+    discriminator_steps=1" in e.output  # an example rendered as a diff
    assert run("explain", "XYZ").exit_code == 2


def test_convert_never_imports_torch(tmp_path):
    """`convert` must work where torch is not installed: run it in a fresh
    interpreter in which importing torch fails."""
    import subprocess
    import sys

    src = tmp_path / "old.py"
    src.write_text(CLEAN)
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'torch' or name.startswith('torch.'):\n"
        "            raise ImportError('torch is not installed')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from mmgen_migrate.cli import cli\n"
        f"cli(['convert', {str(src)!r}, '-o', {str(tmp_path / 'new.py')!r}, '--select', 'OPT,STP'])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "optim_wrapper" in (tmp_path / "new.py").read_text()
