"""lr: 0.x lr_config (mmcv LrUpdaterHook) vs 1.x param_scheduler (docs/semantics.md §4)."""
from __future__ import annotations

import pytest

from mmgen_migrate.verify import verify_configs

from _pairs import translation_pair, uncond_pair

pytest.importorskip("torch")


def step_pair(step, milestones, gamma=0.5, new_gamma=None, total=1000):
    old, new = uncond_pair(2, total=total)
    old["lr_config"] = dict(policy="step", by_epoch=False, step=step, gamma=gamma)
    new["param_scheduler"] = dict(type="MultiStepLR", by_epoch=False, milestones=milestones,
                                  gamma=gamma if new_gamma is None else new_gamma)
    return old, new


def test_step_policy_vs_multisteplr_is_equivalent():
    old, new = step_pair([5, 10], [5, 10])
    r = verify_configs(old, new, iters=16, device="cpu")
    assert r.verdict == "equivalent", r.reasons
    for key in ("lr generator", "lr discriminator"):
        t = r.timelines[key]
        # lr set before iteration i in 0.x, stepped after iteration i-1 in 1.x: same iterations.
        assert [i for i, c in enumerate(t.old) if c == "↓"] == [5, 10]
        assert t.new == t.old
    # Whole run replayed schedule-only beyond the window.
    assert r.coverage["lr_checked_until"] == 1000


def test_shifted_milestone_is_named():
    old, new = step_pair([5, 10], [6, 10])
    r = verify_configs(old, new, iters=16, device="cpu")
    assert r.verdict == "different"
    d = next(d for d in r.differences if d.kind == "lr")
    assert d.iteration == 5 == r.first_difference
    assert "milestones=[6, 10]" in d.message and "step=[5, 10]" in d.message
    assert r.timelines["lr generator"].marks == "     ^"


def test_changed_gamma_is_named():
    old, new = step_pair([5], [5], gamma=0.5, new_gamma=0.1)
    r = verify_configs(old, new, iters=8, device="cpu")
    d = next(d for d in r.differences if d.kind == "lr")
    assert "gamma=0.1" in d.message and "gamma=0.5" in d.message


def test_milestone_beyond_the_window_is_found_by_schedule_replay():
    old, new = step_pair([500, 900], [500, 950])
    r = verify_configs(old, new, iters=24, device="cpu")
    assert r.verdict == "different"
    d = next(d for d in r.differences if d.kind == "lr")
    assert d.iteration == 900
    assert "schedule-only replay" in d.message


def test_int_step_vs_steplr():
    old, new = uncond_pair(1, total=100)
    old["lr_config"] = dict(policy="Step", by_epoch=False, step=4, gamma=0.5)
    new["param_scheduler"] = dict(type="StepLR", by_epoch=False, step_size=4, gamma=0.5)
    r = verify_configs(old, new, iters=12, device="cpu")
    assert r.verdict == "equivalent", r.reasons


def test_missing_param_scheduler():
    old, new = step_pair([5], [5])
    del new["param_scheduler"]
    r = verify_configs(old, new, iters=8, device="cpu")
    d = next(d for d in r.differences if d.kind == "lr")
    assert "has no 1.x param_scheduler" in d.message


def test_by_epoch_true_is_constant_in_0x():
    old, new = uncond_pair(1, total=100)
    old["lr_config"] = dict(policy="step", step=[5])  # by_epoch defaults to True
    r = verify_configs(old, new, iters=8, device="cpu")
    assert r.verdict == "equivalent", r.reasons
    assert any("by_epoch=True" in n for n in r.notes)


def linear_pair(total=40, start=10, interval=2, begin=None, start_factor=2e-4):
    old, new = translation_pair("CycleGAN", total=total)
    old["lr_config"] = dict(policy="Linear", by_epoch=False, target_lr=0, start=start, interval=interval)
    new["param_scheduler"] = dict(type="LinearLrInterval", by_epoch=False, start_factor=start_factor,
                                  end_factor=0, begin=start if begin is None else begin, end=total,
                                  interval=interval)
    return old, new


def test_linear_vs_linearlrinterval_is_the_known_lag():
    old, new = linear_pair()
    r = verify_configs(old, new, iters=24, device="cpu")
    assert r.verdict == "different"
    lr = [d for d in r.differences if d.kind == "lr"]
    assert lr and all(d.known for d in lr)
    assert r.first_difference == 10            # the start_factor glitch at `begin`
    t = r.timelines["lr generators"]
    assert t.old.index("↓") == 12              # 0.x drops at 12 (docs/semantics.md §4) ...
    assert t.new[11:].index("↓") + 11 == 13    # ... 1.x one iteration later
    assert "one iteration late" in lr[0].message


def test_linear_with_wrong_begin_is_not_excused():
    old, new = linear_pair(begin=14)
    r = verify_configs(old, new, iters=24, device="cpu")
    lr = [d for d in r.differences if d.kind == "lr"]
    assert lr and not any(d.known for d in lr)


def test_linear_lag_beyond_the_window_is_known():
    old, new = linear_pair(total=4000, start=2000, interval=40)
    r = verify_configs(old, new, iters=24, device="cpu")
    lr = [d for d in r.differences if d.kind == "lr"]
    assert len(lr) == 1 and lr[0].known and lr[0].iteration == 2000
    assert r.coverage["lr_checked_until"] == 4000


def test_linear_wrong_interval_beyond_the_window_is_real():
    old, new = linear_pair(total=4000, start=2000, interval=40)
    new["param_scheduler"]["interval"] = 20
    r = verify_configs(old, new, iters=24, device="cpu")
    lr = [d for d in r.differences if d.kind == "lr"]
    assert len(lr) == 1 and not lr[0].known
    assert lr[0].iteration > 2000
