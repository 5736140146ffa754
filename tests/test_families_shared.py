"""One record per model type (``mmgen_migrate/families.py``): the rules'
and the verifier's classifications are views of it, and each record gives
what its family needs."""

from __future__ import annotations

from mmgen_migrate import families as shared
from mmgen_migrate.rules import families as rules_fam
from mmgen_migrate.verify import spec

# The tables as they were written out before they became views of the
# records: the views must give exactly these (no change in behaviour).
OLD_LEGACY_TYPES = {
    "BasiccGAN": "conditional", "StaticUnconditionalGAN": "static", "ProgressiveGrowingGAN": "pggan",
    "PGGAN": "pggan", "StyleGANV1": "pggan", "MSPIEStyleGAN2": "mspie", "SinGAN": "singan", "PESinGAN": "singan",
    "CycleGAN": "translation", "Pix2Pix": "translation", "BasicGaussianDiffusion": "diffusion",
}
OLD_MODERN_TYPES = {"BigGAN", "SAGAN", "SNGAN", "DCGAN", "LSGAN", "GGAN", "WGANGP", "StyleGAN2", "StyleGAN3",
                    "StyleGANv1", "EG3D", "BaseGAN", "BaseConditionalGAN"}
OLD_HONOURS = {
    "conditional": {"disc_steps", "gen_steps", "batch_accumulation_steps"}, "static": {"disc_steps"},
    "pggan": {"disc_steps"}, "mspie": {"disc_steps"}, "singan": {"disc_steps", "generator_steps"},
    "translation": {"disc_steps", "disc_init_steps"}, "diffusion": set(),
}
OLD_REPLAY = {
    "BasiccGAN": "conditional", "StaticUnconditionalGAN": "unconditional", "MSPIEStyleGAN2": "unconditional",
    "CycleGAN": "translation", "Pix2Pix": "translation", "SinGAN": "singan", "PESinGAN": "singan",
    "ProgressiveGrowingGAN": "pggan", "PGGAN": "pggan", "StyleGANV1": "pggan", "StyleGANv1": "pggan",
    "BasicGaussianDiffusion": "diffusion",
}
OLD_FLAVOUR = {
    **{t: "basegan" for t in ("BaseGAN", "BaseConditionalGAN", "BigGAN", "SAGAN", "SNGAN", "DCGAN", "LSGAN",
                              "GGAN", "WGANGP", "MSPIEStyleGAN2")},
    "StyleGAN2": "stylegan2", "StyleGAN3": "stylegan2", "CycleGAN": "translation", "Pix2Pix": "translation",
    "SinGAN": "singan", "PESinGAN": "singan", "PGGAN": "pggan", "ProgressiveGrowingGAN": "pggan",
    "StyleGANv1": "pggan", "StyleGANV1": "pggan",
}


def test_the_rules_tables_are_views_of_the_records():
    assert rules_fam.LEGACY_TYPES == OLD_LEGACY_TYPES
    assert rules_fam.MODERN_TYPES == OLD_MODERN_TYPES
    assert rules_fam.HONOURS == OLD_HONOURS
    assert set(rules_fam.SOURCE_FILES) == set(OLD_HONOURS) - {"diffusion"}


def test_the_verifier_tables_are_views_of_the_records():
    assert spec.LEGACY_FAMILIES == OLD_REPLAY
    assert spec.MODERN_FAMILIES == OLD_FLAVOUR


def test_every_0x_type_says_what_its_family_needs():
    for t in shared.MODEL_TYPES.values():
        if t.family.name == shared.MODERN:
            assert t.replay in (None, shared.REPLAY_PGGAN), t  # StyleGANv1: the 1.x spelling, also read as 0.x
            continue
        assert t.replay is not None, f"{t.name}: a 0.x type the verifier cannot replay"
        if t.family.name != shared.DIFFUSION:
            assert t.honours and t.source and t.source.startswith("mmgen/"), t
            if t.replay in spec._LEGACY_TRAIN_KEYS:  # (the verifier refuses PGGAN before reading train_cfg)
                assert t.honours <= spec._LEGACY_TRAIN_KEYS[t.replay], t  # it reads what 0.x honoured


def test_family_of_reads_the_records():
    assert rules_fam.family_of({"model": {"type": "StaticUnconditionalGAN"}}) == rules_fam.STATIC
    assert rules_fam.family_of({"model": {"type": "StyleGAN2"}}) == rules_fam.MODERN
    assert rules_fam.family_of({"model": {"type": "MyGAN"}}) == rules_fam.UNKNOWN
    assert shared.lookup("MSPIEStyleGAN2").family.name == shared.MSPIE
    assert shared.lookup(None) is None


OLD_LEGACY_TRAIN_KEYS = {
    "conditional": {"disc_steps", "gen_steps", "batch_accumulation_steps", "use_ema", "real_img_key"},
    "unconditional": {"disc_steps", "use_ema", "real_img_key", "gen_steps", "batch_accumulation_steps",
                      "num_upblocks", "multi_input_scales", "multi_scale_probability"},
    "translation": {"disc_steps", "disc_init_steps", "real_img_key", "buffer_size", "direction"},
    "singan": {"disc_steps", "generator_steps", "iters_per_scale", "lr_d", "lr_g", "lr_scheduler_args",
               "noise_weight_init", "curr_scale", "first_fixed_noises_ch", "fixed_noise_with_pad"},
}


def test_the_replay_records_give_the_old_tables():
    assert spec._LEGACY_TRAIN_KEYS == OLD_LEGACY_TRAIN_KEYS
    assert set(spec.GAN_FAMILIES) == {"conditional", "unconditional"}
    assert {n for n, r in shared.REPLAYS.items() if r.refused} == {"pggan", "diffusion"}
    assert set(spec.LEGACY_FAMILIES.values()) == set(shared.REPLAYS)  # every replay family has its record


def test_pairing_dispatches_on_the_replay_record():
    def pair(old_type, new_type):
        legacy = spec.LegacySpec(source="old.py", model_type=old_type, family=spec.LEGACY_FAMILIES[old_type])
        modern = spec.ModernSpec(source="new.py", model_type=new_type, family=spec.MODERN_FAMILIES[new_type])
        return spec.pairing_problem(legacy, modern)

    assert pair("StaticUnconditionalGAN", "StyleGAN2") is None
    assert pair("BasiccGAN", "BigGAN") is None
    assert pair("CycleGAN", "CycleGAN") is None and pair("SinGAN", "SinGAN") is None
    assert pair("CycleGAN", "Pix2Pix") == "0.x CycleGAN and 1.x Pix2Pix are different translation models"
    assert "different model families" in pair("SinGAN", "BigGAN")
    assert "different model families" in pair("PGGAN", "PGGAN")


def test_one_record_says_which_0x_train_steps_take_no_loss_scaler():
    from mmgen_migrate.rules import amp

    assert amp.NO_SCALER_FAMILIES == {"pggan", "singan", "mspie", "translation"}  # as the rules had it
    # the verifier had it as the translation and singan replays plus MSPIEStyleGAN2
    no_scaler = {n for n, t in shared.MODEL_TYPES.items() if t.replay and t.family.takes_loss_scaler is False
                 and not shared.REPLAYS[t.replay].refused}
    assert no_scaler == {"CycleGAN", "Pix2Pix", "SinGAN", "PESinGAN", "MSPIEStyleGAN2"}


def test_a_replay_reads_every_step_key_its_0x_train_steps_honour():
    """The step keys are one list (Family.honours): a key added to a 0.x
    family reaches the verifier's reading of the configs it replays."""
    for t in shared.MODEL_TYPES.values():
        if t.replay is not None and not shared.REPLAYS[t.replay].refused:
            assert t.honours <= shared.REPLAYS[t.replay].train_keys, t.name
