"""MMagic 1.x training, driven through the real MMEngine machinery.

What is real MMEngine here: ``OptimWrapper`` / ``AmpOptimWrapper`` built by
``mmengine.optim.build_optim_wrapper`` (one per sub-module, the way MMagic's
``MultiOptimWrapperConstructor`` does it) and wrapped in ``OptimWrapperDict``;
``update_params``, ``optim_context``, ``initialize_count_status``; the param
schedulers from ``PARAM_SCHEDULERS`` stepped by MMEngine's own
``ParamSchedulerHook``; MessageHub ``'iter'``; ``ExponentialMovingAverage`` /
``BaseAveragedModel``.

What is ours (MMagic is not importable here, and its code is not copied):
the family ``train_step`` control flow (written from docs/semantics.md §2), and two
small surrogates registered in verifier-local child registries only:
``LinearLrInterval`` (docs/semantics.md §4) and MMagic's EMA flavour, i.e.
MMEngine's ``ExponentialMovingAverage`` plus ``sync_parameters`` /
``sync_buffers``, and ``RampUpEMA`` (docs/semantics.md §3.2).
"""
from __future__ import annotations

import itertools
import math
import os
import types
from contextlib import nullcontext
from typing import Dict, List, Optional

import torch
import torch.nn as nn

import mmengine.optim  # noqa: F401  (registers optimizers/schedulers/wrappers)
from mmengine.hooks import ParamSchedulerHook
from mmengine.logging import MessageHub
from mmengine.model import BaseAveragedModel
from mmengine.model import ExponentialMovingAverage as _EngineEMA
from mmengine.optim import LinearLR, OptimWrapperDict, build_optim_wrapper
from mmengine.registry import MODELS, PARAM_SCHEDULERS, Registry

from ..families import FLAVOUR_SINGAN, FLAVOUR_STYLEGAN2, FLAVOUR_TRANSLATION
from .legacy import (translation_d_loss, translation_g_loss, translation_outputs,
                     translation_reals)
from .spec import ModernSpec
from .surrogate import Streams, SurrogateGAN, d_loss, g_loss, set_requires_grad
from .trace import IterRecord, ModuleIter, Recorder, Trace, optimizer_info

# Verifier-only registries: children of MMEngine's, so every MMEngine class
# is still found, while our surrogates never leak into MMEngine's registries.
VERIFY_SCHEDULERS = Registry("mmgen-migrate verify param schedulers",
                             parent=PARAM_SCHEDULERS, scope="mmgen_migrate_verify")
VERIFY_MODELS = Registry("mmgen-migrate verify models", parent=MODELS,
                         scope="mmgen_migrate_verify")


@VERIFY_SCHEDULERS.register_module()
class LinearLrInterval(LinearLR):
    """Surrogate of MMagic's ``LinearLrInterval`` (docs/semantics.md §4).

    Documented behaviour reproduced: on its first effective step
    (``last_step == 0``) it multiplies the current lr by ``start_factor``;
    afterwards it returns the **absolute** value
    ``start_factor + (end_factor - start_factor) * k`` where
    ``k = (max(0, it - begin) // interval) / ((end - begin) // interval)``
    and ``it`` is MessageHub ``'iter'`` at step time (the iteration that
    just finished, hence the one-iteration lag).
    """

    def __init__(self, *args, interval: int = 1, **kwargs):
        self.interval = interval
        super().__init__(*args, **kwargs)

    def _get_value(self):
        groups = self.optimizer.param_groups
        if self.last_step == 0:
            return [g[self.param_name] * self.start_factor for g in groups]
        hub = MessageHub.get_current_instance()
        progress = hub.get_info("epoch" if self.by_epoch else "iter")
        k = (max(0, progress - self.begin) // self.interval) / (
            (self.end - self.begin) // self.interval)
        return [self.start_factor + (self.end_factor - self.start_factor) * k for _ in groups]


class _SyncMixin:
    """MMagic's additions to the averaged model, used by ``BaseGAN``."""

    @torch.no_grad()
    def sync_buffers(self, model: nn.Module) -> None:
        for b_avg, b_src in zip(self.module.buffers(), model.buffers()):
            b_avg.data.copy_(b_src.data)

    @torch.no_grad()
    def sync_parameters(self, model: nn.Module) -> None:
        for p_avg, p_src in zip(itertools.chain(self.module.parameters(), self.module.buffers()),
                                itertools.chain(model.parameters(), model.buffers())):
            p_avg.data.copy_(p_src.data)


@VERIFY_MODELS.register_module()
class ExponentialMovingAverage(_SyncMixin, _EngineEMA):
    """MMEngine's ``ExponentialMovingAverage`` with MMagic's sync methods."""

    def new_value_weight(self) -> float:
        return float(self.momentum)


@VERIFY_MODELS.register_module()
class RampUpEMA(_SyncMixin, BaseAveragedModel):
    """Surrogate of MMagic's ``RampUpEMA`` (docs/semantics.md §3.2): the momentum is
    ``1 - 0.5 ** (B / max(min(kimg*1000, (steps+1)*B*rampup), eps))`` where
    ``steps`` counts ``update_parameters`` calls (G phases)."""

    def __init__(self, model, interval=1, ema_kimg=10, ema_rampup=0.05, batch_size=32,
                 eps=1e-8, start_iter=0, device=None, update_buffers=False):
        super().__init__(model, interval, device, update_buffers)
        self.ema_kimg, self.ema_rampup = ema_kimg, ema_rampup
        self.batch_size, self.eps = batch_size, eps

    def _beta(self, steps) -> float:
        cur = (int(steps) + 1) * self.batch_size
        nimg = self.ema_kimg * 1000
        if self.ema_rampup is not None:
            nimg = min(nimg, cur * self.ema_rampup)
        return 0.5 ** (self.batch_size / max(nimg, self.eps))

    def new_value_weight(self) -> float:
        return 1.0 - self._beta(self.steps)

    def avg_func(self, averaged_param, source_param, steps):
        m = self.new_value_weight()
        averaged_param.mul_(1 - m).add_(source_param, alpha=m)


class ModernBuildError(Exception):
    """The 1.x config cannot be built by MMEngine/MMagic."""


class ModernUnsupported(Exception):
    """The 1.x config uses something this replay does not cover."""


_counter = itertools.count()


def _cpu_wrapper_cfg(cfg: dict) -> dict:
    """AmpOptimWrapper cannot be built without CUDA; use fp32 on CPU."""
    cfg = dict(cfg)
    if str(cfg.get("type", "")).split(".")[-1] == "AmpOptimWrapper":
        cfg["type"] = "OptimWrapper"
        for k in ("loss_scale", "dtype", "use_fsdp"):
            cfg.pop(k, None)
    return cfg


def build_wrappers(spec: ModernSpec, model: SurrogateGAN, amp: bool) -> OptimWrapperDict:
    """Per-module wrappers via ``build_optim_wrapper``, in an ``OptimWrapperDict``."""
    ctor = (spec.constructor or "").split(".")[-1]
    fix = (lambda c: c) if amp else _cpu_wrapper_cfg
    wrappers = {}

    def build(module, cfg, name):
        try:
            return build_optim_wrapper(module, fix(cfg))
        except Exception as e:  # mmengine raises many kinds here
            raise ModernBuildError(f"optim_wrapper.{name}: {type(e).__name__}: {e}") from e

    if spec.family == FLAVOUR_SINGAN:
        if ctor != "SinGANOptimWrapperConstructor":
            raise ModernBuildError(
                f"1.x SinGAN needs constructor='SinGANOptimWrapperConstructor', got {spec.constructor!r}")
        for key, cfg in spec.wrappers.items():
            sub = getattr(model, key, None)
            if sub is None:
                raise ModernBuildError(f"optim_wrapper.{key}: the model has no sub-module {key!r}")
            for idx in range(sub.num_scales + 1):
                wrappers[f"{key}_{idx}"] = build(sub.blocks[idx], cfg, f"{key} (scale {idx})")
        return OptimWrapperDict(**wrappers)
    if ctor == "MultiOptimWrapperConstructor":
        if "paramwise_cfg" in spec.optim_wrapper:
            raise ModernBuildError("MultiOptimWrapperConstructor does not accept a top-level "
                                   "paramwise_cfg (set it per module)")
        for key, cfg in spec.wrappers.items():
            if "modules" in cfg:
                raise ModernUnsupported(f"optim_wrapper.{key}.modules (several modules under one "
                                        "optimizer) is not replayed")
            if key not in model._modules:
                raise ModernUnsupported(f"optim_wrapper key {key!r} is not a sub-module name "
                                        f"({model.gen_key!r}, {model.disc_key!r}); regex/dotted "
                                        "module selection is not replayed")
            wrappers[key] = build(model._modules[key], cfg, key)
        return OptimWrapperDict(**wrappers)
    if ctor in ("", "DefaultOptimWrapperConstructor"):
        raise ModernBuildError(
            "optim_wrapper has no constructor='MultiOptimWrapperConstructor'; MMEngine's default "
            "constructor builds one wrapper for the whole model, and a GAN train_step needs "
            f"optim_wrapper[{spec.disc_key!r}] and optim_wrapper[{spec.gen_key!r}]")
    raise ModernUnsupported(f"optim_wrapper constructor {spec.constructor!r} is not replayed")


def build_schedulers(spec: ModernSpec, owd: OptimWrapperDict, max_iters: Optional[int],
                     notes: List[str]) -> Dict[str, list]:
    """``Runner.build_param_scheduler`` for an OptimWrapperDict (docs/semantics.md §1.2)."""
    sched = spec.param_scheduler
    if not sched:
        return {}
    out = {}
    for name, wrapper in owd.items():
        if isinstance(sched, dict) and "type" not in sched:
            if name not in sched:
                raise ModernBuildError(f"param_scheduler is keyed by wrapper name but has no "
                                       f"entry for {name!r} (Runner.build_param_scheduler raises KeyError)")
            cfgs = sched[name]
        else:
            cfgs = sched
        cfgs = list(cfgs) if isinstance(cfgs, (list, tuple)) else [cfgs]
        built = []
        for c in cfgs:
            c = dict(c)
            if c.pop("convert_to_iter_based", False):
                raise ModernUnsupported("param_scheduler convert_to_iter_based=True is not replayed")
            if c.get("by_epoch", True):
                notes.append(f"1.x param_scheduler {c.get('type')!r} has by_epoch=True: an "
                             "iteration-based loop never steps it per iteration")
            elif max_iters is not None:
                c.setdefault("end", max_iters)
            try:
                built.append(VERIFY_SCHEDULERS.build(c, default_args=dict(optimizer=wrapper)))
            except Exception as e:
                raise ModernBuildError(f"param_scheduler {c.get('type')!r} for {name!r}: "
                                       f"{type(e).__name__}: {e}") from e
        out[name] = built
    return out


def build_ema(spec: ModernSpec, generator: nn.Module):
    """``BaseGAN._init_ema_model``: pop ``start_iter``, build with the generator."""
    cfg = dict(spec.ema_config)
    cfg.setdefault("type", "ExponentialMovingAverage")
    ema_start = cfg.pop("start_iter", 0)
    try:
        ema = VERIFY_MODELS.build(cfg, default_args=dict(model=generator))
    except Exception as e:
        raise ModernBuildError(f"model.ema_config: {type(e).__name__}: {e}") from e
    if not hasattr(ema, "sync_parameters"):
        raise ModernUnsupported(f"ema_config type {cfg['type']!r} is not replayed")
    return ema, ema_start


def _watch_ema(ema, rec: Recorder) -> None:
    """Classify each EMA call the way BaseAveragedModel will execute it."""
    orig_update, orig_sync = ema.update_parameters, ema.sync_parameters

    def update_parameters(self, model):
        steps = int(self.steps)
        if steps == 0:
            rec.ema_event("first")  # BaseAveragedModel: the first call is a hard copy
        elif steps % self.interval == 0:
            rec.ema_event("avg", self.new_value_weight())
        else:
            rec.ema_event("skip")
        return orig_update(model)

    def sync_parameters(self, model):
        rec.ema_event("copy")
        return orig_sync(model)

    ema.update_parameters = types.MethodType(update_parameters, ema)
    ema.sync_parameters = types.MethodType(sync_parameters, ema)


class _RunnerStub:
    """What ``ParamSchedulerHook.after_train_iter`` reads from a Runner."""

    def __init__(self, param_schedulers):
        self.param_schedulers = param_schedulers


# ---------------------------------------------------------------------------
# train_step control flows (docs/semantics.md §2)
# ---------------------------------------------------------------------------

class ModernGAN:
    """``BaseGAN.train_step`` (BigGAN, SAGAN, SNGAN, DCGAN, ...; semantics
    §2.1) and ``StyleGAN2.train_step`` (same schedule without
    ``optim_context``, docs/semantics.md §2.2)."""

    def __init__(self, spec: ModernSpec, model: SurrogateGAN, streams: Streams, ema=None,
                 ema_start=0):
        self.spec, self.model, self.streams = spec, model, streams
        self.ema, self.ema_start = ema, ema_start
        self.use_context = spec.family != FLAVOUR_STYLEGAN2

    def _ctx(self, wrapper, module):
        return wrapper.optim_context(module) if self.use_context else nullcontext()

    def train_discriminator(self, it, wrapper):
        gen, disc = self.model.gen, self.model.disc
        with torch.no_grad():
            fake = gen(self.streams.noise(("D", it, 0)))
        wrapper.update_params(d_loss(disc(fake), disc(self.streams.real(it))))

    def train_generator(self, it, j, wrapper):
        gen, disc = self.model.gen, self.model.disc
        fake = gen(self.streams.noise(("G", it, j)))
        wrapper.update_params(g_loss(disc(fake)))

    def train_step(self, owd: OptimWrapperDict) -> None:
        s, gen, disc = self.spec, self.model.gen, self.model.disc
        curr_iter = MessageHub.get_current_instance().get_info("iter")
        disc_w = owd[s.disc_key]
        disc_accu = disc_w._accumulative_counts
        with self._ctx(disc_w, disc):
            self.train_discriminator(curr_iter, disc_w)
        if self.is_generator_phase(curr_iter, disc_accu):
            set_requires_grad(disc, False)
            gen_w = owd[s.gen_key]
            gen_accu = gen_w._accumulative_counts
            gen_w.initialize_count_status(gen, 0, s.generator_steps * gen_accu)
            for j in range(s.generator_steps * gen_accu):
                with self._ctx(gen_w, gen):
                    self.train_generator(curr_iter, j, gen_w)
            set_requires_grad(disc, True)
            self.ema_after_generator(curr_iter, disc_accu, gen)

    def is_generator_phase(self, curr_iter: int, disc_accu: int) -> bool:
        return (curr_iter + 1) % (self.spec.discriminator_steps * disc_accu) == 0

    def ema_after_generator(self, curr_iter: int, disc_accu: int, gen: nn.Module) -> None:
        """BaseGAN: only after a generator phase; ``ema_start`` counts phases."""
        if self.ema is None:
            return
        if (curr_iter + 1) >= self.ema_start * self.spec.discriminator_steps * disc_accu:
            self.ema.update_parameters(gen)
            if not self.ema.update_buffers:
                self.ema.sync_buffers(gen)
        else:
            self.ema.sync_parameters(gen)


class ModernTranslation:
    """``CycleGAN`` / ``Pix2Pix`` train_step (docs/semantics.md §2.6)."""

    def __init__(self, spec: ModernSpec, model: SurrogateGAN, streams: Streams, domains):
        self.spec, self.model, self.streams, self.domains = spec, model, streams, domains

    def train_step(self, owd: OptimWrapperDict) -> None:
        s, m = self.spec, self.model
        curr_iter = MessageHub.get_current_instance().get_info("iter")
        disc_w = owd[s.disc_key]
        reals = translation_reals(self.streams, curr_iter, self.domains)
        with disc_w.optim_context(m.disc):
            out = translation_outputs(m, reals, self.domains)
            disc_accu = disc_w._accumulative_counts
            set_requires_grad(m.disc, True)
            disc_w.update_params(translation_d_loss(m, reals, out, self.domains))
        if ((curr_iter + 1) % (s.discriminator_steps * disc_accu) == 0
                and curr_iter >= s.disc_init_steps):
            set_requires_grad(m.disc, False)
            gen_w = owd[s.gen_key]
            with gen_w.optim_context(m.gen):
                gen_w.update_params(translation_g_loss(m, reals, out, self.domains))
            set_requires_grad(m.disc, True)


class ModernSinGAN:
    """``SinGAN.train_step`` / ``train_gan`` (docs/semantics.md §2.4): one D update per
    iteration, G every ``Dk`` iterations, a stage every ``ips * Dk``."""

    def __init__(self, spec: ModernSpec, model: SurrogateGAN, streams: Streams, rec: Recorder):
        self.spec, self.model, self.streams, self.rec = spec, model, streams, rec
        self.curr_stage = -1
        self.gen_sched = self.disc_sched = None

    def train_step(self, owd: OptimWrapperDict) -> None:
        s, m = self.spec, self.model
        ips, Dk, Gk = s.singan["iters_per_scale"], s.discriminator_steps, s.generator_steps
        curr_iter = MessageHub.get_current_instance().get_info("iter")
        if curr_iter % (ips * Dk) == 0:
            self.curr_stage += 1
            m.gen.load_prev(self.curr_stage)
            m.disc.load_prev(self.curr_stage)
            gw = owd[f"{s.gen_key}_{self.curr_stage}"]
            dw = owd[f"{s.disc_key}_{self.curr_stage}"]
            msg = "SinGAN does not support gradient accumulation"
            assert gw._accumulative_counts == 1, msg
            assert dw._accumulative_counts == 1, msg
            args = s.singan.get("lr_scheduler_args")
            if args:
                self.gen_sched = torch.optim.lr_scheduler.MultiStepLR(gw.optimizer, **args)
                self.disc_sched = torch.optim.lr_scheduler.MultiStepLR(dw.optimizer, **args)
        self.rec.current.stage = self.curr_stage
        cur = OptimWrapperDict(generator=owd[f"{s.gen_key}_{self.curr_stage}"],
                               discriminator=owd[f"{s.disc_key}_{self.curr_stage}"])
        stage = self.curr_stage
        rnd = int(curr_iter // Dk)
        gen, disc = m.gen, m.disc
        disc_w = cur["discriminator"]
        with disc_w.optim_context(disc):
            with torch.no_grad():
                fake = gen(self.streams.noise(("D", rnd, int(curr_iter % Dk))), stage)
            disc_w.update_params(d_loss(disc(fake, stage), disc(self.streams.real(rnd), stage)))
        if (curr_iter + 1) % (Dk * disc_w._accumulative_counts) == 0:
            set_requires_grad(disc, False)
            gen_w = cur["generator"]
            gen_accu = gen_w._accumulative_counts
            gen_w.initialize_count_status(gen, 0, Gk * gen_accu)
            for j in range(Gk * gen_accu):
                with gen_w.optim_context(gen):
                    fake = gen(self.streams.noise(("G", rnd, j)), stage)
                    gen_w.update_params(g_loss(disc(fake, stage)))
            set_requires_grad(disc, True)
        if (curr_iter + 1) % Dk == 0 and self.gen_sched is not None:
            self.disc_sched.step()
            self.gen_sched.step()


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------

def run_modern(spec: ModernSpec, iters: int, init: Dict[str, torch.Tensor], streams: Streams,
               device: torch.device, amp: bool, domains=(), num_scales: int = 0) -> Trace:
    model = SurrogateGAN("translation" if spec.family == FLAVOUR_TRANSLATION else
                         "singan" if spec.family == FLAVOUR_SINGAN else "gan",
                         spec.gen_key, spec.disc_key, domains, num_scales)
    model.load_state_dict(init)
    model.to(device=device, dtype=streams.dtype).train()
    hook_params = None
    if spec.family == FLAVOUR_SINGAN:
        hook_params = {spec.disc_key: [b.weight for b in model.disc.blocks],
                       spec.gen_key: [b.weight for b in model.gen.blocks]}
    rec = Recorder("new", {spec.disc_key: model.disc, spec.gen_key: model.gen}, hook_params)
    trace = rec.trace
    hub_name = f"mmgen_migrate.verify.{os.getpid()}.{next(_counter)}"
    hub = MessageHub.get_instance(hub_name)
    ema = None
    try:
        try:
            owd = build_wrappers(spec, model, amp)
            for name, w in owd.items():
                module_name = spec.disc_key if name.startswith(spec.disc_key) else spec.gen_key
                if spec.family != FLAVOUR_SINGAN or name.endswith("_0"):
                    trace.optimizers[module_name] = optimizer_info(w.optimizer)
                rec.watch_optimizer(module_name, w.optimizer)
            if spec.family == FLAVOUR_TRANSLATION:
                flow = ModernTranslation(spec, model, streams, domains)
            elif spec.family == FLAVOUR_SINGAN:
                flow = ModernSinGAN(spec, model, streams, rec)
            else:
                ema_start = 0
                if spec.ema_config is not None:
                    ema, ema_start = build_ema(spec, model.gen)
                    ema.to(device)
                    _watch_ema(ema, rec)
                flow = ModernGAN(spec, model, streams, ema, ema_start)
            schedulers = build_schedulers(spec, owd, spec.max_iters, trace.warnings)
        except ModernBuildError as e:
            rec.crashed(None, e)
            return rec.finish()
        # Runner.train: a no-op for OptimWrapperDict (docs/semantics.md §1.2), kept for fidelity.
        owd.initialize_count_status(model, 0, iters)
        sched_hook = ParamSchedulerHook()
        stub = _RunnerStub(schedulers or None)
        i = -1
        try:
            for i in range(iters):
                hub.update_info("iter", i)          # RuntimeInfoHook.before_train_iter
                rec.begin(i, _group_lrs(owd, spec))
                flow.train_step(owd)
                sched_hook.after_train_iter(stub, i)  # lr changes after train_step (docs/semantics.md §1.2)
                rec.end(ema.module if ema is not None else None)
        except Exception as e:
            rec.crashed(i, e)
        return rec.finish(ema.module if ema is not None else None)
    finally:
        MessageHub._instance_dict.pop(hub_name, None)


def _group_lrs(owd: OptimWrapperDict, spec: ModernSpec) -> Dict[str, tuple]:
    out = {}
    for name, w in owd.items():
        if spec.family == FLAVOUR_SINGAN:
            continue
        out[name] = tuple(float(g["lr"]) for g in w.optimizer.param_groups)
    if spec.family == FLAVOUR_SINGAN:
        return {}
    return out


def aggregate_rounds(trace: Trace, per_round: int) -> Trace:
    """Fold 1.x SinGAN iterations into 0.x rounds (``per_round`` = ``Dk``)."""
    if per_round == 1:
        return trace
    out = Trace(side=trace.side, module_names=trace.module_names, optimizers=trace.optimizers,
                final=trace.final, crash=trace.crash, warnings=trace.warnings,
                has_ema=trace.has_ema)
    n = len(trace.records)
    for r in range(math.ceil(n / per_round)):
        chunk = trace.records[r * per_round:(r + 1) * per_round]
        rec = IterRecord(iteration=r, lrs=dict(chunk[0].lrs), stage=chunk[0].stage)
        for name in trace.module_names:
            mi = ModuleIter()
            for c in chunk:
                mi.backward += c.modules[name].backward
                mi.steps.extend(c.modules[name].steps)
            rec.modules[name] = mi
        for c in chunk:
            rec.ema.extend(c.ema)
        out.records.append(rec)
    for name, snaps in trace.snapshots.items():
        out.snapshots[name] = [snaps[min((r + 1) * per_round, len(snaps)) - 1]
                               for r in range(math.ceil(len(snaps) / per_round))]
    if trace.crash is not None and trace.crash.iteration is not None:
        out.crash = type(trace.crash)(trace.crash.iteration // per_round, trace.crash.error)
    return out
