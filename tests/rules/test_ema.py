"""EMA001: the 0.x EMA hook → model.ema_config (docs/semantics.md §3, §8.10-14)."""

import math
from pathlib import Path

import pytest
import torch
from mmengine import Config
from mmengine.model import ExponentialMovingAverage

from mmgen_migrate.convert import FAILED, ConvertOptions, convert_files, convert_text
from mmgen_migrate.model import Severity
from mmgen_migrate.rules import REGISTRY, apply_rules
from mmgen_migrate.rules.ema import one_minus

RULES = [REGISTRY[r] for r in ("OPT001", "STP001", "EMA001")]
OPT = {"generator": dict(type="Adam", lr=1e-4), "discriminator": dict(type="Adam", lr=4e-4)}


def hook(**kw):
    return dict(type="ExponentialMovingAverageHook", module_keys=("generator_ema",), priority="VERY_HIGH", **kw)


def convert(mtype="StaticUnconditionalGAN", hooks=None, **train_cfg):
    cfg = {"model": {"type": mtype, "generator": {"type": "G"}}, "optimizer": OPT}
    if train_cfg:
        cfg["train_cfg"] = dict(train_cfg)
    if hooks is not None:
        cfg["custom_hooks"] = hooks
    return apply_rules(cfg, RULES)


def ema_changes(out):
    return [c for c in out.changes if c.rule == "EMA001"]


def worst(out):
    order = [Severity.EXACT, Severity.REVIEW, Severity.UNSUPPORTED, Severity.ERROR]
    return max((c.severity for c in ema_changes(out)), key=order.index)


def test_biggan_interval_and_start_divide_by_the_generator_period():
    out = convert("BasiccGAN", [hook(interval=8, start_iter=160000,
                                     interp_cfg=dict(momentum=0.9999, momentum_nontrainable=0.9999))],
                  disc_steps=8, gen_steps=1, batch_accumulation_steps=8, use_ema=True)
    assert out.target["model"]["ema_config"] == dict(
        type="ExponentialMovingAverage", momentum=0.0001, interval=1, start_iter=20000, update_buffers=True)
    assert out.target["custom_hooks"] == []
    assert "train_cfg" not in out.target  # use_ema consumed with the step keys
    assert worst(out) == Severity.EXACT


def test_biggan_cifar_period_from_disc_steps_without_accumulation():
    out = convert("BasiccGAN", [hook(interval=4, start_iter=4000, interp_cfg=dict(momentum=0.9999))],
                  disc_steps=4)
    ema = out.target["model"]["ema_config"]
    assert (ema["interval"], ema["start_iter"], ema["momentum"]) == (1, 1000, 0.0001)
    assert "update_buffers" not in ema  # m_nt = 0: buffers copied, the 1.x default
    assert worst(out) == Severity.EXACT


def test_hook_default_momentum_is_written_inverted_not_left_to_the_1x_default():
    out = convert(hooks=[hook(interval=1)])
    ema = out.target["model"]["ema_config"]
    assert ema["momentum"] == 0.001
    msg = next(c.message for c in ema_changes(out) if c.new_path == ("model", "ema_config", "momentum"))
    assert "0.999" in msg and "0.0002" in msg


def test_stylegan_momentum_is_one_minus_beta():
    beta = 0.5 ** (32.0 / 10000)
    out = convert(hooks=[hook(interval=1, interp_cfg=dict(momentum=beta))])
    ema = out.target["model"]["ema_config"]
    assert math.isclose(ema["momentum"], 1 - beta, rel_tol=1e-12)
    assert (ema["interval"], ema["start_iter"]) == (1, 0)
    assert worst(out) == Severity.EXACT


def test_one_minus_gives_the_decimal_a_person_writes():
    assert one_minus(0.9999) == 0.0001 and 1 - 0.9999 != 0.0001
    assert one_minus(0.999) == 0.001


def test_interval_one_with_generator_period_uses_m_to_the_p_and_is_review():
    out = convert(hooks=[hook(interval=1, start_iter=10, interp_cfg=dict(momentum=0.99))], disc_steps=5)
    ema = out.target["model"]["ema_config"]
    assert math.isclose(ema["momentum"], 1 - 0.99 ** 5, rel_tol=1e-12)
    assert (ema["interval"], ema["start_iter"]) == (1, 2)
    assert worst(out) == Severity.REVIEW
    assert any("1 - m**5" in c.message for c in ema_changes(out))


def test_start_not_multiple_of_period_is_review():
    out = convert("BasiccGAN", [hook(interval=8, start_iter=1002)], disc_steps=4)
    ema = out.target["model"]["ema_config"]
    assert (ema["interval"], ema["start_iter"]) == (2, 250)
    assert worst(out) == Severity.REVIEW
    assert any("not a multiple of the generator period" in c.message for c in ema_changes(out))


def test_interval_not_multiple_of_period_rounds_and_is_review():
    out = convert(hooks=[hook(interval=5, start_iter=30)], disc_steps=3)
    ema = out.target["model"]["ema_config"]
    assert (ema["interval"], ema["start_iter"]) == (2, 10)
    assert worst(out) == Severity.REVIEW


def test_start_zero_with_interval_above_one_update_is_review():
    out = convert(hooks=[hook(interval=4)])
    assert out.target["model"]["ema_config"]["interval"] == 4
    assert worst(out) == Severity.REVIEW
    assert any("hard copy" in c.message for c in ema_changes(out))


@pytest.mark.parametrize("m_nt,expected,severity", [
    (0.0, None, Severity.EXACT),
    (0.999, True, Severity.EXACT),
    (0.5, True, Severity.REVIEW),
])
def test_momentum_nontrainable_to_update_buffers(m_nt, expected, severity):
    out = convert(hooks=[hook(interval=1, start_iter=1, interp_cfg=dict(momentum=0.999, momentum_nontrainable=m_nt))])
    assert out.target["model"]["ema_config"].get("update_buffers") == expected
    assert worst(out) == severity


def test_rampup_becomes_rampupema_with_every_argument_written():
    out = convert(hooks=[hook(interval=1, momentum_policy="rampup",
                              momentum_cfg=dict(ema_kimg=10, ema_rampup=0.05))])
    assert out.target["model"]["ema_config"] == dict(
        type="RampUpEMA", ema_kimg=10, ema_rampup=0.05, batch_size=4, eps=1e-8, interval=1, start_iter=0)
    assert worst(out) == Severity.EXACT


def test_rampup_with_generator_period_is_review():
    out = convert(hooks=[hook(interval=2, start_iter=2, momentum_policy="rampup", momentum_cfg=dict(batch_size=32))],
                  disc_steps=2)
    assert out.target["model"]["ema_config"]["type"] == "RampUpEMA"
    assert worst(out) == Severity.REVIEW


def test_hook_that_never_averaged_gives_no_ema_config():
    out = convert(hooks=[hook(start_iter=100)], use_ema=True)
    assert "ema_config" not in out.target["model"]
    assert out.target["custom_hooks"] == []
    assert worst(out) == Severity.REVIEW


def test_ema_of_another_module_is_unsupported_and_kept():
    h = hook(interval=1)
    h["module_keys"] = ("generator_ema", "discriminator_ema")
    out = convert(hooks=[h])
    assert out.target["custom_hooks"] == [h]
    assert "ema_config" not in out.target["model"]
    assert worst(out) == Severity.UNSUPPORTED


def test_translation_models_have_no_1x_ema():
    out = convert("CycleGAN", [hook(interval=1)])
    assert worst(out) == Severity.UNSUPPORTED
    assert "ema_config" not in out.target["model"]


@pytest.mark.parametrize("use_ema,severity", [(True, Severity.REVIEW), (False, Severity.EXACT)])
def test_use_ema_without_hook(use_ema, severity):
    out = convert(use_ema=use_ema)
    assert "train_cfg" not in out.target and "ema_config" not in out.target["model"]
    assert worst(out) == severity


def test_use_ema_false_with_hook_is_review():
    out = convert(hooks=[hook(interval=1, start_iter=1)], use_ema=False)
    assert "ema_config" in out.target["model"]
    assert worst(out) == Severity.REVIEW


def test_singan_spells_the_kwarg_ema_confg():
    out = convert("SinGAN", [hook(interval=1, start_iter=1)])
    assert "ema_confg" in out.target["model"] and "ema_config" not in out.target["model"]


def test_1x_config_with_restoration_ema_hook_is_left_alone():
    cfg = {"model": {"type": "StyleGAN2", "ema_config": {"momentum": 0.001}},
           "custom_hooks": [hook(interval=1)]}
    out = apply_rules(cfg, RULES)
    assert out.target == cfg and not out.changes


def test_hooks_after_the_ema_hook_keep_their_text_and_nothing_is_lost():
    src = (
        "model = dict(type='StaticUnconditionalGAN', generator=dict(type='G'))\n"
        "custom_hooks = [\n"
        "    dict(type='ExponentialMovingAverageHook', module_keys=('generator_ema', ), interval=1,\n"
        "         start_iter=1),\n"
        "    dict(type='PickleDataHook', output_dir='pickle', interval=-1,  # dump at the end\n"
        "         after_run=True, data_name_list=['noise_batch'])\n"
        "]\n"
    )
    res = convert_text(src, options=ConvertOptions(select=["EMA001"]))
    assert res.status != FAILED, res.error
    assert not [c for c in res.changes if c.severity == Severity.ERROR], res.changes
    assert "dict(type='PickleDataHook'" in res.new_text and "ExponentialMovingAverageHook" not in res.new_text
    assert "# dump at the end" in res.new_text


def _write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_hook_in_a_runtime_base_becomes_ema_config_of_the_inheriting_configs(tmp_path):
    _write(tmp_path, "_base_/runtime.py",
           "custom_hooks = [\n"
           "    dict(type='ExponentialMovingAverageHook', module_keys=('generator_ema', ), interval=8,\n"
           "         start_iter=160000, interp_cfg=dict(momentum=0.9999), priority='VERY_HIGH'),\n"
           "]\nlog_level = 'INFO'\n")
    _write(tmp_path, "_base_/model.py",
           "model = dict(type='BasiccGAN', generator=dict(type='BigGANGenerator'))\n"
           "train_cfg = dict(disc_steps=8, batch_accumulation_steps=8, use_ema=True)\n"
           "optimizer = dict(generator=dict(type='Adam', lr=1e-4), discriminator=dict(type='Adam', lr=4e-4))\n")
    leaf = _write(tmp_path, "biggan/leaf.py", "_base_ = ['../_base_/model.py', '../_base_/runtime.py']\n")
    # a second leaf whose own disc_steps changes the generator period
    leaf4 = _write(tmp_path, "biggan/leaf4.py",
                   "_base_ = ['../_base_/model.py', '../_base_/runtime.py']\n"
                   "train_cfg = dict(disc_steps=4, batch_accumulation_steps=1)\n")
    files = sorted(tmp_path.rglob("*.py"))
    results = {r.rel: r for r in convert_files(files, tmp_path, ConvertOptions(select=["OPT", "STP", "EMA"]))}
    assert all(r.status != FAILED for r in results.values()), {k: r.error for k, r in results.items()}
    assert "ExponentialMovingAverageHook" not in results["_base_/runtime.py"].new_text
    assert "ema_config" not in results["_base_/runtime.py"].new_text
    out = tmp_path / "out"
    for rel, r in results.items():
        _write(out, rel, r.new_text)
    ema = Config.fromfile(out / "biggan/leaf.py").model.ema_config
    assert ema.to_dict() == dict(type="ExponentialMovingAverage", momentum=0.0001, interval=1, start_iter=20000)
    ema4 = Config.fromfile(out / "biggan/leaf4.py").model.ema_config
    assert (ema4.interval, ema4.start_iter) == (2, 40000)
    assert leaf.exists() and leaf4.exists()


# ---------------------------------------------------------------------------
# The exactness claims, replayed: 0.x hook semantics (mmgen ema_hook.py:
# copy while i < start_iter, else lerp when (i+1-start) % interval == 0,
# every iteration) against 1.x BaseGAN.train_step's EMA block driving
# MMEngine's real ExponentialMovingAverage (same avg_func and hard-copy-first
# update_parameters as MMagic's).

def generator_value(j: int) -> float:
    return math.sin(0.7 * j) + 0.05 * j  # G after its j-th update


def replay_0x(iters, period, interval, start, momentum):
    ema, out = generator_value(0), []
    for i in range(iters):
        g = generator_value((i + 1) // period)  # the hook runs after train_step
        if i < start:
            ema = g
        elif (i + 1 - start) % interval == 0:
            ema = g + (ema - g) * momentum
        out.append(ema)
    return out


def replay_1x(iters, period, ema_config):
    cfg = dict(ema_config)
    cfg.pop("type")
    start = cfg.pop("start_iter", 0)
    gen = torch.nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        gen.weight.fill_(generator_value(0))
    ema = ExponentialMovingAverage(gen, **cfg)
    out = []
    for i in range(iters):
        if (i + 1) % period == 0:  # G phase: G steps, then EMA
            with torch.no_grad():
                gen.weight.fill_(generator_value((i + 1) // period))
            if (i + 1) >= start * period:
                ema.update_parameters(gen)
            else:
                for p_avg, p in zip(ema.module.parameters(), gen.parameters()):
                    p_avg.data.copy_(p.data)
        out.append(ema.module.weight.item())
    return out


@pytest.mark.parametrize("period,interval,start", [(1, 1, 5), (1, 3, 7), (8, 8, 160), (4, 4, 40), (4, 8, 12)])
def test_exact_cases_match_the_0x_hook_at_every_iteration(period, interval, start):
    out = convert("BasiccGAN", [hook(interval=interval, start_iter=start, interp_cfg=dict(momentum=0.9))],
                  disc_steps=period, batch_accumulation_steps=period if period == 8 else 1)
    assert worst(out) == Severity.EXACT
    old = replay_0x(200, period, interval, start, 0.9)
    new = replay_1x(200, period, out.target["model"]["ema_config"])
    assert new == pytest.approx(old, rel=1e-5, abs=1e-6)


def test_interval_one_review_case_matches_at_the_end_of_each_generator_cycle():
    period, start = 4, 8
    out = convert(hooks=[hook(interval=1, start_iter=start, interp_cfg=dict(momentum=0.9))], disc_steps=period)
    old = replay_0x(200, period, 1, start, 0.9)
    new = replay_1x(200, period, out.target["model"]["ema_config"])
    cycle_ends = [i for i in range(200) if (i + 2) % period == 0]
    assert [new[i] for i in cycle_ends] == pytest.approx([old[i] for i in cycle_ends], rel=1e-5, abs=1e-6)
    assert new != pytest.approx(old, rel=1e-5, abs=1e-6)  # in between they differ: hence review


@pytest.mark.parametrize("period,interval,start", [(1, 4, 0), (4, 8, 10)])
def test_review_schedules_really_differ_from_0x(period, interval, start):
    out = convert(hooks=[hook(interval=interval, start_iter=start, interp_cfg=dict(momentum=0.9))],
                  disc_steps=period)
    assert worst(out) == Severity.REVIEW
    old = replay_0x(200, period, interval, start, 0.9)
    new = replay_1x(200, period, out.target["model"]["ema_config"])
    assert new != pytest.approx(old, rel=1e-5, abs=1e-6)


from hypothesis import given, settings, strategies as st


@settings(max_examples=60, deadline=None)
@given(period=st.integers(1, 6), interval=st.integers(1, 13), start=st.integers(0, 31))
def test_whatever_the_rule_calls_exact_replays_like_0x(period, interval, start):
    """The exact/review boundary, checked on random schedules: an exact
    conversion gives the 0.x EMA at every iteration (start_iter=0: after the
    first-update transient, which decays by the momentum, docs/semantics.md §8.12)."""
    out = convert(hooks=[hook(interval=interval, start_iter=start, interp_cfg=dict(momentum=0.8))],
                  disc_steps=period)
    if worst(out) != Severity.EXACT:
        return
    # start_iter=0: 1.x's first update is a hard copy; the difference decays
    # by the momentum at each update, so compare after enough updates
    iters = 240 if start > 0 else 80 * period * out.target["model"]["ema_config"].get("interval", 1)
    old = replay_0x(iters, period, interval, start, 0.8)
    new = replay_1x(iters, period, out.target["model"]["ema_config"])
    if start > 0:
        assert new == pytest.approx(old, rel=1e-5, abs=1e-6)
    else:
        assert new[-1] == pytest.approx(old[-1], rel=1e-5, abs=1e-6)


def test_a_runtime_file_converted_alone_gets_ema_config_and_a_review_note():
    src = ("custom_hooks = [dict(type='ExponentialMovingAverageHook', module_keys=('generator_ema', ),\n"
           "                     interval=1, start_iter=1, interp_cfg=dict(momentum=0.999))]\n")
    res = convert_text(src, options=ConvertOptions(select=["EMA001"]))
    assert res.status != FAILED, res.error
    assert "ema_config" in res.new_text and "ExponentialMovingAverageHook" not in res.new_text
    assert any("has no model" in c.message and c.severity == Severity.REVIEW for c in res.changes)


def test_ema_schedule_in_generator_updates():
    from mmgen_migrate.rules.ema import ema_schedule

    s = ema_schedule(8, 160000, 8, "disc_steps=8")  # the BigGAN case: exact
    assert (s.interval, s.start, s.severity, s.findings) == (1, 20000, Severity.EXACT, [])
    s = ema_schedule(5, 7, 1, "p")  # one generator update per iteration: unchanged, no notes
    assert (s.interval, s.start, s.int_note, s.start_note, s.severity) == (5, 7, None, None, Severity.EXACT)
    s = ema_schedule(3, 10, 2, "p")  # not a multiple: rounded, review
    assert (s.interval, s.start, s.severity) == (2, 5, Severity.REVIEW)
    assert "not a multiple" in s.findings[0] and s.int_note.endswith("rounded")
