"""Mixed precision: the 0.x runner's fp16 loss scaler and apex AMP."""

from __future__ import annotations

import copy

from ..model import MISSING, Severity
from . import families as fam
from .base import Example, MigrationContext, Valid, rule

SCALER = ("runner", "fp16_loss_scaler")

# 0.x train_step functions that take no `loss_scaler` argument: the runner
# passing one raised TypeError, so these configs never trained in fp16
# (docs/semantics.md §5, §8.20).
NO_SCALER_FAMILIES = {f.name for f in fam.FAMILIES.values() if f.takes_loss_scaler is False}
# 0.x generators whose 1.x model (StyleGAN2/StyleGAN3) runs train_step without
# optim_context (mmagic stylegan2.py), so AmpOptimWrapper never autocasts there
STYLEGAN_GENERATORS = {"StyleGANv2Generator", "StyleGANv3Generator"}


def wrapper_paths(ctx: MigrationContext) -> list[tuple]:
    """Paths of the optim wrappers in the working config: the single wrapper
    (``optim_wrapper.optimizer``) or each per-module one."""
    ow = ctx.get(("optim_wrapper",), None)
    if not isinstance(ow, dict):
        return []
    if isinstance(ow.get("optimizer"), dict):
        return [("optim_wrapper",)]
    return [("optim_wrapper", k) for k, v in ow.items() if isinstance(v, dict) and isinstance(v.get("optimizer"), dict)]


@rule(
    "AMP001",
    "fp16-loss-scaler-to-amp-optim-wrapper",
    "Turn `runner.fp16_loss_scaler` into `type='AmpOptimWrapper', loss_scale=dict(...)` on every optim wrapper.",
    requires=("OPT001",),
    examples=[
        Example(
            before="""
            optimizer = dict(
                generator=dict(type='Adam', lr=0.0016, betas=(0, 0.9919)),
                discriminator=dict(type='Adam', lr=0.0019, betas=(0, 0.9905)))
            runner = dict(
                type='DynamicIterBasedRunner',
                is_dynamic_ddp=True,
                pass_training_status=True,
                fp16_loss_scaler=dict(init_scale=512))
            """,
            after="""
            optim_wrapper = dict(
                constructor='MultiOptimWrapperConstructor',
                generator=dict(
                    type='AmpOptimWrapper',
                    optimizer=dict(type='Adam', lr=0.0016, betas=(0, 0.9919)),
                    loss_scale=dict(init_scale=512),  # 0.x runner.fp16_loss_scaler (dynamic GradScaler)
                ),
                discriminator=dict(
                    type='AmpOptimWrapper',
                    optimizer=dict(type='Adam', lr=0.0019, betas=(0, 0.9905)),
                    loss_scale=dict(init_scale=512),  # 0.x runner.fp16_loss_scaler (dynamic GradScaler)
                ))
            runner = dict(
                type='DynamicIterBasedRunner',
                is_dynamic_ddp=True,
                pass_training_status=True)
            """,
        ),
        Valid(
            """
            optim_wrapper = dict(
                constructor='MultiOptimWrapperConstructor',
                generator=dict(type='AmpOptimWrapper', loss_scale=dict(init_scale=512.0),
                               optimizer=dict(type='Adam', lr=0.0016)))
            """
        ),
    ],
)
def fp16_loss_scaler(ctx: MigrationContext) -> None:
    """
    **What it does.** Removes `runner.fp16_loss_scaler=dict(init_scale=S, ...)`
    and sets `type='AmpOptimWrapper'` and `loss_scale=dict(init_scale=S, ...)`
    (the same dict, every `GradScaler` argument kept) on every optim wrapper.
    Only the `fp16_loss_scaler` key leaves `runner`; the rest of `runner` is the
    runtime rules' business.

    **Why.** In 0.x `DynamicIterBasedRunner` built one
    `torch.cuda.amp.GradScaler(**fp16_loss_scaler)` and passed it to
    `train_step` (`mmgen/core/runners/dynamic_iterbased_runner.py`). 1.x reads
    mixed precision from the optim wrapper: MMEngine's `AmpOptimWrapper`
    (`mmengine/optim/optimizer/amp_optimizer_wrapper.py`) builds a
    `GradScaler(**loss_scale)` when `loss_scale` is a dict. The upstream
    port wrote `loss_scale=512`: an int raises `TypeError` in MMEngine 0.10.7,
    and a float would be a *static* scale, while 0.x used a dynamic scaler
    starting at 512.

    **Exactness.** Always *review* (docs/semantics.md §5, §8.18-20): 0.x had one
    scaler shared by all modules and updated once per iteration, 1.x has one
    per wrapper updated after each step, so overflow-skipped steps can differ;
    1.x autocasts the whole forward inside `optim_context` (except StyleGAN2/3),
    0.x only the `fp16_enabled` sub-modules; 1.x StyleGAN2's R1 term ignores
    the scaler. `AmpOptimWrapper` needs CUDA. PGGAN, SinGAN, MSPIE and
    CycleGAN/Pix2Pix could not train with a 0.x loss scaler at all (no
    `loss_scaler` argument: `TypeError`); the rule still converts and says so.
    A config without optim wrappers to put it on (an inference-only config,
    or a PGGAN/SinGAN one whose wrappers come from the models rule) keeps no
    dead key: the scaler is dropped and reported.

    **Reference.** MMagic docs, "Migration of AMP" (docs/en/migration/amp.md,
    whose `loss_scale='dynamic'` example drops `init_scale`); docs/semantics.md §5;
    docs/mapping.md §2.8, §3a row 8.
    """
    scaler = ctx.get(SCALER)
    if scaler is MISSING or fam.family_of(ctx.source) in (fam.DIFFUSION, fam.MODERN):
        return  # DDPM configs are refused as a whole by MOD005
    if scaler is None:
        ctx.drop(SCALER, "`fp16_loss_scaler=None`: no loss scaling in 0.x, nothing to convert")
        ctx.prune_empty(("runner",), "0.x `runner` held only the loss scaler")
        return
    if not isinstance(scaler, dict):
        ctx.flag(SCALER, f"`fp16_loss_scaler` is a {type(scaler).__name__}, not a dict of GradScaler arguments")
        return
    family = fam.family_of(ctx.source)
    wrappers = [p for p in wrapper_paths(ctx) if ctx.get(p + ("type",), "OptimWrapper") == "OptimWrapper"]
    if not wrappers:
        if ctx.partial and not isinstance(ctx.get(("optim_wrapper",), None), dict):
            ctx.drop(SCALER, "converted into AmpOptimWrapper in the configs that inherit this file "
                             "(their optim wrappers are defined elsewhere)")
        else:
            ctx.drop(
                SCALER,
                "0.x fp16 loss scaler but no optim wrapper here to make an `AmpOptimWrapper` of"
                + (" (this model family's wrappers are built by its own constructor)"
                   if family in (fam.PGGAN, fam.SINGAN) else "")
                + f": add `type='AmpOptimWrapper', loss_scale={scaler!r}` to each wrapper by hand if you "
                "want mixed precision",
                severity=Severity.REVIEW,
            )
        ctx.prune_empty(("runner",), "0.x `runner` held only the loss scaler")
        return
    why = ("0.x shared one dynamic GradScaler across modules, updated once per iteration; "
           "1.x AmpOptimWrapper has one per wrapper, updated after every step")
    gen_type = ctx.old(("model", "generator", "type"), None)
    if gen_type in STYLEGAN_GENERATORS:
        why += ("; 1.x StyleGAN2/3 never enter optim_context, so nothing is autocast (the modules' own fp16 "
                "flags decide, as in 0.x), and their R1 term ignores the scaler (stylegan2.py)")
    else:
        why += ", and it autocasts the whole forward inside optim_context (0.x: only the fp16_enabled modules)"
    if family in NO_SCALER_FAMILIES:
        why += (f"; note: 0.x {fam.SOURCE_FILES[family].split(' ')[0]} train_step takes no loss_scaler, "
                "so the 0.x config could not train with it (TypeError): there is no 0.x fp16 run to match")
    elif family == fam.CONDITIONAL and isinstance(ctx.old(("train_cfg", "gen_steps"), None), int) \
            and ctx.old(("train_cfg", "gen_steps")) > 1:
        why += "; note: 0.x BasiccGAN with gen_steps > 1 crashed with a loss scaler (second unscale_)"
    for path in wrappers:
        name = ".".join(str(k) for k in path)
        ctx.put(path + ("type",), "AmpOptimWrapper", f"`{name}` becomes an AmpOptimWrapper: {why}",
                severity=Severity.REVIEW, consume=False, inputs=[SCALER])
        ctx.put(
            path + ("loss_scale",),
            copy.deepcopy(scaler),
            "GradScaler arguments kept as a dict (dynamic scaling, as in 0.x); an int `loss_scale` "
            "raises TypeError and a float is a static scale",
            inputs=[SCALER],
            note="0.x runner.fp16_loss_scaler (dynamic GradScaler)",
            consume=False,
        )
        wrapper = ctx.get(path)
        wrapper_items = [("type", wrapper.pop("type"))] + list(wrapper.items())
        wrapper.clear()
        wrapper.update(wrapper_items)  # `type` first, as 1.x configs write it
    ctx.drop(SCALER, "converted into AmpOptimWrapper loss_scale on every optim wrapper")
    ctx.prune_empty(("runner",), "0.x `runner` held only the loss scaler")


@rule(
    "AMP002",
    "apex-amp-unsupported",
    "Report the 0.x `apex_amp` setting: MMagic 1.x GAN training has no apex AMP path.",
    examples=[
        Example(
            before="""
            model = dict(type='StaticUnconditionalGAN')
            apex_amp = dict(mode='gan', init_args=dict(opt_level='O1', num_losses=2))
            """,
            after="""
            model = dict(type='StaticUnconditionalGAN')
            # mmgen-migrate: AMP002 unsupported: MMagic 1.x never reads a top-level `apex_amp`: this config would train in fp32. Use native AMP instead (`type='AmpOptimWrapper', loss_scale='dynamic'` on each optim wrapper) and delete this key
            apex_amp = dict(mode='gan', init_args=dict(opt_level='O1', num_losses=2))
            """,
        ),
        Valid(
            """
            apex_amp = None
            """
        ),
    ],
)
def apex_amp(ctx: MigrationContext) -> None:
    """
    **What it does.** Marks a top-level `apex_amp=dict(...)` as *unsupported*:
    the key is kept with a `# mmgen-migrate:` comment and listed in the
    report. `apex_amp = None` (apex off) is left alone. The aux losses'
    `use_apex_amp` flags are the model rules' business.

    **Why.** 0.x `mmgen/apis/train.py` called `apex.amp.initialize` when the
    config had `apex_amp`, and the runner passed `use_apex_amp` to
    `train_step`. No MMagic 1.x or MMEngine code reads a top-level `apex_amp`;
    the upstream port copied it over as a dead key, so that config silently
    trains in fp32. MMEngine's `ApexOptimWrapper` initializes apex inside
    `optim_context`, which StyleGAN2/3 never enter, and apex's multi-loss
    `mode='gan'` has no 1.x twin.

    **Exactness.** Unsupported: no conversion is written. Native AMP
    (`AmpOptimWrapper`) is the supported replacement, with the numeric
    differences described under AMP001.

    **Reference.** docs/mapping.md §2.8, §3a row 9; docs/semantics.md §5.
    """
    value = ctx.get(("apex_amp",))
    if value is MISSING or value is None or value is False or value == {}:
        return
    if fam.family_of(ctx.source) in (fam.DIFFUSION, fam.MODERN):
        return  # DDPM configs are refused as a whole by MOD005
    ctx.flag(
        ("apex_amp",),
        "MMagic 1.x never reads a top-level `apex_amp`: this config would train in fp32. Use native AMP "
        "instead (`type='AmpOptimWrapper', loss_scale='dynamic'` on each optim wrapper) and delete this key",
    )


@rule(
    "AMP003",
    "dead-fp16-key",
    "Drop the top-level mmcv `fp16` setting: MMGeneration 0.x never used it.",
    examples=[
        Example(
            before="""
            model = dict(type='StaticUnconditionalGAN')
            fp16 = dict(loss_scale=512.)  # copied from an mmdet config
            """,
            after="""
            model = dict(type='StaticUnconditionalGAN')
            """,
        ),
        Valid(
            """
            model = dict(type='StyleGAN2', generator=dict(type='StyleGANv2Generator', fp16_enabled=True))
            """
        ),
    ],
)
def dead_fp16_key(ctx: MigrationContext) -> None:
    """
    **What it does.** Removes a top-level `fp16 = dict(...)` (mmcv's
    `Fp16OptimizerHook` setting) from a 0.x GAN config and reports it when it
    was set. The per-module `fp16_enabled` / `num_fp16_scales` flags inside
    the generator and discriminator are not touched.

    **Why.** `mmgen/apis/train.py` reads `fp16` only when the config also has
    a top-level `optimizer_cfg`, which no GAN config sets, and even then it
    raises `NotImplementedError('Fp16 has not been supported.')`. The key
    never changed 0.x training, and nothing in 1.x reads it either: keeping it
    would suggest the converted config trains in mixed precision.

    **Exactness.** Exact for `fp16 = None`. A set `fp16` is dropped as
    *review*: 0.x trained in fp32 (apart from the modules' own `fp16_enabled`
    flags) and so does the 1.x config; use `AmpOptimWrapper` for real mixed
    precision.

    **Reference.** MMGeneration v0.7.3 `mmgen/apis/train.py` (`train_model`).
    """
    value = ctx.get(("fp16",))
    if value is MISSING or fam.family_of(ctx.source) in (fam.DIFFUSION, fam.MODERN):
        return
    if value is None:
        ctx.drop(("fp16",), "`fp16 = None`: no mixed precision, nothing to convert")
        return
    ctx.drop(("fp16",), "0.x never used a top-level `fp16` (mmgen/apis/train.py reads it only with "
                        "`optimizer_cfg`, which GAN configs do not set): the config trained in fp32 and the 1.x "
                        "config does too; for mixed precision set `type='AmpOptimWrapper'` on the optim wrappers",
             severity=Severity.REVIEW)
