"""Complete configs of the zoo fixture tree, converted with every rule: what a
user migrating a config zoo checks first.

* the converted config, loaded by MMEngine, has no 0.x-only top-level key left
  (unless the report marks it unsupported, as for the Improved-DDPM refusal);
* its model is a 1.x GAN class with no 0.x loss dicts and a data preprocessor,
  its batch size is written explicitly;
* the report lists every change, each with the rule that made it: every 0.x
  top-level key that did not survive unchanged is named by a change.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mmengine.config import Config

from mmgen_migrate.convert import FAILED
from mmgen_migrate.load import load_effective
from mmgen_migrate.model import Severity, same
from mmgen_migrate.rules import REGISTRY
from mmgen_migrate.rules.families import LEGACY_TYPES, MODERN_TYPES

ZOO = Path(__file__).resolve().parents[2] / "fixtures" / "zoo" / "input"

# top-level keys MMagic 1.x / MMEngine never read (docs/mapping.md §2, issue #4)
LEGACY_ONLY = {
    "total_iters", "lr_config", "checkpoint_config", "log_config", "evaluation", "metrics", "runner", "data",
    "optimizer", "optimizer_config", "workflow", "resume_from", "dist_params", "use_ddp_wrapper",
    "find_unused_parameters", "cudnn_benchmark", "mp_start_method", "opencv_num_threads", "apex_amp",
}
TRAINABLE_1X = MODERN_TYPES | {"ProgressiveGrowingGAN", "PGGAN", "MSPIEStyleGAN2", "SinGAN", "PESinGAN", "CycleGAN",
                               "Pix2Pix"}


def loaded(out: Path, rel: str) -> dict:
    return Config.fromfile(str(out / rel), import_custom_modules=False).to_dict()


def unsupported_keys(res) -> set:
    return {c.old_paths[0][0] for c in res.changes
            if c.severity == Severity.UNSUPPORTED and c.old_paths and c.old_paths[0]}


def test_zoo_has_full_configs_of_every_family(converted_zoo):
    _, leaves = converted_zoo
    types = {r.effective["model"]["type"] for r in leaves if isinstance(r.effective.get("model"), dict)}
    assert {"StaticUnconditionalGAN", "BasiccGAN", "ProgressiveGrowingGAN", "SinGAN", "CycleGAN", "Pix2Pix",
            "BasicGaussianDiffusion"} <= types


def test_no_0x_only_top_level_key_is_left_silently(converted_zoo):
    out, leaves = converted_zoo
    for res in leaves:
        assert res.status != FAILED, (res.rel, res.error)
        new = loaded(out, res.rel)
        left = (set(new) & LEGACY_ONLY) - unsupported_keys(res)
        assert left == set(), f"{res.rel}: 0.x keys left without an unsupported finding: {sorted(left)}"


def test_converted_gan_models_are_1x_models(converted_zoo):
    out, leaves = converted_zoo
    checked = 0
    for res in leaves:
        old_model = res.effective.get("model")
        if not isinstance(old_model, dict) or old_model.get("type") not in LEGACY_TYPES:
            continue  # already a 1.x config (left alone), or no model
        if old_model["type"] == "BasicGaussianDiffusion":
            continue
        if "model" in unsupported_keys(res):
            continue
        new = loaded(out, res.rel)
        model = new["model"]
        assert model["type"] in TRAINABLE_1X, (res.rel, model["type"])
        assert not {"gan_loss", "disc_auxiliary_loss", "gen_auxiliary_loss"} & set(model), res.rel
        assert model["data_preprocessor"]["type"] == "DataPreprocessor", res.rel
        assert new["default_scope"] == "mmagic", res.rel
        assert new["model_wrapper_cfg"]["type"] == "MMSeparateDistributedDataParallel", res.rel
        spg = res.effective.get("data", {}).get("samples_per_gpu")
        if spg is not None:
            assert new["train_dataloader"]["batch_size"] == spg, res.rel
        checked += 1
    assert checked >= 8


def test_specific_upstream_mistakes_are_not_reproduced(converted_zoo):
    out, _ = converted_zoo
    ggan = loaded(out, "ggan/ggan_dcgan-archi_lr-1e-3_celeba-cropped_64_b128x1_12m.py")
    assert ggan["model"]["type"] == "GGAN"  # hinge loss, not DCGAN's BCE (docs/mapping.md §3 row 2)
    wgan = loaded(out, "wgangp/wgangp_GN_GP-50_lsun-bedroom_128_b64x1_160kiter.py")
    assert wgan["model"]["loss_config"] == {"loss_weight": 50, "norm_mode": "HWC"}  # docs/mapping.md §3 row 3
    pix = loaded(out, "pix2pix/pix2pix_vanilla_unet_bn_facades_b1x1_80k.py")
    assert pix["train_dataloader"]["batch_size"] == 1  # docs/mapping.md §3 row 1
    pggan = loaded(out, "pggan/pggan_celeba-cropped_128_g8_12Mimgs.py")
    assert set(pggan["optim_wrapper"]["lr_schedule"]) == {"generator", "discriminator"}


def test_diffusion_config_is_refused_not_converted(converted_zoo):
    out, leaves = converted_zoo
    (res,) = [r for r in leaves if r.rel.startswith("improved_ddpm/")]
    new = loaded(out, res.rel)
    assert new["model"]["type"] == "BasicGaussianDiffusion"
    assert {"optimizer", "total_iters", "data"} <= set(new) & unsupported_keys(res)
    assert "optim_wrapper" not in new
    assert "MOD005 unsupported" in res.new_text


def test_report_lists_every_change_with_its_rule(converted_zoo):
    _, leaves = converted_zoo
    for res in leaves:
        if res.effective.get("model", {}).get("type") == "BasicGaussianDiffusion":
            continue
        # no 'internal' (lost setting) entries; the emitter's own notes ('emit') are no rule's
        assert all(c.rule in REGISTRY or c.rule == "emit" for c in res.changes), res.rel
        old, new = res.effective, res.target
        named = {p[0] for c in res.changes for p in c.old_paths if p}
        for key in old:
            if key in new and same(old[key], new[key]):
                continue
            assert key in named, f"{res.rel}: `{key}` changed but no change in the report names it"


@pytest.mark.parametrize("rel", ["ggan/ggan_dcgan-archi_lr-1e-3_celeba-cropped_64_b128x1_12m.py",
                                 "pix2pix/pix2pix_vanilla_unet_bn_facades_b1x1_80k.py"])
def test_cli_json_report_of_a_full_config(rel, tmp_path):
    src = ZOO / rel
    proc = subprocess.run([sys.executable, "-m", "mmgen_migrate.cli", "convert", str(src), "-o",
                           str(tmp_path / "out.py"), "--format", "json"], capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    (entry,) = report["files"]
    changes = entry["changes"]
    assert changes and all(c["rule"] in REGISTRY for c in changes)
    old = load_effective(src)
    named = {p.split(".")[0].split("[")[0] for c in changes for p in c["old_paths"]}
    assert {k for k in old if k in LEGACY_ONLY} <= named
    # the findings the exit code reports are in the report too
    needs_review = any(c["severity"] in ("review", "unsupported") for c in changes)
    assert proc.returncode == (1 if needs_review else 0)
