"""Per-family replays (docs/semantics.md §2) and what is reported as not verified."""
from __future__ import annotations

import pytest

from mmgen_migrate.verify import verify_configs

from _pairs import positions, singan_pair, translation_pair, uncond_pair

pytest.importorskip("torch")


def test_static_unconditional_ignores_gen_steps_and_accumulation():
    # docs/semantics.md §2.2: 0.x StaticUnconditionalGAN reads only disc_steps.
    old, new = uncond_pair(4, old_train_extra=dict(gen_steps=2, batch_accumulation_steps=2))
    r = verify_configs(old, new, iters=16, device="cpu")
    assert r.verdict == "equivalent", r.reasons
    assert positions(r.timelines["generator"].old) == [3, 7, 11, 15]
    assert r.timelines["discriminator"].old == "S" * 16
    assert any("ignores train_cfg.gen_steps" in n for n in r.notes)


def test_static_unconditional_carried_over_gen_steps_is_wrong():
    old, new = uncond_pair(4, Gk=2, old_train_extra=dict(gen_steps=2))
    r = verify_configs(old, new, iters=16, device="cpu")
    assert r.verdict == "different"
    assert "model.generator_steps=2" in r.reasons[0]
    assert r.first_difference == 3


@pytest.mark.parametrize("new_type", ["DCGAN", "LSGAN", "WGANGP", "StyleGAN2", "StyleGAN3"])
def test_unconditional_targets(new_type):
    old, new = uncond_pair(5, new_type=new_type)
    r = verify_configs(old, new, iters=20, device="cpu")
    assert r.verdict == "equivalent", r.reasons
    assert positions(r.timelines["generator"].new) == [4, 9, 14, 19]


def test_translation_d1_is_equivalent():
    old, new = translation_pair("CycleGAN")
    r = verify_configs(old, new, iters=12, device="cpu")
    assert r.verdict == "equivalent", r.reasons
    assert set(r.timelines) >= {"generators", "discriminators"}


def test_pix2pix_is_equivalent():
    old, new = translation_pair("Pix2Pix")
    r = verify_configs(old, new, iters=12, device="cpu")
    assert r.verdict == "equivalent", r.reasons


def test_translation_d2_phase_cannot_be_matched():
    # docs/semantics.md §2.6: 0.x G at 0,2,4,...; 1.x at 1,3,5,...
    old, new = translation_pair("CycleGAN", d=2)
    r = verify_configs(old, new, iters=12, device="cpu")
    assert r.verdict == "different"
    assert positions(r.timelines["generators"].old) == [0, 2, 4, 6, 8, 10]
    assert positions(r.timelines["generators"].new) == [1, 3, 5, 7, 9, 11]
    d = r.differences[0]
    assert d.known and "no 1.x setting reproduces the 0.x phase" in d.message


def test_translation_disc_init_steps():
    # docs/semantics.md §2.6 table: d=3, init=2 -> 0.x 3,6,9; 1.x 2,5,8,11.
    old, new = translation_pair("CycleGAN", d=3, init=2)
    r = verify_configs(old, new, iters=12, device="cpu")
    assert positions(r.timelines["generators"].old) == [3, 6, 9]
    assert positions(r.timelines["generators"].new) == [2, 5, 8, 11]
    assert r.verdict == "different"


def test_translation_wrong_disc_init_steps_is_named():
    old, new = translation_pair("CycleGAN", init=3)
    new["model"]["disc_init_steps"] = 0
    r = verify_configs(old, new, iters=8, device="cpu")
    assert r.verdict == "different"
    assert "model.disc_init_steps=0, 0.x disc_init_steps=3" in r.reasons[0]


def test_singan_schedule_matches_but_noise_weights_are_a_known_difference():
    old, new = singan_pair()
    r = verify_configs(old, new, device="cpu")
    assert r.verdict == "different"
    assert [d.kind for d in r.differences] == ["noise-weights"]
    assert all(d.known for d in r.differences)
    # One 0.x iteration = a whole D/G round = discriminator_steps 1.x iterations.
    assert r.timelines["discriminator"].old == r.timelines["discriminator"].new == "222222"
    assert r.timelines["generator"].old == r.timelines["generator"].new == "333333"
    assert r.timelines["stage"].old == r.timelines["stage"].new == "001122"
    assert all(p["allclose"] for p in r.parameters.values())


def test_singan_wrong_discriminator_steps():
    old, new = singan_pair(Dk=3)
    r = verify_configs(old, new, device="cpu")
    d = r.differences[0]
    assert d.kind == "steps" and d.module == "discriminator"
    assert "model.discriminator_steps=3" in d.message


def test_singan_wrong_iters_per_scale():
    old, new = singan_pair(ips_new=3)
    r = verify_configs(old, new, device="cpu")
    stage = [d for d in r.differences if d.module == "stage"]
    assert stage and stage[0].iteration == 2
    assert "model.iters_per_scale=3" in stage[0].message


def test_singan_global_param_scheduler_is_caught():
    # docs/semantics.md §8.17: SinGAN must not get a global param_scheduler.
    old, new = singan_pair()
    new["param_scheduler"] = dict(type="MultiStepLR", by_epoch=False, milestones=[2], gamma=0.1)
    r = verify_configs(old, new, device="cpu")
    assert any(d.kind == "lr" for d in r.differences)


@pytest.mark.parametrize("old_type,words", [
    ("ProgressiveGrowingGAN", "PGGAN/StyleGANv1 is not replayed"),
    ("BasicGaussianDiffusion", "no trainable 1.x equivalent"),
    ("MyCustomGAN", "has no replay"),
])
def test_unreplayable_families_are_not_verified(old_type, words):
    old, new = uncond_pair(1)
    old["model"]["type"] = old_type
    r = verify_configs(old, new, device="cpu")
    assert r.verdict == "not verified"
    assert r.exit_code == 1
    assert words in r.reasons[0]
    assert not r.timelines


def test_family_mismatch_is_not_verified():
    old, _ = uncond_pair(1)
    _, new = translation_pair("CycleGAN")
    r = verify_configs(old, new, device="cpu")
    assert r.verdict == "not verified"
    assert "different model families" in r.reasons[0]


def test_single_optimizer_wrapper_cannot_build_a_gan():
    old, new = uncond_pair(1)
    new["optim_wrapper"] = dict(optimizer=dict(type="Adam", lr=2e-4, betas=(0.5, 0.999)))
    r = verify_configs(old, new, iters=4, device="cpu")
    assert r.verdict == "different"
    assert r.differences[0].kind == "crash"
    assert "MultiOptimWrapperConstructor" in r.reasons[0]


def test_static_checks_training_length_and_batch_size():
    old, new = uncond_pair(1, total=1000)
    new["train_cfg"]["max_iters"] = 2000
    old["data"] = dict(samples_per_gpu=1)
    new["train_dataloader"] = dict(batch_size=4)
    r = verify_configs(old, new, iters=4, device="cpu")
    kinds = {d.kind for d in r.differences}
    assert kinds == {"training-length", "batch-size"}
    assert any("train_dataloader.batch_size=4" in x for x in r.reasons)


def test_0x_config_that_cannot_train_is_not_verified():
    old, new = uncond_pair(1)
    old["optimizer"]["generator"]["type"] = "NoSuchOptimizer"
    r = verify_configs(old, new, iters=4, device="cpu")
    assert r.verdict == "not verified"
    assert "the 0.x replay fails while building it" in r.reasons[0]
    assert "NoSuchOptimizer" in r.reasons[0]


def test_1x_optimizer_that_mmengine_cannot_build_is_a_crash():
    old, new = uncond_pair(1)
    new["optim_wrapper"]["generator"]["optimizer"]["type"] = "NoSuchOptimizer"
    r = verify_configs(old, new, iters=4, device="cpu")
    assert r.verdict == "different"
    assert r.differences[0].kind == "crash" and r.first_difference == 0
    assert "optim_wrapper.generator" in r.reasons[0]
