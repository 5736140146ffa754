"""Compare the two traces; say where they differ and, in words, why.

Observations come first (what the runs did); each is followed by a
diagnosis naming the config keys that explain it, derived from the
conversion rules of docs/semantics.md §3, §7, §8.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import torch

from ..families import REPLAY_CONDITIONAL, REPLAY_SINGAN, REPLAY_TRANSLATION
from .result import Difference, Timeline
from .spec import LegacySpec, ModernSpec
from .trace import Trace


def _fmt(x) -> str:
    if isinstance(x, bool) or x is None:
        return str(x)
    if isinstance(x, float):
        if x.is_integer() and abs(x) < 1e9:
            return str(int(x))
        return f"{x:.6g}"
    if isinstance(x, (tuple, list)):
        return "(" + ", ".join(_fmt(v) for v in x) + ")"
    return str(x)


def _iters(xs: Sequence[int], limit: int = 8) -> str:
    xs = list(xs)
    if not xs:
        return "none"
    s = ", ".join(str(x) for x in xs[:limit])
    return s + (", …" if len(xs) > limit else "")


def _close(a: float, b: float, rel: float = 1e-6) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-15)


@dataclass
class Comparison:
    differences: List[Difference] = field(default_factory=list)
    not_verified: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    timelines: Dict[str, Timeline] = field(default_factory=dict)
    parameters: Dict[str, dict] = field(default_factory=dict)
    optimizers: Dict[str, dict] = field(default_factory=dict)
    steps: Dict[str, dict] = field(default_factory=dict)
    ema_events: Dict[str, list] = field(default_factory=dict)

    def add(self, kind, message, iteration=None, module=None, known=False, old=None, new=None):
        self.differences.append(Difference(kind, message, iteration, module, known, old, new))

    @property
    def first_difference(self) -> Optional[int]:
        its = [d.iteration for d in self.differences if d.iteration is not None]
        return min(its) if its else None


# ---------------------------------------------------------------------------
# Static comparisons (no training needed)
# ---------------------------------------------------------------------------

def compare_static(legacy: LegacySpec, modern: ModernSpec, cmp: Comparison, amp_runnable: bool):
    # Training length (SinGAN: one 0.x iteration = Dk 1.x iterations, docs/semantics.md §2.4).
    if legacy.total_iters is not None and modern.max_iters is not None:
        want = legacy.total_iters
        if legacy.family == REPLAY_SINGAN and isinstance(modern.discriminator_steps, int):
            want = legacy.total_iters * modern.discriminator_steps
        if want != modern.max_iters:
            extra = (f" (SinGAN: total_iters × discriminator_steps = {want})"
                     if legacy.family == REPLAY_SINGAN else "")
            cmp.add("training-length",
                    f"training length: 0.x total_iters={legacy.total_iters}, 1.x "
                    f"train_cfg.max_iters={modern.max_iters}; expected {want}{extra}",
                    old=legacy.total_iters, new=modern.max_iters)
    if legacy.batch_size is not None and modern.batch_size is not None and \
            legacy.batch_size != modern.batch_size:
        cmp.add("batch-size",
                f"batch size: 0.x data.samples_per_gpu={legacy.batch_size}, 1.x "
                f"train_dataloader.batch_size={modern.batch_size}",
                old=legacy.batch_size, new=modern.batch_size)
    # AMP mapping (docs/semantics.md §5, §8.18).
    amp_keys = [k for k in modern.wrappers if modern.amp(k)]
    if legacy.fp16 is None and amp_keys:
        cmp.add("amp", f"1.x uses AmpOptimWrapper for {', '.join(amp_keys)} but the 0.x config has "
                "no fp16_loss_scaler: 1.x trains in mixed precision, 0.x did not",
                old=None, new={k: modern.amp(k) for k in amp_keys})
    elif legacy.fp16 is not None:
        for key in (modern.disc_key, modern.gen_key):
            a = modern.amp(key)
            if a is None:
                cmp.add("amp", f"0.x uses fp16_loss_scaler={legacy.fp16} but 1.x "
                        f"optim_wrapper.{key} is not an AmpOptimWrapper: the loss scaler was dropped",
                        module=key, old=legacy.fp16, new=None)
                continue
            ls = a["loss_scale"]
            if isinstance(ls, bool) or isinstance(ls, int):
                cmp.add("amp", f"optim_wrapper.{key}.loss_scale={ls!r} is an int: MMEngine's "
                        "AmpOptimWrapper raises TypeError; use loss_scale="
                        f"dict(init_scale={legacy.fp16.get('init_scale', ls)})", module=key,
                        old=legacy.fp16, new=ls)
            elif isinstance(ls, float):
                cmp.add("amp", f"optim_wrapper.{key}.loss_scale={ls!r} is a static scale, but 0.x "
                        f"fp16_loss_scaler={legacy.fp16} is a dynamic GradScaler; use "
                        f"loss_scale=dict({', '.join(f'{k}={v!r}' for k, v in legacy.fp16.items())})",
                        module=key, old=legacy.fp16, new=ls)
            elif ls == "dynamic":
                if legacy.fp16.get("init_scale", 65536.0) != 65536.0 or len(legacy.fp16) > 1:
                    cmp.add("amp", f"optim_wrapper.{key}.loss_scale='dynamic' uses GradScaler "
                            f"defaults, but 0.x used GradScaler(**{legacy.fp16})", module=key,
                            old=legacy.fp16, new=ls)
            elif isinstance(ls, dict) and dict(ls) != dict(legacy.fp16):
                cmp.add("amp", f"optim_wrapper.{key}.loss_scale={dict(ls)} differs from 0.x "
                        f"fp16_loss_scaler={legacy.fp16}", module=key, old=legacy.fp16, new=dict(ls))
    if (legacy.fp16 is not None or amp_keys) and not amp_runnable:
        cmp.not_verified.append(
            "AMP (fp16_loss_scaler / AmpOptimWrapper) is not verifiable on CPU: the loss-scaled "
            "runs need CUDA (MMEngine's AmpOptimWrapper asserts it). The schedule was replayed in "
            "fp32 on both sides and the loss-scaler settings were compared as config only")
    elif legacy.fp16 is not None and amp_keys:
        cmp.notes.append(
            "AMP replayed on CUDA: 0.x shares one GradScaler updated once per iteration; 1.x has one "
            "per wrapper updated after each step and autocasts the forward (docs/semantics.md §5), so "
            "parameters are compared with a relaxed tolerance")


# ---------------------------------------------------------------------------
# Expected 1.x values for the 0.x schedule (docs/semantics.md §7, §8.1-2)
# ---------------------------------------------------------------------------

def expected(legacy: LegacySpec) -> dict:
    if legacy.family == REPLAY_CONDITIONAL:
        A = legacy.accumulation
        return dict(A=A, Dk=legacy.disc_steps / A, Gk=legacy.gen_steps, P=legacy.disc_steps)
    if legacy.family == REPLAY_SINGAN:
        return dict(A=1, Dk=legacy.disc_steps, Gk=legacy.gen_steps, P=legacy.disc_steps)
    return dict(A=1, Dk=legacy.disc_steps, Gk=1, P=legacy.disc_steps)


def _diagnose_steps(legacy: LegacySpec, modern: ModernSpec, module: str, kind: str) -> List[str]:
    e = expected(legacy)
    out = []
    Ad, Ag = modern.accumulation(modern.disc_key), modern.accumulation(modern.gen_key)
    Dk, Gk = modern.discriminator_steps, modern.generator_steps
    P = modern.gen_period
    d, A = legacy.disc_steps, e["A"]
    if module == modern.disc_key:
        if Ad != A:
            if legacy.family == REPLAY_CONDITIONAL:
                out.append(f"optim_wrapper.{module}.accumulative_counts={Ad}, but 0.x steps the "
                           f"discriminator after {A} backward pass{'es' if A != 1 else ''} "
                           f"(batch_accumulation_steps={A}); set accumulative_counts={A}")
            else:
                out.append(f"optim_wrapper.{module}.accumulative_counts={Ad}, but 0.x "
                           f"{legacy.model_type} steps the discriminator every iteration "
                           "(no accumulation); set accumulative_counts=1")
        if legacy.family == REPLAY_SINGAN and Dk != d:
            out.append(f"model.discriminator_steps={_fmt(Dk)}, but 0.x runs disc_steps={d} "
                       "discriminator steps per round")
        return out
    # generator
    if kind == "steps":
        if P is not None and legacy.family != REPLAY_SINGAN and not _close(float(P), float(e["P"])):
            msg = (f"model.discriminator_steps={_fmt(Dk)} × optim_wrapper.{modern.disc_key}."
                   f"accumulative_counts={Ad} = {_fmt(P)}: 1.x runs the generator phase every "
                   f"{_fmt(P)} iterations, 0.x every disc_steps={d} iterations")
            if legacy.family == REPLAY_CONDITIONAL and A > 1 and d % A != 0 and Ad == A and Dk == d // A:
                msg += (f"; discriminator_steps = disc_steps // batch_accumulation_steps = {d}//{A} "
                        f"is the integer rule, which is wrong when {A} does not divide {d}: use the "
                        f"fractional discriminator_steps = {d}/{A} = {_fmt(d / A)}")
            elif Ad == A:
                msg += f"; expected discriminator_steps = {_fmt(e['Dk'])}"
            else:
                msg += (f"; expected discriminator_steps = {_fmt(e['Dk'])} with "
                        f"accumulative_counts={A}")
            out.append(msg)
        if Gk != e["Gk"]:
            src = "gen_steps" if legacy.family == REPLAY_CONDITIONAL else (
                "generator_steps" if legacy.family == REPLAY_SINGAN else f"{legacy.model_type} (one G step)")
            out.append(f"model.generator_steps={_fmt(Gk)}, but 0.x takes {e['Gk']} generator "
                       f"step{'s' if e['Gk'] != 1 else ''} per phase ({src})")
        if legacy.family == REPLAY_TRANSLATION and d > 1:
            out.append(f"0.x {legacy.model_type} trains G when i % {d} == 0, 1.x when "
                       f"(i+1) % {_fmt(P)} == 0: no 1.x setting reproduces the 0.x phase "
                       "(docs/semantics.md §2.6)")
        if legacy.family == REPLAY_TRANSLATION and modern.disc_init_steps != legacy.disc_init_steps:
            out.append(f"model.disc_init_steps={modern.disc_init_steps}, 0.x "
                       f"disc_init_steps={legacy.disc_init_steps}")
    if kind == "steps" and Ag != A and not out:
        out.append(f"optim_wrapper.{module}.accumulative_counts={Ag} changes the number of "
                   f"generator steps per phase (expected {A})")
    if kind == "passes" and Ag != A:
        out.append(f"optim_wrapper.{module}.accumulative_counts={Ag}, but 0.x feeds each "
                   f"generator step with {A} backward pass{'es' if A != 1 else ''} "
                   f"(batch_accumulation_steps={A}); set accumulative_counts={A}"
                   if legacy.family == REPLAY_CONDITIONAL else
                   f"optim_wrapper.{module}.accumulative_counts={Ag}, but 0.x "
                   f"{legacy.model_type} takes one pass per generator step; set it to 1")
    return out


# ---------------------------------------------------------------------------
# Trace comparison
# ---------------------------------------------------------------------------

STEP_CHARS = "·:S23456789"


def _step_char(mi) -> str:
    n = len(mi.steps)
    if n == 0:
        return ":" if mi.backward else "·"
    return "S" if n == 1 else (str(n) if n < 10 else "+")


def _ema_char(events) -> str:
    kinds = [e.kind for e in events]
    for k, c in (("avg", "a"), ("copy", "c"), ("first", "c"), ("skip", "s")):
        if k in kinds:
            return c
    return "·"


def _marks(n: int, its) -> str:
    its = set(its)
    return "".join("^" if i in its else " " for i in range(n)).rstrip()


def _with_crash(row: str, trace: Trace, n: int) -> str:
    if trace.crash is not None and trace.crash.iteration is not None and trace.crash.iteration < n:
        row = row[:trace.crash.iteration] + "x"
    return row


def compare_traces(legacy: LegacySpec, modern: ModernSpec, old: Trace, new: Trace, n: int,
                   cmp: Comparison, amp: bool) -> None:
    rtol, atol = (1e-2, 1e-3) if amp else (1e-5, 1e-6)
    # --- crashes -----------------------------------------------------------
    if old.crash is not None:
        where = ("while building it" if old.crash.iteration is None
                 else f"at iteration {old.crash.iteration}")
        cmp.not_verified.append(f"the 0.x replay fails {where}: {old.crash.error}; the 0.x "
                                "config cannot train as written, so there is nothing to match")
    if new.crash is not None:
        if new.crash.iteration is None:
            cmp.add("crash", f"the 1.x config cannot be built: {new.crash.error}", iteration=0)
        else:
            msg = f"1.x train_step raises at iteration {new.crash.iteration}: {new.crash.error}"
            if "ZeroDivision" in new.crash.error or "modulo by zero" in new.crash.error:
                msg += (f" (model.discriminator_steps={_fmt(modern.discriminator_steps)}: "
                        "discriminator_steps × accumulative_counts is the modulus of the generator "
                        "phase")
                e = expected(legacy)
                if legacy.family == REPLAY_CONDITIONAL and legacy.disc_steps < legacy.accumulation:
                    msg += (f"; disc_steps // batch_accumulation_steps = {legacy.disc_steps}//"
                            f"{legacy.accumulation} = 0; use the fractional discriminator_steps = "
                            f"{_fmt(e['Dk'])}")
                msg += ")"
            cmp.add("crash", msg, iteration=new.crash.iteration)
    # --- optimizer hyper-parameters ------------------------------------------
    def first_step(module):
        """Where a hyper-parameter difference first acts: the first step."""
        for t in (old, new):
            for r in t.records:
                if r.modules[module].steps:
                    return r.iteration
        return None

    for module in (modern.disc_key, modern.gen_key):
        o, w = old.optimizers.get(module), new.optimizers.get(module)
        cmp.optimizers[module] = {"old": o, "new": w}
        if o is None or w is None:
            continue
        if o["type"] != w["type"]:
            cmp.add("optimizer", f"{module} optimizer type: 0.x {o['type']}, 1.x {w['type']}",
                    iteration=first_step(module), module=module, old=o["type"], new=w["type"])
        if len(o["groups"]) != len(w["groups"]):
            cmp.add("optimizer", f"{module} optimizer has {len(o['groups'])} param groups in 0.x, "
                    f"{len(w['groups'])} in 1.x", module=module)
            continue
        for gi, (go, gw) in enumerate(zip(o["groups"], w["groups"])):
            for key in sorted(set(go) | set(gw), key=lambda k: (k != "lr", k)):
                vo, vw = go.get(key), gw.get(key)
                same = vo == vw
                if not same and isinstance(vo, (int, float)) and isinstance(vw, (int, float)):
                    same = _close(float(vo), float(vw), 1e-12)
                if not same and isinstance(vo, tuple) and isinstance(vw, tuple) and len(vo) == len(vw):
                    same = all(_close(a, b, 1e-12) for a, b in zip(vo, vw))
                if not same:
                    grp = f" (param group {gi})" if len(o["groups"]) > 1 else ""
                    cmp.add("optimizer", f"{module} optimizer {key}{grp}: 0.x {_fmt(vo)}, "
                            f"1.x {_fmt(vw)} (optim_wrapper.{module}.optimizer.{key})",
                            iteration=first_step(module), module=module, old=vo, new=vw)
    m = min(len(old.records), len(new.records))
    if m == 0:
        return
    modules = (modern.disc_key, modern.gen_key)
    # --- steps and passes --------------------------------------------------
    for module in modules:
        step_diff, pass_diff = [], []
        for i in range(m):
            so = old.records[i].modules[module].steps
            sn = new.records[i].modules[module].steps
            if len(so) != len(sn):
                step_diff.append(i)
            elif [s.passes for s in so] != [s.passes for s in sn]:
                pass_diff.append(i)
        old_steps = [i for i in range(m) for _ in old.records[i].modules[module].steps]
        new_steps = [i for i in range(m) for _ in new.records[i].modules[module].steps]
        cmp.steps[module] = {
            side: [[r.iteration, e.passes] for r in t.records for e in r.modules[module].steps]
            for side, t in (("old", old), ("new", new))}
        if step_diff:
            i0 = step_diff[0]
            hints = _diagnose_steps(legacy, modern, module, "steps")
            known = legacy.family == REPLAY_TRANSLATION and legacy.disc_steps > 1 and module == modern.gen_key \
                and modern.gen_period == legacy.disc_steps
            msg = (f"{module} optimizer steps differ from iteration {i0}: 0.x steps at "
                   f"{_iters(sorted(set(old_steps)))} ({len(old_steps)} steps), 1.x at "
                   f"{_iters(sorted(set(new_steps)))} ({len(new_steps)} steps)")
            if hints:
                msg += ". " + "; ".join(hints)
            cmp.add("steps", msg, iteration=i0, module=module, known=known,
                    old=len(old_steps), new=len(new_steps))
        if pass_diff:
            i0 = pass_diff[0]
            po = [s.passes for s in old.records[i0].modules[module].steps]
            pn = [s.passes for s in new.records[i0].modules[module].steps]
            hints = _diagnose_steps(legacy, modern, module, "passes")
            msg = (f"{module}: backward passes per step differ from iteration {i0}: 0.x "
                   f"{_plural(po)}, 1.x {_plural(pn)}")
            if hints:
                msg += ". " + "; ".join(hints)
            cmp.add("passes", msg, iteration=i0, module=module, old=po, new=pn)
        # lr at each step, where the iteration records carry no lr (SinGAN's
        # per-stage optimizers).
        lr_step_diff = []
        if module not in old.records[0].lrs:
            for i in range(m):
                so = old.records[i].modules[module].steps
                sn = new.records[i].modules[module].steps
                if len(so) == len(sn) and not all(
                        len(a.lrs) == len(b.lrs) and all(_close(x, y) for x, y in zip(a.lrs, b.lrs))
                        for a, b in zip(so, sn)):
                    lr_step_diff.append(i)
        if lr_step_diff:
            i0 = lr_step_diff[0]
            a = [e.lrs[0] for e in old.records[i0].modules[module].steps]
            b = [e.lrs[0] for e in new.records[i0].modules[module].steps]
            cmp.add("lr", f"{module} lr at its steps differs from iteration {i0}: 0.x "
                    f"{_fmt(tuple(a))}, 1.x {_fmt(tuple(b))}. " + _lr_hint(legacy, modern),
                    iteration=i0, module=module, old=a, new=b)
        marks = step_diff + pass_diff + lr_step_diff
        n_old, n_new = len(old.records), len(new.records)
        cmp.timelines[module] = Timeline(
            module,
            _with_crash("".join(_step_char(r.modules[module]) for r in old.records), old, n_old),
            _with_crash("".join(_step_char(r.modules[module]) for r in new.records), new, n_new),
            _marks(m, marks))
    # --- SinGAN stages ---------------------------------------------------------
    stage_diff = [i for i in range(m) if old.records[i].stage != new.records[i].stage]
    if any(r.stage is not None for r in old.records[:m]):
        if stage_diff:
            i0 = stage_diff[0]
            so = [i for i in range(m) if i == 0 or old.records[i].stage != old.records[i - 1].stage]
            sn = [i for i in range(m) if i == 0 or new.records[i].stage != new.records[i - 1].stage]
            cmp.add("steps", f"SinGAN stages start at different iterations: 0.x at {_iters(so)}, 1.x at "
                    f"{_iters(sn)} (0.x iteration units); 0.x iters_per_scale="
                    f"{legacy.singan.get('iters_per_scale')}, 1.x model.iters_per_scale="
                    f"{modern.singan.get('iters_per_scale')}", iteration=i0, module="stage")
        cmp.timelines["stage"] = Timeline(
            "stage", "".join(str(r.stage % 10) if r.stage is not None else "·" for r in old.records),
            "".join(str(r.stage % 10) if r.stage is not None else "·" for r in new.records),
            _marks(m, stage_diff))
    # --- lr ------------------------------------------------------------------
    _compare_lr(legacy, modern, old, new, m, cmp)
    # --- EMA -----------------------------------------------------------------
    _compare_ema(legacy, modern, old, new, m, cmp, rtol, atol)
    # --- parameters ------------------------------------------------------------
    schedule_diff = any(d.kind in ("steps", "passes", "lr", "optimizer", "crash")
                        for d in cmp.differences)
    for module in modules:
        so, sn = old.snapshots.get(module, []), new.snapshots.get(module, [])
        k = min(len(so), len(sn))
        first = next((i for i in range(k) if not torch.allclose(so[i], sn[i], rtol=rtol, atol=atol)), None)
        fo, fn = old.final.get(module, {}), new.final.get(module, {})
        if fo and fn and old.crash is None and new.crash is None:
            diff = max(float((fo[key] - fn[key]).abs().max()) for key in fo if key in fn)
            ok = all(torch.allclose(fo[key], fn[key], rtol=rtol, atol=atol) for key in fo if key in fn)
            cmp.parameters[module] = {"allclose": ok, "max_abs_diff": diff}
        if first is not None and not schedule_diff:
            cmp.add("parameters", f"{module} parameters diverge from iteration {first} although "
                    "the step schedule matches: the loss scaling or optimizer state differs",
                    iteration=first, module=module)


def _plural(passes: List[int]) -> str:
    if not passes:
        return "no step"
    if len(set(passes)) == 1:
        p = passes[0]
        return f"{p} backward pass{'es' if p != 1 else ''} per step" + (
            f" ({len(passes)} steps)" if len(passes) > 1 else "")
    return "passes per step " + ", ".join(map(str, passes))


def _compare_lr(legacy, modern, old: Trace, new: Trace, m: int, cmp: Comparison):
    keys = [k for k in (modern.disc_key, modern.gen_key)
            if k in old.records[0].lrs and k in new.records[0].lrs]
    for k in keys:
        lo = [old.records[i].lrs[k] for i in range(m)]
        ln = [new.records[i].lrs[k] for i in range(m)]
        diff = [i for i in range(m) if len(lo[i]) != len(ln[i])
                or not all(_close(a, b) for a, b in zip(lo[i], ln[i]))]
        changes = any(lo[i] != lo[i - 1] for i in range(1, m)) or any(ln[i] != ln[i - 1] for i in range(1, m))
        if changes or diff:
            cmp.timelines[f"lr {k}"] = Timeline(f"lr {k}", _lr_row(lo), _lr_row(ln), _marks(m, diff))
        base_diff = any(d.kind == "optimizer" and d.module == k and "optimizer lr" in d.message
                        for d in cmp.differences)
        if diff and base_diff and lo[0][0] and all(
                len(a) == len(b) and all(_close(y / x, ln[0][0] / lo[0][0]) for x, y in zip(a, b) if x)
                for a, b in zip(lo, ln)):
            continue  # the base lr differs (reported above); the schedule itself matches
        if diff:
            i0 = diff[0]
            known, why = _lr_known(legacy, modern, lo, ln, diff)
            msg = (f"{k} lr differs from iteration {i0}: 0.x {_fmt(lo[i0][0])}, 1.x {_fmt(ln[i0][0])}"
                   f" ({len(diff)} of {m} iterations differ)")
            msg += ". " + (why or _lr_hint(legacy, modern))
            cmp.add("lr", msg, iteration=i0, module=k, known=known, old=lo[i0][0], new=ln[i0][0])


def _lr_row(lrs) -> str:
    out = []
    for i, v in enumerate(lrs):
        if i == 0 or _close(v[0], lrs[i - 1][0]):
            out.append("·")
        else:
            out.append("↓" if v[0] < lrs[i - 1][0] else "↑")
    return "".join(out)


def _scheduler_types(modern: ModernSpec) -> List[str]:
    s = modern.param_scheduler
    if not s:
        return []
    if isinstance(s, dict) and "type" not in s:
        s = [c for v in s.values() for c in (v if isinstance(v, (list, tuple)) else [v])]
    s = s if isinstance(s, (list, tuple)) else [s]
    return [str(c.get("type", "")).split(".")[-1] for c in s if isinstance(c, dict)]


def _lr_known(legacy, modern, lo, ln, diff) -> Tuple[bool, str]:
    """LinearLrInterval lags one iteration and glitches at ``begin`` (docs/semantics.md §4)."""
    if not (legacy.lr is not None and legacy.lr.policy == "Linear"
            and "LinearLrInterval" in _scheduler_types(modern)):
        return False, ""
    unexplained = [i for i in diff if not (i > 0 and _close(ln[i][0], lo[i - 1][0]))]
    if len(unexplained) <= 1:
        return True, ("MMagic's LinearLrInterval reads the iteration that just finished, so every "
                      "decay lands one iteration late, and it multiplies the lr by start_factor for "
                      "one iteration at `begin`; no 1.x setting reproduces 0.x's Linear policy "
                      "exactly (docs/semantics.md §4)")
    return False, ""


def _lr_hint(legacy: LegacySpec, modern: ModernSpec) -> str:
    types_ = _scheduler_types(modern)
    if legacy.lr is None or not legacy.lr.active:
        if types_:
            return f"0.x has a constant lr, 1.x has param_scheduler {types_}"
        return "lr differs"
    if not types_:
        return f"0.x lr_config policy {legacy.lr.policy!r} has no 1.x param_scheduler"
    c = legacy.lr.cfg
    s = modern.param_scheduler
    flat = s if isinstance(s, dict) and "type" in s else None
    if legacy.lr.policy == "Step" and flat is not None and flat.get("type") == "MultiStepLR":
        bits = []
        step = c.get("step")
        if isinstance(step, (list, tuple)) and list(flat.get("milestones", [])) != list(step):
            bits.append(f"param_scheduler milestones={list(flat.get('milestones', []))}, 0.x "
                        f"lr_config step={list(step)}")
        if not _close(flat.get("gamma", 0.1), c.get("gamma", 0.1)):
            bits.append(f"param_scheduler gamma={flat.get('gamma', 0.1)}, 0.x gamma={c.get('gamma', 0.1)}")
        if flat.get("begin", 0) != 0:
            bits.append(f"param_scheduler begin={flat.get('begin')} shifts the milestones")
        if bits:
            return "; ".join(bits)
    return (f"0.x lr_config policy {legacy.lr.policy!r} ({', '.join(f'{k}={v!r}' for k, v in c.items())}) "
            f"vs 1.x param_scheduler {types_}")


def _compare_ema(legacy: LegacySpec, modern: ModernSpec, old: Trace, new: Trace, m: int,
                 cmp: Comparison, rtol, atol):
    has_old, has_new = legacy.ema is not None, modern.ema_config is not None
    if not has_old and not has_new:
        return
    if legacy.family in (REPLAY_TRANSLATION, REPLAY_SINGAN):
        return  # reported as not verified / notes by the spec
    if has_old != has_new:
        if has_old:
            cmp.add("ema", "0.x averages the generator into generator_ema (ExponentialMovingAverageHook), "
                    "but the 1.x config has no model.ema_config", iteration=None)
        else:
            cmp.add("ema", "1.x has model.ema_config, but the 0.x config has no "
                    "ExponentialMovingAverageHook (its generator_ema is never updated)")
        return
    ev_o = [old.records[i].ema for i in range(m)]
    ev_n = [new.records[i].ema for i in range(m)]
    for side, t in (("old", old), ("new", new)):
        cmp.ema_events[side] = [[r.iteration, e.kind] + ([e.weight] if e.weight is not None else [])
                                for r in t.records for e in r.ema]
    cmp.timelines["generator_ema"] = Timeline(
        "generator_ema", "".join(_ema_char(e) for e in ev_o), "".join(_ema_char(e) for e in ev_n))
    avg_o, avg_n, event_diff, weight_diff = ema_event_differences(
        legacy, modern, lambda i: ev_o[i], lambda i: ev_n[i], range(m), cmp)
    cmp.timelines["generator_ema"].marks = _marks(m, event_diff + weight_diff)
    # Values: EMA params per iteration, buffers at the end.
    so, sn = old.snapshots.get("ema", []), new.snapshots.get("ema", [])
    k = min(len(so), len(sn))
    first = next((i for i in range(k) if not torch.allclose(so[i], sn[i], rtol=rtol, atol=atol)), None)
    fo, fn = old.final.get("ema", {}), new.final.get("ema", {})
    if fo and fn and old.crash is None and new.crash is None:
        bad_buf = [key for key in fo if key in fn and "running" in key
                   and not torch.allclose(fo[key], fn[key], rtol=rtol, atol=atol)]
        diff = max(float((fo[key] - fn[key]).abs().max()) for key in fo if key in fn)
        cmp.parameters["generator_ema"] = {
            "allclose": all(torch.allclose(fo[key], fn[key], rtol=rtol, atol=atol) for key in fo if key in fn),
            "max_abs_diff": diff}
        bo, bn = old.snapshots.get("ema_buffers", []), new.snapshots.get("ema_buffers", [])
        avg_its = [i for i in range(min(m, len(bo), len(bn))) if avg_o[i] or avg_n[i]]
        buf_first = next((i for i in avg_its
                          if not torch.allclose(bo[i], bn[i], rtol=rtol, atol=atol)), None)
        if bad_buf and not event_diff and not weight_diff and not any(
                d.kind in ("steps", "passes", "lr", "optimizer", "crash") for d in cmp.differences):
            e0, cfg = legacy.ema, modern.ema_config or {}
            want = e0.momentum_nontrainable != 0
            got = bool(cfg.get("update_buffers", False))
            hint = ""
            if want != got:
                hint = (f": 0.x momentum_nontrainable={_fmt(e0.momentum_nontrainable)} "
                        f"{'averages' if want else 'copies'} buffers, so set "
                        f"model.ema_config.update_buffers={want}")
            where = (f"from iteration {buf_first}" if buf_first is not None else "at the end")
            cmp.add("ema", f"EMA buffers ({', '.join(bad_buf)}) differ {where}{hint}",
                    module="generator_ema", iteration=buf_first)
    if first is not None and not event_diff and not weight_diff and not any(
            d.kind in ("steps", "passes", "lr", "optimizer", "crash", "parameters") for d in cmp.differences):
        cmp.add("ema", f"EMA parameters differ from iteration {first} although averaging events "
                "match: the EMA copies (before start) happen at different generator states",
                iteration=first, module="generator_ema")


def ema_event_differences(legacy: LegacySpec, modern: ModernSpec, events_old, events_new, its,
                          cmp: Comparison, where: str = ""):
    """Compare EMA average events over iterations ``its``; add differences.

    ``events_old(i)`` / ``events_new(i)`` list the ``EmaEvent`` of iteration
    ``i``. Copies are not compared one by one (0.x copies every iteration
    before ``start_iter``, 1.x only in generator phases, and the generator
    only changes in those); the averages, and their weights, are.
    """
    its = list(its)
    avg_o = {i: [e.weight for e in events_old(i) if e.kind == "avg"] for i in its}
    avg_n = {i: [e.weight for e in events_new(i) if e.kind == "avg"] for i in its}
    # 1.x's first update_parameters call is a hard copy (weight 1 on the new
    # value). Where 0.x averages at that iteration with a weight that is 1 to
    # within float precision (rampup starts at β≈1e-6), the two are the same.
    first_copy = {}
    for i in its:
        if any(e.kind == "first" for e in events_new(i)) and avg_o[i]:
            if all(_close(w, 1.0, 1e-5) for w in avg_o[i]):
                avg_n[i] = list(avg_o[i])
            else:
                first_copy[i] = True
    event_diff = [i for i in its if len(avg_o[i]) != len(avg_n[i])]
    P = modern.gen_period or 1
    cfg = modern.ema_config or {}
    e0 = legacy.ema
    # 0.x interval=1 with P > 1 has no exact 1.x form (docs/semantics.md §3.3); the
    # best conversion averages once per phase with momentum 1 - m0**P.
    compensated = e0.interval == 1 and P != 1 and e0.policy == "fixed"
    target = (lambda w: 1 - (1 - w) ** P) if compensated else (lambda w: w)
    event_set = set(event_diff)
    weight_diff = [i for i in its if i not in event_set and not all(
        _close(target(a), b, 1e-6) for a, b in zip(avg_o[i], avg_n[i]))]
    if event_diff:
        i0 = event_diff[0]
        io = [i for i in its if avg_o[i]]
        inn = [i for i in its if avg_n[i]]
        msg = (f"EMA averaging differs from iteration {i0}{where}: 0.x averages at {_iters(io)} "
               f"({len(io)} times), 1.x at {_iters(inn)} ({len(inn)} times)")
        known = False
        if event_diff == [i0] and i0 in first_copy and e0.start_iter == 0:
            known = True
            msg += (f". At iteration {i0} 1.x makes its first update_parameters call, which is a hard "
                    "copy, while 0.x (start_iter=0) already averages; no 1.x setting reproduces this "
                    "(docs/semantics.md §3.2)")
        elif e0.interval == 1 and P != 1:
            known = True
            msg += (f". 0.x interval=1 averages every iteration, but 1.x averages once per generator "
                    f"phase (every {_fmt(P)} iterations): no 1.x schedule has the same event count; "
                    f"the values match at cycle ends only with momentum = 1 − m0**{_fmt(P)} = "
                    f"{_fmt(1 - e0.momentum ** P)} (docs/semantics.md §3.3)")
            if e0.policy == "fixed" and _close(float(cfg.get("momentum", 0.0002)),
                                               1 - e0.momentum ** P, 1e-6):
                msg += "; model.ema_config.momentum already uses that compensation"
        else:
            s1, i1 = cfg.get("start_iter", 0), cfg.get("interval", 1)
            P0 = expected(legacy)["P"]
            want_s, want_i = e0.start_iter / P0, e0.interval / P0
            if _close(float(s1), want_s) and _close(float(i1), want_i) and not _close(float(P), P0):
                msg += (f". model.ema_config start_iter={_fmt(s1)}, interval={_fmt(i1)} are the right "
                        "conversion, but 1.x counts them in generator phases, whose period differs "
                        f"({_fmt(P)} iterations instead of {P0}; see the generator steps difference)")
            else:
                msg += (f". 0.x counts start_iter={e0.start_iter} and interval={e0.interval} in "
                        f"iterations; 1.x counts model.ema_config start_iter and interval in generator "
                        f"phases (every {P0} iterations in 0.x): expected start_iter={_fmt(want_s)}, "
                        f"interval={_fmt(want_i)}, got start_iter={_fmt(s1)}, interval={_fmt(i1)}")
        cmp.add("ema", msg, iteration=i0, module="generator_ema", known=known,
                old=len(io), new=len(inn))
    if weight_diff:
        i0 = weight_diff[0]
        wo, wn = avg_o[i0][0], avg_n[i0][0]
        m0 = 1 - wo
        m1 = cfg.get("momentum", 0.0002)
        msg = (f"EMA momentum differs (first average at iteration {i0}{where}): 0.x puts weight "
               f"{_fmt(wo)} on the new value (interp_cfg.momentum={_fmt(m0)} weighs the old EMA), "
               f"1.x puts {_fmt(wn)}")
        if cfg.get("type", "ExponentialMovingAverage").split(".")[-1] == "ExponentialMovingAverage":
            if "momentum" not in cfg:
                msg += (f"; model.ema_config has no momentum, so the 1.x default 0.0002 applies: write "
                        f"momentum={_fmt(1 - m0)} explicitly")
            elif _close(float(m1), m0, 1e-9):
                msg += (f"; model.ema_config.momentum={_fmt(m1)} was not inverted: 1.x momentum is the "
                        f"weight of the new value, use 1 − {_fmt(m0)} = {_fmt(1 - m0)}")
            else:
                msg += f"; expected model.ema_config.momentum = 1 − {_fmt(m0)} = {_fmt(1 - m0)}"
        cmp.add("ema-momentum", msg, iteration=i0, module="generator_ema", old=wo, new=wn)
    return avg_o, avg_n, event_diff, weight_diff
