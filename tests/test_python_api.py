"""The Python API (``import mmgen_migrate``) and ``python -m mmgen_migrate``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import mmgen_migrate as mm

OLD = "optimizer = dict(generator=dict(type='Adam', lr=1e-4), discriminator=dict(type='Adam', lr=4e-4))\n"


def test_convert_source_gives_a_typed_result_with_its_changes():
    res = mm.convert_source(OLD)
    assert isinstance(res, mm.FileResult)
    assert res.status == "converted" and res.error is None
    assert "optim_wrapper = dict(" in res.new_text and "MultiOptimWrapperConstructor" in res.new_text
    assert {c.rule for c in res.changes} >= {"OPT001"}
    assert all(c.message for c in res.changes)


def test_convert_source_selection_and_refusal():
    res = mm.convert_source(OLD, select=["RUN"])
    assert "optimizer = dict(" in res.new_text and "optim_wrapper" not in res.new_text
    res = mm.convert_source("import subprocess\nsubprocess.run(['true'])\n")
    assert res.status == "failed" and "calls subprocess.run(); not read statically" in res.error
    from mmgen_migrate.rules import UnknownRuleError

    with pytest.raises(UnknownRuleError):
        mm.convert_source(OLD, select=["NOPE999"])


def test_convert_paths_converts_a_tree_and_writes_nothing(tmp_path):
    (tmp_path / "_base_").mkdir()
    (tmp_path / "_base_" / "opt.py").write_text(OLD)
    (tmp_path / "exp.py").write_text("_base_ = ['./_base_/opt.py']\ntrain_cfg = dict(disc_steps=2)\n")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.py")}
    results = mm.convert_paths([tmp_path])
    by_rel = {r.rel: r for r in results}
    assert sorted(by_rel) == ["_base_/opt.py", "exp.py"]
    assert all(r.status == "converted" for r in results)
    assert "_base_ = ['./_base_/opt.py']" in by_rel["exp.py"].new_text
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.py")} == before
    out = tmp_path.parent / (tmp_path.name + "-out")
    mm.write(results, out)
    assert (out / "exp.py").read_text() == by_rel["exp.py"].new_text
    assert mm.read_config(out / "exp.py", new_style=True)["model"]["discriminator_steps"] == 2


def test_read_config_is_static_and_exact(tmp_path):
    cfg = tmp_path / "c.py"
    cfg.write_text("a = dict(b=(1, 2))\nc = [x * 2 for x in range(3)]\n")
    assert mm.read_config(cfg) == {"a": {"b": (1, 2)}, "c": [0, 2, 4]}
    cfg.write_text("import os\nos.system('true')\n")
    with pytest.raises(mm.ConfigError, match="uses `os.system`"):
        mm.read_config(cfg)


def test_verify_through_the_api():
    pytest.importorskip("torch")
    pairs = Path(__file__).resolve().parents[1] / "fixtures" / "verify"
    assert mm.verify_configs(pairs / "dcgan_step_old.py", pairs / "dcgan_step_new.py").exit_code == 0
    assert mm.verify_configs(pairs / "biggan_old.py", pairs / "biggan_new_wrong_lr.py").exit_code == 1


def test_python_dash_m_runs_the_cli(tmp_path):
    (tmp_path / "old.py").write_text(OLD)
    proc = subprocess.run([sys.executable, "-m", "mmgen_migrate", "convert", str(tmp_path / "old.py"), "--isolated"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "optim_wrapper" in proc.stdout
