"""Replay of MMGeneration 0.x training (no MMGeneration import).

Each family's ``train_step`` control flow is written out from the facts in
``docs/semantics.md`` (cited per block): when zero_grad, backward (loss divided
by the accumulation count) and step happen for each module, the generator
inner loop, the runner's per-iteration order (lr hook before ``train_step``,
``loss_scaler.update()`` and the EMA hook after it), driving real
``torch.optim`` optimizers built from the 0.x ``optimizer`` dict.
"""
from __future__ import annotations

import copy
from typing import Dict

import torch
import torch.nn as nn

from ..families import REPLAY_CONDITIONAL, REPLAY_SINGAN, REPLAY_TRANSLATION, REPLAY_UNCONDITIONAL
from .spec import LegacySpec
from .surrogate import (Streams, SurrogateGAN, d_loss, g_loss, set_requires_grad)
from .trace import Recorder, Trace, optimizer_info


class LegacyBuildError(Exception):
    """The 0.x config cannot be built (so it cannot train in 0.x either)."""


def build_torch_optimizer(cfg: dict, module: nn.Module) -> torch.optim.Optimizer:
    """mmcv ``build_optimizer`` without paramwise_cfg: ``torch.optim.<type>``."""
    cfg = dict(cfg)
    name = str(cfg.pop("type")).split(".")[-1]
    cls = getattr(torch.optim, name, None)
    if not (isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)):
        raise LegacyBuildError(f"0.x optimizer type {name!r} is not a torch.optim optimizer")
    if "betas" in cfg and isinstance(cfg["betas"], list):
        cfg["betas"] = tuple(cfg["betas"])
    try:
        return cls(module.parameters(), **cfg)
    except (TypeError, ValueError) as e:
        raise LegacyBuildError(f"0.x optimizer {name}({cfg}) cannot be built: {e}") from e


class LegacyEmaHook:
    """0.x ``ExponentialMovingAverageHook.after_train_iter`` (docs/semantics.md §3.1).

    Before ``start_iter`` every parameter and buffer is copied; afterwards,
    every ``interval`` iterations, ``ema = orig + (ema - orig) * m`` with
    ``m = momentum`` for tensors that require grad and
    ``momentum_nontrainable`` otherwise (so ``m`` weighs the *old* EMA).
    """

    def __init__(self, spec, recorder: Recorder):
        self.spec = spec
        self.rec = recorder

    def decide(self, i: int):
        """``every_n_iters`` + the copy/lerp choice: ``None``, ``('copy',)`` or
        ``('avg', m)`` with ``m`` the weight on the old EMA."""
        s = self.spec
        if i < s.start_iter:
            return ("copy",)
        if s.interval <= 0 or (i + 1 - s.start_iter) % s.interval != 0:
            return None
        return ("avg", s.momentum_at(i))

    @torch.no_grad()
    def after_train_iter(self, i: int, orig: nn.Module, ema_net: nn.Module) -> None:
        s = self.spec
        what = self.decide(i)
        if what is None:
            return
        if what[0] == "copy":
            for (k, v), (_, e) in zip(orig.state_dict(keep_vars=True).items(),
                                      ema_net.state_dict(keep_vars=True).items()):
                e.data.copy_(v.data)
            self.rec.ema_event("copy")
            return
        m = what[1]
        ema_state = ema_net.state_dict()
        new_state = {}
        for k, v in orig.state_dict(keep_vars=True).items():
            mm = m if v.requires_grad else s.momentum_nontrainable
            new_state[k] = (v + (ema_state[k] - v) * mm).detach()
        ema_net.load_state_dict(new_state, strict=True)
        self.rec.ema_event("avg", 1.0 - m)


def run_legacy(spec: LegacySpec, iters: int, init: Dict[str, torch.Tensor],
               streams: Streams, device: torch.device, amp: bool) -> Trace:
    """Replay ``iters`` 0.x iterations (SinGAN: rounds) and return the trace."""
    model = SurrogateGAN(spec.family, spec.gen_key, spec.disc_key, spec.domains,
                         spec.singan.get("num_scales", 0))
    model.load_state_dict(init)
    model.to(device=device, dtype=streams.dtype).train()
    gen, disc = model.gen, model.disc
    rec = Recorder("old", {spec.disc_key: disc, spec.gen_key: gen},
                   hook_params=_singan_hook_params(model) if spec.family == REPLAY_SINGAN else None)
    trace = rec.trace
    ema_net = None
    try:
        if spec.family == REPLAY_SINGAN:
            return _run_singan(spec, iters, model, rec, streams, device)
        optimizers = {k: build_torch_optimizer(spec.optimizers[k], getattr(model, k))
                      for k in (spec.disc_key, spec.gen_key)}
        for k, opt in optimizers.items():
            trace.optimizers[k] = optimizer_info(opt)
            rec.watch_optimizer(k, opt)
        # mmcv LrUpdaterHook.before_run: base lr per optimizer, per group.
        base_lrs = {k: [g["lr"] for g in opt.param_groups] for k, opt in optimizers.items()}
        scaler = None
        if amp and spec.fp16 is not None:
            scaler = torch.amp.GradScaler("cuda", **spec.fp16)
        hook = None
        if spec.ema is not None:
            ema_net = copy.deepcopy(gen)
            hook = LegacyEmaHook(spec.ema, rec)
        step_fn = {REPLAY_CONDITIONAL: _basic_cgan_step,
                   REPLAY_UNCONDITIONAL: _static_uncond_step,
                   REPLAY_TRANSLATION: _translation_step}[spec.family]
    except LegacyBuildError as e:
        rec.crashed(None, e)
        return rec.finish()

    i = -1
    try:
        for i in range(iters):
            # before_train_iter: the lr hook sets lr = f(i) (docs/semantics.md §4).
            if spec.lr is not None:
                for k, opt in optimizers.items():
                    for g, base in zip(opt.param_groups, base_lrs[k]):
                        g["lr"] = spec.lr.lr(base, i)
            rec.begin(i, {k: tuple(g["lr"] for g in opt.param_groups)
                          for k, opt in optimizers.items()})
            step_fn(spec, model, optimizers, i, streams, scaler)
            if scaler is not None:
                scaler.update()           # once per iteration, by the runner (docs/semantics.md §1.1)
            if hook is not None:          # after_train_iter (docs/semantics.md §3.1)
                hook.after_train_iter(i, gen, ema_net)
            rec.end(ema_net)
    except Exception as e:  # the 0.x code path itself fails
        rec.crashed(i, e)
    return rec.finish(ema_net)


def _backward(loss, scaler):
    (scaler.scale(loss) if scaler is not None else loss).backward()


def _step(opt, scaler):
    if scaler is not None:
        scaler.unscale_(opt)
        scaler.step(opt)
    else:
        opt.step()


def _basic_cgan_step(spec: LegacySpec, model, optimizers, i, streams: Streams, scaler):
    """0.x ``BasiccGAN.train_step`` (docs/semantics.md §2.1)."""
    gen, disc = model.gen, model.disc
    A, d, g = spec.accumulation, spec.disc_steps, spec.gen_steps
    d_opt, g_opt = optimizers[spec.disc_key], optimizers[spec.gen_key]
    set_requires_grad(disc, True)
    if i % A == 0:
        d_opt.zero_grad()
    with torch.no_grad():
        fake = gen(streams.noise(("D", i, 0)))
    loss = d_loss(disc(fake), disc(streams.real(i))) / float(A)
    _backward(loss, scaler)
    if (i + 1) % A == 0:
        _step(d_opt, scaler)
    if (i + 1) % d != 0:
        return
    set_requires_grad(disc, False)
    for s in range(g):
        g_opt.zero_grad()
        for k in range(A):
            fake = gen(streams.noise(("G", i, s * A + k)))
            loss = g_loss(disc(fake)) / float(A)
            _backward(loss, scaler)
        _step(g_opt, scaler)


def _static_uncond_step(spec: LegacySpec, model, optimizers, i, streams: Streams, scaler):
    """0.x ``StaticUnconditionalGAN`` / ``MSPIEStyleGAN2`` (docs/semantics.md §2.2, §2.5).

    D steps every iteration; one G pass and step when ``(i+1) % d == 0``;
    ``gen_steps`` and ``batch_accumulation_steps`` are not read.
    """
    gen, disc = model.gen, model.disc
    d_opt, g_opt = optimizers[spec.disc_key], optimizers[spec.gen_key]
    set_requires_grad(disc, True)
    d_opt.zero_grad()
    with torch.no_grad():
        fake = gen(streams.noise(("D", i, 0)))
    loss = d_loss(disc(fake), disc(streams.real(i)))
    _backward(loss, scaler)
    _step(d_opt, scaler)
    if (i + 1) % spec.disc_steps != 0:
        return
    set_requires_grad(disc, False)
    g_opt.zero_grad()
    fake = gen(streams.noise(("G", i, 0)))
    _backward(g_loss(disc(fake)), scaler)
    _step(g_opt, scaler)


def translation_outputs(model, reals, domains):
    """One generator forward (with grad) per iteration, shared by D and G."""
    gens = model.gen
    out = {}
    if len(domains) == 2:
        a, b = domains
        for src, tgt in ((a, b), (b, a)):
            fake = gens[tgt](reals[src])
            out[f"fake_{tgt}"] = fake
            out[f"cycle_{src}"] = gens[src](fake)
    else:
        (tgt,) = domains
        out[f"fake_{tgt}"] = gens[tgt](reals["src"])
    return out


def translation_d_loss(model, reals, out, domains):
    discs = model.disc
    return sum(d_loss(discs[d](out[f"fake_{d}"].detach()), discs[d](reals[d])) for d in domains)


def translation_g_loss(model, reals, out, domains):
    discs = model.disc
    loss = sum(g_loss(discs[d](out[f"fake_{d}"])) for d in domains)
    if len(domains) == 2:
        loss = loss + sum((out[f"cycle_{d}"] - reals[d]).abs().mean() for d in domains)
    else:
        (tgt,) = domains
        loss = loss + (out[f"fake_{tgt}"] - reals[tgt]).abs().mean()
    return loss


def translation_reals(streams: Streams, i: int, domains):
    keys = tuple(domains) if len(domains) == 2 else ("src",) + tuple(domains)
    return streams.pair(i, keys)


def _translation_step(spec: LegacySpec, model, optimizers, i, streams: Streams, scaler):
    """0.x ``CycleGAN`` / ``Pix2Pix`` train_step (docs/semantics.md §2.6).

    The internal counter equals ``i`` on a fresh run; G trains when
    ``i % d == 0 and i >= disc_init_steps``.
    """
    domains = spec.domains
    reals = translation_reals(streams, i, domains)
    out = translation_outputs(model, reals, domains)
    d_opt, g_opt = optimizers[spec.disc_key], optimizers[spec.gen_key]
    set_requires_grad(model.disc, True)
    d_opt.zero_grad()
    translation_d_loss(model, reals, out, domains).backward()
    d_opt.step()
    if i % spec.disc_steps == 0 and i >= spec.disc_init_steps:
        set_requires_grad(model.disc, False)
        g_opt.zero_grad()
        translation_g_loss(model, reals, out, domains).backward()
        g_opt.step()


# ---------------------------------------------------------------------------
# SinGAN: one 0.x train_step is a whole D/G round (docs/semantics.md §2.4)
# ---------------------------------------------------------------------------

def _singan_hook_params(model):
    return {model.disc_key: [b.weight for b in model.disc.blocks],
            model.gen_key: [b.weight for b in model.gen.blocks]}


def _run_singan(spec: LegacySpec, rounds: int, model, rec: Recorder, streams: Streams, device):
    s = spec.singan
    ips, d, g = s["iters_per_scale"], spec.disc_steps, spec.gen_steps
    gen, disc = model.gen, model.disc
    stage = -1
    d_opt = g_opt = d_sched = g_sched = None
    trace = rec.trace
    k = -1
    try:
        for k in range(rounds):
            if k % ips == 0:
                stage += 1
                if stage > s["num_scales"]:
                    raise IndexError(f"0.x SinGAN ran past its last scale at round {k}")
                gen.load_prev(stage)
                disc.load_prev(stage)
                g_opt = torch.optim.Adam(gen.blocks[stage].parameters(), lr=s["lr_g"], betas=(0.5, 0.999))
                d_opt = torch.optim.Adam(disc.blocks[stage].parameters(), lr=s["lr_d"], betas=(0.5, 0.999))
                rec.watch_optimizer(spec.disc_key, d_opt)
                rec.watch_optimizer(spec.gen_key, g_opt)
                if stage == 0:
                    trace.optimizers[spec.disc_key] = optimizer_info(d_opt)
                    trace.optimizers[spec.gen_key] = optimizer_info(g_opt)
                args = s.get("lr_scheduler_args")
                if args:
                    g_sched = torch.optim.lr_scheduler.MultiStepLR(g_opt, **args)
                    d_sched = torch.optim.lr_scheduler.MultiStepLR(d_opt, **args)
                else:
                    g_sched = d_sched = None
            rec.begin(k, {})  # lr is compared per step (stage optimizers change)
            rec.current.stage = stage
            real = streams.real(k)  # one batch for all D steps of the round
            set_requires_grad(disc, True)
            for j in range(d):
                d_opt.zero_grad()
                with torch.no_grad():
                    fake = gen(streams.noise(("D", k, j)), stage)
                d_loss(disc(fake, stage), disc(real, stage)).backward()
                d_opt.step()
            set_requires_grad(disc, False)
            for j in range(g):
                g_opt.zero_grad()
                fake = gen(streams.noise(("G", k, j)), stage)
                g_loss(disc(fake, stage)).backward()
                g_opt.step()
            set_requires_grad(disc, True)
            if d_sched is not None:
                d_sched.step()
                g_sched.step()
            rec.end()
    except Exception as e:
        rec.crashed(k, e)
    return rec.finish()
