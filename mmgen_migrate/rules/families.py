"""Model families: which 0.x ``train_step`` a config runs, and so which
``train_cfg`` keys it honours (docs/semantics.md §2)."""

from __future__ import annotations

from typing import Any

# One record per model type lives in mmgen_migrate/families.py (shared with
# the verifier); the rules read these views of it.
from ..families import (  # noqa: E402,F401  (re-exported: rules use fam.CONDITIONAL ...)
    CONDITIONAL,
    DIFFUSION,
    FAMILIES,
    MODEL_TYPES,
    MODERN,
    MSPIE,
    PGGAN,
    SINGAN,
    STATIC,
    TRANSLATION,
    UNKNOWN,
)

# 0.x model.type -> family
LEGACY_TYPES = {name: t.family.name for name, t in MODEL_TYPES.items() if t.family.name != MODERN}

# 1.x GAN model types (mmagic 1.2.0).  A config whose model already has one of
# these is a 1.x config (or half-migrated) and is left to the 1.x semantics.
MODERN_TYPES = {name for name, t in MODEL_TYPES.items() if t.family.name == MODERN}

# families where 0.x train_step honoured each train_cfg key
HONOURS = {f.name: set(f.honours) for f in FAMILIES.values() if f.name != MODERN}

# keys of a 0.x config that mark it as a 0.x config (a 1.x config has none)
LEGACY_KEYS = ("checkpoint_config", "log_config", "runner", "total_iters", "optimizer", "data", "evaluation",
               "lr_config", "dist_params", "workflow", "resume_from", "use_ddp_wrapper", "cudnn_benchmark")

STEP_KEYS = ("disc_steps", "gen_steps", "batch_accumulation_steps")

SOURCE_FILES = {f.name: f.source for f in FAMILIES.values() if f.source}


def model_type(cfg: dict) -> Any:
    model = cfg.get("model")
    if isinstance(model, dict):
        return model.get("type")
    return None


def family_of(cfg: dict) -> str:
    """The family of the config's model, or ``UNKNOWN`` when there is no model
    or it is a type we do not know."""
    mtype = model_type(cfg)
    if not isinstance(mtype, str):
        return UNKNOWN
    if mtype in LEGACY_TYPES:
        return LEGACY_TYPES[mtype]
    if mtype in MODERN_TYPES:
        return MODERN
    return UNKNOWN


def training_refused(cfg: dict) -> bool:
    """True for configs whose training settings must not be converted (MOD005:
    a diffusion model has no 1.x training path, docs/semantics.md §2.7).  Every rule
    that converts a training setting (optimizer, steps, EMA, AMP, schedule)
    returns early on these, so the file keeps them as-is next to MOD005's
    *unsupported* markers."""
    return family_of(cfg) == DIFFUSION


def is_legacy_config(cfg: dict) -> bool:
    """Does ``cfg`` still hold 0.x settings (a 0.x key or a 0.x model type)?"""
    return any(k in cfg for k in LEGACY_KEYS) or family_of(cfg) not in (MODERN, UNKNOWN)
