"""Schedule-only EMA replay beyond the training window.

Real configs start their EMA late (BigGAN: iteration 160000), far beyond a
window worth training. Which iterations average, and with what weight,
depends only on the control flow, so both schedules are replayed here
without training: the 0.x hook's own decision (``LegacyEmaHook.decide``)
every iteration, and on the 1.x side the same ``ModernGAN`` generator-phase
test and EMA block as in training, calling the real averaged model on a
tiny generator (so its ``steps`` counter and ``interval`` decide, as in
MMEngine).
"""
from __future__ import annotations

import math
from collections import defaultdict
from typing import Optional, Tuple

from .spec import LegacySpec, ModernSpec

EMA_CHECK_CAP_ITERS = 2_000_000
EMA_CHECK_CAP_CALLS = 100_000


def ema_check_limit(legacy: LegacySpec, modern: ModernSpec) -> int:
    """Enough iterations to see both EMA starts and three intervals after."""
    P = modern.gen_period or 1
    e0, cfg = legacy.ema, modern.ema_config or {}
    s1, i1 = cfg.get("start_iter", 0), cfg.get("interval", 1)
    ends = [e0.start_iter + 3 * max(e0.interval, 1)]
    if isinstance(s1, (int, float)) and isinstance(i1, (int, float)):
        ends.append(math.ceil(s1 * P + 3 * i1 * P))
    limit = max(ends) + math.ceil(max(P, legacy.gen_period))
    for cap in (legacy.total_iters, modern.max_iters):
        if isinstance(cap, int) and cap > 0:
            limit = min(limit, cap)
    return min(limit, EMA_CHECK_CAP_ITERS, int(EMA_CHECK_CAP_CALLS * max(P, 1)))


def check_ema_beyond(legacy: LegacySpec, modern: ModernSpec, start: int, limit: int, init,
                     cmp) -> Tuple[int, Optional[str]]:
    """Compare EMA events in ``[start, limit)``; returns (checked_until, problem)."""
    from .compare import ema_event_differences
    from .legacy import LegacyEmaHook
    from .modern import ModernBuildError, ModernGAN, ModernUnsupported, _watch_ema, build_ema
    from .surrogate import SurrogateGAN
    from .trace import EmaEvent

    if limit <= start:
        return start, None
    model = SurrogateGAN("gan", modern.gen_key, modern.disc_key)
    model.load_state_dict(init)
    gen = model.gen
    try:
        ema, ema_start = build_ema(modern, gen)
    except (ModernBuildError, ModernUnsupported) as e:
        return start, str(e)
    events_new = defaultdict(list)
    current = [0]

    class _Sink:
        @staticmethod
        def ema_event(kind, weight=None):
            if current[0] >= start:
                events_new[current[0]].append(EmaEvent(kind, weight))

    _watch_ema(ema, _Sink)
    # Copies (sync_parameters / sync_buffers) never change which later calls
    # average (only update_parameters advances ``steps``); skip their tensor
    # work here, keep the event.
    ema.sync_parameters = lambda model: _Sink.ema_event("copy")
    ema.sync_buffers = lambda model: None
    flow = ModernGAN(modern, model, None, ema, ema_start)
    hook = LegacyEmaHook(legacy.ema, None)
    disc_accu = modern.accumulation(modern.disc_key)
    events_old = defaultdict(list)
    margin = 3 * math.ceil(max(legacy.ema.interval, 1,
                               (modern.ema_config or {}).get("interval", 1) * (modern.gen_period or 1)))
    i = 0
    while i < limit:
        what = hook.decide(i)
        if what is not None and what[0] == "avg" and i >= start:
            events_old[i].append(EmaEvent("avg", 1.0 - what[1]))
        if flow.is_generator_phase(i, disc_accu):
            current[0] = i
            flow.ema_after_generator(i, disc_accu, gen)
        if i >= start and bool(events_old.get(i)) != any(
                e.kind in ("avg", "first") for e in events_new.get(i, ())):
            limit = min(limit, i + margin + 1)  # first mismatch found: a little context, then stop
        i += 1
    its = sorted(set(events_old) | set(events_new))
    if its:
        ema_event_differences(legacy, modern, lambda i: events_old.get(i, []),
                              lambda i: events_new.get(i, []), its, cmp,
                              where=" (schedule-only replay beyond the training window)")
    return limit, None
