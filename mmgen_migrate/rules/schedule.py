"""Training length and learning-rate schedule: ``total_iters`` → ``train_cfg``
(the 1.x loop), ``lr_config`` → ``param_scheduler``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..model import MISSING, Severity
from . import families as fam
from .base import Example, MigrationContext, Valid, primary_source, rule

primary_source("train_cfg", "total_iters")
primary_source("param_scheduler", "lr_config")

# Keys of a 1.x loop config (`IterBasedTrainLoop` / `EpochBasedTrainLoop`
# arguments plus `type`/`by_epoch`, which Runner.build_train_loop reads).
LOOP_KEYS = {"type", "by_epoch", "max_iters", "max_epochs", "val_begin", "val_interval", "dynamic_intervals"}


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _refused(ctx: MigrationContext) -> bool:
    """Families whose training settings MOD005 refuses, and 1.x configs."""
    return fam.family_of(ctx.source) in (fam.DIFFUSION, fam.MODERN) or bool(ctx.facts.get("refused_training"))


# ---------------------------------------------------------------------------
# SCH001


@rule(
    "SCH001",
    "total-iters-to-train-loop",
    "Turn `total_iters` into the 1.x loop config `train_cfg = dict(by_epoch=False, max_iters=...)`; "
    "report 0.x `train_cfg` keys no rule could place.",
    examples=[
        Example(
            before="""
            total_iters = 800002  # need to modify
            """,
            after="""
            train_cfg = dict(by_epoch=False, max_iters=800002)  # need to modify
            """,
        ),
        Example(
            before="""
            model = dict(type='SinGAN', generator=dict(type='SinGANMultiScaleGenerator'))
            train_cfg = dict(disc_steps=3, generator_steps=3)
            total_iters = 18000
            """,
            after="""
            model = dict(type='SinGAN', generator=dict(type='SinGANMultiScaleGenerator'),
                         discriminator_steps=3, generator_steps=3)
            train_cfg = dict(
                by_epoch=False,
                max_iters=54000,  # 0.x total_iters=18000 × disc_steps=3
            )
            """,
        ),
        Valid(
            """
            train_cfg = dict(by_epoch=False, max_iters=100000, val_interval=10000)
            """
        ),
    ],
    requires=("STP001",),
)
def total_iters_to_train_loop(ctx: MigrationContext) -> None:
    """
    **What it does.** Writes `train_cfg = dict(by_epoch=False, max_iters=N)`
    from 0.x `total_iters = N` (the expression is kept), except for SinGAN,
    where `max_iters = total_iters × disc_steps`. By the time this rule runs
    the step, EMA and model rules have moved their keys out of the 0.x
    `train_cfg` (a model-settings dict in 0.x). A key still there is never
    merged silently into the loop config (MMEngine would pass it to
    `IterBasedTrainLoop` and fail at start-up): for BasiccGAN,
    StaticUnconditionalGAN and CycleGAN/Pix2Pix, whose `_parse_train_cfg`
    reads a known set of keys, a key outside that set had no effect in 0.x
    (a typo such as `disc_step`) and is dropped (*review*); any other
    leftover is marked *unsupported* and kept.

    **Why.** 0.x `mmgen/apis/train.py` ran `runner.run(..., cfg.total_iters)`;
    1.x `Runner.build_train_loop` builds the loop from `train_cfg`
    (`by_epoch=False` → `IterBasedTrainLoop(max_iters)`). One iteration is one
    `train_step` on one data batch in both versions, so the count is not
    rescaled by accumulation or `disc_steps`, with one exception: a 0.x SinGAN
    iteration ran `disc_steps` D steps and the G steps, a 1.x SinGAN iteration
    runs one D step (docs/semantics.md §2.4).

    **Exactness.** Exact (SinGAN included: the number of D/G steps per stage
    and in total is unchanged; SinGAN's other timing differences are reported
    by the model rules).

    **Reference.** docs/mapping.md §2.6, §4 rule 4; docs/semantics.md §2.4; MMEngine
    `Runner.build_train_loop`.
    """
    if _refused(ctx):
        return
    total = ctx.get(("total_iters",))
    train_cfg = ctx.get(("train_cfg",), None)
    leftovers = [k for k in train_cfg if k not in LOOP_KEYS] if isinstance(train_cfg, dict) else []
    if total is MISSING:
        # a 1.x loop config, or a _base_ file with 0.x model settings only
        if leftovers and not any(k in LOOP_KEYS for k in train_cfg):
            _flag_leftovers(ctx, leftovers)
        return
    if not _is_int(total) or total <= 0:
        ctx.flag(("total_iters",), f"`total_iters={total!r}` is not a positive integer: not converted")
        return
    if train_cfg is not None and not isinstance(train_cfg, dict):
        ctx.flag(("train_cfg",), f"0.x `train_cfg` is a {type(train_cfg).__name__}: cannot build the 1.x loop "
                                 "config next to it")
        return
    if isinstance(train_cfg, dict) and ("max_iters" in train_cfg or "max_epochs" in train_cfg):
        ctx.flag(("total_iters",), "`total_iters` next to a 1.x `train_cfg` loop config: kept as-is, "
                                   "MMagic 1.x reads only train_cfg")
        return
    _flag_leftovers(ctx, leftovers)
    if train_cfg is None and "train_cfg" in ctx.cfg:
        ctx.drop(("train_cfg",), "0.x `train_cfg = None` (no model training settings); 1.x `train_cfg` is the "
                                 "training loop, written from total_iters")
    ctx.put(("train_cfg", "by_epoch"), False, "1.x GAN training is iteration-based (IterBasedTrainLoop)",
            consume=False)
    d = ctx.old(("train_cfg", "disc_steps"), 1)
    if fam.family_of(ctx.source) == fam.SINGAN and d != 1:
        if not _is_int(d) or d < 1:
            ctx.flag(("total_iters",), f"SinGAN disc_steps={d!r}: cannot compute max_iters")
            return
        ctx.put(("train_cfg", "max_iters"), total * d,
                f"a 0.x SinGAN iteration ran {d} D steps; a 1.x iteration runs one, so the run is {d}× as many "
                "iterations for the same number of updates (docs/semantics.md §2.4)",
                inputs=[("total_iters",)], note=f"0.x total_iters={total} × disc_steps={d}")
    else:
        ctx.move(("total_iters",), ("train_cfg", "max_iters"),
                 "one iteration is one train_step on one batch in both versions: the count is unchanged")


# The `train_cfg` keys the 0.x classes read (`_parse_train_cfg`), for the
# families whose reading is fully known; any other key had no effect in 0.x.
READS = {
    fam.CONDITIONAL: {"disc_steps", "gen_steps", "batch_accumulation_steps", "use_ema"},
    fam.STATIC: {"disc_steps", "use_ema", "real_img_key"},
    fam.TRANSLATION: {"disc_steps", "disc_init_steps", "real_img_key", "buffer_size"},
}


def _flag_leftovers(ctx: MigrationContext, leftovers) -> None:
    family = fam.family_of(ctx.source)
    for key in leftovers:
        if family in READS and key not in READS[family]:
            ctx.drop(
                ("train_cfg", key),
                f"0.x {fam.model_type(ctx.source)} never read `train_cfg.{key}` "
                f"({fam.SOURCE_FILES[family].split(' ')[0]}): it had no effect; dropped so that it does not "
                "reach the 1.x training loop (MMEngine passes train_cfg to IterBasedTrainLoop)",
                severity=Severity.REVIEW,
            )
            continue
        ctx.flag(
            ("train_cfg", key),
            f"0.x `train_cfg.{key}` (a model setting in 0.x) has no known 1.x place; in 1.x `train_cfg` is the "
            "training-loop config and MMEngine would pass it to the loop (TypeError at start): move it into "
            "`model` if the 1.x model takes it, else delete it",
        )


# ---------------------------------------------------------------------------
# SCH002

# mmcv LrUpdaterHook arguments (mmcv/runner/hooks/lr_updater.py)
COMMON_KEYS = {"policy", "by_epoch", "warmup", "warmup_iters", "warmup_ratio", "warmup_by_epoch"}
POLICY_KEYS = {
    "Fixed": set(),
    "Step": {"step", "gamma", "min_lr"},
    "Exp": {"gamma"},
    "Poly": {"power", "min_lr"},
    "CosineAnnealing": {"min_lr", "min_lr_ratio"},
    "CosineRestart": {"periods", "restart_weights", "min_lr", "min_lr_ratio"},
    "Linear": {"target_lr", "start", "interval"},  # mmgen/core/scheduler/lr_updater.py
}


def policy_name(policy) -> str | None:
    """mmcv `register_lr_hook`: an all-lowercase policy is title-cased
    (`'step'` → `'Step'`), anything else is used as written."""
    if not isinstance(policy, str):
        return None
    return policy.title() if policy == policy.lower() else policy


def base_lrs(ctx: MigrationContext) -> dict[str, float] | None:
    """Each 0.x optimizer's lr (``''`` for a single optimizer), or None when
    one is not a plain number."""
    opt = ctx.old(("optimizer",), None)
    if not isinstance(opt, dict):
        return None
    if "type" in opt:
        lrs = {"": opt.get("lr")}
    else:
        lrs = {k: v.get("lr") for k, v in opt.items() if isinstance(v, dict)}
    if not lrs or any(not isinstance(v, (int, float)) or isinstance(v, bool) for v in lrs.values()):
        return None
    return lrs


@rule(
    "SCH002",
    "lr-config-to-param-scheduler",
    "Turn the 0.x `lr_config` (mmcv LrUpdaterHook) into MMEngine `param_scheduler`s.",
    examples=[
        Example(
            before="""
            total_iters = 1500000
            lr_config = None
            """,
            after="""
            total_iters = 1500000
            """,
        ),
        Example(
            before="""
            lr_config = dict(policy='step', by_epoch=False, step=[50000, 80000], gamma=0.5,
                             warmup='linear', warmup_iters=1000, warmup_ratio=0.01)
            """,
            after="""
            param_scheduler = [
                dict(
                    type='LinearLR', by_epoch=False, start_factor=0.01, end_factor=1.0,
                    begin=0,
                    end=1001,  # 0.x warmup_iters=1000 + 1
                ),
                dict(type='MultiStepLR', by_epoch=False, milestones=[50000, 80000],
                     gamma=0.5)]
            """,
        ),
        Example(
            before="""
            optimizer = dict(
                generators=dict(type='Adam', lr=0.0002, betas=(0.5, 0.999)),
                discriminators=dict(type='Adam', lr=0.0002, betas=(0.5, 0.999)))
            lr_config = dict(policy='Linear', by_epoch=False, target_lr=0, start=40000, interval=400)
            total_iters = 80000
            """,
            after="""
            optimizer = dict(
                generators=dict(type='Adam', lr=0.0002, betas=(0.5, 0.999)),
                discriminators=dict(type='Adam', lr=0.0002, betas=(0.5, 0.999)))
            param_scheduler = dict(
                type='LinearLrInterval', by_epoch=False,
                start_factor=0.0002,  # 0.x optimizer lr (an absolute lr for LinearLrInterval)
                end_factor=0, begin=40000,
                end=80000,  # 0.x total_iters
                interval=400)
            total_iters = 80000
            """,
        ),
        Example(
            before="""
            lr_config = dict(policy='step', step=[10000])  # by_epoch defaults to True in mmcv
            """,
            after="""
            """,
        ),
        Valid(
            """
            param_scheduler = dict(type='MultiStepLR', by_epoch=False, milestones=[1000], gamma=0.5)
            """
        ),
    ],
)
def lr_config_to_param_scheduler(ctx: MigrationContext) -> None:
    """
    **What it does.** Replaces `lr_config` with `param_scheduler`:

    | 0.x `lr_config` (`by_epoch=False`) | 1.x `param_scheduler` |
    |---|---|
    | `None`, `policy='Fixed'` | none (constant lr) |
    | `policy='step', step=[a, b], gamma=g` | `MultiStepLR(milestones=[a, b], gamma=g)` |
    | `policy='step', step=n` | `StepLR(step_size=n, gamma=g)` |
    | `policy='Exp', gamma=g` | `ExponentialLR(gamma=g)` |
    | `policy='Poly', power=p, min_lr=m` | `PolyLR(power=p, eta_min=m, begin=0, end=total_iters + 1)` |
    | `policy='CosineAnnealing', min_lr[_ratio]` | `CosineAnnealingLR(T_max=total_iters, eta_min[_ratio], ...)` |
    | `policy='CosineRestart', periods, restart_weights, min_lr[_ratio]` | `CosineRestartLR(periods, restart_weights, eta_min[_ratio])` |
    | `policy='Linear'` (mmgen), `target_lr, start, interval` | `LinearLrInterval(start_factor=<optimizer lr>, end_factor=target_lr, begin=start, end=total_iters, interval)` |
    | `warmup='linear', warmup_iters=W, warmup_ratio=r` | `LinearLR(start_factor=r, end_factor=1.0, begin=0, end=W + 1)` first |
    | `warmup='constant'` | `ConstantLR(factor=r, begin=0, end=W + 1)` first |

    Every scheduler is written with `by_epoch=False`. A `by_epoch=True`
    schedule (mmcv's default when `by_epoch` is not written) is dropped. If
    the optimizers' lrs differ, `LinearLrInterval` (whose factors are
    absolute lrs) is written per wrapper: `param_scheduler =
    dict(generator=..., discriminator=...)`.

    **Why.** 0.x registered an mmcv `LrUpdaterHook` that set the lr of every
    optimizer before iteration `i` from a closed form in `i`; MMEngine builds
    `param_scheduler` per optim wrapper and steps it after each iteration
    (`ParamSchedulerHook`), so the lr used in iteration `i` has been stepped
    `i` times. `DynamicIterBasedRunner` (and mmcv's `IterBasedRunner`) call
    `before_epoch`, never `before_train_epoch`, so a `by_epoch=True` policy
    never changed the lr in 0.x (docs/semantics.md §1.1).

    **Exactness.** Exact per iteration for `step`, `Exp`, `Poly`,
    `CosineAnnealing`, `CosineRestart` (with restart weights of 1, or a
    zero minimum: else *review*) and linear/constant warmup (checked against MMEngine's
    schedulers by the test suite); `min_lr` of `step` is exact when the
    optimizers' lrs never decay below it, else *review* (MMEngine's step
    schedulers have no floor). Dropping a `by_epoch=True` schedule is
    *review* (it keeps what 0.x really did: a constant lr). `Linear` is
    *review*: `LinearLrInterval` lags one iteration and sets
    `lr × start_factor` for one iteration at `begin` (docs/semantics.md §4).
    SinGAN and PGGAN schedule their lr inside the model/constructor: a
    global schedule is *unsupported* there. `exp` warmup, `warmup_by_epoch`
    and other policies (`Inv`, `FlatCosineAnnealing`, `Cyclic`, `OneCycle`,
    ...) are *unsupported*: no conversion is written, `lr_config` stays in
    the file with a marker.

    **Reference.** docs/semantics.md §4, §8.15-17; docs/mapping.md §2.7, §4 rule 5;
    mmcv `runner/hooks/lr_updater.py`; MMEngine `optim/scheduler/lr_scheduler.py`;
    MMagic `engine/schedulers/linear_lr_scheduler_with_interval.py`.
    """
    if _refused(ctx):
        return
    _momentum_config(ctx)
    lr = ctx.get(("lr_config",))
    if lr is MISSING:
        return
    family = fam.family_of(ctx.source)
    if lr is None:
        ctx.drop(("lr_config",), "`lr_config = None`: constant lr in 0.x; 1.x needs no param_scheduler")
        return
    if "param_scheduler" in ctx.cfg:
        ctx.flag(("lr_config",), "config has both `lr_config` and `param_scheduler`; MMagic 1.x reads only "
                                 "param_scheduler: lr_config kept as-is")
        return
    if family in (fam.SINGAN, fam.PGGAN):
        ctx.flag(("lr_config",),
                 "SinGAN builds its per-stage MultiStepLR inside the model and PGGAN's per-scale lr comes from "
                 "PGGANOptimWrapperConstructor's lr_schedule: a global 1.x param_scheduler would apply on top "
                 "(docs/semantics.md §4, §8.17); convert this schedule by hand")
        return
    if not isinstance(lr, dict):
        ctx.flag(("lr_config",), f"`lr_config` is a {type(lr).__name__}, not a dict")
        return
    policy = policy_name(lr.get("policy"))
    if policy is None:
        ctx.flag(("lr_config",), "`lr_config` without a `policy`: mmcv could not build it")
        return
    if lr.get("by_epoch", True):
        ctx.drop(
            ("lr_config",),
            f"`lr_config` policy {policy!r} with by_epoch=True"
            + ("" if "by_epoch" in lr else " (mmcv's default)")
            + ": the 0.x runner never calls before_train_epoch, so this schedule never changed the lr "
            "(constant lr in 0.x, docs/semantics.md §1.1); dropped so 1.x trains as 0.x really did",
            severity=Severity.REVIEW,
        )
        return
    if policy not in POLICY_KEYS:
        ctx.flag(("lr_config",), f"lr policy {policy!r} has no MMEngine twin mmgen-migrate knows: convert by hand")
        return
    unknown = sorted(set(lr) - COMMON_KEYS - POLICY_KEYS[policy])
    if unknown:
        ctx.flag(("lr_config",), f"`lr_config` has argument(s) {', '.join(unknown)} that the {policy} policy "
                                 "does not take: convert by hand")
        return
    warmup = lr.get("warmup")
    if warmup is not None and (warmup not in ("linear", "constant") or lr.get("warmup_by_epoch", False)):
        why = ("warmup_by_epoch=True never worked under the 0.x iteration runner (warmup_iters is only set in "
               "before_train_epoch)") if lr.get("warmup_by_epoch", False) else \
            f"warmup={warmup!r} has no MMEngine twin (no exponential warm-up scheduler)"
        ctx.flag(("lr_config",), why + ": convert by hand")
        return
    total = ctx.old(("total_iters",), None)
    needs_total = policy in ("Poly", "CosineAnnealing", "Linear")
    lrs = base_lrs(ctx)
    missing, elsewhere = [], True
    if needs_total and not (_is_int(total) and total > 0):
        missing.append("`total_iters`")
        elsewhere &= "total_iters" not in ctx.source
    if policy == "Linear" and lrs is None:
        missing.append("the optimizers' lr")
        elsewhere &= "optimizer" not in ctx.source
    if missing and ctx.partial and elsewhere:
        # a schedule _base_ file: the configs that inherit it see the rest
        ctx.drop(("lr_config",), f"the {policy} schedule needs {' and '.join(missing)}, which this _base_ file "
                                 "does not set: it is converted in the configs that inherit this file")
        return
    if missing:
        ctx.flag(("lr_config",), f"the {policy} policy needs {' and '.join(missing)} as plain numbers, "
                                 "which this config does not give: convert by hand")
        return
    _convert_lr(ctx, lr, policy, warmup, total, lrs)


@dataclass
class MainScheduler:
    """What one 0.x policy becomes: the main (after warm-up) 1.x scheduler,
    ``None`` for none (``Fixed``), and what the rule records about it."""

    sched: dict | None
    moves: list[tuple[str, str]] = field(default_factory=list)  # (0.x key, 1.x key) copied unchanged
    notes: dict[str, str] = field(default_factory=dict)  # 1.x key -> comment naming the 0.x inputs
    severity: Severity = Severity.EXACT
    findings: list[str] = field(default_factory=list)
    # the factors are absolute lrs (LinearLrInterval): start_factor is the
    # optimizer's lr, and a schedule per wrapper when their lrs differ
    absolute_lr: bool = False


# A policy converter returns the main scheduler, or None when it flagged
# `lr_config` (nothing is converted then).
PolicyConverter = Callable[[MigrationContext, dict, Any, Any], "MainScheduler | None"]


def _fixed(ctx: MigrationContext, lr: dict, total, lrs) -> MainScheduler | None:
    return MainScheduler(None)


def _step(ctx: MigrationContext, lr: dict, total, lrs) -> MainScheduler | None:
    step = lr.get("step")
    gamma = lr.get("gamma", 0.1)
    if isinstance(step, (list, tuple)) and all(_is_int(s) for s in step):
        out = MainScheduler({"type": "MultiStepLR", "by_epoch": False, "milestones": list(step), "gamma": gamma},
                            moves=[("step", "milestones")])
        decays = len(step)
    elif _is_int(step) and step > 0:
        out = MainScheduler({"type": "StepLR", "by_epoch": False, "step_size": step, "gamma": gamma},
                            moves=[("step", "step_size")])
        total = ctx.old(("total_iters",), None)
        decays = (total - 1) // step if _is_int(total) and total > 0 else None
    else:
        ctx.flag(("lr_config",), f"step policy with step={step!r}: not a list of iterations or an int")
        return None
    if "gamma" in lr:
        out.moves.append(("gamma", "gamma"))
    min_lr = lr.get("min_lr")
    if min_lr is not None:
        binds = (lrs is None or decays is None
                 or any(base * gamma ** decays < min_lr for base in lrs.values()))
        if binds:
            out.severity = Severity.REVIEW
            out.findings.append(
                f"min_lr={min_lr}: 0.x clipped the decayed lr at min_lr; MMEngine's {out.sched['type']} has no "
                "floor, so the lr goes lower in 1.x once it would fall below min_lr")
        else:
            out.findings.append(f"min_lr={min_lr} never binds: every optimizer's lr stays above it until the "
                                "last decay, so it is dropped without effect")
    return out


def _exp(ctx: MigrationContext, lr: dict, total, lrs) -> MainScheduler | None:
    if not isinstance(lr.get("gamma"), (int, float)):
        ctx.flag(("lr_config",), "Exp policy without a numeric gamma")
        return None
    return MainScheduler({"type": "ExponentialLR", "by_epoch": False, "gamma": lr.get("gamma")},
                         moves=[("gamma", "gamma")])


def _poly(ctx: MigrationContext, lr: dict, total, lrs) -> MainScheduler | None:
    return MainScheduler({"type": "PolyLR", "by_epoch": False, "eta_min": lr.get("min_lr", 0.0),
                          "power": lr.get("power", 1.0), "begin": 0, "end": total + 1},
                         moves=[(k, n) for k, n in (("min_lr", "eta_min"), ("power", "power")) if k in lr],
                         notes={"end": f"0.x total_iters={total} + 1 (PolyLR reaches eta_min at end - 1)"})


def _cosine_annealing(ctx: MigrationContext, lr: dict, total, lrs) -> MainScheduler | None:
    if ("min_lr" in lr) == ("min_lr_ratio" in lr):
        ctx.flag(("lr_config",), "CosineAnnealing needs exactly one of min_lr / min_lr_ratio")
        return None
    main = {"type": "CosineAnnealingLR", "by_epoch": False, "T_max": total}
    if "min_lr" in lr:
        main["eta_min"] = lr["min_lr"]
        moves = [("min_lr", "eta_min")]
    else:
        main["eta_min_ratio"] = lr["min_lr_ratio"]
        moves = [("min_lr_ratio", "eta_min_ratio")]
    main.update(begin=0, end=total)
    return MainScheduler(main, moves=moves, notes={"T_max": "0.x total_iters", "end": "0.x total_iters"})


def _cosine_restart(ctx: MigrationContext, lr: dict, total, lrs) -> MainScheduler | None:
    periods = lr.get("periods")
    weights = lr.get("restart_weights", [1])
    if ("min_lr" in lr) == ("min_lr_ratio" in lr) or not isinstance(periods, (list, tuple)) \
            or not isinstance(weights, (list, tuple)) or len(periods) != len(weights):
        ctx.flag(("lr_config",), "CosineRestart needs `periods` and `restart_weights` of the same length and "
                                 "exactly one of min_lr / min_lr_ratio")
        return None
    out = MainScheduler({"type": "CosineRestartLR", "by_epoch": False, "periods": list(periods),
                         "restart_weights": list(weights)}, moves=[("periods", "periods")])
    if "restart_weights" in lr:
        out.moves.append(("restart_weights", "restart_weights"))
    key = "min_lr" if "min_lr" in lr else "min_lr_ratio"
    out.sched["eta_min" if key == "min_lr" else "eta_min_ratio"] = lr[key]
    out.moves.append((key, "eta_min" if key == "min_lr" else "eta_min_ratio"))
    if any(w != 1 for w in weights) and lr[key] != 0:
        out.severity = Severity.REVIEW
        out.findings.append(
            "restart_weights below 1 with a non-zero minimum: mmcv restarts at min + w × (lr - min), "
            "MMEngine's CosineRestartLR at a value derived from w × lr, so the lr after a restart differs "
            "(by up to (1 - w) × min)")
    return out


def _linear(ctx: MigrationContext, lr: dict, total, lrs) -> MainScheduler | None:
    return MainScheduler(
        {"type": "LinearLrInterval", "by_epoch": False, "start_factor": None,
         "end_factor": lr.get("target_lr", 0), "begin": lr.get("start", 0), "end": total,
         "interval": lr.get("interval", 1)},
        moves=[(k, n) for k, n in (("target_lr", "end_factor"), ("start", "begin"), ("interval", "interval"))
               if k in lr],
        notes={"end": "0.x total_iters"},
        severity=Severity.REVIEW,
        findings=["LinearLrInterval reads the iteration just finished when it steps, so every lr change lands one "
                  "iteration later than in 0.x, and at iteration `begin` the lr is lr × start_factor for one "
                  "iteration (docs/semantics.md §4)"],
        absolute_lr=True)


# One converter per policy of POLICY_KEYS (checked by tests/rules/test_schedule.py).
POLICY_CONVERTERS: dict[str, PolicyConverter] = {
    "Fixed": _fixed,
    "Step": _step,
    "Exp": _exp,
    "Poly": _poly,
    "CosineAnnealing": _cosine_annealing,
    "CosineRestart": _cosine_restart,
    "Linear": _linear,
}


def _warmup_scheduler(lr: dict, warmup) -> dict | None:
    """The 1.x warm-up scheduler (``warmup`` is 'linear', 'constant' or None).
    MMEngine's LinearLR/ConstantLR reach their end value at step `end - 1`;
    mmcv's warm-up ends at iteration `warmup_iters`."""
    if warmup is None:
        return None
    w_iters = lr.get("warmup_iters", 0)
    ratio = lr.get("warmup_ratio", 0.1)
    if warmup == "linear":
        return {"type": "LinearLR", "by_epoch": False, "start_factor": ratio, "end_factor": 1.0,
                "begin": 0, "end": w_iters + 1}
    return {"type": "ConstantLR", "by_epoch": False, "factor": ratio, "begin": 0, "end": w_iters + 1}


def _convert_lr(ctx: MigrationContext, lr: dict, policy: str, warmup, total, lrs) -> None:
    warm = _warmup_scheduler(lr, warmup)
    converted = POLICY_CONVERTERS[policy](ctx, lr, total, lrs)
    if converted is None:
        return  # flagged
    main, moves, notes = converted.sched, converted.moves, converted.notes
    main_sev, findings = converted.severity, converted.findings
    schedulers = [s for s in (warm, main) if s is not None]

    if not schedulers:
        ctx.drop(("lr_config",), "`policy='Fixed'` keeps the optimizers' lr: 1.x needs no param_scheduler")
        return

    per_wrapper = converted.absolute_lr and len(set(lrs.values())) > 1
    if per_wrapper:
        value = {}
        for module, base in lrs.items():
            scheds = [dict(s) for s in schedulers]
            scheds[-1]["start_factor"] = base
            value[module] = scheds[0] if len(scheds) == 1 else scheds
    else:
        if converted.absolute_lr:
            main["start_factor"] = next(iter(lrs.values()))
        value = schedulers[0] if len(schedulers) == 1 else schedulers
    msg = f"0.x lr policy {policy!r}" + (f" with {warmup} warm-up" if warmup else "") + \
        " becomes MMEngine " + " + ".join(s["type"] for s in schedulers) + " (by_epoch=False)"
    ctx.put(("param_scheduler",), value, msg, inputs=[("lr_config",)], severity=main_sev, consume=False)

    def main_paths():
        if per_wrapper:
            for module in lrs:
                yield module, ("param_scheduler", module) + ((len(schedulers) - 1,) if len(schedulers) > 1 else ())
        else:
            yield None, ("param_scheduler",) + ((len(schedulers) - 1,) if len(schedulers) > 1 else ())

    for module, mpath in main_paths():
        for old_key, new_key in moves:
            # same value: recorded as a move so the source expression is reused
            ctx.record_move(("lr_config", old_key), mpath + (new_key,), lr[old_key],
                            f"`lr_config.{old_key}` kept as `{new_key}`")
        for key, text in notes.items():
            ctx.put(mpath + (key,), ctx.get(mpath + (key,)), f"`{key}` from the 0.x training length",
                    inputs=[("total_iters",)], note=text, consume=False)
        if converted.absolute_lr:
            name = module if module is not None else next(iter(lrs))
            opt_path = ("optimizer",) + ((name, "lr") if name else ("lr",))
            # the optimizer's lr, unchanged: recorded as a move so its source
            # expression (often a variable) is reused, with a note saying why
            value = ctx.get(mpath + ("start_factor",))
            ctx.record_move(opt_path, mpath + ("start_factor",), value,
                            "LinearLrInterval's factors are absolute lrs (mmagic linear_lr_scheduler_with_interval.py): "
                            "start_factor is the optimizer's lr, end_factor the 0.x target_lr",
                            note="0.x optimizer lr (an absolute lr for LinearLrInterval)")
    if warmup is not None:
        wpaths = [("param_scheduler", m, 0) for m in lrs] if per_wrapper else [("param_scheduler", 0)]
        for wpath in wpaths:
            ratio_key = "start_factor" if warmup == "linear" else "factor"
            if "warmup_ratio" in lr:
                ctx.record_move(("lr_config", "warmup_ratio"), wpath + (ratio_key,), lr["warmup_ratio"],
                                f"`lr_config.warmup_ratio` kept as warm-up `{ratio_key}`")
            ctx.put(wpath + ("end",), ctx.get(wpath + ("end",)),
                    "mmcv's warm-up covers iterations 0 .. warmup_iters-1 and gives the plain lr at warmup_iters; "
                    f"MMEngine's {schedulers[0]['type']} reaches its end value at step `end - 1`, hence end = "
                    "warmup_iters + 1",
                    inputs=[("lr_config", "warmup_iters")] if "warmup_iters" in lr else [],
                    note=f"0.x warmup_iters={lr.get('warmup_iters', 0)} + 1", consume=False)
    for text in findings:
        ctx.note(text, paths=[("lr_config",)], severity=main_sev if "never binds" not in text else Severity.EXACT)
    ctx.drop(("lr_config",), "converted into param_scheduler")


def _momentum_config(ctx: MigrationContext) -> None:
    value = ctx.get(("momentum_config",))
    if value is MISSING:
        return
    if value is None:
        ctx.drop(("momentum_config",), "`momentum_config = None`: no momentum schedule")
        return
    ctx.flag(("momentum_config",), "mmcv momentum schedules are not converted: port to an MMEngine momentum "
                                   "scheduler (e.g. CosineAnnealingMomentum) in param_scheduler by hand")
