"""EMA: the 0.x ``ExponentialMovingAverageHook`` → ``model.ema_config``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..model import MISSING, Path, Severity
from . import families as fam
from .base import Example, MigrationContext, Valid, rule

HOOK_TYPE = "ExponentialMovingAverageHook"
# 0.x hook arguments (mmgen/core/hooks/ema_hook.py __init__) and the mmcv
# hook-registration key `priority`
HOOK_KEYS = {"type", "module_keys", "interp_mode", "interp_cfg", "interval", "start_iter", "momentum_policy",
             "momentum_cfg", "priority"}
INTERP_KEYS = {"momentum", "momentum_nontrainable"}
# 0.x `ExponentialMovingAverageHook.rampup` defaults; 1.x RampUpEMA defaults
# batch_size to 32, so every value is written out.
RAMPUP_DEFAULTS = {"ema_kimg": 10, "ema_rampup": 0.05, "batch_size": 4, "eps": 1e-8}
DEFAULT_MOMENTUM = 0.999  # 0.x lerp default; the 1.x default (0.0002) is not its inverse
USE_EMA = ("train_cfg", "use_ema")


def one_minus(m: float) -> float:
    """``1 - m`` as the short decimal a person would write (``1 - 0.9999`` is
    ``9.999999999998899e-05`` in binary floating point; ``0.0001`` here)."""
    return float(Decimal(1) - Decimal(repr(float(m))))


def _fmt(x) -> str:
    return repr(x) if not isinstance(x, float) else f"{x:.10g}"


def find_ema_hooks(cfg: dict) -> list[int]:
    hooks = cfg.get("custom_hooks")
    if not isinstance(hooks, list):
        return []
    return [i for i, h in enumerate(hooks) if isinstance(h, dict) and h.get("type") == HOOK_TYPE]


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def generator_period(ctx: MigrationContext) -> tuple[int | float, str]:
    """The 1.x generator period ``P = discriminator_steps × accumulative_counts(D)``
    in iterations, read from the already converted config, and a phrase
    saying where it came from.  Where the step rules did not convert the 0.x
    `train_cfg` (deselected, or a value they refused), the 0.x period
    (`disc_steps`: 0.x runs the G phase when `(i+1) % disc_steps == 0`) is used."""
    leftover = ctx.get(("train_cfg", "disc_steps"), MISSING)
    if leftover is not MISSING:
        return leftover, f"0.x disc_steps={leftover}"
    dk = ctx.get(("model", "discriminator_steps"), 1)
    ad = ctx.get(("optim_wrapper", "discriminator", "accumulative_counts"), 1)
    if fam.family_of(ctx.source) == fam.PGGAN:
        dk = 1  # 1.x PGGAN fixes discriminator_steps to 1
    p = dk * ad
    if isinstance(p, float) and p.is_integer():
        p = int(p)
    parts = [f"discriminator_steps={dk}"] + ([f"accumulative_counts={ad}"] if ad != 1 else [])
    return p, " × ".join(parts)


@rule(
    "EMA001",
    "ema-hook-to-ema-config",
    "Turn the 0.x `ExponentialMovingAverageHook` into `model.ema_config` (momentum inverted, "
    "interval/start in generator updates) and consume `train_cfg.use_ema`.",
    requires=("OPT001", "STP001"),
    examples=[
        Example(
            before="""
            model = dict(type='BasiccGAN', generator=dict(type='BigGANGenerator'),
                         discriminator=dict(type='BigGANDiscriminator'))
            train_cfg = dict(disc_steps=8, gen_steps=1, batch_accumulation_steps=8, use_ema=True)
            optimizer = dict(generator=dict(type='Adam', lr=0.0001),
                             discriminator=dict(type='Adam', lr=0.0004))
            custom_hooks = [
                dict(type='VisualizeUnconditionalSamples', interval=10000),
                dict(
                    type='ExponentialMovingAverageHook',
                    module_keys=('generator_ema', ),
                    interval=8,
                    start_iter=160000,
                    interp_cfg=dict(momentum=0.9999, momentum_nontrainable=0.9999),
                    priority='VERY_HIGH')
            ]
            """,
            after="""
            model = dict(type='BasiccGAN', generator=dict(type='BigGANGenerator'),
                         discriminator=dict(type='BigGANDiscriminator'),
                         discriminator_steps=1,  # 0.x disc_steps=8 // batch_accumulation_steps=8
                         generator_steps=1,
                         ema_config=dict(
                             type='ExponentialMovingAverage',
                             momentum=0.0001,  # 0.x momentum=0.9999: 1 - m
                             interval=1,  # 0.x interval=8 iterations / generator period 8
                             start_iter=20000,  # 0.x start_iter=160000 iterations / generator period 8
                             update_buffers=True))
            optim_wrapper = dict(
                constructor='MultiOptimWrapperConstructor',
                generator=dict(
                    optimizer=dict(type='Adam', lr=0.0001), accumulative_counts=8),
                discriminator=dict(
                    optimizer=dict(type='Adam', lr=0.0004), accumulative_counts=8))
            custom_hooks = [dict(type='VisualizeUnconditionalSamples', interval=10000)]
            """,
        ),
        Example(
            before="""
            ema_half_life = 10.  # G_smoothing_kimg
            model = dict(
                type='StaticUnconditionalGAN',
                generator=dict(type='StyleGANv2Generator', out_size=256))
            custom_hooks = [
                dict(
                    type='ExponentialMovingAverageHook',
                    module_keys=('generator_ema', ),
                    interval=1,
                    interp_cfg=dict(momentum=0.5**(32. / (ema_half_life * 1000.))),
                    priority='VERY_HIGH')
            ]
            """,
            after="""
            ema_half_life = 10.  # G_smoothing_kimg
            model = dict(
                type='StaticUnconditionalGAN',
                generator=dict(type='StyleGANv2Generator', out_size=256),
                ema_config=dict(
                    type='ExponentialMovingAverage',
                    momentum=0.0022156128761112,  # 0.x momentum=0.9977843871: 1 - m
                    interval=1, start_iter=0))
            custom_hooks = []
            """,
        ),
        Valid(
            """
            model = dict(type='StyleGAN2', ema_config=dict(type='ExponentialMovingAverage', momentum=0.001))
            custom_hooks = [dict(type='VisualizationHook', interval=5000)]
            """
        ),
    ],
)
def ema_hook_to_ema_config(ctx: MigrationContext) -> None:
    """
    **What it does.** Removes the 0.x `ExponentialMovingAverageHook` from
    `custom_hooks` and writes `model.ema_config`:

    - `momentum = 1 − interp_cfg.momentum`, always written (the hook default
      0.999 becomes 0.001; the 1.x default 0.0002 is *not* its inverse);
    - `interval` and `start_iter` re-expressed in generator updates:
      divided by the generator period `P = discriminator_steps ×
      accumulative_counts` of the converted config (the 0.x `disc_steps`);
    - `momentum_nontrainable`: 0 (default, buffers copied) → no
      `update_buffers`; equal to `momentum` → `update_buffers=True`;
    - `momentum_policy='rampup'` + `momentum_cfg` → `type='RampUpEMA'` with
      `ema_kimg`, `ema_rampup`, `batch_size`, `eps` written out (1.x defaults
      `batch_size` to 32, 0.x to 4);
    - `module_keys`, `interp_mode`, `priority` are dropped;
    - `train_cfg.use_ema` is consumed: in 1.x the EMA generator exists iff
      `model.ema_config` does.

    In a `_base_` file that holds the hook but no model, the hook only leaves
    `custom_hooks`: the configs that inherit it get `model.ema_config`.

    **Why.** 0.x averaged in a hook after *every* iteration
    (`mmgen/core/hooks/ema_hook.py`, `ema ← m·ema + (1−m)·G`, counting
    iterations). 1.x averages inside `BaseGAN.train_step` after each
    generator update (`mmagic/models/base_models/base_gan.py`,
    `ExponentialMovingAverage.avg_func`: `ema ← (1−μ)·ema + μ·G`), counting
    generator updates: `ema_start` and `interval` are in G phases of `P`
    iterations.

    **Exactness.** Exact when `P` divides `start_iter` and `interval`
    (`P = 1` always), the BigGAN case `interval=8, start_iter=160000, P=8 →
    1, 20000` included; `start_iter=0` with an interval above one G phase is
    *review* (1.x's first update is a hard copy, so averages land one G
    update later). `P > 1` with `interval=1`: 0.x averaged `P` times per G
    update towards the same G, which no 1.x schedule repeats; the rule writes
    `momentum = 1 − m**P`, which gives the same EMA at the end of every G
    cycle (*review*). Other non-divisible cases, `rampup` with `P > 1` (the
    1.x ramp counts G updates), and unusual `momentum_nontrainable` are
    *review*. A hook that never averaged (`interval ≤ 0`) gives no
    `ema_config` (*review*). Hooks for other modules than `generator_ema`,
    and families without a 1.x EMA (CycleGAN/Pix2Pix, DDPM) are
    *unsupported*. `use_ema=True` without a hook (0.x never updated that
    EMA) is *review*.

    **Reference.** docs/semantics.md §3, §8.10-14; docs/mapping.md §2.5, §3a rows 5-7;
    MMagic `models/base_models/base_gan.py` (`_init_ema_model`, `train_step`),
    `models/base_models/average_model.py`.
    """
    if fam.family_of(ctx.source) in (fam.MODERN, fam.DIFFUSION) or ctx.get(("model", "ema_config"), None):
        return  # a 1.x model (EMA lives in ema_config), or a DDPM config MOD005 refuses as a whole
    hooks = find_ema_hooks(ctx.cfg)
    use_ema = ctx.get(USE_EMA)
    if not hooks:
        _use_ema_without_hook(ctx, use_ema)
        return
    if len(hooks) > 1:
        for i in hooks:
            ctx.flag(("custom_hooks", i),
                     "more than one EMA hook: 1.x has a single generator EMA (`model.ema_config`); convert by hand")
        return
    h = EmaHook.read(ctx, hooks[0])
    family = fam.family_of(ctx.source)
    if not _convertible(ctx, h, family):
        return

    if ctx.partial and not isinstance(ctx.source.get("model"), dict):
        # A runtime _base_ file: the configs that inherit it see the model.
        remove_hook(ctx, h.index, "the EMA hook becomes `model.ema_config` in the configs that inherit this "
                                  "file (they define the model)")
        _consume_use_ema(ctx, use_ema, hook_present=True)
        return

    if h.interval <= 0:
        remove_hook(ctx, h.index,
                    f"the 0.x EMA hook has interval={h.interval}: it never averaged (the EMA generator stayed a "
                    "copy of the generator before start_iter, or its initial weights), so no 1.x `ema_config` "
                    "is written; add one if you want an EMA", severity=Severity.REVIEW)
        _consume_use_ema(ctx, use_ema, hook_present=True)
        return

    key = "ema_confg" if family == fam.SINGAN else "ema_config"  # mmagic singan.py spells the kwarg so
    base = ("model", key)
    p, p_from = generator_period(ctx)
    if not (isinstance(p, (int, float)) and not isinstance(p, bool) and p > 0):
        ctx.flag(h.path, f"cannot tell the generator period ({p_from}): EMA hook not converted")
        return
    ctx.put(base + ("type",), "RampUpEMA" if h.policy == "rampup" else "ExponentialMovingAverage",
            "0.x momentum_policy='rampup' becomes RampUpEMA" if h.policy == "rampup"
            else "0.x fixed-momentum EMA becomes ExponentialMovingAverage",
            inputs=[h.path + ("type",)] + ([h.path + ("momentum_policy",)] if "momentum_policy" in h.hook else []),
            consume=False)
    sched = ema_schedule(h.interval, h.start, p, p_from)
    findings = list(sched.findings)
    if h.policy == "rampup":
        _write_rampup(ctx, h, base, p, findings)
    else:
        _write_momentum(ctx, h, base, p, p_from)
    _write_schedule(ctx, h, base, sched, p)
    _write_buffers(ctx, h, base)

    for msg in findings:
        ctx.note(msg, paths=[h.path])
    if family == fam.SINGAN:
        ctx.note("SinGAN: 1.x spells the model argument `ema_confg` (mmagic singan.py); its EMA timing was not "
                 "verified against 0.x", paths=[h.path])
    elif not isinstance(ctx.source.get("model"), dict):
        ctx.note(f"this file has no model: the generator period is taken as {_fmt(p)} ({p_from}); if it is a "
                 "_base_ file, convert it together with the configs that inherit it, which get the right "
                 "`model.ema_config`", paths=[h.path])
    elif family == fam.UNKNOWN:
        ctx.note(f"model type {fam.model_type(ctx.source)!r} is not a known 0.x GAN: BaseGAN EMA semantics assumed",
                 paths=[h.path])
    remove_hook(ctx, h.index, "the EMA hook is replaced by model." + key
                + ("; its `priority`/`interp_mode`/`module_keys` have no 1.x meaning" if len(h.hook) > 2 else ""))
    _consume_use_ema(ctx, use_ema, hook_present=True)


@dataclass(frozen=True)
class EmaHook:
    """The 0.x EMA hook at ``custom_hooks[index]``, with the hook's defaults
    (mmgen/core/hooks/ema_hook.py) filled in."""

    index: int
    hook: dict
    interp_cfg: Any
    policy: Any
    momentum: Any
    m_nt: Any  # interp_cfg.momentum_nontrainable
    interval: Any
    start: Any

    @property
    def path(self) -> Path:
        return ("custom_hooks", self.index)

    @classmethod
    def read(cls, ctx: MigrationContext, index: int) -> "EmaHook":
        hook = ctx.get(("custom_hooks", index))
        interp_cfg = hook.get("interp_cfg") or {}
        return cls(
            index=index,
            hook=hook,
            interp_cfg=interp_cfg,
            policy=hook.get("momentum_policy", "fixed"),
            momentum=interp_cfg.get("momentum", DEFAULT_MOMENTUM) if isinstance(interp_cfg, dict) else MISSING,
            m_nt=interp_cfg.get("momentum_nontrainable", 0.0) if isinstance(interp_cfg, dict) else MISSING,
            interval=hook.get("interval", -1),
            start=hook.get("start_iter", 0),
        )

    def problems(self) -> list[str]:
        """What makes this hook one no 1.x EMA reproduces."""
        problems = []
        if not isinstance(self.interp_cfg, dict) or set(self.interp_cfg) - INTERP_KEYS:
            problems.append(f"interp_cfg={self.interp_cfg!r}")
        if self.hook.get("interp_mode", "lerp") != "lerp":
            problems.append(f"interp_mode={self.hook.get('interp_mode')!r}")
        if self.policy not in ("fixed", "rampup"):
            problems.append(f"momentum_policy={self.policy!r}")
        if not (_is_int(self.interval) and _is_int(self.start) and self.start >= 0):
            problems.append(f"interval={self.interval!r}, start_iter={self.start!r}")
        if self.policy == "fixed" and not (isinstance(self.momentum, (int, float)) and 0 < self.momentum < 1):
            problems.append(f"momentum={self.momentum!r}")
        unknown = sorted(set(self.hook) - HOOK_KEYS)
        if unknown:
            problems.append("unknown argument(s) " + ", ".join(map(str, unknown)))
        return problems


def _convertible(ctx: MigrationContext, h: EmaHook, family: str) -> bool:
    """Whether the hook has a 1.x ``ema_config``; if not, it is flagged."""
    module_keys = h.hook.get("module_keys", MISSING)
    if module_keys not in ("generator_ema", ("generator_ema",), ["generator_ema"]):
        ctx.flag(h.path, f"EMA of {module_keys!r}: 1.x only averages the generator (`generator_ema`) via "
                         "`model.ema_config`; kept as-is, but note 1.x's ExponentialMovingAverageHook uses the "
                         "opposite momentum convention: rewrite or delete this hook")
        return False
    if family == fam.TRANSLATION:
        ctx.flag(h.path, f"{fam.model_type(ctx.source)} has no EMA support in MMagic 1.x (no `ema_config`); "
                         "kept as-is, but 1.x's ExponentialMovingAverageHook uses the opposite momentum "
                         "convention: delete this hook or port it by hand")
        return False
    problems = h.problems()
    if problems:
        ctx.flag(h.path, "EMA hook with " + "; ".join(problems) + ": no 1.x equivalent known, convert by hand")
        return False
    return True


@dataclass
class EmaSchedule:
    """The 0.x hook's ``interval``/``start_iter`` (iterations) in generator
    updates, with the comments that say how, and how exact that is."""

    interval: int
    start: int
    int_note: str | None
    start_note: str | None
    severity: Severity = Severity.EXACT
    findings: list[str] = field(default_factory=list)


def ema_schedule(interval: int, start: int, p: int | float, p_from: str) -> EmaSchedule:
    """Re-express the 0.x schedule in generator updates of period ``p``."""
    if p == 1:
        out = EmaSchedule(interval, start, None, None)
    elif isinstance(p, int) and interval % p == 0:
        out = EmaSchedule(interval // p, start // p,
                          f"0.x interval={interval} iterations / generator period {p}",
                          f"0.x start_iter={start} iterations / generator period {p}")
        if start % p:
            out.severity = Severity.REVIEW
            out.findings.append(
                f"start_iter={start} is not a multiple of the generator period {p} ({p_from}): 0.x averaged at "
                f"iterations between generator updates; 1.x starts at generator update {out.start} and averages "
                "the same generator values up to P-1 iterations earlier")
    elif interval == 1:
        out = EmaSchedule(1, math.floor(start / p), None,
                          f"0.x start_iter={start} iterations // generator period {_fmt(p)}" if start else None,
                          Severity.REVIEW)
    else:
        out = EmaSchedule(max(1, round(interval / p)), math.floor(start / p),
                          f"0.x interval={interval} iterations / generator period {_fmt(p)}, rounded",
                          f"0.x start_iter={start} iterations // generator period {_fmt(p)}" if start else None,
                          Severity.REVIEW)
        out.findings.append(
            f"interval={interval} is not a multiple of the generator period {_fmt(p)} ({p_from}): 1.x averages "
            f"only after generator updates; the closest schedule averages every {out.interval} generator update(s)")
    if start == 0 and out.interval > 1:
        out.severity = Severity.REVIEW
        out.findings.append(
            "start_iter=0 with an interval above one generator update: 1.x's first update is a hard copy "
            "(0.x averaged from the initial weights), so every later average lands one generator update later "
            "than in 0.x")
    return out


def _write_rampup(ctx: MigrationContext, h: EmaHook, base: Path, p, findings: list[str]) -> None:
    """``momentum_policy='rampup'``: RampUpEMA's arguments, all written out."""
    given = h.hook.get("momentum_cfg") or {}
    mcfg = {**RAMPUP_DEFAULTS, **given}
    for k in RAMPUP_DEFAULTS:
        if k in given:
            ctx.move(h.path + ("momentum_cfg", k), base + (k,), f"RampUpEMA `{k}` as in the 0.x momentum_cfg")
        else:
            ctx.put(base + (k,), mcfg[k], f"RampUpEMA `{k}`: the 0.x default written out"
                    + (" (1.x defaults batch_size to 32)" if k == "batch_size" else ""), consume=False)
    extra = sorted(set(given) - set(RAMPUP_DEFAULTS))
    if extra:
        findings.append(f"momentum_cfg keys {', '.join(extra)} have no RampUpEMA equivalent: dropped")
    if p != 1:
        findings.append(
            f"rampup with a generator period of {_fmt(p)} iterations: 0.x ramped the momentum with the "
            "iteration count, 1.x RampUpEMA with the number of generator updates, so the ramp is "
            f"{_fmt(p)}× slower in iterations")
    if "momentum" in h.interp_cfg:
        findings.append("interp_cfg.momentum is overridden by the rampup policy in 0.x too: dropped")


def _write_momentum(ctx: MigrationContext, h: EmaHook, base: Path, p, p_from: str) -> None:
    """A fixed momentum: 1.x weights the new value (``1 - m``)."""
    m_sev = Severity.EXACT
    momentum = h.momentum
    if not (p > 1 and h.interval == 1):
        m1 = one_minus(momentum)
        m_note = f"0.x momentum={_fmt(momentum)}: 1 - m"
        m_msg = "1.x ExponentialMovingAverage weights the new value: momentum = 1 - 0.x momentum"
    else:
        m1 = (float(Decimal(1) - Decimal(repr(float(momentum))) ** p) if isinstance(p, int)
              else float(f"{1 - momentum ** p:.15g}"))  # the decimal a person would write
        m_note = f"0.x momentum={_fmt(momentum)}, {_fmt(p)} averages per generator update: 1 - m**{_fmt(p)}"
        m_msg = (
            f"0.x averaged every iteration, i.e. {_fmt(p)} times per generator update ({p_from}) towards an "
            f"unchanged generator; 1.x averages once per generator update, so momentum = 1 - m**{_fmt(p)} "
            "gives the same EMA at the end of each generator cycle (in between, and in the number of "
            "EMA updates, the two differ)")
        m_sev = Severity.REVIEW
    if "momentum" not in h.interp_cfg:
        m_msg += f" (0.x hook default {DEFAULT_MOMENTUM} written out: the 1.x default 0.0002 is not its inverse)"
    ctx.put(base + ("momentum",), m1, m_msg, severity=m_sev,
            inputs=[h.path + ("interp_cfg", "momentum")] if "momentum" in h.interp_cfg else [],
            note=m_note, consume=False)


def _write_schedule(ctx: MigrationContext, h: EmaHook, base: Path, sched: EmaSchedule, p) -> None:
    """``interval`` and ``start_iter`` in generator updates (the source
    expression kept where the value is unchanged)."""
    path = h.path
    if sched.interval == h.interval and sched.int_note is None:  # unchanged: keep the source expression
        ctx.move(path + ("interval",), base + ("interval",), "EMA interval counted in generator updates"
                 + (" (one generator update per iteration here)" if p == 1 else f" (generator period {_fmt(p)})"),
                 severity=sched.severity)
    else:
        ctx.put(base + ("interval",), sched.interval,
                "EMA interval counted in generator updates" + (f" (generator period {_fmt(p)})" if p != 1 else ""),
                inputs=[path + ("interval",)], note=sched.int_note, severity=sched.severity, consume=False)
    start_msg = ("EMA start counted in generator updates: 1.x starts when (iter+1) >= start_iter × "
                 "discriminator_steps × accumulative_counts")
    if h.start == 0:
        start_msg += ("; 1.x's first update is a hard copy of the generator where 0.x averaged it into the "
                      "initial weights (docs/semantics.md §8.12): the EMAs differ by a transient that decays by the "
                      "0.x momentum at every update")
    if "start_iter" in h.hook and sched.start == h.start and sched.start_note is None:
        ctx.move(path + ("start_iter",), base + ("start_iter",), start_msg, severity=sched.severity)
    else:
        ctx.put(base + ("start_iter",), sched.start, start_msg + ("" if "start_iter" in h.hook else " (0.x default 0)"),
                inputs=[path + ("start_iter",)] if "start_iter" in h.hook else [], note=sched.start_note,
                severity=sched.severity, consume=False)


def _write_buffers(ctx: MigrationContext, h: EmaHook, base: Path) -> None:
    """``momentum_nontrainable``: 0 copies buffers (the 1.x default too)."""
    if h.m_nt == 0:
        return
    if h.policy == "fixed" and h.m_nt == h.momentum:
        ctx.put(base + ("update_buffers",), True,
                "0.x averaged buffers with the same momentum (momentum_nontrainable == momentum)",
                inputs=[h.path + ("interp_cfg", "momentum_nontrainable")], consume=False)
    else:
        ctx.put(base + ("update_buffers",), True,
                f"0.x momentum_nontrainable={_fmt(h.m_nt)} differs from the momentum: 1.x can only copy buffers "
                "or average them with the same momentum; averaging chosen",
                inputs=[h.path + ("interp_cfg", "momentum_nontrainable")], severity=Severity.REVIEW,
                consume=False)


def remove_hook(ctx: MigrationContext, index: int, message: str, *, severity: Severity = Severity.EXACT) -> None:
    """Remove ``custom_hooks[index]``; the hooks after it move up one place,
    recorded as moves so that later rules and the emitter still find their
    0.x origin (``custom_hooks[3]`` of 0.x is ``custom_hooks[2]`` now)."""
    ctx.drop(("custom_hooks", index), message, severity=severity)
    for j in range(index, len(ctx.cfg["custom_hooks"])):
        origin = ctx.origin(("custom_hooks", j + 1))
        ctx.record_move(origin, ("custom_hooks", j), ctx.cfg["custom_hooks"][j],
                        "hook moves up one place in custom_hooks")


def _use_ema_without_hook(ctx: MigrationContext, use_ema) -> None:
    if use_ema is MISSING:
        return
    _consume_use_ema(ctx, use_ema, hook_present=False)


def _consume_use_ema(ctx: MigrationContext, use_ema, *, hook_present: bool) -> None:
    if use_ema is MISSING:
        return
    if hook_present:
        if use_ema:
            ctx.drop(USE_EMA, "in 1.x the EMA generator exists iff model.ema_config is set")
        else:
            ctx.drop(USE_EMA, "use_ema=False but an EMA hook: 0.x built the EMA generator in the hook and "
                              "averaged it, yet sampled/evaluated with the plain generator; 1.x samples with the "
                              "EMA generator by default", severity=Severity.REVIEW)
    elif ctx.partial:
        ctx.drop(USE_EMA, "use_ema is decided with the EMA hook in the configs that inherit this file")
    elif use_ema:
        ctx.drop(USE_EMA, "use_ema=True but no EMA hook: 0.x kept a generator_ema that was never updated "
                          "(docs/semantics.md §8.14); 1.x has an EMA only with model.ema_config, none is added",
                 severity=Severity.REVIEW)
    else:
        ctx.drop(USE_EMA, "use_ema=False: no EMA in 1.x either (no model.ema_config)")
    ctx.prune_empty(("train_cfg",), "0.x `train_cfg` held only use_ema")
