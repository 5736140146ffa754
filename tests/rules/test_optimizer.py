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
