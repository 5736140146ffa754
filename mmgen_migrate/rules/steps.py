"""``train_cfg`` discriminator/generator steps and gradient accumulation."""

from __future__ import annotations

import difflib

from ..model import Severity
from . import families as fam
from .base import Example, MigrationContext, Valid, rule

D_KEY, G_KEY, A_KEY = fam.STEP_KEYS


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _wrapper_modules(ctx: MigrationContext, names) -> list:
    ow = ctx.get(("optim_wrapper",), None)
    if not isinstance(ow, dict):
        return []
    return [n for n in names if isinstance(ow.get(n), dict)]


@rule(
    "STP001",
    "gan-steps-and-accumulation",
    "Move `disc_steps`/`gen_steps`/`batch_accumulation_steps` from `train_cfg` to "
    "`model.discriminator_steps`/`generator_steps` and per-wrapper `accumulative_counts`.",
    requires=("OPT001",),
    examples=[
        Example(
            before="""
            model = dict(type='BasiccGAN', generator=dict(type='G'), discriminator=dict(type='D'))
            # D sees 8 batches per update
            train_cfg = dict(disc_steps=8, gen_steps=1, batch_accumulation_steps=8)
            optimizer = dict(
                generator=dict(type='Adam', lr=0.0001),
                discriminator=dict(type='Adam', lr=0.0004))
            """,
            after="""
            # D sees 8 batches per update
            model = dict(
                type='BasiccGAN', generator=dict(type='G'), discriminator=dict(type='D'),
                discriminator_steps=1,  # 0.x disc_steps=8 // batch_accumulation_steps=8
                generator_steps=1)
            optim_wrapper = dict(
                constructor='MultiOptimWrapperConstructor',
                generator=dict(
                    optimizer=dict(type='Adam', lr=0.0001), accumulative_counts=8),
                discriminator=dict(
                    optimizer=dict(type='Adam', lr=0.0004), accumulative_counts=8))
            """,
        ),
        Example(
            before="""
            n_disc = 5
            model = dict(type='StaticUnconditionalGAN', generator=dict(type='G'), discriminator=dict(type='D'))
            train_cfg = dict(disc_steps=n_disc)
            """,
            after="""
            n_disc = 5
            model = dict(type='StaticUnconditionalGAN', generator=dict(type='G'),
                         discriminator=dict(type='D'), discriminator_steps=n_disc)
            """,
        ),
        Example(
            before="""
            model = dict(type='BasiccGAN', generator=dict(type='G'), discriminator=dict(type='D'))
            train_cfg = dict(disc_steps=3, batch_accumulation_steps=2)
            optimizer = dict(generator=dict(type='Adam'), discriminator=dict(type='Adam'))
            """,
            after="""
            model = dict(
                type='BasiccGAN', generator=dict(type='G'), discriminator=dict(type='D'),
                discriminator_steps=1.5,  # 0.x disc_steps=3 / batch_accumulation_steps=2 (2 does not divide 3)
            )
            optim_wrapper = dict(
                constructor='MultiOptimWrapperConstructor',
                generator=dict(optimizer=dict(type='Adam'), accumulative_counts=2),
                discriminator=dict(optimizer=dict(type='Adam'), accumulative_counts=2))
            """,
        ),
        Valid(
            """
            model = dict(type='BigGAN', discriminator_steps=1, generator_steps=1)
            train_cfg = dict(by_epoch=False, max_iters=1000)
            """
        ),
    ],
)
def gan_steps_and_accumulation(ctx: MigrationContext) -> None:
    """
    **What it does.** Reads `disc_steps` (d), `gen_steps` (g) and
    `batch_accumulation_steps` (A) from the effective 0.x `train_cfg` and writes
    their 1.x equivalents:

    - `model.discriminator_steps = d // A` (when A divides d),
    - `model.generator_steps = g`,
    - `accumulative_counts = A` on **both** the generator and the
      discriminator wrapper,

    then removes the three keys from `train_cfg` (and `train_cfg` itself when
    nothing else is left). Only keys the 0.x config sets are written.

    **Why.** In 0.x (`BasiccGAN.train_step`) `disc_steps` and the accumulation
    count `train_step` calls, i.e. data batches: D steps every A calls and the
    G phase runs every d calls, with g G steps of A passes each. In 1.x
    (`BaseGAN.train_step`) `discriminator_steps`/`generator_steps` count real
    updates, accumulation is the wrapper's `accumulative_counts`, and the G
    phase runs every `discriminator_steps × accumulative_counts` iterations.

    **Model families.** Only `BasiccGAN` honoured `gen_steps` and
    `batch_accumulation_steps`. `StaticUnconditionalGAN`, `MSPIEStyleGAN2` and
    `ProgressiveGrowingGAN` read only `disc_steps` (so `discriminator_steps = d`),
    and the ignored keys are dropped and reported (*review*: the old config
    did not train the way it read). `SinGAN` keeps `disc_steps` and
    `generator_steps` as model kwargs; CycleGAN/Pix2Pix move `disc_steps` and
    `disc_init_steps` to the model (their G phase is `i % d == 0` in 0.x but
    `(i+1) % d == 0` in 1.x, so `d > 1` is *review*). 1.x PGGAN fixes
    `discriminator_steps` to 1, so `disc_steps > 1` is *unsupported* there.

    **Exactness.** Exact when A divides d. When it does not, the integer rule
    changes the generator period (or gives 0, a `ZeroDivisionError` at the first
    iteration), so the rule writes the fraction `d / A` instead: 1.x only uses
    `discriminator_steps × accumulative_counts` as a modulus, so the fraction
    reproduces 0.x exactly (docs/semantics.md §7). This is undocumented upstream
    behaviour, so it is marked *review*. Accumulation with D steps counted
    from process start can drift on resume (docs/semantics.md §8.8).

    **Reference.** MMagic docs, "Migration of Optimizers"; docs/semantics.md §2, §7, §8.
    """
    train_cfg = ctx.get(("train_cfg",), None)
    if not isinstance(train_cfg, dict):
        return
    present = [k for k in (*fam.STEP_KEYS, "disc_init_steps", "generator_steps") if k in train_cfg]
    family = fam.family_of(ctx.source)
    if family == fam.MODERN:
        return  # a 1.x train_cfg (loop config); nothing of ours
    _report_typos(ctx, train_cfg)
    if not present:
        return

    values = {k: train_cfg.get(k) for k in present}
    for k, v in values.items():
        if not _is_count(v) and not (k == "disc_init_steps" and isinstance(v, int) and v >= 0):
            ctx.flag(("train_cfg", k), f"`train_cfg.{k}={v!r}` is not a positive integer: left as-is")
            return

    if fam.training_refused(ctx.source):
        return  # MOD005 reports the whole training setup as unsupported
    if family in (fam.CONDITIONAL, fam.UNKNOWN):
        _conditional(ctx, values, assumed=family == fam.UNKNOWN)
    elif family in (fam.STATIC, fam.MSPIE):
        _disc_only(ctx, values, family)
    elif family == fam.PGGAN:
        _pggan(ctx, values)
    elif family == fam.SINGAN:
        _singan(ctx, values)
    elif family == fam.TRANSLATION:
        _translation(ctx, values)
    ctx.prune_empty(("train_cfg",), "0.x `train_cfg` held only step settings, now model/wrapper settings")


def _report_typos(ctx: MigrationContext, train_cfg: dict) -> None:
    known = {*fam.STEP_KEYS, "disc_init_steps", "generator_steps"}
    for key in list(train_cfg):
        if key in known or not isinstance(key, str):
            continue
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.85)
        if close:
            ctx.note(
                f"`train_cfg.{key}` looks like a misspelling of `{close[0]}`; 0.x ignored it, "
                "so it is not migrated as a step setting",
                paths=[("train_cfg", key)],
            )


def _ignored(ctx: MigrationContext, key: str, value, family: str) -> None:
    ctx.drop(
        ("train_cfg", key),
        f"`{key}={value}` had no effect in 0.x: {fam.SOURCE_FILES[family]} never reads it; "
        "dropped so the 1.x config trains as the 0.x one really did",
        severity=Severity.REVIEW if value != 1 else Severity.EXACT,
    )


def _conditional(ctx: MigrationContext, values: dict, *, assumed: bool) -> None:
    d = values.get(D_KEY, 1)
    a = values.get(A_KEY, 1)
    prefix = ""
    sev = Severity.EXACT
    if assumed:
        mtype = ctx.source.get("model", {}).get("type") if isinstance(ctx.source.get("model"), dict) else None
        prefix = (
            f"model type {mtype!r} is not a known 0.x model; BasiccGAN step semantics assumed. "
            if mtype
            else "no model in this file; BasiccGAN step semantics assumed. "
        )
        sev = Severity.REVIEW
    if ctx.partial and "model" not in ctx.source:
        # A _base_ file with only train_cfg: the files that inherit it get the
        # converted values; here the 0.x keys only have to leave train_cfg.
        for k in values:
            ctx.drop(("train_cfg", k), f"`{k}` is converted in the configs that inherit this file")
        return
    if D_KEY in values or A_KEY in values:
        if d % a == 0:
            dk, note, dsev = d // a, f"0.x disc_steps={d} // batch_accumulation_steps={a}", sev
            msg = "discriminator updates in a row = disc_steps // batch_accumulation_steps"
        elif (d / a) * a == d:
            dk = d / a
            note = f"0.x disc_steps={d} / batch_accumulation_steps={a} ({a} does not divide {d})"
            msg = (
                f"batch_accumulation_steps={a} does not divide disc_steps={d}: the integer rule would "
                + ("give 0 (ZeroDivisionError in BaseGAN.train_step)" if d < a else "change the generator period")
                + f"; the fraction {dk!r} reproduces 0.x exactly because 1.x only uses "
                "discriminator_steps × accumulative_counts as a modulus (docs/semantics.md §7)"
            )
            dsev = Severity.REVIEW
        else:
            ctx.flag(
                ("train_cfg", D_KEY),
                f"disc_steps={d} / batch_accumulation_steps={a} is not exact in floating point: no 1.x equivalent",
            )
            return
        if A_KEY not in values:
            note = None  # plain copy of disc_steps
        inputs = [("train_cfg", k) for k in (D_KEY, A_KEY) if k in values]
        if A_KEY in values and D_KEY not in values:
            note = f"0.x disc_steps=1 (default) / batch_accumulation_steps={a}"
        if note is None:
            ctx.move(("train_cfg", D_KEY), ("model", "discriminator_steps"), prefix + "disc_steps counts D updates "
                     "when there is no accumulation", severity=sev)
        else:
            ctx.put(("model", "discriminator_steps"), dk, prefix + msg, inputs=inputs, note=note, severity=dsev,
                    consume=False)
            ctx.drop(("train_cfg", D_KEY), "converted into model.discriminator_steps")
    if G_KEY in values:
        ctx.move(("train_cfg", G_KEY), ("model", "generator_steps"),
                 prefix + "gen_steps already counted real generator updates", severity=sev)
    if A_KEY in values:
        modules = _wrapper_modules(ctx, ("generator", "discriminator"))
        for module in modules:
            ctx.put(
                ("optim_wrapper", module, "accumulative_counts"),
                a,
                prefix + f"0.x accumulated {a} batches per update for both generator and discriminator",
                inputs=[("train_cfg", A_KEY)],
                consume=False,
                severity=sev,
            )
        if a != 1 and len(modules) < 2:
            ctx.note(
                f"batch_accumulation_steps={a} but no generator/discriminator optim wrapper to set "
                "accumulative_counts on (optimizer missing or not per-module): add it by hand",
                paths=[("train_cfg", A_KEY)],
            )
        ctx.drop(("train_cfg", A_KEY), "converted into accumulative_counts on the optim wrappers")


def _disc_only(ctx: MigrationContext, values: dict, family: str) -> None:
    for key in (G_KEY, A_KEY):
        if key in values:
            _ignored(ctx, key, values[key], family)
    if D_KEY in values:
        ctx.move(("train_cfg", D_KEY), ("model", "discriminator_steps"),
                 "this family steps D every iteration, so disc_steps already counts D updates")


def _pggan(ctx: MigrationContext, values: dict) -> None:
    for key in (G_KEY, A_KEY):
        if key in values:
            _ignored(ctx, key, values[key], fam.PGGAN)
    d = values.get(D_KEY)
    if d is None:
        return
    if d == 1:
        ctx.drop(("train_cfg", D_KEY), "1.x PGGAN always uses discriminator_steps=1, as this config does")
    else:
        ctx.flag(
            ("train_cfg", D_KEY),
            f"disc_steps={d}: 1.x PGGAN fixes discriminator_steps to 1 (mmagic pggan.py __init__); "
            "no 1.x equivalent",
        )


def _singan(ctx: MigrationContext, values: dict) -> None:
    if D_KEY in values:
        ctx.move(("train_cfg", D_KEY), ("model", "discriminator_steps"),
                 "SinGAN discriminator steps per round become a model argument")
    if "generator_steps" in values:
        ctx.move(("train_cfg", "generator_steps"), ("model", "generator_steps"),
                 "SinGAN generator steps per round become a model argument")
    for key in (G_KEY, A_KEY):
        if key in values:
            _ignored(ctx, key, values[key], fam.SINGAN)


def _translation(ctx: MigrationContext, values: dict) -> None:
    d = values.get(D_KEY)
    if d is not None:
        ctx.move(
            ("train_cfg", D_KEY),
            ("model", "discriminator_steps"),
            "translation models read discriminator_steps from the model"
            + (
                f"; with disc_steps={d} the generator updates at i % {d} == 0 in 0.x but "
                f"(i+1) % {d} == 0 in 1.x: same count, shifted phase (docs/semantics.md §2.6)"
                if d > 1
                else ""
            ),
            severity=Severity.REVIEW if d > 1 else Severity.EXACT,
        )
    if "disc_init_steps" in values:
        ctx.move(("train_cfg", "disc_init_steps"), ("model", "disc_init_steps"),
                 "disc_init_steps becomes a model argument, same meaning")
    for key in (G_KEY, A_KEY):
        if key in values:
            _ignored(ctx, key, values[key], fam.TRANSLATION)
