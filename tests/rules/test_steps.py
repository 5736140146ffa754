"""STP001: steps and accumulation, per model family (docs/semantics.md §2, §7)."""

import pytest

from mmgen_migrate.model import Severity
from mmgen_migrate.rules import REGISTRY, apply_rules

RULES = [REGISTRY["OPT001"], REGISTRY["STP001"]]
OPT = {"generator": dict(type="Adam", lr=1e-4), "discriminator": dict(type="Adam", lr=4e-4)}


def convert(mtype, **train_cfg):
    cfg = {"model": {"type": mtype}, "train_cfg": dict(train_cfg), "optimizer": OPT}
    return apply_rules(cfg, RULES)


# docs/semantics.md §7: (d, g, A) -> exact 1.x (Dk, Gk, A); fractional where A does not divide d
TABLE = [
    ((1, 1, 1), 1, False),
    ((5, 1, 1), 5, False),
    ((8, 1, 8), 1, False),
    ((2, 1, 2), 1, False),
    ((4, 2, 2), 2, False),
    ((3, 1, 2), 1.5, True),
    ((1, 3, 1), 1, False),
    ((1, 1, 2), 0.5, True),
    ((6, 1, 4), 1.5, True),
    ((2, 1, 4), 0.5, True),
]


@pytest.mark.parametrize("dga,dk,fractional", TABLE)
def test_conditional_gan_table(dga, dk, fractional):
    d, g, a = dga
    out = convert("BasiccGAN", disc_steps=d, gen_steps=g, batch_accumulation_steps=a)
    t = out.target
    assert t["model"]["discriminator_steps"] == dk and type(t["model"]["discriminator_steps"]) is type(dk)
    assert t["model"]["discriminator_steps"] != 0
    assert t["model"]["generator_steps"] == g
    assert t["optim_wrapper"]["generator"]["accumulative_counts"] == a
    assert t["optim_wrapper"]["discriminator"]["accumulative_counts"] == a
    assert "train_cfg" not in t
    step = [c for c in out.changes if c.new_path == ("model", "discriminator_steps")][0]
    assert step.severity == (Severity.REVIEW if fractional else Severity.EXACT)
    assert f"disc_steps={d}" in step.note and f"batch_accumulation_steps={a}" in step.note
    # the exact product: the G period equals 0.x's d
    assert t["model"]["discriminator_steps"] * a == d


@pytest.mark.parametrize("mtype", ["StaticUnconditionalGAN", "MSPIEStyleGAN2"])
def test_disc_only_families_ignore_gen_steps_and_accumulation(mtype):
    out = convert(mtype, disc_steps=4, gen_steps=2, batch_accumulation_steps=2)
    t = out.target
    assert t["model"]["discriminator_steps"] == 4
    assert "generator_steps" not in t["model"]
    assert "accumulative_counts" not in t["optim_wrapper"]["generator"]
    dropped = {c.old_paths[0][1]: c for c in out.changes
               if c.new_path is None and c.old_paths and len(c.old_paths[0]) == 2}
    assert dropped["gen_steps"].severity == Severity.REVIEW
    assert "no effect in 0.x" in dropped["gen_steps"].message
    assert dropped["batch_accumulation_steps"].severity == Severity.REVIEW


def test_ignored_key_at_its_default_is_exact():
    out = convert("StaticUnconditionalGAN", disc_steps=1, gen_steps=1)
    assert all(c.severity == Severity.EXACT for c in out.changes)


def test_pggan_disc_steps_above_one_is_unsupported():
    out = convert("ProgressiveGrowingGAN", disc_steps=2)
    assert out.target["train_cfg"]["disc_steps"] == 2
    assert [c.severity for c in out.changes if c.rule == "STP001"] == [Severity.UNSUPPORTED]
    out = convert("PGGAN", disc_steps=1)
    assert "train_cfg" not in out.target


def test_translation_models_shift_phase_when_d_above_one():
    out = convert("CycleGAN", disc_steps=2, disc_init_steps=10)
    assert out.target["model"]["discriminator_steps"] == 2
    assert out.target["model"]["disc_init_steps"] == 10
    assert any(c.severity == Severity.REVIEW and "(i+1) % 2" in c.message for c in out.changes)
    assert all(c.severity == Severity.EXACT for c in convert("Pix2Pix", disc_steps=1).changes)


def test_singan_keeps_its_step_kwargs():
    out = convert("SinGAN", disc_steps=3, generator_steps=3)
    assert out.target["model"]["discriminator_steps"] == 3
    assert out.target["model"]["generator_steps"] == 3


def test_unknown_model_type_assumes_conditional_semantics_and_says_so():
    out = convert("MyCustomGAN", disc_steps=4, batch_accumulation_steps=2)
    assert out.target["model"]["discriminator_steps"] == 2
    assert any(c.severity == Severity.REVIEW and "MyCustomGAN" in c.message for c in out.changes)


def test_accumulation_without_wrappers_is_reported():
    out = apply_rules({"model": {"type": "BasiccGAN"}, "train_cfg": {"disc_steps": 2, "batch_accumulation_steps": 2},
                       "optimizer": None}, RULES)
    assert any("accumulative_counts" in c.message and c.severity == Severity.REVIEW for c in out.changes)


def test_typo_key_is_reported():
    out = convert("BasiccGAN", disc_steps=1)
    out = apply_rules({"model": {"type": "BasiccGAN"}, "train_cfg": {"disc_step": 5}, "optimizer": OPT}, RULES)
    assert any("misspelling of `disc_steps`" in c.message for c in out.changes)


def test_modern_config_is_left_alone():
    cfg = {"model": {"type": "BigGAN", "discriminator_steps": 2}, "train_cfg": {"by_epoch": False, "max_iters": 10}}
    out = apply_rules(cfg, RULES)
    assert out.target == cfg and out.changes == []


def test_invalid_values_are_flagged_not_converted():
    out = convert("BasiccGAN", disc_steps=0)
    assert out.target["train_cfg"]["disc_steps"] == 0
    assert any(c.severity == Severity.UNSUPPORTED for c in out.changes)
