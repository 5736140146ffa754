"""``mmgen-migrate verify``: does a converted 1.x config train like the 0.x one?

Public API::

    verify_configs(old, new, *, iters=None, device="auto", seed=0) -> VerifyResult
    render_text(result, console) -> None
    VerifyResult, Difference, Timeline, VerifyInputError, TorchMissingError

``old``/``new`` are config paths or already-loaded effective config dicts.
The verifier replays the 0.x training control flow on one side and drives
real MMEngine optimizer wrappers, schedulers and EMA on the other, on the
same tiny surrogate networks, then compares optimizer steps, backward
passes per step, lr, EMA events and parameters. See ``docs/verify.md``.

Importing this package never imports torch (the ``convert`` command must
stay torch-free); torch is imported inside ``verify_configs``.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Optional, Tuple, Union

from .errors import INSTALL_HINT, TorchMissingError, VerifyInputError
from .render import render_text
from .result import (DIFFERENT, EQUIVALENT, LEGEND, NOT_VERIFIED, SCHEMA, Difference, Timeline,
                     VerifyResult)

__all__ = [
    "verify_configs", "render_text", "VerifyResult", "Difference", "Timeline",
    "VerifyInputError", "TorchMissingError", "SCHEMA", "EQUIVALENT", "DIFFERENT",
    "NOT_VERIFIED", "LEGEND", "INSTALL_HINT",
]

ConfigInput = Union[str, Path, dict]


def load_config(cfg: ConfigInput, label: str, *, new_style: bool = False,
                allow_exec: Optional[str] = None) -> Tuple[dict, str]:
    """Return ``(effective config dict, source label)``.

    Paths are read the way convert reads them (``mmgen_migrate.load``):
    statically, with MMEngine's ``Config.fromfile`` semantics (``_base_``
    merged; ``new_style``: as MMagic's ``tools/train.py`` reads a 1.x
    config), nothing executed.  A config outside what is read statically is
    refused unless ``allow_exec`` is ``"sandbox"`` or ``"unconfined"``; any
    failure is a one-line ``VerifyInputError`` naming the file.
    """
    if isinstance(cfg, dict):
        return cfg, label
    if not isinstance(cfg, (str, Path)):
        raise VerifyInputError(f"expected a config path or dict, got {type(cfg).__name__}", label)
    path = str(cfg)
    p = Path(path)
    if not p.exists():
        raise VerifyInputError("no such file", path)
    if not p.is_file():
        raise VerifyInputError("not a file", path)
    from ..load import ConfigError, read_effective

    try:
        return read_effective(p, new_style=new_style, allow_exec=allow_exec).config, path
    except ConfigError as e:
        raise VerifyInputError(f"cannot load config: {e}", path) from None


def _require_torch() -> None:
    try:
        import torch  # noqa: F401
    except ImportError as e:
        raise TorchMissingError(str(e)) from e


def verify_configs(old: ConfigInput, new: ConfigInput, *, iters: Optional[int] = None,
                   device: str = "auto", seed: int = 0, allow_exec: Optional[str] = None) -> VerifyResult:
    """Train ``old`` (0.x) and ``new`` (1.x) for a few iterations and compare.

    Args:
        old: the MMGeneration 0.x config (path or effective dict).
        new: its MMagic 1.x conversion (path or effective dict).
        iters: iterations to replay; default covers at least two full
            generator cycles, and the EMA start / first lr change when near.
        device: ``"auto"`` (CUDA when available), ``"cpu"`` or ``"cuda"``.
        seed: seed for the surrogate weights, data and noise.

    Returns:
        A ``VerifyResult``; ``result.exit_code`` is 0 only when equivalent.

    Raises:
        VerifyInputError: unusable input (unreadable file, not a config,
            swapped arguments, bad option). ``TorchMissingError`` (a subclass)
            when torch is not installed.
    """
    t0 = time.perf_counter()
    if iters is not None and (isinstance(iters, bool) or not isinstance(iters, int) or iters < 1):
        raise VerifyInputError(f"iters must be a positive integer, got {iters!r}")
    if device not in ("auto", "cpu", "cuda"):
        raise VerifyInputError(f"unknown device {device!r} (use auto, cpu or cuda)")
    _require_torch()
    old_cfg, old_src = load_config(old, "<old config>", allow_exec=allow_exec)
    new_cfg, new_src = load_config(new, "<new config>", new_style=True, allow_exec=allow_exec)
    from .run import run_verification

    return run_verification(old_cfg, new_cfg, old_src, new_src, iters, device, seed, t0)
