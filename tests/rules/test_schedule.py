"""SCH001 (total_iters → train_cfg loop) and SCH002 (lr_config → param_scheduler),
with the lr schedules replayed through MMEngine's real schedulers."""

import copy
import math

import pytest
import torch
import mmengine.optim  # noqa: F401  (registers the schedulers)
from mmengine.registry import PARAM_SCHEDULERS

from mmgen_migrate.convert import FAILED, ConvertOptions, convert_text
from mmgen_migrate.model import Severity
from mmgen_migrate.rules import REGISTRY, apply_rules

SCH = [REGISTRY["SCH001"], REGISTRY["SCH002"]]
OPT = {"generator": dict(type="Adam", lr=1e-3), "discriminator": dict(type="Adam", lr=4e-3)}


def convert(lr_config="absent", total_iters=60, mtype="StaticUnconditionalGAN", optimizer=OPT, **extra):
    cfg = {"model": {"type": mtype}, "optimizer": copy.deepcopy(optimizer)}
    if total_iters is not None:
        cfg["total_iters"] = total_iters
    if lr_config != "absent":
        cfg["lr_config"] = lr_config
    cfg.update(extra)
    return apply_rules(cfg, SCH)


def sev(out, rule="SCH002"):
    order = [Severity.EXACT, Severity.REVIEW, Severity.UNSUPPORTED, Severity.ERROR]
    return max((c.severity for c in out.changes if c.rule == rule), key=order.index, default=None)


# -- SCH001 ------------------------------------------------------------------

def test_total_iters_becomes_the_iteration_loop():
    out = convert(total_iters=800002)
    assert out.target["train_cfg"] == dict(by_epoch=False, max_iters=800002)
    assert "total_iters" not in out.target
    assert sev(out, "SCH001") == Severity.EXACT


def test_total_iters_is_not_rescaled_by_accumulation_or_disc_steps():
    cfg = {"model": {"type": "BasiccGAN"}, "optimizer": OPT, "total_iters": 1500000,
           "train_cfg": dict(disc_steps=8, batch_accumulation_steps=8)}
    out = apply_rules(cfg, [REGISTRY[r] for r in ("OPT001", "STP001", "SCH001")])
    assert out.target["train_cfg"] == dict(by_epoch=False, max_iters=1500000)


def test_singan_max_iters_is_total_iters_times_disc_steps():
    cfg = {"model": {"type": "SinGAN"}, "total_iters": 18000, "train_cfg": dict(disc_steps=3, generator_steps=3)}
    out = apply_rules(cfg, [REGISTRY[r] for r in ("STP001", "SCH001")])
    assert out.target["train_cfg"] == dict(by_epoch=False, max_iters=54000)
    note = next(c.note for c in out.changes if c.new_path == ("train_cfg", "max_iters"))
    assert "18000" in note and "3" in note


def test_leftover_0x_train_cfg_keys_are_flagged_never_merged_silently():
    cfg = {"model": {"type": "MyGAN"}, "total_iters": 100, "train_cfg": dict(my_custom_flag=True)}
    out = apply_rules(cfg, SCH)
    assert out.target["train_cfg"] == dict(my_custom_flag=True, by_epoch=False, max_iters=100)
    flagged = [c for c in out.changes if c.severity == Severity.UNSUPPORTED]
    assert [c.old_paths for c in flagged] == [(("train_cfg", "my_custom_flag"),)]


@pytest.mark.parametrize("mtype,key", [("StaticUnconditionalGAN", "sample_every"), ("BasiccGAN", "disc_step"),
                                       ("CycleGAN", "lambda_cycle")])
def test_leftover_keys_a_known_0x_class_never_read_are_dropped_for_review(mtype, key):
    cfg = {"model": {"type": mtype}, "total_iters": 100, "train_cfg": {key: 1}}
    out = apply_rules(cfg, SCH)
    assert out.target["train_cfg"] == dict(by_epoch=False, max_iters=100)
    dropped = [c for c in out.changes if c.old_paths == (("train_cfg", key),)]
    assert [c.severity for c in dropped] == [Severity.REVIEW] and "never read" in dropped[0].message


def test_a_key_the_0x_class_read_but_no_rule_placed_is_flagged():
    cfg = {"model": {"type": "StaticUnconditionalGAN"}, "total_iters": 100, "train_cfg": dict(real_img_key="img")}
    out = apply_rules(cfg, SCH)
    assert out.target["train_cfg"]["real_img_key"] == "img"
    assert sev(out, "SCH001") == Severity.UNSUPPORTED


def test_a_1x_loop_config_is_left_alone():
    cfg = {"train_cfg": dict(by_epoch=False, max_iters=10, val_interval=5)}
    out = apply_rules(cfg, SCH)
    assert out.target == cfg and not out.changes


def test_non_integer_total_iters_is_flagged():
    out = convert(total_iters=1e5)
    assert out.target["total_iters"] == 1e5 and sev(out, "SCH001") == Severity.UNSUPPORTED


def test_text_keeps_the_expression_and_comment():
    src = "num_kimgs = 25000\n# training length\ntotal_iters = num_kimgs * 1000 // 32  # b32\n"
    res = convert_text(src, options=ConvertOptions(select=["SCH001"]))
    assert res.status != FAILED, res.error
    assert res.new_text == ("num_kimgs = 25000\n# training length\n"
                            "train_cfg = dict(by_epoch=False, max_iters=num_kimgs * 1000 // 32)  # b32\n")


# -- SCH002: structure and classification ------------------------------------

def test_none_gives_no_scheduler():
    out = convert(None)
    assert "param_scheduler" not in out.target and "lr_config" not in out.target
    assert sev(out) == Severity.EXACT


@pytest.mark.parametrize("lr", [dict(policy="step", step=[10]), dict(policy="Step", by_epoch=True, step=[10])])
def test_by_epoch_schedules_never_ran_in_0x_and_are_dropped_for_review(lr):
    out = convert(lr)
    assert "param_scheduler" not in out.target and "lr_config" not in out.target
    assert sev(out) == Severity.REVIEW
    assert any("never changed the lr" in c.message for c in out.changes)


def test_fixed_policy_gives_no_scheduler():
    out = convert(dict(policy="fixed", by_epoch=False))
    assert "param_scheduler" not in out.target and sev(out) == Severity.EXACT


@pytest.mark.parametrize("mtype", ["SinGAN", "ProgressiveGrowingGAN"])
def test_singan_and_pggan_get_no_global_scheduler(mtype):
    out = convert(dict(policy="step", by_epoch=False, step=[10]), mtype=mtype)
    assert "param_scheduler" not in out.target and sev(out) == Severity.UNSUPPORTED


@pytest.mark.parametrize("lr", [
    dict(policy="Inv", by_epoch=False, gamma=0.1, power=1),
    dict(policy="CosineRestart", by_epoch=False, periods=[10, 10], min_lr=0),  # restart_weights too short
    dict(policy="step", by_epoch=False, step=[10], warmup="exp", warmup_iters=5),
    dict(policy="step", by_epoch=False, step=[10], warmup="linear", warmup_by_epoch=True),
    dict(policy="step", by_epoch=False, step=[10], bogus=1),
])
def test_unconvertible_policies_are_unsupported(lr):
    out = convert(lr)
    assert out.target["lr_config"] == lr and "param_scheduler" not in out.target
    assert sev(out) == Severity.UNSUPPORTED


def test_min_lr_that_never_binds_is_exact_and_one_that_binds_is_review():
    ok = convert(dict(policy="step", by_epoch=False, step=[10, 20], gamma=0.1, min_lr=1e-6))
    assert sev(ok) == Severity.EXACT
    binds = convert(dict(policy="step", by_epoch=False, step=[10, 20], gamma=0.1, min_lr=2e-5))
    assert sev(binds) == Severity.REVIEW
    assert binds.target["param_scheduler"] == dict(type="MultiStepLR", by_epoch=False, milestones=[10, 20],
                                                   gamma=0.1)


def test_linear_policy_with_equal_lrs_is_one_scheduler_with_absolute_values():
    same = {"generators": dict(type="Adam", lr=2e-4), "discriminators": dict(type="Adam", lr=2e-4)}
    out = convert(dict(policy="Linear", by_epoch=False, target_lr=0, start=40000, interval=400),
                  total_iters=80000, mtype="CycleGAN", optimizer=same)
    assert out.target["param_scheduler"] == dict(type="LinearLrInterval", by_epoch=False, start_factor=2e-4,
                                                 end_factor=0, begin=40000, end=80000, interval=400)
    assert sev(out) == Severity.REVIEW


def test_linear_policy_with_different_lrs_is_written_per_wrapper():
    out = convert(dict(policy="Linear", by_epoch=False, target_lr=0, start=10), total_iters=100)
    ps = out.target["param_scheduler"]
    assert set(ps) == {"generator", "discriminator"}
    assert ps["generator"]["start_factor"] == 1e-3 and ps["discriminator"]["start_factor"] == 4e-3


def test_momentum_config_is_flagged():
    out = convert(None, momentum_config=dict(policy="cyclic"))
    assert sev(out) == Severity.UNSUPPORTED


def test_text_reuses_the_milestone_expressions():
    src = ("milestones = [50000, 80000]\n"
           "lr_config = dict(policy='step', by_epoch=False, step=milestones, gamma=0.5)  # decay twice\n")
    res = convert_text(src, options=ConvertOptions(select=["SCH002"]))
    assert res.status != FAILED, res.error
    assert "milestones=milestones" in res.new_text and "# decay twice" in res.new_text
    assert "lr_config" not in res.new_text


# -- SCH002: the exact cases, replayed -----------------------------------------
# 0.x: mmcv LrUpdaterHook (by_epoch=False) sets lr = f(i) before iteration i
# (mmcv/runner/hooks/lr_updater.py closed forms below).  1.x: the schedulers
# are built at start (one initial step) and stepped after every iteration by
# ParamSchedulerHook, so iteration i runs with the lr after i steps.

def mmcv_regular(lr, base, i, total):
    p = lr["policy"].title() if lr["policy"] == lr["policy"].lower() else lr["policy"]
    if p == "Step":
        step, gamma = lr["step"], lr.get("gamma", 0.1)
        if isinstance(step, int):
            exp = i // step
        else:
            exp = len(step)
            for k, s in enumerate(step):
                if i < s:
                    exp = k
                    break
        out = base * gamma ** exp
        return max(out, lr["min_lr"]) if lr.get("min_lr") is not None else out
    if p == "Exp":
        return base * lr["gamma"] ** i
    if p == "Poly":
        m = lr.get("min_lr", 0.0)
        return (base - m) * (1 - i / total) ** lr.get("power", 1.0) + m
    if p == "CosineRestart":  # mmcv CosineRestartLrUpdaterHook.get_lr
        periods, weights = lr["periods"], lr.get("restart_weights", [1])
        target = lr["min_lr"] if "min_lr" in lr else base * lr["min_lr_ratio"]
        cumulative = [sum(periods[:k + 1]) for k in range(len(periods))]
        idx = next(k for k, c in enumerate(cumulative) if i < c)
        start = 0 if idx == 0 else cumulative[idx - 1]
        alpha = min((i - start) / periods[idx], 1)
        return target + 0.5 * weights[idx] * (base - target) * (math.cos(math.pi * alpha) + 1)
    if p == "Cosineannealing" or p == "CosineAnnealing":
        target = lr["min_lr"] if "min_lr" in lr else base * lr["min_lr_ratio"]
        return target + 0.5 * (base - target) * (1 + math.cos(math.pi * i / total))
    raise AssertionError(p)


def mmcv_lr(lr, base, i, total):
    regular = mmcv_regular(lr, base, i, total)
    warmup, w = lr.get("warmup"), lr.get("warmup_iters", 0)
    if warmup is None or i >= w:
        return regular
    r = lr.get("warmup_ratio", 0.1)
    if warmup == "linear":
        return regular * (1 - (1 - i / w) * (1 - r))
    return regular * r


def mmengine_lrs(schedulers, base, iters):
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=base)
    scheds = schedulers if isinstance(schedulers, list) else [schedulers]
    assert all(s["by_epoch"] is False for s in scheds)
    built = [PARAM_SCHEDULERS.build(dict(s, optimizer=opt)) for s in scheds]
    out = []
    for _ in range(iters):
        out.append(opt.param_groups[0]["lr"])
        for s in built:
            s.step()
    return out


EXACT_CASES = [
    dict(policy="step", by_epoch=False, step=[10, 25, 40], gamma=0.5),
    dict(policy="step", by_epoch=False, step=7),
    dict(policy="step", by_epoch=False, step=[10, 20], gamma=0.1, min_lr=1e-6),
    dict(policy="Exp", by_epoch=False, gamma=0.97),
    dict(policy="Poly", by_epoch=False, power=0.9, min_lr=1e-5),
    dict(policy="poly", by_epoch=False),
    dict(policy="CosineAnnealing", by_epoch=False, min_lr=1e-5),
    dict(policy="CosineAnnealing", by_epoch=False, min_lr_ratio=0.01),
    dict(policy="step", by_epoch=False, step=[30, 45], warmup="linear", warmup_iters=12, warmup_ratio=0.01),
    dict(policy="step", by_epoch=False, step=[5, 45], warmup="linear", warmup_iters=12, warmup_ratio=0.2),
    dict(policy="Exp", by_epoch=False, gamma=0.99, warmup="constant", warmup_iters=9, warmup_ratio=0.1),
    dict(policy="CosineAnnealing", by_epoch=False, min_lr=0.0, warmup="linear", warmup_iters=10),
    dict(policy="CosineRestart", by_epoch=False, periods=[20, 20, 20], restart_weights=[1, 0.5, 0.25],
         min_lr=0),
    dict(policy="CosineRestart", by_epoch=False, periods=[30, 30], min_lr_ratio=0.1, restart_weights=[1, 1]),
]


@pytest.mark.parametrize("lr", EXACT_CASES, ids=[str(i) for i in range(len(EXACT_CASES))])
def test_exact_schedules_match_mmcv_at_every_iteration(lr):
    total = 60
    out = convert(copy.deepcopy(lr), total_iters=total)
    assert sev(out) == Severity.EXACT, [c.message for c in out.changes]
    scheds = out.target["param_scheduler"]
    for base in (1e-3, 4e-3):  # the list applies to every wrapper, each from its own lr
        got = mmengine_lrs(scheds, base, total)
        want = [mmcv_lr(lr, base, i, total) for i in range(total)]
        assert got == pytest.approx(want, rel=1e-6, abs=1e-12)


def test_weighted_restarts_with_a_minimum_are_review_and_really_differ():
    lr = dict(policy="CosineRestart", by_epoch=False, periods=[20, 20, 20], restart_weights=[1, 0.5, 0.25],
              min_lr=1e-5)
    out = convert(copy.deepcopy(lr))
    assert sev(out) == Severity.REVIEW
    got = mmengine_lrs(out.target["param_scheduler"], 1e-3, 60)
    assert got != pytest.approx([mmcv_lr(lr, 1e-3, i, 60) for i in range(60)], rel=1e-6, abs=1e-12)


def test_binding_min_lr_really_differs():
    lr = dict(policy="step", by_epoch=False, step=[10, 20], gamma=0.1, min_lr=2e-5)
    out = convert(copy.deepcopy(lr))
    got = mmengine_lrs(out.target["param_scheduler"], 1e-3, 60)
    want = [mmcv_lr(lr, 1e-3, i, 60) for i in range(60)]
    assert got != pytest.approx(want, rel=1e-6, abs=1e-12)


def test_linear_schedule_in_a_base_without_optimizer_is_converted_in_the_inheriting_config(tmp_path):
    from mmengine import Config

    from mmgen_migrate.convert import convert_files

    (tmp_path / "_base_").mkdir()
    (tmp_path / "_base_/schedule.py").write_text(
        "lr_config = dict(policy='Linear', by_epoch=False, target_lr=0, start=40000, interval=400)\n")
    (tmp_path / "leaf.py").write_text(
        "_base_ = ['./_base_/schedule.py']\n"
        "model = dict(type='CycleGAN')\n"
        "optimizer = dict(generators=dict(type='Adam', lr=0.0002), discriminators=dict(type='Adam', lr=0.0002))\n"
        "total_iters = 80000\n")
    results = {r.rel: r for r in convert_files(sorted(tmp_path.rglob("*.py")), tmp_path,
                                               ConvertOptions(select=["OPT001", "SCH"]))}
    assert all(r.status != FAILED for r in results.values()), {k: r.error for k, r in results.items()}
    assert "lr_config" not in results["_base_/schedule.py"].new_text
    out = tmp_path / "out"
    for rel, r in results.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(r.new_text)
    ps = Config.fromfile(out / "leaf.py").param_scheduler.to_dict()
    assert ps == dict(type="LinearLrInterval", by_epoch=False, start_factor=0.0002, end_factor=0, begin=40000,
                      end=80000, interval=400)


def test_train_cfg_none_is_replaced_by_the_loop_and_accounted_for():
    src = "model = dict(type='ESRGAN')\ntrain_cfg = None\ntest_cfg = None\ntotal_iters = 400000\n"
    res = convert_text(src, options=ConvertOptions(select=["SCH001"]))
    assert not [c for c in res.changes if c.severity == Severity.ERROR], [c.message for c in res.changes]
    assert res.new_text == ("model = dict(type='ESRGAN')\ntrain_cfg = dict(by_epoch=False, max_iters=400000)\n"
                            "test_cfg = None\n")


from hypothesis import given, settings, strategies as st


@settings(max_examples=40, deadline=None)
@given(milestones=st.lists(st.integers(1, 59), min_size=1, max_size=4, unique=True).map(sorted),
       gamma=st.sampled_from([0.1, 0.5, 0.9]), warmup=st.sampled_from([None, "linear", "constant"]),
       warmup_iters=st.integers(1, 30), warmup_ratio=st.sampled_from([0.001, 0.1, 0.5]))
def test_random_step_schedules_with_warmup_replay_like_mmcv(milestones, gamma, warmup, warmup_iters, warmup_ratio):
    lr = dict(policy="step", by_epoch=False, step=milestones, gamma=gamma)
    if warmup:
        lr.update(warmup=warmup, warmup_iters=warmup_iters, warmup_ratio=warmup_ratio)
    out = convert(copy.deepcopy(lr), total_iters=60)
    assert sev(out) == Severity.EXACT
    got = mmengine_lrs(out.target["param_scheduler"], 1e-3, 60)
    assert got == pytest.approx([mmcv_lr(lr, 1e-3, i, 60) for i in range(60)], rel=1e-6, abs=1e-12)


def test_every_policy_has_one_converter():
    from mmgen_migrate.rules import schedule

    assert set(schedule.POLICY_CONVERTERS) == set(schedule.POLICY_KEYS)
