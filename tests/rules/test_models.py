"""MOD001-MOD005: model types, losses, data preprocessor, family train_cfg keys,
Improved-DDPM refusal.  Values a user would check: the 1.x model dict, the
1.x loss keys the class really reads, and the findings."""

import pytest

from mmgen_migrate.convert import ConvertOptions, convert_text
from mmgen_migrate.model import Severity
from mmgen_migrate.rules import REGISTRY, apply_rules

MOD = [REGISTRY[r] for r in ("OPT001", "STP001", "MOD001", "MOD002", "MOD003", "MOD004", "MOD005")]


def run(cfg, rules=MOD):
    return apply_rules(cfg, rules)


def gan(mtype="StaticUnconditionalGAN", gen="DCGANGenerator", gan_type="vanilla", **model):
    m = {"type": mtype, "generator": {"type": gen}, "discriminator": {"type": "D"}}
    if gan_type is not None:
        m["gan_loss"] = {"type": "GANLoss", "gan_type": gan_type}
    m.update(model)
    return {"model": m}


def findings(out, rule=None):
    return [c for c in out.changes if c.severity != Severity.EXACT and (rule is None or c.rule == rule)]


@pytest.mark.parametrize("gan_type,expected", [
    ("vanilla", "DCGAN"), ("lsgan", "LSGAN"), ("hinge", "GGAN"),
])
def test_static_unconditional_type_follows_the_loss_not_the_architecture(gan_type, expected):
    out = run(gan(gan_type=gan_type))
    assert out.target["model"]["type"] == expected
    assert "gan_loss" not in out.target["model"]
    assert not findings(out)


def test_ggan_hinge_config_is_never_dcgan():
    # mapping.md §3 row 2: the upstream port trained these with BCE
    out = run(gan(gen="DCGANGenerator", gan_type="hinge"))
    assert out.target["model"]["type"] == "GGAN"


@pytest.mark.parametrize("gen,expected", [
    ("BigGANGenerator", "BigGAN"), ("BigGANDeepGenerator", "BigGAN"),
    ("SAGANGenerator", "SAGAN"), ("SNGANGenerator", "SNGAN"),
])
def test_conditional_type_by_generator(gen, expected):
    out = run(gan("BasiccGAN", gen=gen, gan_type="hinge"))
    assert out.target["model"]["type"] == expected
    assert "gan_loss" not in out.target["model"] and "loss_config" not in out.target["model"]


def test_stylegan_generators_choose_stylegan2_and_3():
    for gen, expected in (("StyleGANv2Generator", "StyleGAN2"), ("StyleGANv3Generator", "StyleGAN3")):
        out = run(gan(gen=gen, gan_type="wgan-logistic-ns"))
        assert out.target["model"]["type"] == expected


def test_unknown_generator_of_basiccgan_is_unsupported_and_kept():
    out = run(gan("BasiccGAN", gen="MyGenerator", gan_type="hinge"))
    assert out.target["model"]["type"] == "BasiccGAN"
    assert out.target["model"]["gan_loss"] == {"type": "GANLoss", "gan_type": "hinge"}
    assert [c.severity for c in findings(out, "MOD001")] == [Severity.UNSUPPORTED]


def test_wgangp_writes_the_keys_wgangp_reads():
    # mmagic wgan_gp.py reads loss_config.get('loss_weight', 10) and get('norm_mode', 'HWC');
    # the upstream port wrote gp_loss_weight, silently training with 10 (mapping.md §3 row 3)
    gp = {"type": "GradientPenaltyLoss", "loss_weight": 50, "norm_mode": "HWC",
          "data_info": {"discriminator": "disc", "real_data": "real_imgs", "fake_data": "fake_imgs"}}
    out = run(gan(gan_type="wgan", disc_auxiliary_loss=[gp]))
    model = out.target["model"]
    assert model["type"] == "WGANGP"
    assert model["loss_config"] == {"loss_weight": 50, "norm_mode": "HWC"}
    assert "gp_loss_weight" not in model["loss_config"]
    assert "disc_auxiliary_loss" not in model
    assert not findings(out)


def test_wgangp_gp_defaults_are_the_0x_defaults_written_out():
    out = run(gan(gan_type="wgan", disc_auxiliary_loss=dict(type="GradientPenaltyLoss")))
    # 0.x GradientPenaltyLoss defaults (weight 1, 'pixel'), not the 1.x class defaults (10, 'HWC')
    assert out.target["model"]["loss_config"] == {"loss_weight": 1.0, "norm_mode": "pixel"}


def test_wgan_without_gradient_penalty_is_unsupported():
    out = run(gan(gan_type="wgan"))
    assert out.target["model"]["gan_loss"]["gan_type"] == "wgan"
    assert any(c.severity == Severity.UNSUPPORTED for c in findings(out, "MOD002"))


def test_stylegan2_regularisers_flat_keys_and_explicit_norm_mode():
    out = run(gan(gen="StyleGANv2Generator", gan_type="wgan-logistic-ns",
                  disc_auxiliary_loss=dict(type="R1GradientPenalty", loss_weight=80., interval=16, norm_mode="HWC",
                                           data_info=dict(real_data="real_imgs", discriminator="disc")),
                  gen_auxiliary_loss=dict(type="GeneratorPathRegularizer", loss_weight=8., pl_batch_shrink=2,
                                          interval=4, data_info=dict(generator="gen", num_batches="batch_size"))))
    assert out.target["model"]["loss_config"] == dict(
        r1_loss_weight=80., r1_interval=16, norm_mode="HWC", r1_use_apex_amp=False,
        g_reg_weight=8., g_reg_interval=4, pl_batch_shrink=2, g_reg_use_apex_amp=False)


def test_stylegan2_r1_with_0x_defaults_is_not_left_to_1x_defaults():
    out = run(gan(gen="StyleGANv2Generator", gan_type="wgan-logistic-ns",
                  disc_auxiliary_loss=dict(type="R1GradientPenalty")))
    lc = out.target["model"]["loss_config"]
    # 1.x defaults would be 80 / 16 / 'pixel'; 0.x defaults are 1 / 1 / 'pixel'
    assert (lc["r1_loss_weight"], lc["r1_interval"], lc["norm_mode"]) == (1.0, 1, "pixel")
    # no path-length term in 0.x -> weight 0 in 1.x, reported
    assert lc["g_reg_weight"] == 0.0
    assert any("path-length" in c.message for c in findings(out, "MOD002"))


def test_stylegan2_loss_scaler_in_r1_data_info_sets_scale_r1_loss():
    out = run(gan(gen="StyleGANv2Generator", gan_type="wgan-logistic-ns",
                  disc_auxiliary_loss=dict(type="R1GradientPenalty", loss_weight=10., interval=16,
                                           data_info=dict(loss_scaler="loss_scaler")),
                  gen_auxiliary_loss=dict(type="GeneratorPathRegularizer", loss_weight=8.)))
    assert out.target["model"]["loss_config"]["scale_r1_loss"] is True


def test_cyclegan_cycle_and_id_weights():
    def l1(name, w, dom):
        return dict(type="L1Loss", loss_weight=w, loss_name=name, data_info=dict(pred=f"x_{dom}"))
    aux = [l1("cycle_loss", 10.0, "a"), l1("cycle_loss", 10.0, "b"), l1("id_loss", 0.5, "a"), l1("id_loss", 0.5, "b")]
    out = run(gan("CycleGAN", gen="ResnetGenerator", gan_type="lsgan", gen_auxiliary_loss=aux,
                  related_domains=["a", "b"], reachable_domains=["a", "b"]))
    model = out.target["model"]
    assert model["loss_config"] == {"cycle_loss_weight": 10.0, "id_loss_weight": 0.5}
    assert model["data_preprocessor"] == {"type": "DataPreprocessor", "data_keys": ["img_a", "img_b"]}
    # without id terms ("id0" configs) the id weight is 0.0
    out = run(gan("CycleGAN", gen="ResnetGenerator", gan_type="lsgan", gen_auxiliary_loss=aux[:2]))
    assert out.target["model"]["loss_config"] == {"cycle_loss_weight": 10.0, "id_loss_weight": 0.0}


def test_cyclegan_domains_with_different_weights_are_unsupported():
    aux = [dict(type="L1Loss", loss_weight=10.0, loss_name="cycle_loss"),
           dict(type="L1Loss", loss_weight=5.0, loss_name="cycle_loss")]
    out = run(gan("CycleGAN", gen="ResnetGenerator", gan_type="lsgan", gen_auxiliary_loss=aux))
    assert "gen_auxiliary_loss" in out.target["model"]
    assert any(c.severity == Severity.UNSUPPORTED for c in findings(out, "MOD002"))


def test_pix2pix_pixel_loss_weight():
    out = run(gan("Pix2Pix", gen="UnetGenerator", gan_type="vanilla",
                  gen_auxiliary_loss=dict(type="L1Loss", loss_weight=100.0, loss_name="pixel_loss")))
    assert out.target["model"]["loss_config"] == {"pixel_loss_weight": 100.0}


def test_pggan_hard_coded_losses_checked():
    shift = [dict(type="DiscShiftLoss", loss_weight=0.001 * 0.5, data_info=dict(pred=p))
             for p in ("disc_pred_fake", "disc_pred_real")]
    gp = dict(type="GradientPenaltyLoss", loss_weight=10, norm_mode="HWC")
    out = run(gan("ProgressiveGrowingGAN", gen="PGGANGenerator", gan_type="wgan", disc_auxiliary_loss=shift + [gp]))
    assert not any(k in out.target["model"] for k in ("gan_loss", "disc_auxiliary_loss", "loss_config"))
    assert not findings(out)
    # a different GP weight cannot be expressed: 1.x PGGAN hard-codes 10
    out = run(gan("ProgressiveGrowingGAN", gen="PGGANGenerator", gan_type="wgan",
                  disc_auxiliary_loss=shift + [dict(gp, loss_weight=5)]))
    assert "disc_auxiliary_loss" in out.target["model"]
    assert any(c.severity == Severity.UNSUPPORTED for c in findings(out, "MOD002"))


def test_label_smoothing_in_gan_loss_is_unsupported():
    out = run(gan(gan_type="vanilla", gan_loss=dict(type="GANLoss", gan_type="vanilla", real_label_val=0.9)))
    assert out.target["model"]["gan_loss"]["real_label_val"] == 0.9
    assert any("real_label_val" in c.message for c in findings(out, "MOD002"))


def test_data_preprocessor_variants():
    out = run(gan())
    assert out.target["model"]["data_preprocessor"] == {"type": "DataPreprocessor"}
    out = run(gan("SinGAN", gen="SinGANMultiScaleGenerator", gan_type=None))
    assert out.target["model"]["data_preprocessor"]["non_image_keys"] == ["input_sample"]
    out = run({"model": {"type": "DCGAN", "generator": {}}})
    assert "data_preprocessor" not in out.target["model"]


def test_pggan_train_cfg_to_model_and_constructor():
    cfg = gan("ProgressiveGrowingGAN", gen="PGGANGenerator", gan_type=None)
    cfg["train_cfg"] = dict(
        use_ema=True, nkimgs_per_scale={"4": 600, "8": 1200, "16": 1200}, transition_kimgs=600,
        optimizer_cfg=dict(generator=dict(type="Adam", lr=0.001, betas=(0.0, 0.99)),
                           discriminator=dict(type="Adam", lr=0.002, betas=(0.0, 0.99))),
        g_lr_base=0.0008, d_lr_base=0.002, g_lr_schedule={"16": 0.0015}, d_lr_schedule={})
    cfg["optimizer"] = None
    out = run(cfg)
    t = out.target
    assert t["model"]["nkimgs_per_scale"] == {"4": 600, "8": 1200, "16": 1200}
    assert t["model"]["transition_kimgs"] == 600
    ow = t["optim_wrapper"]
    assert ow["constructor"] == "PGGANOptimWrapperConstructor"
    assert ow["generator"]["optimizer"]["lr"] == 0.001
    # first scale: the optimizer lr; later scales: the schedule, else the 0.x *_lr_base
    assert ow["lr_schedule"]["generator"] == {"4": 0.001, "8": 0.0008, "16": 0.0015}
    assert ow["lr_schedule"]["discriminator"] == {"4": 0.002, "8": 0.002, "16": 0.002}
    assert ow["reset_optim_for_new_scale"] is True
    assert t["train_cfg"] == {"use_ema": True}  # left to the EMA rule


def test_singan_lr_and_hard_coded_betas():
    cfg = gan("SinGAN", gen="SinGANMultiScaleGenerator", gan_type=None)
    cfg["model"]["generator"]["num_scales"] = 10
    cfg["train_cfg"] = dict(noise_weight_init=0.1, iters_per_scale=2000, curr_scale=-1, lr_g=0.0005, lr_d=0.0004,
                            lr_scheduler_args=dict(milestones=[1600], gamma=0.1), disc_steps=3, generator_steps=3)
    cfg["optimizer"] = None
    out = run(cfg)
    t = out.target
    assert t["optim_wrapper"] == {
        "constructor": "SinGANOptimWrapperConstructor",
        "generator": {"optimizer": {"type": "Adam", "lr": 0.0005, "betas": (0.5, 0.999)}},
        "discriminator": {"optimizer": {"type": "Adam", "lr": 0.0004, "betas": (0.5, 0.999)}},
    }
    assert t["model"]["num_scales"] == 10 and t["model"]["iters_per_scale"] == 2000
    assert "train_cfg" not in t


def test_singan_curr_scale_other_than_minus_one_is_unsupported():
    cfg = gan("SinGAN", gen="SinGANMultiScaleGenerator", gan_type=None)
    cfg["train_cfg"] = dict(curr_scale=3)
    out = run(cfg)
    assert out.target["train_cfg"] == {"curr_scale": 3}
    assert [c.severity for c in findings(out, "MOD004")] == [Severity.UNSUPPORTED]


def test_mspie_train_settings_and_cyclegan_buffer():
    cfg = gan("MSPIEStyleGAN2", gen="MSStyleGANv2Generator", gan_type=None)
    cfg["train_cfg"] = dict(num_upblocks=6, multi_input_scales=[0, 2, 4], multi_scale_probability=[0.5, 0.25, 0.25])
    t = run(cfg).target
    assert t["model"]["train_settings"] == dict(num_upblocks=6, multi_input_scales=[0, 2, 4],
                                                multi_scale_probability=[0.5, 0.25, 0.25])
    cfg = gan("CycleGAN", gen="ResnetGenerator", gan_type=None)
    cfg["train_cfg"] = dict(buffer_size=50)
    cfg["test_cfg"] = None
    t = run(cfg).target
    assert t["model"]["buffer_size"] == 50 and "train_cfg" not in t and "test_cfg" not in t


def test_diffusion_training_is_refused_and_left_untouched():
    cfg = {"model": {"type": "BasicGaussianDiffusion", "denoising": {"type": "DenoisingUnet"}},
           "optimizer": {"denoising": {"type": "AdamW", "lr": 1e-4}},
           "train_cfg": {"use_ema": True}, "total_iters": 500000}
    out = apply_rules(cfg)  # every rule
    assert out.target["optimizer"] == cfg["optimizer"] and "optim_wrapper" not in out.target
    assert out.target["total_iters"] == 500000 and out.target["train_cfg"] == {"use_ema": True}
    refused = [c for c in out.changes if c.rule == "MOD005"]
    assert refused and all(c.severity == Severity.UNSUPPORTED for c in refused)
    assert "no training path in MMagic 1.x" in refused[0].message


def test_diffusion_refusal_text_and_exit_relevant_findings():
    src = ("model = dict(type='BasicGaussianDiffusion')\n"
           "optimizer = dict(denoising=dict(type='AdamW', lr=1e-4))\n")
    res = convert_text("x = 1\n" + src)
    assert "# mmgen-migrate: MOD005 unsupported" in res.new_text
    assert "optimizer = dict(denoising=dict(type='AdamW', lr=1e-4))" in res.new_text
    assert res.needs_review


def test_converted_wgangp_child_keeps_the_variable():
    src = ("gp = 50\n"
           "model = dict(type='StaticUnconditionalGAN', generator=dict(type='G'), discriminator=dict(type='D'),\n"
           "             gan_loss=dict(type='GANLoss', gan_type='wgan'),\n"
           "             disc_auxiliary_loss=[dict(type='GradientPenaltyLoss', loss_weight=gp, norm_mode='HWC')])\n")
    res = convert_text(src, options=ConvertOptions(select=["MOD"]))
    assert "loss_config=dict(loss_weight=gp, norm_mode='HWC')" in res.new_text
    assert "gan_loss" not in res.new_text and "disc_auxiliary_loss" not in res.new_text


def test_biggan_init_type_becomes_init_cfg_but_not_for_biggan_deep():
    cfg = gan("BasiccGAN", gen="BigGANGenerator", gan_type="hinge")
    cfg["model"]["generator"].update(init_type="N02", pretrained=None)
    cfg["model"]["discriminator"] = {"type": "BigGANDeepDiscriminator", "init_type": "ortho"}
    out = apply_rules(cfg, [REGISTRY["MOD006"]])
    assert out.target["model"]["generator"] == {"type": "BigGANGenerator", "init_cfg": {"type": "N02"}}
    assert out.target["model"]["discriminator"] == {"type": "BigGANDeepDiscriminator", "init_type": "ortho"}
    cfg["model"]["generator"] = {"type": "BigGANGenerator", "pretrained": "ckpt.pth"}
    out = apply_rules(cfg, [REGISTRY["MOD006"]])
    assert out.target["model"]["generator"]["init_cfg"] == {"type": "Pretrained", "checkpoint": "ckpt.pth"}


def test_styleganv1_rename_and_hard_coded_r1():
    r1 = dict(type="R1GradientPenalty", loss_weight=10, norm_mode="HWC",
              data_info=dict(real_data="real_imgs", discriminator="disc_partial"))
    out = run(gan("StyleGANV1", gen="StyleGANv1Generator", gan_type="wgan-logistic-ns", disc_auxiliary_loss=[r1]))
    model = out.target["model"]
    assert model["type"] == "StyleGANv1"
    assert not {"gan_loss", "disc_auxiliary_loss", "loss_config"} & set(model)
    assert not findings(out)
    # an R1 weight 1.x StyleGANv1 does not hard-code cannot be converted
    out = run(gan("StyleGANV1", gen="StyleGANv1Generator", gan_type="wgan-logistic-ns",
                  disc_auxiliary_loss=[dict(r1, loss_weight=5)]))
    assert "disc_auxiliary_loss" in out.target["model"]
    assert any(c.severity == Severity.UNSUPPORTED for c in findings(out, "MOD002"))


def test_mspie_uses_stylegan2_loss_config():
    out = run(gan("MSPIEStyleGAN2", gen="MSStyleGANv2Generator", gan_type="wgan-logistic-ns",
                  disc_auxiliary_loss=dict(type="R1GradientPenalty", loss_weight=80, interval=16, norm_mode="HWC"),
                  gen_auxiliary_loss=dict(type="GeneratorPathRegularizer", loss_weight=8, interval=4,
                                          pl_batch_shrink=2)))
    lc = out.target["model"]["loss_config"]
    assert (lc["r1_loss_weight"], lc["r1_interval"], lc["norm_mode"]) == (80, 16, "HWC")
    assert (lc["g_reg_weight"], lc["g_reg_interval"], lc["pl_batch_shrink"]) == (8, 4, 2)
    assert out.target["model"]["type"] == "MSPIEStyleGAN2"


def test_logistic_non_saturating_equals_bce():
    # softplus(-x) = BCE(x, 1): the same loss under two 0.x names
    out = run(gan(gan_type="wgan-logistic-ns"))
    assert out.target["model"]["type"] == "DCGAN" and "gan_loss" not in out.target["model"]
    out = run(gan(gen="StyleGANv2Generator", gan_type="vanilla",
                  disc_auxiliary_loss=dict(type="R1GradientPenalty", loss_weight=10.0),
                  gen_auxiliary_loss=dict(type="GeneratorPathRegularizer", loss_weight=2.0)))
    assert out.target["model"]["type"] == "StyleGAN2" and "gan_loss" not in out.target["model"]


# -- MOD007: conditional GANs need a class count ---------------------------------

COND = MOD + [REGISTRY["MOD007"]]


def studio_sagan(**extra):
    """The shape of the inference-only `*_cvt_studioGAN` SAGAN configs: a conditional
    generator (`use_cbn=True` by default) and no `num_classes` anywhere."""
    cfg = gan("BasiccGAN", gen="SAGANGenerator", gan_type="hinge")
    cfg["model"]["generator"].update(output_scale=32, base_channels=256)
    cfg["model"]["discriminator"] = {"type": "ProjDiscriminator", "input_scale": 32}
    cfg.update(extra)
    return cfg


def test_conditional_generator_without_classes_is_unsupported_and_names_the_key():
    # SNConditionNorm raises "`num_classes` must be larger than 0 with `use_cbn=True`"
    # in 0.x and in 1.x: the config builds no model in either
    out = run(studio_sagan(), COND)
    found = findings(out, "MOD007")
    assert [c.severity for c in found] == [Severity.UNSUPPORTED]
    assert "model.num_classes" in found[0].message and "use_cbn" in found[0].message
    assert "num_classes" not in out.target["model"]


@pytest.mark.parametrize("where,value,extra", [
    ("model.discriminator.num_classes", 10, {}),
    ("CIFAR10", 10, {"data": {"train": {"type": "mmcls.CIFAR10", "data_prefix": "c"}}}),
    ("ImageNet", 1000, {"data": {"train": {"type": "RepeatDataset", "times": 2,
                                           "dataset": {"type": "mmcls.ImageNet", "data_prefix": "i"}}}}),
    ("classes", 3, {"data": {"train": {"type": "mmcls.ImageNet", "data_prefix": "i", "classes": ["a", "b", "c"]}}}),
])
def test_class_count_filled_only_where_it_is_known_and_says_from_where(where, value, extra):
    cfg = studio_sagan(**extra)
    if where.startswith("model.discriminator"):
        cfg["model"]["discriminator"]["num_classes"] = value
    out = run(cfg, COND)
    assert out.target["model"]["num_classes"] == value
    found = findings(out, "MOD007")
    assert [c.severity for c in found] == [Severity.REVIEW] and where in found[0].message


def test_unconditional_or_complete_models_are_left_alone():
    cfg = studio_sagan()
    cfg["model"]["generator"]["use_cbn"] = False  # an unconditional SAGAN generator builds with 0 classes
    assert not findings(run(cfg, COND), "MOD007")
    cfg = studio_sagan()
    cfg["model"]["generator"]["num_classes"] = 10
    out = run(cfg, COND)
    assert not findings(out, "MOD007") and "num_classes" not in out.target["model"]
    # BigGAN's shared class embedding needs classes too (AssertionError in BigGANGenerator)
    cfg = gan("BasiccGAN", gen="BigGANGenerator", gan_type="hinge")
    assert [c.severity for c in findings(run(cfg, COND), "MOD007")] == [Severity.UNSUPPORTED]
