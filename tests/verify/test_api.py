"""Public API: inputs, errors, JSON document, exit codes, torch-free import."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from mmgen_migrate.verify import (SCHEMA, TorchMissingError, VerifyInputError, VerifyResult,
                                  render_text, verify_configs)

from _pairs import cgan_pair

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "fixtures" / "verify"


def test_exit_codes_by_verdict():
    assert VerifyResult("equivalent").exit_code == 0
    assert VerifyResult("different").exit_code == 1
    assert VerifyResult("not verified").exit_code == 1  # not a pass
    with pytest.raises(ValueError):
        VerifyResult("ok")


def test_json_document():
    pytest.importorskip("torch")
    old, new = cgan_pair(3, 1, 2)
    r = verify_configs(old, new, iters=12, device="cpu")
    doc = json.loads(json.dumps(r.to_json()))
    assert doc["schema"] == SCHEMA == "mmgen-migrate.verify/1"
    assert doc["verdict"] == "different" and doc["exit_code"] == 1
    assert doc["first_difference"] == 1
    assert doc["reasons"] and doc["differences"][0]["kind"] == "steps"
    assert doc["differences"][0]["module"] == "generator"
    assert doc["timelines"]["generator"] == {"old": "··S··S··S··S", "new": "·S·S·S·S·S·S",
                                             "marks": " ^^^   ^^^"}
    assert doc["steps"]["generator"]["old"] == [[2, 2], [5, 2], [8, 2], [11, 2]]
    assert doc["old"]["model_type"] == "BasiccGAN" and doc["new"]["model_type"] == "BigGAN"
    assert doc["old"]["schedule"]["batch_accumulation_steps"] == 2
    assert doc["optimizers"]["generator"]["old"]["type"] == "Adam"
    assert doc["optimizers"]["generator"]["new"]["groups"][0]["betas"] == [0.0, 0.999]
    assert doc["iterations"] == 12 and doc["device"] == "cpu" and doc["seed"] == 0
    assert "S" in doc["legend"]


def test_deterministic_for_a_seed():
    pytest.importorskip("torch")
    old, new = cgan_pair(2, 1, 2, Dk=1)
    a = verify_configs(old, new, iters=8, device="cpu", seed=3).to_json()
    b = verify_configs(old, new, iters=8, device="cpu", seed=3).to_json()
    a.pop("elapsed_s"), b.pop("elapsed_s")
    assert a == b


def test_paths_and_dicts_are_both_accepted():
    pytest.importorskip("torch")
    from mmengine.config import Config

    old = FIX / "biggan_frac_old.py"
    new_dict = Config.fromfile(str(FIX / "biggan_frac_new.py")).to_dict()
    r = verify_configs(str(old), new_dict, device="cpu")
    assert r.verdict == "equivalent", r.reasons
    assert r.old["source"] == str(old) and r.new["source"] == "<new config>"


def test_missing_file_names_the_file(tmp_path):
    pytest.importorskip("torch")
    missing = tmp_path / "nope.py"
    with pytest.raises(VerifyInputError) as e:
        verify_configs(missing, FIX / "biggan_new.py")
    assert e.value.path == str(missing)
    assert str(e.value) == f"{missing}: no such file"


def test_unloadable_config_names_the_file():
    pytest.importorskip("torch")
    with pytest.raises(VerifyInputError) as e:
        verify_configs(FIX / "broken.py", FIX / "biggan_new.py")
    assert e.value.path == str(FIX / "broken.py")
    assert "cannot load config" in e.value.problem and "\n" not in str(e.value)


@pytest.mark.parametrize("mutate,words", [
    (lambda o, n: o.pop("model"), "config has no `model` dict"),
    (lambda o, n: o.pop("optimizer"), "0.x config has no `optimizer` dict"),
    (lambda o, n: n.pop("optim_wrapper"), "1.x config has no `optim_wrapper` dict"),
    (lambda o, n: o["train_cfg"].update(disc_steps="two"), "train_cfg.disc_steps` must be a number"),
    (lambda o, n: n["model"].update(discriminator_steps=None), "model.discriminator_steps must be a number"),
])
def test_unusable_configs(mutate, words):
    pytest.importorskip("torch")
    old, new = cgan_pair(1, 1, 1)
    mutate(old, new)
    with pytest.raises(VerifyInputError, match=words.replace("(", r"\(")):
        verify_configs(old, new, device="cpu")


def test_swapped_arguments_are_detected():
    pytest.importorskip("torch")
    old, new = cgan_pair(1, 1, 1)
    with pytest.raises(VerifyInputError, match="swapped"):
        verify_configs(new, old)


@pytest.mark.parametrize("kw", [dict(iters=0), dict(iters=2.5), dict(device="tpu")])
def test_bad_options(kw):
    old, new = cgan_pair(1, 1, 1)
    with pytest.raises(VerifyInputError):
        verify_configs(old, new, **kw)


def test_import_is_torch_free_and_missing_torch_is_explained():
    code = (
        "import sys\n"
        "import mmgen_migrate.verify, mmgen_migrate.verify.command\n"
        "assert 'torch' not in sys.modules, 'torch imported eagerly'\n"
        "sys.modules['torch'] = None  # simulate: not installed\n"
        "from mmgen_migrate.verify import verify_configs, TorchMissingError\n"
        "try:\n"
        "    verify_configs({}, {})\n"
        "except TorchMissingError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "pip install 'mmgen-migrate[verify]'" in out.stdout
    assert issubclass(TorchMissingError, VerifyInputError)


def test_render_text_shows_verdict_reason_and_timeline():
    pytest.importorskip("torch")
    old, new = cgan_pair(3, 1, 2)
    r = verify_configs(old, new, iters=12, device="cpu")
    console = Console(record=True, width=100, file=open("/dev/null", "w"))
    render_text(r, console)
    text = console.export_text()
    assert "DIFFERENT" in text and "(exit 1)" in text
    assert "First difference at iteration 1." in text
    assert "fractional discriminator_steps = 3/2 = 1.5" in text.replace("\n", " ")
    lines = text.splitlines()
    g_old = next(i for i, l in enumerate(lines) if l.startswith("generator ") and "old" in l)
    assert lines[g_old].endswith("··S··S··S··S")
    assert lines[g_old + 1].endswith("·S·S·S·S·S·S")
    assert lines[g_old + 2].strip() == "^^^   ^^^"
