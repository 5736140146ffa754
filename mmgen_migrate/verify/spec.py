"""Read a 0.x and a 1.x effective config into what the replays need.

Torch-free. Everything here is plain config reading; the training
semantics live in ``legacy.py`` (0.x) and ``modern.py`` (1.x), and the
facts they follow are in ``docs/semantics.md`` (cited as
``docs/semantics.md §n``).

A ``LegacySpec`` / ``ModernSpec`` collects:

* the schedule knobs, with each family's *effective* values (e.g. 0.x
  ``StaticUnconditionalGAN`` silently ignores ``gen_steps`` and
  ``batch_accumulation_steps``, docs/semantics.md §2.2);
* ``unsupported``: reasons the run cannot be replayed (verdict
  "not verified");
* ``notes``: informational remarks.

Input that is not a usable config at all raises ``VerifyInputError``.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from ..families import (FLAVOUR_PGGAN, FLAVOUR_SINGAN, FLAVOUR_TRANSLATION, MODEL_TYPES, REPLAY_CONDITIONAL,
                        REPLAY_SINGAN, REPLAY_TRANSLATION, REPLAY_UNCONDITIONAL, REPLAYS)
from .errors import VerifyInputError

# 0.x model types -> replay family, 1.x model types -> train_step flavour
# (docs/semantics.md §2): views of the one record per model type in
# mmgen_migrate/families.py, which the rules classify with too.
LEGACY_FAMILIES = {name: t.replay for name, t in MODEL_TYPES.items() if t.replay is not None}
MODERN_FAMILIES = {name: t.flavour for name, t in MODEL_TYPES.items() if t.flavour is not None}

GAN_FAMILIES = tuple(name for name, r in REPLAYS.items() if r.gan)

# Train-config keys each 0.x family actually reads (docs/semantics.md §2).
_LEGACY_TRAIN_KEYS = {name: set(r.train_keys) for name, r in REPLAYS.items() if r.refused is None}

# Optimizer hyper-parameters we compare, in display order.
HYPER_KEYS = ("lr", "betas", "eps", "weight_decay", "momentum", "dampening",
              "nesterov", "amsgrad", "alpha", "centered", "maximize")


def _as_dict(value, what: str, path: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise VerifyInputError(f"`{what}` must be a dict, got {type(value).__name__}", path)
    return value


def _num(value, what: str, path: str, *, allow_float: bool = False):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise VerifyInputError(f"`{what}` must be a number, got {value!r}", path)
    if not allow_float and isinstance(value, float):
        if not value.is_integer():
            raise VerifyInputError(f"`{what}` must be an integer, got {value!r}", path)
        value = int(value)
    return value


def _float_betas(ocfg: dict, where: str, found: List[str]) -> dict:
    """Adam-style ``betas`` with an int element, e.g. StyleGAN2's ``(0, 0.99)``.

    Numerically the same as floats; some torch releases reject the mix, which
    is an environment issue rather than a conversion one, so both replays use
    floats and the run reports it in a note.
    """
    betas = ocfg.get("betas")
    if isinstance(betas, (list, tuple)):
        if any(isinstance(b, int) and not isinstance(b, bool) for b in betas):
            found.append(f"{where}.betas={tuple(betas)!r}")
        ocfg = dict(ocfg, betas=tuple(float(b) for b in betas))
    return ocfg


# --------------------------------------------------------------------------
# 0.x learning-rate policy (mmcv LrUpdaterHook family, docs/semantics.md §4)
# --------------------------------------------------------------------------

@dataclass
class LegacyLrPolicy:
    """An iteration-based 0.x ``lr_config`` as mmcv's LrUpdaterHook applies it.

    ``lr(base, i)`` is the lr set in ``before_train_iter`` of iteration
    ``i`` (an absolute function of ``i``, docs/semantics.md §4).
    """

    policy: str
    cfg: Dict[str, Any]
    max_iters: Optional[int]
    active: bool = True  # False: by_epoch=True never updates in 0.x runners

    def lr(self, base: float, i: int) -> float:
        if not self.active:
            return base
        c = self.cfg
        if self.policy == "Step":
            step = c.get("step")
            gamma = c.get("gamma", 0.1)
            if isinstance(step, int):
                exp = i // step
            else:
                exp = sum(1 for s in step if s <= i)
            lr = base * gamma ** exp
            if c.get("min_lr") is not None:
                lr = max(lr, c["min_lr"])
        elif self.policy == "Linear":
            # mmgen LinearLrUpdaterHook.get_lr (mmgen/core/scheduler/lr_updater.py)
            start = c.get("start", 0)
            interval = c.get("interval", 1)
            target = c.get("target_lr", 0)
            if self.max_iters == start:
                lr = base
            else:
                factor = (max(0, i - start) // interval) / (
                    (self.max_iters - start) // interval)
                lr = base + (target - base) * factor
        else:  # Fixed
            lr = base
        warmup = c.get("warmup")
        if warmup is not None and i < c.get("warmup_iters", 0):
            ratio = c.get("warmup_ratio", 0.1)
            w_iters = c["warmup_iters"]
            if warmup == "constant":
                lr = lr * ratio
            elif warmup == "linear":
                lr = lr * (1 - (1 - i / w_iters) * (1 - ratio))
            else:  # exp
                lr = lr * ratio ** (1 - i / w_iters)
        return lr

    def change_points(self, limit: int) -> List[int]:
        """Iterations < limit where lr differs from the previous iteration."""
        if not self.active:
            return []
        c = self.cfg
        pts = set()
        if self.policy == "Step":
            step = c.get("step")
            if isinstance(step, int):
                pts.update(range(step, limit, step))
            else:
                pts.update(s for s in step if 0 < s < limit)
        elif self.policy == "Linear":
            start, interval = c.get("start", 0), c.get("interval", 1)
            pts.update(range(max(start, 1), limit, interval))
        if c.get("warmup") is not None:
            pts.update(range(1, min(c.get("warmup_iters", 0) + 1, limit)))
        return sorted(pts)


def parse_legacy_lr(lr_config, total_iters, path) -> Tuple[Optional[LegacyLrPolicy], List[str], List[str]]:
    """Return (policy or None, unsupported reasons, notes)."""
    if not lr_config:
        return None, [], []
    cfg = dict(_as_dict(lr_config, "lr_config", path))
    policy = cfg.pop("policy", None)
    if policy is None:
        raise VerifyInputError("`lr_config` has no `policy`", path)
    # mmcv capitalises all-lowercase policy names ('step' -> 'Step').
    name = policy.title() if policy == policy.lower() else policy
    by_epoch = cfg.pop("by_epoch", True)
    unsupported, notes = [], []
    if by_epoch:
        if cfg.get("warmup") is not None:
            unsupported.append(
                "0.x lr_config with by_epoch=True and warmup is not replayed "
                "(mmcv would read an lr that DynamicIterBasedRunner never sets)")
            return None, unsupported, notes
        notes.append(
            f"0.x lr_config policy {policy!r} has by_epoch=True: 0.x iteration "
            "runners never call before_train_epoch, so the lr stays constant "
            "(docs/semantics.md §1.1); replayed as a constant lr")
        return LegacyLrPolicy(name, cfg, total_iters, active=False), unsupported, notes
    if name not in ("Step", "Linear", "Fixed"):
        unsupported.append(f"0.x lr_config policy {policy!r} is not replayed "
                           "(supported: Step, Linear, Fixed)")
        return None, unsupported, notes
    if name == "Step":
        step = cfg.get("step")
        if not (isinstance(step, int) and step > 0) and not (
                isinstance(step, (list, tuple)) and all(isinstance(s, int) for s in step)):
            raise VerifyInputError(f"lr_config step={step!r} is not an int or a list of ints", path)
    if name == "Linear" and total_iters is None:
        unsupported.append("0.x lr_config policy 'Linear' needs total_iters, which the config lacks")
        return None, unsupported, notes
    if cfg.get("warmup") not in (None, "constant", "linear", "exp"):
        unsupported.append(f"0.x lr warmup {cfg.get('warmup')!r} is not replayed")
        return None, unsupported, notes
    if cfg.get("warmup_by_epoch"):
        unsupported.append("0.x lr warmup_by_epoch=True is not replayed")
        return None, unsupported, notes
    return LegacyLrPolicy(name, cfg, total_iters), unsupported, notes


# --------------------------------------------------------------------------
# 0.x EMA hook (docs/semantics.md §3.1)
# --------------------------------------------------------------------------

@dataclass
class LegacyEma:
    module_keys: Tuple[str, ...]
    interval: int
    start_iter: int
    momentum: float
    momentum_nontrainable: float
    policy: str = "fixed"
    momentum_cfg: Dict[str, Any] = field(default_factory=dict)

    def momentum_at(self, i: int) -> float:
        """0.x weight on the *old* EMA at iteration i."""
        if self.policy == "rampup":
            c = self.momentum_cfg
            kimg, ramp = c.get("ema_kimg", 10), c.get("ema_rampup", 0.05)
            bs, eps = c.get("batch_size", 4), c.get("eps", 1e-8)
            nimg = kimg * 1000
            if ramp is not None:
                nimg = min(nimg, (i + 1) * bs * ramp)
            return 0.5 ** (bs / max(nimg, eps))
        return self.momentum


def parse_legacy_ema(custom_hooks, path) -> Tuple[Optional[LegacyEma], List[str]]:
    unsupported: List[str] = []
    hooks = [h for h in (custom_hooks or []) if isinstance(h, dict)
             and str(h.get("type", "")).split(".")[-1] == "ExponentialMovingAverageHook"]
    if not hooks:
        return None, unsupported
    if len(hooks) > 1:
        unsupported.append("more than one 0.x ExponentialMovingAverageHook is not replayed")
    h = hooks[0]
    keys = h.get("module_keys", ("generator_ema",))
    keys = (keys,) if isinstance(keys, str) else tuple(keys)
    if h.get("interp_mode", "lerp") != "lerp":
        unsupported.append(f"0.x EMA interp_mode {h.get('interp_mode')!r} is not replayed")
    interp = dict(h.get("interp_cfg") or {})
    policy = h.get("momentum_policy", "fixed")
    if policy not in ("fixed", "rampup"):
        unsupported.append(f"0.x EMA momentum_policy {policy!r} is not replayed")
    ema = LegacyEma(
        module_keys=keys,
        interval=_num(h.get("interval", -1), "ExponentialMovingAverageHook.interval", path),
        start_iter=_num(h.get("start_iter", 0), "ExponentialMovingAverageHook.start_iter", path),
        momentum=float(interp.get("momentum", 0.999)),
        momentum_nontrainable=float(interp.get("momentum_nontrainable", 0.0)),
        policy=policy,
        momentum_cfg=dict(h.get("momentum_cfg") or {}),
    )
    return ema, unsupported


# --------------------------------------------------------------------------
# Specs
# --------------------------------------------------------------------------

@dataclass
class LegacySpec:
    source: str
    model_type: str
    family: str
    gen_key: str = "generator"
    disc_key: str = "discriminator"
    disc_steps: int = 1
    gen_steps: int = 1
    accumulation: int = 1
    disc_init_steps: int = 0
    optimizers: Dict[str, dict] = field(default_factory=dict)
    lr: Optional[LegacyLrPolicy] = None
    ema: Optional[LegacyEma] = None
    fp16: Optional[dict] = None
    total_iters: Optional[int] = None
    batch_size: Optional[int] = None
    singan: Dict[str, Any] = field(default_factory=dict)
    domains: Tuple[str, ...] = ()
    int_betas: List[str] = field(default_factory=list)
    unsupported: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)

    @property
    def gen_period(self) -> int:
        """Iterations between generator phases (docs/semantics.md §2.8)."""
        return self.disc_steps

    def schedule(self) -> dict:
        s = {"disc_steps": self.disc_steps}
        if self.family == REPLAY_CONDITIONAL:
            s.update(gen_steps=self.gen_steps,
                     batch_accumulation_steps=self.accumulation)
        if self.family == REPLAY_TRANSLATION:
            s.update(disc_init_steps=self.disc_init_steps)
        if self.family == REPLAY_SINGAN:
            s.update(generator_steps=self.gen_steps,
                     iters_per_scale=self.singan.get("iters_per_scale"))
        if self.ema:
            s["ema"] = dict(interval=self.ema.interval, start_iter=self.ema.start_iter,
                            momentum=self.ema.momentum,
                            momentum_nontrainable=self.ema.momentum_nontrainable,
                            policy=self.ema.policy)
        if self.lr:
            s["lr_config"] = dict(policy=self.lr.policy, **self.lr.cfg)
        if self.fp16:
            s["fp16_loss_scaler"] = self.fp16
        s["total_iters"] = self.total_iters
        return s


@dataclass
class ModernSpec:
    source: str
    model_type: str
    family: str
    gen_key: str = "generator"
    disc_key: str = "discriminator"
    discriminator_steps: Any = 1
    generator_steps: Any = 1
    disc_init_steps: int = 0
    constructor: Optional[str] = None
    wrappers: Dict[str, dict] = field(default_factory=dict)
    optim_wrapper: Dict[str, Any] = field(default_factory=dict)
    param_scheduler: Any = None
    ema_config: Optional[dict] = None
    max_iters: Optional[int] = None
    batch_size: Optional[int] = None
    singan: Dict[str, Any] = field(default_factory=dict)
    int_betas: List[str] = field(default_factory=list)
    unsupported: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)

    def accumulation(self, key: str) -> int:
        w = self.wrappers.get(key) or {}
        return w.get("accumulative_counts", 1)

    def amp(self, key: str) -> Optional[dict]:
        w = self.wrappers.get(key) or {}
        if str(w.get("type", "OptimWrapper")).split(".")[-1] == "AmpOptimWrapper":
            return {"loss_scale": w.get("loss_scale", "dynamic"), "dtype": w.get("dtype")}
        return None

    @property
    def gen_period(self) -> Optional[float]:
        """``Dk * Ad``: iterations between generator phases (docs/semantics.md §2.1)."""
        try:
            return self.discriminator_steps * self.accumulation(self.disc_key)
        except TypeError:
            return None

    def schedule(self) -> dict:
        s = {"discriminator_steps": self.discriminator_steps}
        if self.family != FLAVOUR_TRANSLATION:
            s["generator_steps"] = self.generator_steps
        else:
            s["disc_init_steps"] = self.disc_init_steps
        s["accumulative_counts"] = {k: self.accumulation(k) for k in self.wrappers}
        if self.ema_config is not None:
            s["ema_config"] = self.ema_config
        if self.param_scheduler is not None:
            s["param_scheduler"] = self.param_scheduler
        amp = {k: self.amp(k) for k in self.wrappers if self.amp(k)}
        if amp:
            s["amp"] = amp
        s["max_iters"] = self.max_iters
        return s


def looks_modern(cfg: dict) -> bool:
    return "optim_wrapper" in cfg or isinstance(cfg.get("train_cfg"), dict) and "max_iters" in cfg["train_cfg"]


def looks_legacy(cfg: dict) -> bool:
    return "optim_wrapper" not in cfg and ("optimizer" in cfg or "total_iters" in cfg)


def _model(cfg: dict, path: str) -> Tuple[dict, str]:
    if not isinstance(cfg, dict):
        raise VerifyInputError("config is not a dict", path)
    model = cfg.get("model")
    if not isinstance(model, dict):
        raise VerifyInputError("config has no `model` dict", path)
    mtype = model.get("type")
    if not isinstance(mtype, str):
        raise VerifyInputError("`model` has no `type`", path)
    return model, mtype.split(".")[-1]


def parse_legacy(cfg: dict, path: str) -> LegacySpec:
    model, mtype = _model(cfg, path)
    if looks_modern(cfg) and not looks_legacy(cfg):
        raise VerifyInputError(
            "this looks like a 1.x config (it has `optim_wrapper`/`train_cfg.max_iters`), "
            "but OLD must be the 0.x config; are OLD and NEW swapped?", path)
    family = LEGACY_FAMILIES.get(mtype, "unknown")
    spec = LegacySpec(source=path, model_type=mtype, family=family)
    replay = REPLAYS.get(family)
    if replay is None:
        spec.unsupported.append(f"0.x model type {mtype!r} has no replay (supported: "
                                + ", ".join(sorted(k for k, v in LEGACY_FAMILIES.items()
                                                   if REPLAYS[v].refused is None)) + ")")
        return spec
    if replay.refused is not None:
        spec.unsupported.append(replay.refused)
        return spec

    if family == REPLAY_TRANSLATION:
        spec.gen_key, spec.disc_key = "generators", "discriminators"
    train_cfg = dict(_as_dict(cfg.get("train_cfg"), "train_cfg", path))
    known = replay.train_keys
    ignored = sorted(k for k in train_cfg if k not in known)
    spec.total_iters = cfg.get("total_iters")
    if spec.total_iters is not None:
        spec.total_iters = _num(spec.total_iters, "total_iters", path)
    data = cfg.get("data")
    if isinstance(data, dict) and "samples_per_gpu" in data:
        spec.batch_size = data["samples_per_gpu"]

    d = _num(train_cfg.get("disc_steps", 1), "train_cfg.disc_steps", path)
    if d < 1:
        raise VerifyInputError(f"train_cfg.disc_steps must be >= 1, got {d}", path)
    spec.disc_steps = d
    if family == REPLAY_CONDITIONAL:
        spec.gen_steps = _num(train_cfg.get("gen_steps", 1), "train_cfg.gen_steps", path)
        spec.accumulation = _num(train_cfg.get("batch_accumulation_steps", 1),
                                 "train_cfg.batch_accumulation_steps", path)
        if spec.gen_steps < 1 or spec.accumulation < 1:
            raise VerifyInputError("train_cfg.gen_steps and batch_accumulation_steps must be >= 1", path)
    elif family == REPLAY_UNCONDITIONAL:
        for k in ("gen_steps", "batch_accumulation_steps"):
            if k in train_cfg:
                spec.notes.append(
                    f"0.x {mtype} ignores train_cfg.{k}={train_cfg[k]!r}: it trains "
                    "D every iteration and G once every disc_steps (docs/semantics.md §2.2)")
    elif family == REPLAY_TRANSLATION:
        spec.disc_init_steps = _num(train_cfg.get("disc_init_steps", 0), "train_cfg.disc_init_steps", path)
        domains = model.get("reachable_domains") or model.get("related_domains")
        if mtype == "CycleGAN":
            spec.domains = tuple(domains) if domains and len(domains) == 2 else ("a", "b")
        else:
            spec.domains = (model.get("default_domain") or "b",)
        if cfg.get("runner"):
            spec.notes.append("0.x translation model with a runner: iteration = runner.iter")
    elif family == REPLAY_SINGAN:
        _parse_legacy_singan(spec, cfg, model, train_cfg, path)
    for k in ignored:
        spec.notes.append(f"0.x {mtype} does not read train_cfg.{k}={train_cfg[k]!r}; it has no effect")

    # Optimizers: one per sub-module key (mmgen build_optimizers, docs/semantics.md §1.1).
    optimizer = cfg.get("optimizer")
    if family == REPLAY_SINGAN:
        if optimizer:
            spec.notes.append("0.x SinGAN ignores `optimizer`: it builds Adam(lr_g/lr_d, betas=(0.5, 0.999)) per stage")
    else:
        if not isinstance(optimizer, dict) or not optimizer:
            raise VerifyInputError("0.x config has no `optimizer` dict", path)
        if "type" in optimizer:
            spec.unsupported.append(
                "0.x `optimizer` is a single optimizer for the whole model; GAN "
                f"train_steps index optimizer[{spec.disc_key!r}] and would fail")
        else:
            for key, ocfg in optimizer.items():
                if not isinstance(ocfg, dict) or "type" not in ocfg:
                    raise VerifyInputError(f"optimizer.{key} has no `type`", path)
                if ocfg.get("paramwise_cfg"):
                    spec.unsupported.append(f"0.x optimizer.{key}.paramwise_cfg is not replayed")
                spec.optimizers[key] = _float_betas(dict(ocfg), f"optimizer.{key}", spec.int_betas)
            for key in (spec.gen_key, spec.disc_key):
                if key not in spec.optimizers:
                    raise VerifyInputError(f"0.x `optimizer` has no entry for {key!r}", path)
    if cfg.get("optimizer_config"):
        spec.notes.append("0.x optimizer_config is never registered for GANs (no OptimizerHook, docs/semantics.md §1.1)")

    # Runner, fp16.
    runner = cfg.get("runner")
    if isinstance(runner, dict):
        if runner.get("fp16_loss_scaler") is not None:
            spec.fp16 = dict(runner["fp16_loss_scaler"])
        if runner.get("type", "").split(".")[-1] == "DynamicIterBasedRunner" and not runner.get(
                "pass_training_status", False) and family in GAN_FAMILIES:
            spec.notes.append("0.x runner without pass_training_status: the model uses its "
                              "internal counter, equal to runner.iter on a fresh run")
    if cfg.get("apex_amp"):
        spec.unsupported.append("0.x apex_amp is not replayed (it needs NVIDIA apex)")
    if spec.fp16 is not None and MODEL_TYPES[mtype].family.takes_loss_scaler is False:
        spec.unsupported.append(
            f"0.x {mtype}.train_step does not accept loss_scaler: this fp16_loss_scaler "
            "config raises TypeError in 0.x (docs/semantics.md §5)")

    # lr policy, EMA.
    if family != REPLAY_SINGAN:
        lr, unsup, notes = parse_legacy_lr(cfg.get("lr_config"), spec.total_iters, path)
        spec.lr = lr
        spec.unsupported += unsup
        spec.notes += notes
    elif cfg.get("lr_config"):
        spec.notes.append("0.x SinGAN: lr_config is ignored by the replay; SinGAN steps its own "
                          "MultiStepLR(lr_scheduler_args)")
    ema, unsup = parse_legacy_ema(cfg.get("custom_hooks"), path)
    spec.unsupported += unsup
    if ema is not None:
        spec.ema = ema
        if family == REPLAY_TRANSLATION:
            spec.unsupported.append("an EMA hook on a 0.x translation model is not replayed")
        bad = [k for k in ema.module_keys if k[:-4] != spec.gen_key or not k.endswith("_ema")]
        if bad:
            spec.unsupported.append(f"0.x EMA module_keys {bad} are not replayed "
                                    f"(only {spec.gen_key + '_ema'!r})")
    elif family in GAN_FAMILIES and train_cfg.get("use_ema"):
        spec.notes.append("0.x train_cfg.use_ema=True without an ExponentialMovingAverageHook: "
                          "the EMA is never updated in 0.x (docs/semantics.md §3.1)")
    return spec


def _parse_legacy_singan(spec: LegacySpec, cfg: dict, model: dict, train_cfg: dict, path: str):
    spec.disc_steps = _num(train_cfg.get("disc_steps", 1), "train_cfg.disc_steps", path)
    spec.gen_steps = _num(train_cfg.get("generator_steps", 1), "train_cfg.generator_steps", path)
    ips = train_cfg.get("iters_per_scale")
    if ips is None:
        raise VerifyInputError("0.x SinGAN train_cfg has no iters_per_scale", path)
    gen = model.get("generator") or {}
    num_scales = gen.get("num_scales", model.get("num_scales"))
    if num_scales is None:
        raise VerifyInputError("0.x SinGAN: generator.num_scales is missing", path)
    spec.singan = dict(
        iters_per_scale=_num(ips, "train_cfg.iters_per_scale", path),
        num_scales=_num(num_scales, "generator.num_scales", path),
        lr_g=train_cfg.get("lr_g", 0.0005), lr_d=train_cfg.get("lr_d", 0.0005),
        lr_scheduler_args=train_cfg.get("lr_scheduler_args"),
        curr_scale=train_cfg.get("curr_scale", -1),
    )
    if spec.singan["curr_scale"] not in (-1, None):
        spec.unsupported.append("0.x SinGAN resuming from curr_scale != -1 is not replayed")


def parse_modern(cfg: dict, path: str) -> ModernSpec:
    model, mtype = _model(cfg, path)
    if looks_legacy(cfg) and not looks_modern(cfg):
        raise VerifyInputError(
            "this looks like a 0.x config (it has `optimizer`/`total_iters` and no "
            "`optim_wrapper`), but NEW must be the 1.x config; are OLD and NEW swapped?", path)
    family = MODERN_FAMILIES.get(mtype, "unknown")
    spec = ModernSpec(source=path, model_type=mtype, family=family)
    if family == "unknown":
        spec.unsupported.append(f"1.x model type {mtype!r} has no replay")
        return spec
    if family == FLAVOUR_PGGAN:
        spec.unsupported.append(
            "1.x PGGAN/StyleGANv1 is not replayed: per-scale wrappers from "
            "PGGANOptimWrapperConstructor and a shown_nkimg stage schedule (docs/semantics.md §2.3, §6.1)")
        return spec
    if family == FLAVOUR_TRANSLATION:
        spec.gen_key, spec.disc_key = "generators", "discriminators"

    spec.discriminator_steps = model.get("discriminator_steps", 1)
    spec.generator_steps = model.get("generator_steps", 1)
    for k, v in (("discriminator_steps", spec.discriminator_steps),
                 ("generator_steps", spec.generator_steps)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and not math.isfinite(v)):
            raise VerifyInputError(f"model.{k} must be a number, got {v!r}", path)
    if family == FLAVOUR_TRANSLATION:
        spec.disc_init_steps = _num(model.get("disc_init_steps", 0), "model.disc_init_steps", path)
        if "generator_steps" in model:
            spec.notes.append("1.x translation models have no generator_steps loop; the key is ignored")
    if family == FLAVOUR_SINGAN:
        spec.singan = dict(
            iters_per_scale=model.get("iters_per_scale"),
            num_scales=model.get("num_scales"),
            lr_scheduler_args=model.get("lr_scheduler_args"),
        )
        if spec.singan["iters_per_scale"] is None or spec.singan["num_scales"] is None:
            raise VerifyInputError("1.x SinGAN model needs iters_per_scale and num_scales", path)

    ema = model.get("ema_config", model.get("ema_confg") if family == FLAVOUR_SINGAN else None)
    if ema is not None:
        if not isinstance(ema, dict):
            raise VerifyInputError("model.ema_config must be a dict", path)
        spec.ema_config = copy.deepcopy(ema)
        if family == FLAVOUR_TRANSLATION:
            spec.notes.append("1.x translation models take no ema_config")

    ow = cfg.get("optim_wrapper")
    if not isinstance(ow, dict) or not ow:
        raise VerifyInputError("1.x config has no `optim_wrapper` dict", path)
    spec.optim_wrapper = copy.deepcopy(ow)
    spec.constructor = ow.get("constructor")
    for key, w in ow.items():
        if key in ("constructor", "paramwise_cfg"):
            continue
        if isinstance(w, dict):
            w = dict(w)
            if isinstance(w.get("optimizer"), dict):
                w["optimizer"] = _float_betas(dict(w["optimizer"]), f"optim_wrapper.{key}.optimizer",
                                              spec.int_betas)
            spec.wrappers[key] = w
    spec.param_scheduler = copy.deepcopy(cfg.get("param_scheduler"))
    train_cfg = cfg.get("train_cfg")
    if isinstance(train_cfg, dict):
        if train_cfg.get("by_epoch", False) is True or train_cfg.get("type") == "EpochBasedTrainLoop":
            spec.unsupported.append("1.x epoch-based train_cfg is not replayed")
        if "max_iters" in train_cfg:
            spec.max_iters = _num(train_cfg["max_iters"], "train_cfg.max_iters", path)
    dl = cfg.get("train_dataloader")
    if isinstance(dl, dict) and "batch_size" in dl:
        spec.batch_size = dl["batch_size"]
    for h in cfg.get("custom_hooks") or []:
        if isinstance(h, dict) and str(h.get("type", "")).split(".")[-1] in (
                "ExponentialMovingAverageHook", "EMAHook"):
            spec.unsupported.append(
                f"1.x custom_hooks {h.get('type')!r} is not replayed (GANs average "
                "through model.ema_config)")
    return spec


# --------------------------------------------------------------------------
# Pairing and default iteration count
# --------------------------------------------------------------------------

def pairing_problem(legacy: LegacySpec, modern: ModernSpec) -> Optional[str]:
    lf, mf = legacy.family, modern.family
    replay = REPLAYS.get(lf)
    if replay is not None and mf in replay.pairs_with:
        if replay.same_type and legacy.model_type != modern.model_type:
            return f"0.x {legacy.model_type} and 1.x {modern.model_type} are different {lf} models"
        return None
    return (f"cannot compare 0.x {legacy.model_type} ({lf}) with 1.x "
            f"{modern.model_type} ({mf}): different model families")


EMA_NEAR = 512       # EMA starts closer than this are covered by default
LR_NEAR = 512        # so are lr changes
DEFAULT_CAP = 1024   # default iteration cap


def default_iterations(legacy: LegacySpec, modern: ModernSpec) -> Tuple[int, List[str]]:
    """Iterations to replay when the user gives none, and coverage notes.

    At least two full generator cycles (three, rounded to whole cycles),
    the EMA start and first lr change when they are near, never more than
    the configured training length.
    """
    notes: List[str] = []
    periods = [legacy.gen_period, legacy.accumulation]
    mp = modern.gen_period
    if isinstance(mp, (int, float)) and mp > 0:
        periods.append(math.ceil(mp))
    for k in modern.wrappers:
        a = modern.accumulation(k)
        if isinstance(a, int) and a > 0:
            periods.append(a)
    cycle = max(periods)
    if legacy.family == REPLAY_SINGAN:
        ips = legacy.singan.get("iters_per_scale") or 1
        n = legacy.disc_steps * ips * 2 + legacy.disc_steps
        cycle = legacy.disc_steps
        n = max(n, 12)
    else:
        n = max(24, 3 * cycle)
    if legacy.family == REPLAY_TRANSLATION:
        n = max(n, legacy.disc_init_steps + 3 * cycle)
    # EMA start.
    ema_points = []
    if legacy.ema is not None:
        iv = max(legacy.ema.interval, 1)
        ema_points.append(legacy.ema.start_iter + 2 * iv + cycle)
    if modern.ema_config is not None and isinstance(mp, (int, float)) and mp > 0:
        start = modern.ema_config.get("start_iter", 0)
        iv = modern.ema_config.get("interval", 1)
        if isinstance(start, (int, float)) and isinstance(iv, (int, float)):
            ema_points.append(math.ceil(start * mp + 2 * iv * mp + cycle))
    for p in ema_points:
        # Far starts are covered by the schedule-only EMA replay (emacheck.py).
        if p - 3 * cycle <= EMA_NEAR:
            n = max(n, p)
    # First lr change (0.x side; the 1.x side is checked by the schedule replay).
    if legacy.lr is not None:
        pts = legacy.lr.change_points(LR_NEAR + 1)
        if pts:
            n = max(n, pts[0] + 2 * cycle)
    if n > DEFAULT_CAP:
        notes.append(f"default window capped at {DEFAULT_CAP} iterations")
        n = DEFAULT_CAP
    # Whole generator cycles.
    if n % cycle:
        n += cycle - n % cycle
    limits = [x for x in (legacy.total_iters, modern.max_iters) if isinstance(x, int) and x > 0]
    if legacy.family == REPLAY_SINGAN:
        limits = [x for x in (legacy.total_iters and legacy.total_iters * legacy.disc_steps,
                              modern.max_iters) if isinstance(x, int) and x > 0]
    if limits and n > min(limits):
        n = min(limits)
        notes.append(f"window limited to the configured training length ({n} iterations)")
    return n, notes
