"""OPT001 on effective configs (dict in, dict + changes out)."""

import pytest

from mmgen_migrate.model import Severity
from mmgen_migrate.rules import REGISTRY, apply_rules

OPT = [REGISTRY["OPT001"]]


def convert(cfg):
    return apply_rules(cfg, OPT)


@pytest.mark.parametrize("modules", [
    ("generator", "discriminator"),
    ("generators", "discriminators"),
    ("encoder", "decoder", "segmentor_n"),
    ("denoising",),
])
def test_per_module_optimizers_keep_names_and_values(modules):
    opt = {m: dict(type="AdamW", lr=1e-4 * (i + 1), betas=(0.5, 0.999), eps=1e-8, weight_decay=0.01)
           for i, m in enumerate(modules)}
    out = convert({"optimizer": opt})
    ow = out.target["optim_wrapper"]
    assert ow["constructor"] == "MultiOptimWrapperConstructor"
    assert list(ow) == ["constructor", *modules]
    for m in modules:
        assert ow[m] == {"optimizer": opt[m]}
    assert "optimizer" not in out.target
    assert all(c.severity == Severity.EXACT for c in out.changes)


def test_values_are_never_changed_not_even_the_guides_typo():
    # MMagic's guide shows generator lr 0.0002 for a 0.x lr of 0.0001
    out = convert({"optimizer": {"generator": dict(type="Adam", lr=0.0001, betas=(0.0, 0.999), eps=1e-6),
                                 "discriminator": dict(type="Adam", lr=0.0004, betas=(0.0, 0.999), eps=1e-6)}})
    assert out.target["optim_wrapper"]["generator"]["optimizer"]["lr"] == 0.0001
    assert out.target["optim_wrapper"]["generator"]["optimizer"]["eps"] == 1e-6


def test_paramwise_cfg_moves_to_the_wrapper():
    out = convert({"optimizer": {"generator": dict(type="Adam", lr=1e-4, paramwise_cfg=dict(bias_lr_mult=2.0))}})
    g = out.target["optim_wrapper"]["generator"]
    assert g == {"optimizer": {"type": "Adam", "lr": 1e-4}, "paramwise_cfg": {"bias_lr_mult": 2.0}}


def test_single_optimizer():
    out = convert({"optimizer": dict(type="SGD", lr=0.01, momentum=0.9)})
    assert out.target["optim_wrapper"] == {"type": "OptimWrapper",
                                           "optimizer": {"type": "SGD", "lr": 0.01, "momentum": 0.9}}


def test_none_and_missing_stay_meaningful():
    assert convert({"optimizer": None}).target == {"optim_wrapper": None}
    out = convert({"model": {"type": "X"}})
    assert out.target == {"model": {"type": "X"}} and out.changes == []


def test_custom_constructor_is_review():
    out = convert({"optimizer": {"generator": dict(type="Adam", constructor="MyConstructor")}})
    assert out.target["optim_wrapper"]["generator"]["constructor"] == "MyConstructor"
    assert any(c.severity == Severity.REVIEW for c in out.changes)


@pytest.mark.parametrize("bad", [5, "Adam", {"generator": 1}, {"generator": {"lr": 1}}, {}])
def test_unconvertible_optimizer_is_flagged_and_kept(bad):
    out = convert({"optimizer": bad})
    assert out.target["optimizer"] == bad and "optim_wrapper" not in out.target
    assert [c.severity for c in out.changes] == [Severity.UNSUPPORTED]


def test_both_optimizer_and_optim_wrapper_is_flagged():
    out = convert({"optimizer": dict(type="Adam"), "optim_wrapper": dict(optimizer=dict(type="SGD"))})
    assert out.target["optim_wrapper"] == dict(optimizer=dict(type="SGD"))
    assert [c.severity for c in out.changes] == [Severity.UNSUPPORTED]


# -- OPT002: Adam betas must be floats --------------------------------------------

def _build_torch(optimizer: dict):
    import torch

    kwargs = {k: v for k, v in optimizer.items() if k != "type"}
    return getattr(torch.optim, optimizer["type"])([torch.nn.Parameter(torch.zeros(2))], **kwargs)


def test_integer_betas_become_floats_that_current_pytorch_accepts():
    # StyleGAN2/3 and MSPIE 0.x configs write `betas=(0, 0.99)`; torch >= 2.x raises
    # "betas must be either both floats or both Tensors" for the int 0
    import pytest as _pytest

    opt = {"generator": dict(type="Adam", lr=0.0016, betas=(0, 0.9919919678228657)),
           "discriminator": dict(type="Adam", lr=0.0019, betas=[0, 0.9])}
    with _pytest.raises(ValueError, match="both floats"):
        _build_torch(opt["generator"])
    out = apply_rules({"optimizer": opt}, [REGISTRY["OPT001"], REGISTRY["OPT002"]])
    gen = out.target["optim_wrapper"]["generator"]["optimizer"]
    disc = out.target["optim_wrapper"]["discriminator"]["optimizer"]
    assert gen["betas"] == (0.0, 0.9919919678228657) and all(type(b) is float for b in gen["betas"])
    assert disc["betas"] == [0.0, 0.9] and all(type(b) is float for b in disc["betas"])
    _build_torch(gen), _build_torch(disc)
    assert [c.severity for c in out.changes if c.rule == "OPT002"] == [Severity.EXACT, Severity.EXACT]


def test_float_betas_and_1x_configs_are_left_alone():
    out = apply_rules({"optimizer": {"generator": dict(type="Adam", betas=(0.0, 0.99))}},
                      [REGISTRY["OPT001"], REGISTRY["OPT002"]])
    assert not [c for c in out.changes if c.rule == "OPT002"]
    # PGGAN keeps its optimizers in the 0.x train_cfg until MOD004 moves them: fixed there too
    out = apply_rules({"model": {"type": "ProgressiveGrowingGAN"}, "train_cfg": {"optimizer_cfg": {
        "generator": dict(type="Adam", lr=1e-3, betas=(0, 0.99))}}}, [REGISTRY["OPT002"]])
    assert out.target["train_cfg"]["optimizer_cfg"]["generator"]["betas"] == (0.0, 0.99)
    # a config that is already 1.x is not converted
    one_x = {"optim_wrapper": {"generator": {"optimizer": dict(type="Adam", betas=(0, 0.99))}},
             "model": {"type": "StyleGAN2"}}
    assert apply_rules(one_x, [REGISTRY["OPT002"]]).target == one_x
