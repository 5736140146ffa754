"""Deliberately wrong conversions (fixture files): each must fail, naming the mistake."""
from __future__ import annotations

from pathlib import Path

import pytest

from mmgen_migrate.verify import verify_configs

pytest.importorskip("torch")

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "verify"
OLD = FIX / "biggan_old.py"


def run(new: str, old: Path = OLD):
    return verify_configs(old, FIX / new, device="cpu")


def test_faithful_conversion_is_equivalent():
    r = run("biggan_new.py")
    assert r.verdict == "equivalent", r.reasons
    assert r.exit_code == 0
    assert set(r.parameters) == {"discriminator", "generator", "generator_ema"}


# (fixture, difference kind, first differing iteration, words the message must contain)
MISTAKES = [
    ("biggan_new_wrong_g_accum.py", "passes", 7,
     ["optim_wrapper.generator.accumulative_counts=1", "8 backward passes", "set accumulative_counts=8"]),
    ("biggan_new_wrong_d_accum.py", "steps", 3,
     ["optim_wrapper.discriminator.accumulative_counts=4", "set accumulative_counts=8"]),
    ("biggan_new_wrong_disc_steps.py", "steps", 7,
     ["model.discriminator_steps=8", "every 64 iterations", "every disc_steps=8",
      "expected discriminator_steps = 1"]),
    ("biggan_new_ema_not_inverted.py", "ema-momentum", 23,
     ["model.ema_config.momentum=0.9999 was not inverted", "1 − 0.9999 = 0.0001"]),
    ("biggan_new_wrong_lr.py", "optimizer", 7,
     ["generator optimizer lr: 0.x 0.0001, 1.x 0.0002"]),
    ("biggan_new_wrong_betas.py", "optimizer", 7,
     ["discriminator optimizer betas: 0.x (0, 0.999), 1.x (0.5, 0.999)"]),
]


@pytest.mark.parametrize("fixture,kind,first,words", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_mistake_is_caught_and_named(fixture, kind, first, words):
    r = run(fixture)
    assert r.verdict == "different"
    assert r.exit_code == 1
    assert r.first_difference == first
    # The primary reason is the mistake itself (not a downstream symptom).
    top = r.differences[0]
    assert top.kind == kind, r.reasons
    assert not top.known
    for w in words:
        assert w in top.message, top.message
    assert top.message in r.reasons[0]


def test_symptoms_are_not_listed_as_separate_causes():
    # A changed base lr is one mistake: no per-iteration lr difference on top of it.
    r = run("biggan_new_wrong_lr.py")
    assert [d.kind for d in r.differences] == ["optimizer"]


def test_fractional_discriminator_steps_fixture():
    frac = verify_configs(FIX / "biggan_frac_old.py", FIX / "biggan_frac_new.py", device="cpu")
    assert frac.verdict == "equivalent", frac.reasons
    integer = verify_configs(FIX / "biggan_frac_old.py", FIX / "biggan_frac_int_new.py", device="cpu")
    assert integer.verdict == "different"
    assert "use the fractional discriminator_steps = 3/2 = 1.5" in integer.reasons[0]
