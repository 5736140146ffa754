"""Bad input: each case gets a one-line error naming the file and the problem,
the batch goes on, no partial output is left behind, inputs are untouched."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from mmgen_migrate.cli import cli

GOOD = """\
model = dict(type='BasiccGAN', generator=dict(type='G'), discriminator=dict(type='D'))
train_cfg = dict(disc_steps=2)
optimizer = dict(generator=dict(type='Adam', lr=1e-4), discriminator=dict(type='Adam', lr=4e-4))
"""

BAD = {
    "syntax_error.py": ("optimizer = dict(generator=dict(type='Adam', lr=1e-4)\n", "syntax error"),
    "missing_base.py": ("_base_ = ['./not_there.py']\noptimizer = None\n", "not_there.py' not found"),
    "cycle_a.py": ("_base_ = ['./cycle_b.py']\nx = 1\n", "cycle"),
    "cycle_b.py": ("_base_ = ['./cycle_a.py']\ny = 2\n", "cycle"),
    "raises.py": ("import os\nroot = os.environ['MMGEN_MIGRATE_SURELY_UNSET_VAR']\n", "KeyError"),
}


def _tree(tmp_path: Path) -> Path:
    src = tmp_path / "configs"
    src.mkdir()
    (src / "good.py").write_text(GOOD)
    for name, (text, _) in BAD.items():
        (src / name).write_text(text)
    (src / "latin1.py").write_bytes("# caf\xe9\nx = 1\n".encode("latin-1"))
    (src / "empty.py").write_text("")  # an empty config (a placeholder _base_): not an error
    return src


def _digest(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_batch_with_bad_files_reports_each_and_goes_on(tmp_path):
    src = _tree(tmp_path)
    before = _digest(src)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["convert", str(src), "-o", str(out)])
    assert result.exit_code == 2, result.output
    err = result.stderr if hasattr(result, "stderr") else result.output
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    expected = {**{k: v for k, (_, v) in BAD.items()}, "latin1.py": "not valid UTF-8"}
    for name, problem in expected.items():
        hits = [ln for ln in lines if f" {name}:" in ln]
        assert len(hits) == 1, (name, err)
        assert problem in hits[0], (name, hits[0])
    # the good file was converted
    assert (out / "good.py").exists()
    assert "optim_wrapper" in (out / "good.py").read_text()
    # no output at all for the bad ones, no temporary files left behind
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    assert written == ["empty.py", "good.py"]
    assert (out / "empty.py").read_bytes() == b""
    # the empty file is an empty config, kept as it is, with a one-line warning
    warn = [ln for ln in err.splitlines() if ln.startswith("warning:") and " empty.py:" in ln]
    assert len(warn) == 1 and "empty file" in warn[0]
    # inputs untouched
    assert _digest(src) == before


def test_config_that_raises_names_the_exception(tmp_path):
    f = tmp_path / "boom.py"
    f.write_text("x = 1 / 0\n")
    result = CliRunner().invoke(cli, ["convert", str(f), "-o", str(tmp_path / "o.py")])
    assert result.exit_code == 2
    assert "boom.py" in result.output and "ZeroDivisionError" in result.output
    assert not (tmp_path / "o.py").exists()


def test_unreadable_path(tmp_path):
    src = tmp_path / "configs"
    src.mkdir()
    (src / "good.py").write_text(GOOD)
    os.symlink(tmp_path / "gone.py", src / "dangling.py")  # a file that cannot be read
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["convert", str(src), "-o", str(out)])
    assert result.exit_code == 2
    line = [ln for ln in result.output.splitlines() if "dangling.py" in ln]
    assert len(line) == 1 and line[0].startswith("error:") and "no such file" in line[0]
    assert (out / "good.py").exists() and not (out / "dangling.py").exists()


def test_permission_denied_is_one_line(tmp_path, monkeypatch):
    from mmgen_migrate import load

    f = tmp_path / "locked.py"
    f.write_text(GOOD)
    real = Path.read_bytes

    def deny(self):
        if self.name == "locked.py":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    with pytest.raises(load.ConfigError, match="permission denied"):
        load.read_source(f)


def test_missing_input_is_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["convert", str(tmp_path / "nope.py")])
    assert result.exit_code == 2
    assert "nope.py: no such file or folder" in result.output


def test_output_inside_input_tree_is_refused(tmp_path):
    src = tmp_path / "configs"
    src.mkdir()
    (src / "good.py").write_text(GOOD)
    result = CliRunner().invoke(cli, ["convert", str(src), "-o", str(src / "converted")])
    assert result.exit_code == 2
    assert "inside the input folder" in result.output
    assert not (src / "converted").exists()


def test_never_overwrites_input_without_in_place(tmp_path):
    f = tmp_path / "c.py"
    f.write_text(GOOD)
    result = CliRunner().invoke(cli, ["convert", str(f), "-o", str(f)])
    assert result.exit_code == 2
    assert "--in-place" in result.output
    assert f.read_text() == GOOD


def test_folder_without_output_is_refused(tmp_path):
    (tmp_path / "c.py").write_text(GOOD)
    result = CliRunner().invoke(cli, ["convert", str(tmp_path)])
    assert result.exit_code == 2
    assert "is a folder" in result.output


def _in_a_mount_namespace(tmp_path, mount_opts: str, *args, after: str = "true"):
    """Run the CLI in a user + mount namespace with a tmpfs at tmp_path/dest
    (a real read-only or full file system, no privileges needed)."""
    import shutil
    import subprocess
    import sys

    if shutil.which("unshare") is None:
        pytest.skip("unshare(1) is not installed")
    dest = tmp_path / "dest"
    dest.mkdir()
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"user namespaces are not available: {probe.stderr.decode().strip()}")
    cmd = " ".join(f"'{a}'" for a in [sys.executable, "-m", "mmgen_migrate", "convert", *map(str, args)])
    return subprocess.run(["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o {mount_opts} none '{dest}' && "
                           f"{cmd} --isolated; rc=$?; {after}; exit $rc"], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path), dest


def _wide_tree(tmp_path, n=40):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(n):
        (src / f"c{i:02d}.py").write_text("optimizer = dict(generator=dict(type='Adam', lr=1e-4))\n"
                                          + f"# {'x' * 2000}\n" * 3)
    return src


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_read_only_destination_is_one_line_and_exit_2(tmp_path, jobs):
    src = _wide_tree(tmp_path, 3)
    proc, dest = _in_a_mount_namespace(tmp_path, "ro,size=1m", src, "-o", tmp_path / "dest" / "out", "-j", jobs)
    assert proc.returncode == 2, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error")]
    assert errors == [f"error: {tmp_path / 'dest' / 'out'}: read-only file system"], proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_full_destination_is_one_line_and_the_written_files_are_complete(tmp_path, jobs):
    src = _wide_tree(tmp_path)
    out = tmp_path / "dest" / "out"
    import sys

    # complete files, and no temporary file left beside them
    check = (f"'{sys.executable}' -c \"import glob, os; fs = glob.glob('{out}/*.py'); "
             f"assert all(open(f).read().startswith('optim_wrapper') and open(f).read().endswith(chr(10)) "
             f"for f in fs); assert sorted(os.listdir('{out}')) == sorted(os.path.basename(f) for f in fs); "
             f"print('complete', len(fs))\"")
    proc, dest = _in_a_mount_namespace(tmp_path, "size=64k", src, "-o", out, "-j", jobs, after=check)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout.startswith("complete "), proc.stdout + proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error")]
    assert errors == [f"error: {out}: no space left on device"], proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_huge_file_is_refused_with_its_size_not_as_an_endless_loop(tmp_path, monkeypatch):
    big = tmp_path / "big.py"
    line = "layer = dict(type='Conv', channels=[1, 2, 3], name='layer', pad=1)\n"
    big.write_text(line * (2 * 1024 * 1024 // len(line) + 100))  # just over the default 2 MB
    result = CliRunner().invoke(cli, ["convert", str(big), "-o", str(tmp_path / "o.py"), "--isolated"])
    assert result.exit_code == 2
    assert "error: big.py: the file is 2.0 MB, larger than any config (limit 2 MB" in result.output
    assert "loop" not in result.output
    # the limit is a setting: a small one refuses a small file, a larger one converts it
    small = tmp_path / "small.py"
    small.write_text(line * 400)
    monkeypatch.setenv("MMGEN_MIGRATE_MAX_CONFIG_MB", "0.01")
    result = CliRunner().invoke(cli, ["convert", str(small), "-o", str(tmp_path / "o.py"), "--isolated"])
    assert result.exit_code == 2 and "limit 0.01 MB" in result.output
    monkeypatch.setenv("MMGEN_MIGRATE_MAX_CONFIG_MB", "1")
    result = CliRunner().invoke(cli, ["convert", str(small), "-o", str(tmp_path / "o.py"), "--isolated"])
    assert result.exit_code in (0, 1), result.output


def test_a_deeply_nested_value_is_not_called_a_cycle(tmp_path):
    deep = tmp_path / "deep.py"
    deep.write_text("x = 1\n" + "x = [x]\n" * 1500)  # nested deeper than Python's recursion limit
    result = CliRunner().invoke(cli, ["convert", str(deep), "-o", str(tmp_path / "o.py"), "--isolated"])
    assert result.exit_code == 2
    assert "error: deep.py: a value nests too deeply to be read" in result.output
    assert "cycle" not in result.output and "Traceback" not in result.output
