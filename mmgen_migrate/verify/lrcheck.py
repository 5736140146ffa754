"""Schedule-only lr replay over the whole configured run.

Training is replayed for a short window; lr milestones are often far
beyond it. Stepping schedulers costs microseconds, so here both lr
schedules are replayed over the whole run without training: the 0.x lr
is mmcv's absolute function of the iteration, the 1.x lr comes from the
real MMEngine schedulers (stepped by ``ParamSchedulerHook`` after each
iteration, with MessageHub ``'iter'`` set as the Runner sets it).
"""
from __future__ import annotations

import math
import os
import warnings
from typing import Dict, Optional, Tuple

from ..families import FLAVOUR_TRANSLATION
from .spec import LegacySpec, ModernSpec

LR_CHECK_CAP = 300_000


def lr_changes(legacy: LegacySpec, modern: ModernSpec) -> bool:
    return legacy.lr is not None and legacy.lr.active or bool(modern.param_scheduler)


def first_lr_difference(legacy: LegacySpec, modern: ModernSpec, start: int, limit: int, init,
                        rel: float = 1e-6) -> Tuple[Optional[dict], int]:
    """First iteration in ``[start, limit)`` where the lr schedules differ.

    Returns ``(difference or None, iterations checked)``. ``difference`` has
    ``iteration, module, group, old, new``.
    """
    from mmengine.hooks import ParamSchedulerHook
    from mmengine.logging import MessageHub

    from .modern import _RunnerStub, build_schedulers, build_wrappers, _counter
    from .surrogate import SurrogateGAN

    limit = min(limit, LR_CHECK_CAP)
    if limit <= start:
        return None, 0
    model = SurrogateGAN("translation" if modern.family == FLAVOUR_TRANSLATION else "gan",
                         modern.gen_key, modern.disc_key, legacy.domains)
    model.load_state_dict(init)
    owd = build_wrappers(modern, model, amp=False)
    hub_name = f"mmgen_migrate.verify.lr.{os.getpid()}.{next(_counter)}"
    hub = MessageHub.get_instance(hub_name)
    try:
        # No optimizer steps here, by design: silence "scheduler.step() before
        # optimizer.step()" from the schedulers.
        warnings.filterwarnings("ignore", message=".*scheduler.step.*before.*optimizer.step",
                                category=UserWarning)
        schedulers = build_schedulers(modern, owd, modern.max_iters, [])
        base: Dict[str, list] = {k: [float(c.get("lr", 0.0))] for k, c in legacy.optimizers.items()}
        hook, stub = ParamSchedulerHook(), _RunnerStub(schedulers or None)
        keys = [k for k in owd.keys() if k in base]
        groups = {k: owd[k].optimizer.param_groups for k in keys}
        # Linear -> LinearLrInterval (docs/semantics.md §4): the 1.x lr of iteration i
        # is the 0.x lr of i-1, except one glitch iteration at ``begin``. Such
        # a lag is a known difference; anything else is a real one.
        from .modern import LinearLrInterval
        begins = {s.begin for lst in schedulers.values() for s in lst
                  if isinstance(s, LinearLrInterval)}
        lagged = bool(begins) and legacy.lr is not None and legacy.lr.policy == "Linear"
        first_raw = None

        def old_lr(k, i):
            return legacy.lr.lr(base[k][0], i) if legacy.lr is not None else base[k][0]

        for i in range(limit):
            hub.update_info("iter", i)
            if i >= start:
                for k in keys:
                    for gi, g in enumerate(groups[k]):
                        old, new = old_lr(k, i), float(g["lr"])
                        if math.isclose(old, new, rel_tol=rel, abs_tol=1e-15):
                            continue
                        diff = dict(iteration=i, module=k, group=gi, old=old, new=new, known=False)
                        if not lagged:
                            return diff, i - start + 1
                        if first_raw is None:
                            first_raw = dict(diff, known=True)
                        if i not in begins and not (i > 0 and math.isclose(
                                old_lr(k, i - 1), new, rel_tol=rel, abs_tol=1e-15)):
                            return diff, i - start + 1
            hook.after_train_iter(stub, i)
        return first_raw, limit - start
    finally:
        MessageHub._instance_dict.pop(hub_name, None)
