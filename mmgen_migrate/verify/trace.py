"""What one replay observed, iteration by iteration, and how it is observed.

The ``Recorder`` instruments real ``torch.optim`` optimizer instances
(``step``/``zero_grad``) and counts backward passes with a
post-accumulate-grad hook on one parameter of each module (docs/semantics.md §9),
so both replays are measured the same way whatever drives them
(0.x-style loops or MMEngine's ``OptimWrapper``).
"""
from __future__ import annotations

import types
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn


@dataclass
class StepEvent:
    passes: int                    # backward passes accumulated into this step
    lrs: Tuple[float, ...]         # lr of each param group when it stepped


@dataclass
class ModuleIter:
    backward: int = 0
    steps: List[StepEvent] = field(default_factory=list)


@dataclass
class EmaEvent:
    kind: str                      # 'copy' | 'avg' | 'skip'
    weight: Optional[float] = None  # weight on the *new* value for 'avg'


@dataclass
class IterRecord:
    iteration: int
    modules: Dict[str, ModuleIter] = field(default_factory=dict)
    lrs: Dict[str, Tuple[float, ...]] = field(default_factory=dict)
    ema: List[EmaEvent] = field(default_factory=list)
    stage: Optional[int] = None    # SinGAN: the scale being trained


@dataclass
class Crash:
    iteration: Optional[int]       # None: while building
    error: str


@dataclass
class Trace:
    side: str
    module_names: Tuple[str, ...] = ()
    records: List[IterRecord] = field(default_factory=list)
    optimizers: Dict[str, dict] = field(default_factory=dict)   # hyper-params at build
    snapshots: Dict[str, List[torch.Tensor]] = field(default_factory=dict)
    final: Dict[str, Dict[str, torch.Tensor]] = field(default_factory=dict)
    crash: Optional[Crash] = None
    warnings: List[str] = field(default_factory=list)
    has_ema: bool = False


def optimizer_info(opt: torch.optim.Optimizer) -> dict:
    """Type and per-group hyper-parameters, as the optimizer was built."""
    groups = []
    for g in opt.param_groups:
        h = {}
        for k, v in g.items():
            if k == "params" or k.startswith("initial_") or k in (
                    "foreach", "capturable", "differentiable", "fused"):
                continue
            if isinstance(v, (list, tuple)):
                v = tuple(float(x) for x in v)
            elif isinstance(v, torch.Tensor):
                v = float(v)
            h[k] = v
        h["num_params"] = sum(p.numel() for p in g["params"])
        groups.append(h)
    return {"type": type(opt).__name__, "groups": groups}


def flat(module: nn.Module, buffers: bool = False) -> torch.Tensor:
    ts = [p.detach().reshape(-1) for p in module.parameters()]
    if buffers:
        ts += [b.detach().reshape(-1) for b in module.buffers() if b.dtype.is_floating_point]
    if not ts:
        return torch.zeros(0, dtype=torch.float64)
    return torch.cat([t.double().cpu() for t in ts])


class Recorder:
    """Collects a ``Trace`` from instrumented optimizers and modules."""

    def __init__(self, side: str, modules: Dict[str, nn.Module],
                 hook_params: Optional[Dict[str, List[torch.Tensor]]] = None):
        """``hook_params``: per module, the parameters whose gradient
        accumulation counts one backward pass (default: its first parameter;
        multi-stage modules pass one parameter per stage)."""
        self.trace = Trace(side=side, module_names=tuple(modules))
        self.modules = modules
        self.current: Optional[IterRecord] = None
        self._pending = {k: 0 for k in modules}      # passes since last zero_grad
        self._handles = []
        self._optim_owner: Dict[int, str] = {}
        for name, mod in modules.items():
            params = (hook_params or {}).get(name) or list(mod.parameters())[:1]
            for p in params:
                self._handles.append(p.register_post_accumulate_grad_hook(
                    self._backward_hook(name)))

    # -- instrumentation -------------------------------------------------
    def _backward_hook(self, name):
        def hook(_param):
            self._pending[name] += 1
            if self.current is not None:
                self.current.modules[name].backward += 1
        return hook

    def watch_optimizer(self, module_name: str, opt: torch.optim.Optimizer) -> None:
        """Record every real ``step`` and reset pass counts on ``zero_grad``.

        Installed as bound methods so torch/MMEngine schedulers that wrap
        ``optimizer.step`` (they use ``__func__``) keep working.
        """
        if getattr(opt, "_mmgen_migrate_watched", False):
            return
        opt._mmgen_migrate_watched = True
        orig_step, orig_zero = opt.step, opt.zero_grad
        rec = self

        def step(self_opt, *args, **kwargs):
            out = orig_step(*args, **kwargs)
            rec._on_step(module_name, self_opt)
            return out

        def zero_grad(self_opt, *args, **kwargs):
            rec._pending[module_name] = 0
            return orig_zero(*args, **kwargs)

        opt.step = types.MethodType(step, opt)
        opt.zero_grad = types.MethodType(zero_grad, opt)

    def _on_step(self, name: str, opt) -> None:
        lrs = tuple(float(g["lr"]) for g in opt.param_groups)
        ev = StepEvent(passes=self._pending[name], lrs=lrs)
        if self.current is not None:
            self.current.modules[name].steps.append(ev)

    def ema_event(self, kind: str, weight: Optional[float] = None) -> None:
        if self.current is not None:
            self.current.ema.append(EmaEvent(kind, weight))

    # -- iteration bookkeeping ------------------------------------------
    def begin(self, i: int, lrs: Dict[str, Tuple[float, ...]]) -> None:
        self.current = IterRecord(iteration=i, modules={k: ModuleIter() for k in self.modules},
                                  lrs=dict(lrs))

    def end(self, ema: Optional[nn.Module] = None) -> None:
        rec = self.current
        self.trace.records.append(rec)
        for name, mod in self.modules.items():
            self.trace.snapshots.setdefault(name, []).append(flat(mod))
        if ema is not None:
            self.trace.snapshots.setdefault("ema", []).append(flat(ema))
            self.trace.snapshots.setdefault("ema_buffers", []).append(
                torch.cat([b.detach().reshape(-1).double().cpu() for b in ema.buffers()
                           if b.dtype.is_floating_point] or [torch.zeros(0, dtype=torch.float64)]))
        self.current = None

    def crashed(self, iteration: Optional[int], exc: BaseException) -> None:
        if self.current is not None:
            self.trace.records.append(self.current)
            self.current = None
        msg = f"{type(exc).__name__}: {exc}".strip()
        self.trace.crash = Crash(iteration, " ".join(msg.split())[:300])

    def finish(self, ema: Optional[nn.Module] = None) -> Trace:
        for name, mod in self.modules.items():
            self.trace.final[name] = {k: v.detach().double().cpu().clone()
                                      for k, v in mod.state_dict().items()
                                      if v.dtype.is_floating_point}
        if ema is not None:
            self.trace.final["ema"] = {k: v.detach().double().cpu().clone()
                                       for k, v in ema.state_dict().items()
                                       if v.dtype.is_floating_point}
            self.trace.has_ema = True
        for h in self._handles:
            h.remove()
        return self.trace
