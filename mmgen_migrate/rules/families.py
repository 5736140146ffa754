"""Model families: which 0.x ``train_step`` a config runs, and so which
``train_cfg`` keys it honours (semantics.md §2)."""

from __future__ import annotations

from typing import Any

# 0.x model.type -> family
CONDITIONAL = "conditional"  # BasiccGAN: honours disc_steps, gen_steps, batch_accumulation_steps
STATIC = "static"  # StaticUnconditionalGAN: disc_steps only
PGGAN = "pggan"  # ProgressiveGrowingGAN / StyleGANV1: disc_steps only, Dk fixed to 1 in 1.x
MSPIE = "mspie"  # MSPIEStyleGAN2: disc_steps only
SINGAN = "singan"  # SinGAN / PESinGAN: disc_steps + generator_steps inside one train_step
TRANSLATION = "translation"  # CycleGAN / Pix2Pix: disc_steps, disc_init_steps
DIFFUSION = "diffusion"  # BasicGaussianDiffusion: no 1.x training path
MODERN = "modern"  # already a 1.x model type
UNKNOWN = "unknown"

LEGACY_TYPES = {
    "BasiccGAN": CONDITIONAL,
    "StaticUnconditionalGAN": STATIC,
    "ProgressiveGrowingGAN": PGGAN,
    "PGGAN": PGGAN,
    "StyleGANV1": PGGAN,
    "MSPIEStyleGAN2": MSPIE,
    "SinGAN": SINGAN,
    "PESinGAN": SINGAN,
    "CycleGAN": TRANSLATION,
    "Pix2Pix": TRANSLATION,
    "BasicGaussianDiffusion": DIFFUSION,
}

# 1.x GAN model types (mmagic 1.2.0).  A config whose model already has one of
# these is a 1.x config (or half-migrated) and is left to the 1.x semantics.
MODERN_TYPES = {
    "BigGAN",
    "SAGAN",
    "SNGAN",
    "DCGAN",
    "LSGAN",
    "GGAN",
    "WGANGP",
    "StyleGAN2",
    "StyleGAN3",
    "StyleGANv1",
    "EG3D",
    "BaseGAN",
    "BaseConditionalGAN",
}

# families where 0.x train_step honoured each train_cfg key
HONOURS = {
    CONDITIONAL: {"disc_steps", "gen_steps", "batch_accumulation_steps"},
    STATIC: {"disc_steps"},
    PGGAN: {"disc_steps"},
    MSPIE: {"disc_steps"},
    SINGAN: {"disc_steps", "generator_steps"},
    TRANSLATION: {"disc_steps", "disc_init_steps"},
    DIFFUSION: set(),
}

# keys of a 0.x config that mark it as a 0.x config (a 1.x config has none)
LEGACY_KEYS = ("checkpoint_config", "log_config", "runner", "total_iters", "optimizer", "data", "evaluation",
               "lr_config", "dist_params", "workflow", "resume_from", "use_ddp_wrapper", "cudnn_benchmark")

STEP_KEYS = ("disc_steps", "gen_steps", "batch_accumulation_steps")

SOURCE_FILES = {
    CONDITIONAL: "mmgen/models/gans/basic_conditional_gan.py (BasiccGAN._parse_train_cfg, train_step)",
    STATIC: "mmgen/models/gans/static_unconditional_gan.py (StaticUnconditionalGAN._parse_train_cfg)",
    PGGAN: "mmgen/models/gans/progressive_growing_unconditional_gan.py (_parse_train_cfg)",
    MSPIE: "mmgen/models/gans/mspie_stylegan2.py (train_step)",
    SINGAN: "mmgen/models/gans/singan.py (train_step)",
    TRANSLATION: "mmgen/models/translation_models/static_translation_gan.py (_parse_train_cfg)",
}


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
    a diffusion model has no 1.x training path, semantics.md §2.7).  Every rule
    that converts a training setting (optimizer, steps, EMA, AMP, schedule)
    returns early on these, so the file keeps them as-is next to MOD005's
    *unsupported* markers."""
    return family_of(cfg) == DIFFUSION


def is_legacy_config(cfg: dict) -> bool:
    """Does ``cfg`` still hold 0.x settings (a 0.x key or a 0.x model type)?"""
    return any(k in cfg for k in LEGACY_KEYS) or family_of(cfg) not in (MODERN, UNKNOWN)
