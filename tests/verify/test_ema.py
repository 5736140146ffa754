"""EMA: 0.x ExponentialMovingAverageHook vs 1.x model.ema_config (docs/semantics.md §3)."""
from __future__ import annotations

import pytest

from mmgen_migrate.verify import verify_configs

from _pairs import cgan_pair, old_ema_hook, positions, uncond_pair

pytest.importorskip("torch")


def _ema(momentum, interval, start_iter, update_buffers=False, **kw):
    return dict(type="ExponentialMovingAverage", momentum=momentum, interval=interval,
                start_iter=start_iter, update_buffers=update_buffers, **kw)


def biggan_style():
    """BigGAN-ImageNet (interval 8 / start 160000 / d=8, A=8 -> 1 / 20000), scaled
    down to interval 8 / start 16 -> 1 / 2, momentum 0.9999 -> 0.0001, buffers averaged."""
    return cgan_pair(8, 1, 8,
                     ema_old=old_ema_hook(8, 16, momentum=0.9999, momentum_nontrainable=0.9999),
                     ema_new=_ema(0.0001, 1, 2, update_buffers=True))


def test_biggan_style_scaled_conversion_is_equivalent():
    old, new = biggan_style()
    r = verify_configs(old, new, device="cpu")
    assert r.verdict == "equivalent", r.reasons
    # The default window covers the EMA start and two averages after it.
    assert r.iterations >= 40
    ema = r.timelines["generator_ema"]
    # 0.x copies every iteration before start_iter, then averages every 8 from 23.
    assert positions(ema.old, "c") == list(range(16))
    assert positions(ema.old, "a")[:3] == [23, 31, 39]
    # 1.x syncs on the generator phases before ema_start*P, its first update is a copy.
    assert positions(ema.new, "c") == [7, 15]
    assert positions(ema.new, "a") == positions(ema.old, "a")
    assert r.parameters["generator_ema"]["allclose"]


def test_unconverted_biggan_units_are_caught():
    old, new = biggan_style()
    new["model"]["ema_config"].update(start_iter=16, interval=8)  # copied, not divided by P
    r = verify_configs(old, new, device="cpu")
    assert r.verdict == "different"
    ema = [d for d in r.differences if d.kind == "ema"]
    assert ema and ema[0].iteration == 23
    assert "expected start_iter=2, interval=1" in ema[0].message
    assert "got start_iter=16, interval=8" in ema[0].message


@pytest.mark.parametrize("m0", [0.999, 0.9999])
def test_uninverted_momentum_is_named(m0):
    old, new = cgan_pair(1, 1, 1, ema_old=old_ema_hook(1, 5, momentum=m0),
                         ema_new=_ema(m0, 1, 5))
    r = verify_configs(old, new, iters=24, device="cpu")
    assert r.verdict == "different"
    d = next(d for d in r.differences if d.kind == "ema-momentum")
    assert "was not inverted" in d.message
    assert f"1 − {m0:g} = {1 - m0:.6g}" in d.message
    assert d.iteration == 5
    assert r.first_difference == 5


def test_inverted_momentum_p1_is_equivalent_with_semantics_events():
    # docs/semantics.md §3.1: interval=1, start_iter=5 averages at 5-23 regardless of disc_steps.
    old, new = cgan_pair(1, 1, 1, ema_old=old_ema_hook(1, 5, momentum=0.999),
                         ema_new=_ema(0.001, 1, 5))
    r = verify_configs(old, new, iters=24, device="cpu")
    assert r.verdict == "equivalent", r.reasons
    assert positions(r.timelines["generator_ema"].old, "a") == list(range(5, 24))
    assert positions(r.timelines["generator_ema"].new, "a") == list(range(5, 24))


def test_modern_event_timing_matches_semantics_example():
    # docs/semantics.md §3.2: Dk=4, interval=1, start=2 -> sync@3, copy@7, avg@11,15,19,23;
    # the matching 0.x hook is start_iter=8, interval=4.
    old, new = uncond_pair(4)
    old["custom_hooks"] = [old_ema_hook(4, 8, momentum=0.99)]
    new["model"]["ema_config"] = _ema(0.01, 1, 2)
    r = verify_configs(old, new, iters=24, device="cpu")
    ema = r.timelines["generator_ema"]
    assert positions(ema.new, "c") == [3, 7]
    assert positions(ema.new, "a") == [11, 15, 19, 23]
    assert positions(ema.old, "a") == [11, 15, 19, 23]
    assert r.verdict == "equivalent", r.reasons


def test_modern_interval_counts_generator_phases():
    # docs/semantics.md §3.2: interval=4, Dk=4: sync@3, copy@7, skip@11,15,19, avg@23.
    old, new = uncond_pair(4)
    old["custom_hooks"] = [old_ema_hook(16, 8, momentum=0.99)]
    new["model"]["ema_config"] = _ema(0.01, 4, 2)
    r = verify_configs(old, new, iters=24, device="cpu")
    ema = r.timelines["generator_ema"]
    assert positions(ema.new, "s") == [11, 15, 19]
    assert positions(ema.new, "a") == [23]
    assert r.verdict == "equivalent", r.reasons


def test_interval_one_with_period_is_a_known_difference():
    old, new = uncond_pair(4)
    old["custom_hooks"] = [old_ema_hook(1, 0, momentum=0.999)]
    new["model"]["ema_config"] = _ema(0.001, 1, 0)
    r = verify_configs(old, new, iters=24, device="cpu")
    assert r.verdict == "different"
    d = next(d for d in r.differences if d.kind == "ema")
    assert d.known
    assert "1 − m0**4" in d.message


def test_update_buffers_must_follow_momentum_nontrainable():
    old, new = biggan_style()
    new["model"]["ema_config"]["update_buffers"] = False
    r = verify_configs(old, new, device="cpu")
    assert r.verdict == "different"
    d = next(d for d in r.differences if d.kind == "ema")
    assert "update_buffers=True" in d.message
    assert d.iteration == 23


def test_default_momentum_is_not_the_0x_default():
    # docs/mapping.md §3a #7: the 0.x hook default 0.999 corresponds to 0.001, not the 1.x default 0.0002.
    old, new = cgan_pair(1, 1, 1, ema_old=old_ema_hook(1, 2), ema_new=dict(interval=1, start_iter=2))
    del old["custom_hooks"][0]["interp_cfg"]
    r = verify_configs(old, new, iters=12, device="cpu")
    assert r.verdict == "different"
    d = next(d for d in r.differences if d.kind == "ema-momentum")
    assert "default 0.0002" in d.message and "momentum=0.001" in d.message


def test_ema_missing_on_one_side():
    old, new = cgan_pair(1, 1, 1, ema_old=old_ema_hook(1, 2))
    r = verify_configs(old, new, iters=12, device="cpu")
    assert r.verdict == "different"
    assert any(d.kind == "ema" and "no model.ema_config" in d.message for d in r.differences)


def test_rampup_p1_is_equivalent():
    # docs/semantics.md §3.3: exact for P = 1; 1.x's first call is a hard copy where 0.x
    # lerps with beta(0) ~ 1e-6, i.e. a copy to float precision.
    hook = old_ema_hook(1, 0, momentum_policy="rampup",
                        momentum_cfg=dict(ema_kimg=0.01, ema_rampup=0.05, batch_size=2, eps=1e-8))
    del hook["interp_cfg"]
    old, new = cgan_pair(1, 1, 1, ema_old=hook,
                         ema_new=dict(type="RampUpEMA", interval=1, ema_kimg=0.01, ema_rampup=0.05,
                                      batch_size=2, eps=1e-8, start_iter=0))
    r = verify_configs(old, new, iters=12, device="cpu")
    assert r.verdict == "equivalent", r.reasons
    weights_old = [e[2] for e in r.ema_events["old"] if e[1] == "avg"]
    weights_new = [e[2] for e in r.ema_events["new"] if e[1] == "avg"]
    assert weights_new == pytest.approx(weights_old[1:], rel=1e-9)
    assert len(set(round(w, 6) for w in weights_new)) > 3  # the momentum really ramps


def test_rampup_with_other_rampup_differs():
    hook = old_ema_hook(1, 0, momentum_policy="rampup",
                        momentum_cfg=dict(ema_kimg=0.01, ema_rampup=0.05, batch_size=2, eps=1e-8))
    del hook["interp_cfg"]
    old, new = cgan_pair(1, 1, 1, ema_old=hook,
                         ema_new=dict(type="RampUpEMA", interval=1, ema_kimg=0.01, ema_rampup=0.1,
                                      batch_size=2, eps=1e-8, start_iter=0))
    r = verify_configs(old, new, iters=12, device="cpu")
    assert r.verdict == "different"
    assert any(d.kind == "ema-momentum" for d in r.differences)


def test_start_iter_zero_with_fixed_momentum_is_a_known_difference():
    # 0.x (start_iter=0) averages at iteration 0; 1.x's first update is a hard copy.
    old, new = cgan_pair(1, 1, 1, ema_old=old_ema_hook(1, 0, momentum=0.99),
                         ema_new=_ema(0.01, 1, 0))
    r = verify_configs(old, new, iters=12, device="cpu")
    assert r.verdict == "different"
    ema = [d for d in r.differences if d.kind.startswith("ema")]
    assert len(ema) == 1 and ema[0].known and ema[0].iteration == 0
    assert "hard copy" in ema[0].message


def test_far_ema_start_is_checked_schedule_only():
    # Like BigGAN's start_iter=160000: far beyond the trained window.
    old, new = cgan_pair(8, 1, 8, total=20000, ema_old=old_ema_hook(8, 8000, momentum=0.9999),
                         ema_new=_ema(0.0001, 1, 1000))
    r = verify_configs(old, new, device="cpu")
    assert r.iterations < 100
    assert r.verdict == "equivalent", r.reasons
    assert r.coverage["ema_checked_until"] >= 8000 + 3 * 8
    assert any("compared schedule-only" in n for n in r.notes)


def test_far_ema_start_unconverted_is_caught_beyond_the_window():
    old, new = cgan_pair(8, 1, 8, total=20000, ema_old=old_ema_hook(8, 8000, momentum=0.9999),
                         ema_new=_ema(0.0001, 8, 8000))
    r = verify_configs(old, new, device="cpu")
    assert r.verdict == "different"
    d = next(d for d in r.differences if d.kind == "ema")
    assert d.iteration == 8007 == r.first_difference
    assert "schedule-only replay" in d.message
    assert "expected start_iter=1000, interval=1" in d.message


def test_far_ema_momentum_is_checked_beyond_the_window():
    old, new = cgan_pair(8, 1, 8, total=20000, ema_old=old_ema_hook(8, 8000, momentum=0.9999),
                         ema_new=_ema(0.9999, 1, 1000))
    r = verify_configs(old, new, device="cpu")
    d = next(d for d in r.differences if d.kind == "ema-momentum")
    assert d.iteration == 8007 and "was not inverted" in d.message
