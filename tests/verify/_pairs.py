"""Config-pair builders for the verifier tests (our own dicts, shaped like
the effective configs the converter reads and writes)."""
from __future__ import annotations

import copy

ADAM_G = dict(type="Adam", lr=1e-3, betas=(0.0, 0.999))
ADAM_D = dict(type="Adam", lr=4e-3, betas=(0.0, 0.999))


def old_ema_hook(interval, start_iter, momentum=0.999, momentum_nontrainable=0.0, **kw):
    return dict(type="ExponentialMovingAverageHook", module_keys=("generator_ema",),
                interval=interval, start_iter=start_iter,
                interp_cfg=dict(momentum=momentum, momentum_nontrainable=momentum_nontrainable),
                priority="VERY_HIGH", **kw)


def cgan_pair(d=1, g=1, A=1, *, Dk=None, Gk=None, Ad=None, Ag=None, total=1000,
              ema_old=None, ema_new=None, model_type="BigGAN"):
    """A 0.x BasiccGAN config and a 1.x conversion (integer rule by default)."""
    Dk = d // A if Dk is None else Dk
    Gk = g if Gk is None else Gk
    Ad = A if Ad is None else Ad
    Ag = A if Ag is None else Ag
    old = dict(
        model=dict(type="BasiccGAN", generator=dict(type="BigGANGenerator"),
                   discriminator=dict(type="BigGANDiscriminator"),
                   gan_loss=dict(type="GANLoss", gan_type="hinge")),
        train_cfg=dict(disc_steps=d, gen_steps=g, batch_accumulation_steps=A, use_ema=ema_old is not None),
        optimizer=dict(generator=dict(ADAM_G), discriminator=dict(ADAM_D)),
        runner=dict(type="DynamicIterBasedRunner", is_dynamic_ddp=False, pass_training_status=True),
        total_iters=total,
    )
    if ema_old is not None:
        old["custom_hooks"] = [ema_old]
    new = dict(
        model=dict(type=model_type, num_classes=10, generator=dict(type="BigGANGenerator"),
                   discriminator=dict(type="BigGANDiscriminator"),
                   discriminator_steps=Dk, generator_steps=Gk),
        optim_wrapper=dict(constructor="MultiOptimWrapperConstructor",
                           generator=dict(optimizer=dict(ADAM_G), accumulative_counts=Ag),
                           discriminator=dict(optimizer=dict(ADAM_D), accumulative_counts=Ad)),
        train_cfg=dict(by_epoch=False, max_iters=total),
    )
    if ema_new is not None:
        new["model"]["ema_config"] = ema_new
    return old, new


def uncond_pair(d=1, *, Dk=None, Gk=1, new_type="DCGAN", old_train_extra=None, total=1000):
    old = dict(
        model=dict(type="StaticUnconditionalGAN", generator=dict(type="DCGANGenerator"),
                   discriminator=dict(type="DCGANDiscriminator"),
                   gan_loss=dict(type="GANLoss", gan_type="vanilla")),
        train_cfg=dict(disc_steps=d, **(old_train_extra or {})),
        optimizer=dict(generator=dict(type="Adam", lr=2e-4, betas=(0.5, 0.999)),
                       discriminator=dict(type="Adam", lr=2e-4, betas=(0.5, 0.999))),
        total_iters=total,
    )
    new = dict(
        model=dict(type=new_type, generator=dict(type="DCGANGenerator"),
                   discriminator=dict(type="DCGANDiscriminator"),
                   discriminator_steps=d if Dk is None else Dk, generator_steps=Gk),
        optim_wrapper=dict(constructor="MultiOptimWrapperConstructor",
                           generator=dict(optimizer=dict(type="Adam", lr=2e-4, betas=(0.5, 0.999))),
                           discriminator=dict(optimizer=dict(type="Adam", lr=2e-4, betas=(0.5, 0.999)))),
        train_cfg=dict(by_epoch=False, max_iters=total),
    )
    return old, new


def translation_pair(model_type="CycleGAN", d=1, init=0, *, Dk=None, total=40, lr=2e-4):
    opt = dict(type="Adam", lr=lr, betas=(0.5, 0.999))
    domains = ["photo", "painting"] if model_type == "CycleGAN" else ["photo", "mask"]
    old = dict(
        model=dict(type=model_type, generator=dict(type="ResnetGenerator"),
                   discriminator=dict(type="PatchDiscriminator"),
                   default_domain="photo", reachable_domains=domains if model_type == "CycleGAN" else ["photo"],
                   related_domains=domains),
        train_cfg=dict(disc_steps=d, disc_init_steps=init),
        optimizer=dict(generators=dict(opt), discriminators=dict(opt)),
        runner=None,
        total_iters=total,
    )
    new = dict(
        model=dict(type=model_type, generator=dict(type="ResnetGenerator"),
                   discriminator=dict(type="PatchDiscriminator"),
                   default_domain="photo", reachable_domains=domains if model_type == "CycleGAN" else ["photo"],
                   related_domains=domains, discriminator_steps=d if Dk is None else Dk,
                   disc_init_steps=init),
        optim_wrapper=dict(constructor="MultiOptimWrapperConstructor",
                           generators=dict(optimizer=dict(opt)), discriminators=dict(optimizer=dict(opt))),
        train_cfg=dict(by_epoch=False, max_iters=total),
    )
    return old, new


def singan_pair(d=2, g=3, ips=2, num_scales=2, total=6, *, Dk=None, ips_new=None, lr_args=True):
    args = dict(milestones=[1], gamma=0.1) if lr_args else None
    old = dict(
        model=dict(type="SinGAN", generator=dict(type="SinGANMultiScaleGenerator", num_scales=num_scales),
                   discriminator=dict(type="SinGANMultiScaleDiscriminator", num_scales=num_scales)),
        train_cfg=dict(noise_weight_init=0.1, iters_per_scale=ips, curr_scale=-1, disc_steps=d,
                       generator_steps=g, lr_d=5e-4, lr_g=5e-4, lr_scheduler_args=args),
        total_iters=total,
    )
    Dk = d if Dk is None else Dk
    new = dict(
        model=dict(type="SinGAN", num_scales=num_scales, iters_per_scale=ips if ips_new is None else ips_new,
                   discriminator_steps=Dk, generator_steps=g, lr_scheduler_args=args,
                   generator=dict(type="SinGANMultiScaleGenerator"),
                   discriminator=dict(type="SinGANMultiScaleDiscriminator")),
        optim_wrapper=dict(constructor="SinGANOptimWrapperConstructor",
                           generator=dict(optimizer=dict(type="Adam", lr=5e-4, betas=(0.5, 0.999))),
                           discriminator=dict(optimizer=dict(type="Adam", lr=5e-4, betas=(0.5, 0.999)))),
        train_cfg=dict(by_epoch=False, max_iters=total * Dk),
    )
    return old, new


def with_fp16(old, new, *, new_loss_scale=None, init_scale=512):
    old, new = copy.deepcopy(old), copy.deepcopy(new)
    old.setdefault("runner", dict(type="DynamicIterBasedRunner", pass_training_status=True))
    old["runner"] = dict(old["runner"] or {}, fp16_loss_scaler=dict(init_scale=init_scale))
    ls = dict(init_scale=init_scale) if new_loss_scale is None else new_loss_scale
    for k in ("generator", "discriminator"):
        new["optim_wrapper"][k]["type"] = "AmpOptimWrapper"
        new["optim_wrapper"][k]["loss_scale"] = copy.deepcopy(ls)
    return old, new


def positions(row: str, chars="S23456789"):
    """Iterations whose timeline character is one of ``chars``."""
    return [i for i, c in enumerate(row) if c in chars]
