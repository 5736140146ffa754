"""New-style MMEngine configs (``with read_base():`` and lazy imports) are
1.x by construction: converted as unchanged, with nothing executed."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_a_read_base_config_is_reported_unchanged(tmp_path):
    (tmp_path / "_base_").mkdir()
    (tmp_path / "_base_" / "__init__.py").write_text("")
    (tmp_path / "_base_" / "runtime.py").write_text("default_scope = 'mmagic'\n")
    cfg = tmp_path / "new_style.py"
    text = textwrap.dedent("""\
        from mmengine.config import read_base

        with read_base():
            from ._base_.runtime import *

        from mmagic.models import StyleGAN2
        model = dict(type=StyleGAN2)
    """)
    cfg.write_text(text)
    out = tmp_path / "out.py"
    proc = subprocess.run([sys.executable, "-m", "mmgen_migrate", "convert", str(cfg), "-o", str(out), "-v",
                           "--isolated"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "KeyError" not in proc.stderr and "__name__" not in proc.stderr
    assert "new_style.py: unchanged" in proc.stderr, proc.stderr
    assert "already 1.x" in proc.stderr
    assert out.read_text() == text
