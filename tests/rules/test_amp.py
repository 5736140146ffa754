"""AMP001 (fp16 loss scaler → AmpOptimWrapper) and AMP002 (apex_amp)."""

import copy

import pytest
import torch
from mmengine import Config
from mmengine.optim.optimizer import amp_optimizer_wrapper
from mmengine.optim.optimizer.amp_optimizer_wrapper import AmpOptimWrapper

from mmgen_migrate.convert import FAILED, ConvertOptions, convert_files, convert_text
from mmgen_migrate.model import Severity
from mmgen_migrate.rules import REGISTRY, apply_rules

RULES = [REGISTRY[r] for r in ("OPT001", "AMP001", "AMP002")]
OPT = {"generator": dict(type="Adam", lr=0.0016), "discriminator": dict(type="Adam", lr=0.0019)}
RUNNER = dict(type="DynamicIterBasedRunner", is_dynamic_ddp=True, pass_training_status=True)


def convert(scaler, mtype="StaticUnconditionalGAN", optimizer=OPT, **extra):
    runner = dict(RUNNER, fp16_loss_scaler=scaler)
    cfg = {"model": {"type": mtype}, "optimizer": copy.deepcopy(optimizer), "runner": runner, **extra}
    return apply_rules(cfg, RULES)


def amp_changes(out, rule="AMP001"):
    return [c for c in out.changes if c.rule == rule]


def test_every_wrapper_becomes_amp_with_the_scaler_dict():
    out = convert(dict(init_scale=512))
    ow = out.target["optim_wrapper"]
    for m in ("generator", "discriminator"):
        assert ow[m] == dict(type="AmpOptimWrapper", optimizer=OPT[m], loss_scale=dict(init_scale=512))
        assert isinstance(ow[m]["loss_scale"], dict)  # never the upstream int 512
    assert out.target["runner"] == RUNNER  # only fp16_loss_scaler leaves runner
    assert any(c.severity == Severity.REVIEW for c in amp_changes(out))


def test_all_gradscaler_arguments_are_kept():
    scaler = dict(init_scale=1024.0, growth_factor=2.0, backoff_factor=0.5, growth_interval=100)
    out = convert(scaler)
    assert out.target["optim_wrapper"]["generator"]["loss_scale"] == scaler


def test_single_optimizer_wrapper():
    out = convert(dict(init_scale=512), optimizer=dict(type="Adam", lr=1e-4))
    assert out.target["optim_wrapper"] == dict(type="AmpOptimWrapper", optimizer=dict(type="Adam", lr=1e-4),
                                               loss_scale=dict(init_scale=512))


def test_none_scaler_is_dropped():
    out = convert(None)
    assert out.target["runner"] == RUNNER
    assert all(c.severity == Severity.EXACT for c in amp_changes(out))
    assert out.target["optim_wrapper"]["generator"] == dict(optimizer=OPT["generator"])


def test_no_wrapper_to_convert_leaves_no_dead_key_and_is_reported():
    out = convert(dict(init_scale=512), optimizer=None)
    assert "fp16_loss_scaler" not in out.target["runner"]
    assert out.target["optim_wrapper"] is None
    assert [c.severity for c in amp_changes(out)] == [Severity.REVIEW]


@pytest.mark.parametrize("mtype", ["MSPIEStyleGAN2", "CycleGAN"])
def test_families_that_could_not_use_a_scaler_in_0x_are_told(mtype):
    out = convert(dict(init_scale=512), mtype=mtype)
    assert out.target["optim_wrapper"]["generator"]["type"] == "AmpOptimWrapper"
    assert any("TypeError" in c.message for c in amp_changes(out))


def test_diffusion_is_left_to_mod005():
    out = convert(dict(init_scale=512), mtype="BasicGaussianDiffusion", apex_amp=dict(mode="gan"))
    assert not amp_changes(out) and not amp_changes(out, "AMP002")


def test_converted_loss_scale_builds_an_amp_wrapper_where_the_upstream_int_does_not(monkeypatch):
    # AmpOptimWrapper asserts a CUDA device; the loss_scale check is what matters here.
    monkeypatch.setattr(amp_optimizer_wrapper, "is_cuda_available", lambda: True)
    out = convert(dict(init_scale=512))
    cfg = out.target["optim_wrapper"]["generator"]
    param = torch.nn.Parameter(torch.zeros(1))
    with pytest.warns(UserWarning):  # torch: GradScaler disabled without CUDA
        AmpOptimWrapper(optimizer=torch.optim.Adam([param]), loss_scale=cfg["loss_scale"])
    with pytest.raises(TypeError):
        AmpOptimWrapper(optimizer=torch.optim.Adam([param]), loss_scale=512)


def test_scaler_in_a_runtime_base_reaches_the_wrappers_of_the_inheriting_config(tmp_path):
    (tmp_path / "_base_").mkdir()
    (tmp_path / "_base_/runtime.py").write_text(
        "runner = dict(type='DynamicIterBasedRunner', is_dynamic_ddp=True, pass_training_status=True,\n"
        "              fp16_loss_scaler=dict(init_scale=512))\n")
    (tmp_path / "_base_/model.py").write_text(
        "model = dict(type='StaticUnconditionalGAN')\n"
        "optimizer = dict(generator=dict(type='Adam', lr=0.0016), discriminator=dict(type='Adam', lr=0.0019))\n")
    (tmp_path / "leaf.py").write_text("_base_ = ['./_base_/model.py', './_base_/runtime.py']\n")
    results = {r.rel: r for r in convert_files(sorted(tmp_path.rglob("*.py")), tmp_path,
                                               ConvertOptions(select=["OPT", "AMP"]))}
    assert all(r.status != FAILED for r in results.values()), {k: r.error for k, r in results.items()}
    assert "fp16_loss_scaler" not in results["_base_/runtime.py"].new_text
    out = tmp_path / "out"
    for rel, r in results.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(r.new_text)
    ow = Config.fromfile(out / "leaf.py").optim_wrapper.to_dict()
    assert ow["generator"]["type"] == ow["discriminator"]["type"] == "AmpOptimWrapper"
    assert ow["discriminator"]["loss_scale"] == dict(init_scale=512)


def test_text_output_notes_where_loss_scale_came_from():
    src = ("optimizer = dict(type='Adam', lr=1e-4)\n"
           "runner = dict(type='DynamicIterBasedRunner', fp16_loss_scaler=dict(init_scale=512))\n")
    res = convert_text(src, options=ConvertOptions(select=["OPT001", "AMP001"]))
    assert res.status != FAILED, res.error
    assert "type='AmpOptimWrapper'" in res.new_text
    assert "loss_scale=dict(init_scale=512),  # 0.x runner.fp16_loss_scaler" in res.new_text
    assert "runner = dict(type='DynamicIterBasedRunner')" in res.new_text


# -- AMP002 --------------------------------------------------------------------

def test_apex_amp_is_unsupported_and_marked_in_the_output():
    src = ("model = dict(type='StaticUnconditionalGAN')\n"
           "apex_amp = dict(mode='gan', init_args=dict(opt_level='O1', num_losses=2))\n")
    res = convert_text(src, options=ConvertOptions(select=["AMP002"]))
    assert [c.severity for c in res.changes] == [Severity.UNSUPPORTED]
    assert "# mmgen-migrate: AMP002 unsupported" in res.new_text
    assert res.needs_review


@pytest.mark.parametrize("value", [None, False])
def test_apex_off_is_left_alone(value):
    out = apply_rules({"model": {"type": "StaticUnconditionalGAN"}, "apex_amp": value}, RULES)
    assert not amp_changes(out, "AMP002")


# -- AMP003 --------------------------------------------------------------------

@pytest.mark.parametrize("value,severity", [(dict(loss_scale=512.0), Severity.REVIEW), (None, Severity.EXACT)])
def test_dead_fp16_key_is_dropped(value, severity):
    out = apply_rules({"model": {"type": "StaticUnconditionalGAN"}, "fp16": value}, [REGISTRY["AMP003"]])
    assert "fp16" not in out.target
    assert [c.severity for c in out.changes] == [severity]


def test_module_fp16_flags_are_not_touched():
    cfg = {"model": {"type": "StaticUnconditionalGAN", "generator": {"type": "G", "fp16_enabled": True}}}
    out = apply_rules(cfg, [REGISTRY["AMP003"]])
    assert out.target == cfg and not out.changes


def test_stylegan_message_says_there_is_no_autocast():
    cfg = {"model": {"type": "StaticUnconditionalGAN", "generator": {"type": "StyleGANv2Generator"}},
           "optimizer": copy.deepcopy(OPT), "runner": dict(RUNNER, fp16_loss_scaler=dict(init_scale=512))}
    out = apply_rules(cfg, RULES)
    msgs = [c.message for c in amp_changes(out) if c.severity == Severity.REVIEW]
    assert msgs and all("never enter optim_context" in m for m in msgs)
    dcgan = convert(dict(init_scale=512))
    assert all("autocasts the whole forward" in c.message for c in amp_changes(dcgan) if c.severity == Severity.REVIEW)
