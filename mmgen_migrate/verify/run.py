"""Orchestration: parse both configs, replay both sides, compare, decide.

Imported lazily by ``verify_configs`` (this module needs torch).
"""
from __future__ import annotations

import contextlib
import logging
import time
import warnings
from typing import List, Optional

import torch

from ..families import REPLAY_CONDITIONAL, REPLAY_SINGAN, REPLAY_UNCONDITIONAL, REPLAYS
from .compare import Comparison, _fmt, compare_static, compare_traces
from .errors import VerifyInputError
from .legacy import run_legacy
from .emacheck import check_ema_beyond, ema_check_limit
from .lrcheck import LR_CHECK_CAP, first_lr_difference, lr_changes
from .modern import (ModernUnsupported, aggregate_rounds, run_modern)
from .result import DIFFERENT, EQUIVALENT, NOT_VERIFIED, VerifyResult
from .spec import (LegacySpec, ModernSpec, default_iterations, pairing_problem, parse_legacy,
                   parse_modern)
from .surrogate import Streams, SurrogateGAN, initial_state

KIND_ORDER = ("crash", "steps", "passes", "optimizer", "lr", "ema", "ema-momentum",
              "noise-weights", "amp", "training-length", "batch-size", "parameters")


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda":
        if not torch.cuda.is_available():
            raise VerifyInputError("--device cuda was requested but CUDA is not available")
        return torch.device("cuda")
    if device == "cpu":
        return torch.device("cpu")
    raise VerifyInputError(f"unknown device {device!r} (use auto, cpu or cuda)")


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: List[str] = []

    def emit(self, record):
        self.messages.append(" ".join(record.getMessage().split()))


@contextlib.contextmanager
def quiet_mmengine():
    """Keep MMEngine's log lines and Python warnings off stdout/stderr.

    MMEngine's ``print_log(logger='current')`` goes to the current MMLogger
    (which writes to stdout); a private current logger with a capturing
    handler keeps ``--format json`` output clean and turns warnings into notes.
    """
    from mmengine.logging import MMLogger

    name = f"mmgen_migrate.verify.log.{id(object())}"
    logger = MMLogger.get_instance(name, logger_name=name, log_level="WARNING")
    for h in list(logger.handlers):
        logger.removeHandler(h)
    cap = _Capture()
    logger.addHandler(cap)
    logger.propagate = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # Expected whenever the first iteration only accumulates gradients
        # (GAN accumulation, generator not stepped yet): not worth a note.
        warnings.filterwarnings("ignore", message=".*scheduler.step.*before.*optimizer.step")
        try:
            yield cap.messages
        finally:
            MMLogger._instance_dict.pop(name, None)
            for w in caught:
                cap.messages.append(" ".join(str(w.message).split()))


def _not_verified(legacy: Optional[LegacySpec], modern: Optional[ModernSpec], reasons, notes, dev,
                  seed, t0) -> VerifyResult:
    return VerifyResult(
        verdict=NOT_VERIFIED, reasons=list(reasons), not_verified=list(reasons), notes=list(notes),
        old=_side(legacy), new=_side(modern), device=dev.type, seed=seed,
        elapsed_s=time.perf_counter() - t0)


def _side(spec) -> dict:
    if spec is None:
        return {}
    return {"source": spec.source, "model_type": spec.model_type, "family": spec.family,
            "schedule": spec.schedule()}


def run_verification(old_cfg: dict, new_cfg: dict, old_src: str, new_src: str,
                     iters: Optional[int], device: str, seed: int, t0: float) -> VerifyResult:
    legacy = parse_legacy(old_cfg, old_src)
    replay = REPLAYS.get(legacy.family)
    if replay is not None and replay.refused is not None:
        # nothing of the 0.x side is replayed, whatever NEW holds (a config
        # whose model 1.x cannot train keeps its 0.x settings: MOD005)
        return _not_verified(legacy, None, legacy.unsupported, legacy.notes, resolve_device(device), seed, t0)
    modern = parse_modern(new_cfg, new_src)
    dev = resolve_device(device)
    notes = legacy.notes + modern.notes
    fatal = legacy.unsupported + modern.unsupported
    pp = pairing_problem(legacy, modern) if not fatal else None
    if pp:
        fatal.append(pp)
    if fatal:
        return _not_verified(legacy, modern, fatal, notes, dev, seed, t0)

    if legacy.int_betas or modern.int_betas:
        try:
            torch.optim.Adam([torch.zeros(1, requires_grad=True)], betas=(0, 0.9))
        except (ValueError, TypeError) as e:
            notes.append(f"{', '.join(legacy.int_betas + modern.int_betas)}: an int inside betas is "
                         f"rejected by the installed torch {torch.__version__} ({e}); both replays "
                         "used floats. Write e.g. 0. instead of 0 to train with this torch")
    n, cov_notes = default_iterations(legacy, modern)
    if iters is not None:
        n = iters
    notes += cov_notes
    amp_configured = legacy.fp16 is not None or any(modern.amp(k) for k in modern.wrappers)
    amp = dev.type == "cuda" and amp_configured

    singan = legacy.family == REPLAY_SINGAN
    per_round = 1
    if singan:
        Dk = modern.discriminator_steps
        if not isinstance(Dk, int) or Dk < 1:
            return _not_verified(legacy, modern, [
                f"1.x SinGAN discriminator_steps={Dk!r} is not a positive integer"], notes, dev, seed, t0)
        per_round = Dk
        rounds = max(1, n // legacy.disc_steps) if iters is None else n
        n_old, n_new = rounds, rounds * per_round
    else:
        n_old = n_new = n

    model = SurrogateGAN(legacy.family, legacy.gen_key, legacy.disc_key, legacy.domains,
                         legacy.singan.get("num_scales", 0))
    init = initial_state(model, seed)
    streams = Streams(seed, dev, torch.float32 if amp else torch.float64)
    cmp = Comparison()
    with quiet_mmengine() as logged:
        old_trace = run_legacy(legacy, n_old, init, streams, dev, amp)
        try:
            new_trace = run_modern(modern, n_new, init, streams, dev, amp, legacy.domains,
                                   legacy.singan.get("num_scales", 0))
        except ModernUnsupported as e:
            return _not_verified(legacy, modern, [str(e)], notes, dev, seed, t0)
        new_trace = aggregate_rounds(new_trace, per_round)
        compare_static(legacy, modern, cmp, amp_runnable=dev.type == "cuda")
        compare_traces(legacy, modern, old_trace, new_trace, n_old, cmp, amp)
        coverage = {"iterations": n_old, "configured": {"old": legacy.total_iters,
                                                        "new": modern.max_iters}}
        if singan:
            coverage["unit"] = f"0.x iteration (= {per_round} 1.x iterations)"
            _singan_known(legacy, modern, cmp)
        # lr beyond the window: schedule-only replay over the whole run.
        if (not singan and lr_changes(legacy, modern) and old_trace.crash is None
                and new_trace.crash is None and not any(d.kind == "lr" for d in cmp.differences)):
            total = max(x for x in (legacy.total_iters, modern.max_iters, n_old) if x)
            lr_diff, checked = first_lr_difference(legacy, modern, n_old, total, init)
            coverage["lr_checked_until"] = n_old + checked
            if total > LR_CHECK_CAP:
                notes.append(f"lr schedules compared up to iteration {LR_CHECK_CAP} of {total}")
            if lr_diff is not None:
                _add_long_lr_difference(legacy, modern, cmp, lr_diff)
        elif not singan:
            coverage["lr_checked_until"] = n_old
        # EMA beyond the window: schedule-only replay up to the EMA start.
        if (legacy.family in (REPLAY_CONDITIONAL, REPLAY_UNCONDITIONAL) and legacy.ema is not None
                and modern.ema_config is not None and old_trace.crash is None
                and new_trace.crash is None
                and not any(d.kind.startswith("ema") for d in cmp.differences)):
            limit = ema_check_limit(legacy, modern)
            if limit > n_old:
                until, problem = check_ema_beyond(legacy, modern, n_old, limit, init, cmp)
                coverage["ema_checked_until"] = until
                if problem is None:
                    notes.append(f"EMA events after the {n_old}-iteration training window were "
                                 f"compared schedule-only (no training) up to iteration {until}")
            else:
                coverage["ema_checked_until"] = n_old
    notes += cmp.notes
    notes = _dedupe(notes + old_trace.warnings + new_trace.warnings + logged)

    diffs = sorted(cmp.differences, key=lambda d: (KIND_ORDER.index(d.kind) if d.kind in KIND_ORDER
                                                     else len(KIND_ORDER), d.iteration or 0))
    if diffs:
        verdict = DIFFERENT
        reasons = [d.message + (" [known difference: no exact 1.x equivalent]" if d.known else "")
                   for d in diffs]
    elif cmp.not_verified:
        verdict, reasons = NOT_VERIFIED, list(cmp.not_verified)
    else:
        verdict = EQUIVALENT
        reasons = [f"same optimizer steps, backward passes per step, lr and EMA events in all "
                   f"{n_old} iterations; optimizer hyper-parameters equal; final parameters allclose"]
    return VerifyResult(
        verdict=verdict, reasons=reasons,
        first_difference=cmp.first_difference,
        timelines=cmp.timelines, differences=diffs, not_verified=cmp.not_verified, notes=notes,
        old=_side(legacy), new=_side(modern), iterations=n_old, device=dev.type, seed=seed,
        optimizers=cmp.optimizers, parameters=cmp.parameters, coverage=coverage,
        steps=cmp.steps, ema_events=cmp.ema_events,
        elapsed_s=time.perf_counter() - t0)


def _add_long_lr_difference(legacy, modern, cmp: Comparison, d: dict):
    from .compare import _lr_hint

    msg = (f"{d['module']} lr differs from iteration {d['iteration']} (schedule-only replay beyond "
           f"the training window): 0.x {_fmt(d['old'])}, 1.x {_fmt(d['new'])}")
    if d["known"]:
        msg += (". Elsewhere the 1.x lr equals the 0.x lr of the previous iteration: MMagic's "
                "LinearLrInterval reads the iteration that just finished, so every decay lands one "
                "iteration late, and it multiplies the lr by start_factor for one iteration at "
                "`begin`; no 1.x setting reproduces 0.x's Linear policy exactly (docs/semantics.md §4)")
    else:
        msg += ". " + _lr_hint(legacy, modern)
    cmp.add("lr", msg, iteration=d["iteration"], module=d["module"], known=d["known"],
            old=d["old"], new=d["new"])


def _singan_known(legacy: LegacySpec, modern: ModernSpec, cmp: Comparison):
    if legacy.singan.get("num_scales", 0) >= 1:
        ips = legacy.singan["iters_per_scale"]
        cmp.add("noise-weights",
                f"SinGAN noise weights: 0.x computes the next scale's noise weight after the first "
                f"round of each stage (0.x iterations 0, {ips}, …), 1.x after the last "
                f"(1.x iterations {ips * modern.discriminator_steps - 1}, …), from a differently "
                "trained generator; no 1.x setting reproduces it (docs/semantics.md §2.4). The surrogate "
                "has no noise weights, so this is reported from the config", iteration=0,
                known=True)


def _dedupe(msgs: List[str]) -> List[str]:
    seen, out = set(), []
    for m in msgs:
        if m and m not in seen:
            seen.add(m)
            out.append(m)
    return out[:20]
