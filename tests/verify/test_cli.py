"""``mmgen-migrate verify`` command: output formats and exit codes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mmgen_migrate.verify.command import verify_command

from _pairs import cgan_pair, with_fp16

torch = pytest.importorskip("torch")

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "verify"


def invoke(*args):
    return CliRunner().invoke(verify_command, [str(a) for a in args])


def write_pair(tmp_path, old, new):
    po, pn = tmp_path / "old.py", tmp_path / "new.py"
    po.write_text("".join(f"{k} = {v!r}\n" for k, v in old.items()))
    pn.write_text("".join(f"{k} = {v!r}\n" for k, v in new.items()))
    return po, pn


def test_equivalent_exits_0():
    r = invoke(FIX / "biggan_frac_old.py", FIX / "biggan_frac_new.py", "--device", "cpu")
    assert r.exit_code == 0, r.output
    assert "EQUIVALENT" in r.output
    assert "Timeline" in r.output


def test_different_exits_1_with_reason():
    r = invoke(FIX / "biggan_frac_old.py", FIX / "biggan_frac_int_new.py", "--device", "cpu")
    assert r.exit_code == 1
    assert "DIFFERENT" in r.output
    assert "First difference at iteration 1." in r.output


def test_json_format_for_ci():
    r = invoke(FIX / "biggan_old.py", FIX / "biggan_new_wrong_g_accum.py", "--format", "json",
               "--device", "cpu", "--iters", "16")
    assert r.exit_code == 1
    doc = json.loads(r.stdout)  # nothing but the document on stdout
    assert doc["schema"] == "mmgen-migrate.verify/1"
    assert doc["verdict"] == "different"
    assert doc["iterations"] == 16
    assert doc["differences"][0]["kind"] == "passes"


def test_not_verified_exits_1(tmp_path):
    po, pn = write_pair(tmp_path, *with_fp16(*cgan_pair(1, 1, 1)))
    r = invoke(po, pn, "--device", "cpu", "--iters", "4")
    assert r.exit_code == 1
    assert "NOT VERIFIED" in r.output
    assert "not verifiable on CPU" in r.output


def test_missing_file_exits_2_with_one_line_error(tmp_path):
    missing = tmp_path / "missing.py"
    r = invoke(missing, FIX / "biggan_new.py")
    assert r.exit_code == 2
    assert r.stderr.strip() == f"error: {missing}: no such file"
    assert r.stdout == ""


def test_broken_config_exits_2():
    r = invoke(FIX / "broken.py", FIX / "biggan_new.py")
    assert r.exit_code == 2
    err = r.stderr.strip()
    assert err.startswith(f"error: {FIX / 'broken.py'}: cannot load config")
    assert "\n" not in err


def test_swapped_exits_2():
    r = invoke(FIX / "biggan_new.py", FIX / "biggan_old.py")
    assert r.exit_code == 2
    assert "swapped" in r.stderr


def test_bad_iters_is_a_usage_error():
    r = invoke(FIX / "biggan_old.py", FIX / "biggan_new.py", "--iters", "0")
    assert r.exit_code == 2


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")
def test_cuda_without_cuda_exits_2():
    r = invoke(FIX / "biggan_old.py", FIX / "biggan_new.py", "--device", "cuda")
    assert r.exit_code == 2
    assert r.stderr.startswith("error: ") and "CUDA is not available" in r.stderr


def test_html_report(tmp_path):
    out = tmp_path / "report.html"
    r = invoke(FIX / "biggan_frac_old.py", FIX / "biggan_frac_int_new.py", "--device", "cpu",
               "--html", out)
    assert r.exit_code == 1
    html = out.read_text()
    assert "<html" in html.lower() and "Timeline" in html and "DIFFERENT" in html
