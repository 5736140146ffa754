"""Values that depend on the machine stay expressions in the output, and the
report names them; they are never frozen into a committed file as this
machine's literal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SECRET = "/very/secret/mmgen-migrate-test-root"

DATASET = """\
optimizer = dict(generator=dict(type='Adam', lr=1e-4), discriminator=dict(type='Adam', lr=1e-4))
data = dict(samples_per_gpu=4, workers_per_gpu=2,
            train=dict(type='UnconditionalImageDataset', imgs_root={root}, pipeline=[]))
"""


def _convert(cfg: Path, *extra, env=None):
    import os

    return subprocess.run([sys.executable, "-m", "mmgen_migrate.cli", "convert", str(cfg), "--isolated", *extra],
                          capture_output=True, text=True, cwd=cfg.parent, timeout=120,
                          env=dict(os.environ, **(env or {})))


@pytest.mark.parametrize("read", [
    "os.environ.get('DATA_ROOT', 'data/ffhq')",
    "os.getenv('DATA_ROOT', 'data/ffhq')",
    "os.environ['DATA_ROOT']",
    "'{{$DATA_ROOT:data/ffhq}}'",
])
def test_an_environment_value_is_kept_as_an_expression(tmp_path, read):
    cfg = tmp_path / "exp.py"
    cfg.write_text("import os\n\ndata_root = " + read + "\n" + DATASET.format(root="data_root"), encoding="utf-8")
    proc = _convert(cfg, env={"DATA_ROOT": SECRET})
    assert proc.returncode == 1, proc.stderr  # converted, with review findings
    assert SECRET not in proc.stdout, proc.stdout
    assert "data_root = " + read in proc.stdout
    assert "data_root=data_root" in proc.stdout
    assert "`data_root` (line 3) depends on the machine" in proc.stderr, proc.stderr


def test_the_home_folder_and_working_directory_are_not_frozen(tmp_path):
    cfg = tmp_path / "exp.py"
    cfg.write_text("import os.path as osp\nimport os\nwork_dir = osp.expanduser('~/work_dirs/exp')\n"
                   "cache = osp.join(os.getcwd(), 'cache')\n" + DATASET.format(root="'data/x'"), encoding="utf-8")
    proc = _convert(cfg, env={"HOME": SECRET})
    assert proc.returncode == 1, proc.stderr
    assert SECRET not in proc.stdout and str(tmp_path) not in proc.stdout
    assert "`work_dir` (line 3) depends on the machine" in proc.stderr
    assert "`cache` (line 4) depends on the machine" in proc.stderr


def test_a_value_that_would_be_frozen_fails_the_file(tmp_path):
    """Where the converted config would need this machine's value as a
    literal, the file fails with one line (nothing written), never freezes."""
    cfg = tmp_path / "exp.py"
    cfg.write_text("import os\ndata_root = os.environ.get('DATA_ROOT', 'data')\n"
                   + DATASET.format(root="data_root + '/images'"), encoding="utf-8")
    out = tmp_path / "out.py"
    proc = _convert(cfg, "-o", str(out), env={"DATA_ROOT": SECRET})
    if proc.returncode == 2:
        assert "would freeze a value that depends on the machine at `train_dataloader.dataset.data_root`" \
            in proc.stderr
        assert not out.exists()
    else:  # the emitter kept the expression
        assert SECRET not in out.read_text()


def test_probe_machine_answers_differently_but_consistently():
    from mmgen_migrate.reader import Machine

    real, probe = Machine({"A": "8", "B": "x"}, "/w"), Machine({"A": "8", "B": "x"}, "/w", probe=True)
    assert real.getenv("A") == "8" and probe.getenv("A") == "9"
    assert real.getenv("C", "d") == "d" and probe.getenv("C", "d") != "d"
    assert not real.has_env("C") and probe.has_env("C")
    assert real.abspath("a") == "/w/a"
    assert Machine.probe().abspath("a") != Machine.real().abspath("a")
    assert Machine.probe().expanduser("~/x") != Machine.real().expanduser("~/x")


@pytest.mark.skipif(not Path("/etc/hostname").exists(), reason="no /etc/hostname here")
def test_allow_exec_reports_values_computed_by_executed_code(tmp_path):
    cfg = tmp_path / "exp.py"
    cfg.write_text("hostname = open('/etc/hostname').read().strip()\nwork_dir = './work_dirs/' + hostname\n"
                   + DATASET.format(root="hostname + '/data'"), encoding="utf-8")
    proc = _convert(cfg, "--allow-exec=unconfined")
    assert proc.returncode == 1, proc.stderr
    assert "`hostname` (line 1) was computed by executing the config" in proc.stderr
    host = Path("/etc/hostname").read_text().strip()
    if f"'{host}/data'" in proc.stdout:  # the emitter wrote the derived value: it must say so
        assert "holds this machine's value of `hostname`" in proc.stderr
