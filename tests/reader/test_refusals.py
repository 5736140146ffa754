"""Configs with side effects are refused before anything of them runs.

Each case would, if executed, create a sentinel file (or start a process
that would).  By default convert and verify read configs statically: the
case must be refused with one line naming the file, the line and the
construct, and the sentinel must not exist afterwards."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mmgen_migrate.reader import NotStatic, Reader

OPT = "optimizer = dict(generator=dict(type='Adam', lr=1e-4))\n"

# (name, source with {S} for the sentinel path, line, what the refusal names)
CASES = [
    ("subprocess", "import subprocess\nlr = 1\nsubprocess.run(['touch', '{S}'])\n", 3, "calls subprocess.run()"),
    ("os_system", "import os\nos.system('touch {S}')\n", 2, "uses `os.system`"),
    ("os_alias", "import os as o\nx = 1\no.makedirs('{S}')\n", 3, "uses `os.makedirs`"),
    ("os_path_import_binds_os", "import os.path\nos.remove('{S}')\n", 2, "uses `os.remove`"),
    ("from_os_import", "from os import system\nsystem('touch {S}')\n", 1, "imports `os.system`"),
    ("open", "x = 1\nopen('{S}', 'w').write('x')\n", 2, "uses `open`"),
    ("dunder_import", "__import__('os').system('touch {S}')\n", 1, "uses `__import__`"),
    ("exec", "exec(\"open('{S}', 'w')\")\n", 1, "uses `exec`"),
    ("eval", "x = eval(\"open('{S}', 'w')\")\n", 1, "uses `eval`"),
    ("compile", "c = compile('1', 'f', 'eval')\n", 1, "uses `compile`"),
    ("getattr", "import os\ngetattr(os, 'system')('touch {S}')\n", 2, "uses `getattr`"),
    ("subclasses", "x = ().__class__.__base__.__subclasses__()\n", 1, "uses `.__"),
    ("format_attr", "x = '{{0.__class__}}'.format(1)\nopen('{S}', 'w')\n", 2, "uses `open`"),
    ("gc", "import gc\nobjs = gc.get_objects()\n", 2, "calls gc.get_objects()"),
    ("function_closure", "def f():\n    open('{S}', 'w')\nf()\n", 1, "defines a function"),
    ("lambda", "f = (lambda: open('{S}', 'w'))\nf()\n", 1, "uses a lambda"),
    ("class", "class X:\n    pass\n", 1, "defines a class"),
    ("ctypes", "import ctypes\nctypes.CDLL(None).system(b'touch {S}')\n", 2, "calls ctypes.CDLL()"),
    ("multiprocessing", "import multiprocessing as mp\nmp.set_start_method('spawn')\n", 2,
     "calls mp.set_start_method()"),
    ("posixsubprocess", "import _posixsubprocess\n", 1, "imports `_posixsubprocess`"),
    ("with_block", "with open('{S}', 'w') as f:\n    pass\n", 1, "uses a `with` block"),
    ("try", "try:\n    open('{S}', 'w')\nexcept Exception:\n    pass\n", 1, "uses try/except"),
    ("environ_write", "import os\nos.environ['MMGEN_X'] = '{S}'\n", 2, "changes os.environ"),
    ("function_globals", "import os\nf = os.getenv\ng = f.__globals__\n", 3, "uses `.__globals__`"),
    ("module_reexport", "import posixpath\nposixpath.os.system('touch {S}')\n", 2, "uses `os.path.os`"),
    ("endless", "while True:\n    x = 1\n", 2, "takes more than"),
    ("huge_string", "x = 'a' * 10 ** 10\n", 1, "builds a value of"),
    ("huge_number", "x = 10 ** 10 ** 10\n", 1, "too large"),
    ("input", "x = input()\n", 1, "uses `input`"),
    ("breakpoint", "breakpoint()\n", 1, "uses `breakpoint`"),
    ("dunder_name", "x = __file__\n", 1, "uses `__file__`"),
    ("walrus", "x = (y := 1)\n", 1, "uses an assignment expression"),
    ("bytes_method", "x = 'a'.encode()\n", 1, "calls `.encode()`"),
]


def _sentinel(tmp_path: Path) -> Path:
    return tmp_path / "sentinel-should-never-exist"


@pytest.mark.parametrize("name,source,line,what", CASES, ids=[c[0] for c in CASES])
def test_refused_before_anything_runs(tmp_path, name, source, line, what):
    s = _sentinel(tmp_path)
    cfg = tmp_path / f"{name}.py"
    cfg.write_text(OPT + source.format(S=s), encoding="utf-8")
    with pytest.raises(NotStatic) as info:
        Reader().read(cfg)
    assert info.value.line == line + 1  # the optimizer line comes first
    assert what in str(info.value)
    assert "\n" not in str(info.value) and "--allow-exec" in str(info.value)
    assert not s.exists()


def _cli(*args, cwd: Path):
    return subprocess.run([sys.executable, "-m", "mmgen_migrate.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def test_cli_refuses_with_one_line_and_the_batch_goes_on(tmp_path):
    s = _sentinel(tmp_path)
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.py").write_text(OPT, encoding="utf-8")
    (src / "bad.py").write_text(OPT + "import subprocess\nsubprocess.run(['touch', '%s'])\n" % s, encoding="utf-8")
    proc = _cli("convert", src, "-o", tmp_path / "out", "--isolated", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error")]
    assert errors == ["error: bad.py:3: calls subprocess.run(); not read statically -- rerun with --allow-exec "
                      "to execute it in the sandbox"], proc.stderr
    assert (tmp_path / "out" / "good.py").exists() and not (tmp_path / "out" / "bad.py").exists()
    assert not s.exists()


def test_a_base_file_is_read_the_same_way(tmp_path):
    s = _sentinel(tmp_path)
    (tmp_path / "_base_").mkdir()
    (tmp_path / "_base_" / "evil.py").write_text("import os\nos.system('touch %s')\n" % s, encoding="utf-8")
    child = tmp_path / "child.py"
    child.write_text("_base_ = ['./_base_/evil.py']\n" + OPT, encoding="utf-8")
    proc = _cli("convert", child, "-o", tmp_path / "out.py", "--isolated", cwd=tmp_path)
    assert proc.returncode == 2
    assert "error: child.py: `_base_` file _base_/evil.py:2: uses `os.system`; not read statically" in proc.stderr
    assert not s.exists() and not (tmp_path / "out.py").exists()


def test_verify_reads_statically_too(tmp_path):
    pytest.importorskip("torch")
    s = _sentinel(tmp_path)
    old = tmp_path / "old.py"
    old.write_text(OPT + "import os\nos.system('touch %s')\n" % s, encoding="utf-8")
    new = tmp_path / "new.py"
    new.write_text("optim_wrapper = dict(generator=dict(optimizer=dict(type='Adam', lr=1e-4)))\n", encoding="utf-8")
    proc = _cli("verify", old, new, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "uses `os.system`; not read statically" in proc.stderr
    assert not s.exists()


def test_allow_exec_unconfined_executes(tmp_path):
    """With --allow-exec the refused config is evaluated (here: unconfined,
    a harmless config that needs a function)."""
    cfg = tmp_path / "helper.py"
    cfg.write_text(textwrap.dedent("""\
        def lr_for(batch):
            return 1e-4 * batch / 32
        optimizer = dict(generator=dict(type='Adam', lr=lr_for(64)))
    """), encoding="utf-8")
    proc = _cli("convert", cfg, "--isolated", cwd=tmp_path)
    assert proc.returncode == 2 and "1: defines a function" in proc.stderr
    proc = _cli("convert", cfg, "--isolated", "--allow-exec=unconfined", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr  # converted, with a review note saying it was executed
    assert "optim_wrapper" in proc.stdout and "executed with --allow-exec (unconfined)" in proc.stderr


def test_allow_exec_setting_is_read_and_checked(tmp_path):
    cfg = tmp_path / "helper.py"
    cfg.write_text("def f():\n    return 1\nlr = f()\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.mmgen-migrate]\nallow-exec = \"unconfined\"\n")
    proc = _cli("convert", cfg, cwd=tmp_path)
    assert proc.returncode in (0, 1) and "lr = f()" in proc.stdout, proc.stderr
    (tmp_path / "pyproject.toml").write_text("[tool.mmgen-migrate]\nallow-exec = \"yes\"\n")
    proc = _cli("convert", cfg, cwd=tmp_path)
    assert proc.returncode == 2 and "allow-exec must be" in proc.stderr
