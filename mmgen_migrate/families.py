"""One record per model type: how the rules classify it (its 0.x
``train_step`` family, the ``train_cfg`` keys that step honoured, the 0.x
source file that was read from) and how the verifier replays it (its 0.x
replay family, its 1.x ``train_step`` flavour).  ``rules/families.py`` and
``verify/spec.py`` both derive their tables from :data:`MODEL_TYPES`
(docs/semantics.md §2); adding a model type is one record here."""

from __future__ import annotations

from dataclasses import dataclass

# -- the rules' families: which 0.x train_step a config runs -----------------------
CONDITIONAL = "conditional"  # BasiccGAN: honours disc_steps, gen_steps, batch_accumulation_steps
STATIC = "static"  # StaticUnconditionalGAN: disc_steps only
PGGAN = "pggan"  # ProgressiveGrowingGAN / StyleGANV1: disc_steps only, Dk fixed to 1 in 1.x
MSPIE = "mspie"  # MSPIEStyleGAN2: disc_steps only
SINGAN = "singan"  # SinGAN / PESinGAN: disc_steps + generator_steps inside one train_step
TRANSLATION = "translation"  # CycleGAN / Pix2Pix: disc_steps, disc_init_steps
DIFFUSION = "diffusion"  # BasicGaussianDiffusion: no 1.x training path
MODERN = "modern"  # already a 1.x model type
UNKNOWN = "unknown"

# -- the verifier's replay families ----------------------------------------------
# 0.x side: the schedule the legacy replay runs (StaticUnconditionalGAN and
# MSPIEStyleGAN2 share one: both honour disc_steps only)
REPLAY_CONDITIONAL = "conditional"
REPLAY_UNCONDITIONAL = "unconditional"
REPLAY_TRANSLATION = "translation"
REPLAY_SINGAN = "singan"
REPLAY_PGGAN = "pggan"
REPLAY_DIFFUSION = "diffusion"
# 1.x side: the MMagic train_step flavour
FLAVOUR_BASEGAN = "basegan"  # BaseGAN.train_step, D and G passes inside optim_context
FLAVOUR_STYLEGAN2 = "stylegan2"  # StyleGAN2.train_step: same schedule, no optim_context (docs/semantics.md §2.2)
FLAVOUR_TRANSLATION = "translation"
FLAVOUR_SINGAN = "singan"
FLAVOUR_PGGAN = "pggan"


@dataclass(frozen=True)
class Family:
    """A 0.x ``train_step``, as the rules convert it."""

    name: str
    honours: frozenset = frozenset()  # train_cfg keys that 0.x train_step honoured
    source: str | None = None  # the 0.x file (and function) those facts were read from
    # whether that train_step takes a `loss_scaler` (False: a 0.x
    # fp16_loss_scaler config raised TypeError, docs/semantics.md §5); None: not read
    takes_loss_scaler: bool | None = None


FAMILIES = {f.name: f for f in (
    Family(CONDITIONAL, frozenset({"disc_steps", "gen_steps", "batch_accumulation_steps"}),
           "mmgen/models/gans/basic_conditional_gan.py (BasiccGAN._parse_train_cfg, train_step)",
           takes_loss_scaler=True),
    Family(STATIC, frozenset({"disc_steps"}),
           "mmgen/models/gans/static_unconditional_gan.py (StaticUnconditionalGAN._parse_train_cfg)",
           takes_loss_scaler=True),
    Family(PGGAN, frozenset({"disc_steps"}),
           "mmgen/models/gans/progressive_growing_unconditional_gan.py (_parse_train_cfg)",
           takes_loss_scaler=False),
    Family(MSPIE, frozenset({"disc_steps"}), "mmgen/models/gans/mspie_stylegan2.py (train_step)",
           takes_loss_scaler=False),
    Family(SINGAN, frozenset({"disc_steps", "generator_steps"}), "mmgen/models/gans/singan.py (train_step)",
           takes_loss_scaler=False),
    Family(TRANSLATION, frozenset({"disc_steps", "disc_init_steps"}),
           "mmgen/models/translation_models/static_translation_gan.py (_parse_train_cfg)",
           takes_loss_scaler=False),
    Family(DIFFUSION),
    Family(MODERN),
)}


@dataclass(frozen=True)
class ModelType:
    """One ``model.type`` name."""

    name: str
    family: Family  # the rules' reading of it (MODERN: a 1.x type)
    replay: str | None = None  # the verifier's 0.x replay family, None: not replayed as 0.x
    flavour: str | None = None  # the verifier's 1.x train_step flavour, None: not replayed as 1.x

    @property
    def honours(self) -> frozenset:
        return self.family.honours

    @property
    def source(self) -> str | None:
        return self.family.source


def _t(name: str, family: str, replay: str | None = None, flavour: str | None = None) -> ModelType:
    return ModelType(name, FAMILIES[family], replay, flavour)


MODEL_TYPES: dict[str, ModelType] = {t.name: t for t in (
    # 0.x types (some names are 1.x types too: the verifier replays them on both sides)
    _t("BasiccGAN", CONDITIONAL, REPLAY_CONDITIONAL),
    _t("StaticUnconditionalGAN", STATIC, REPLAY_UNCONDITIONAL),
    _t("MSPIEStyleGAN2", MSPIE, REPLAY_UNCONDITIONAL, FLAVOUR_BASEGAN),
    _t("ProgressiveGrowingGAN", PGGAN, REPLAY_PGGAN, FLAVOUR_PGGAN),
    _t("PGGAN", PGGAN, REPLAY_PGGAN, FLAVOUR_PGGAN),
    _t("StyleGANV1", PGGAN, REPLAY_PGGAN, FLAVOUR_PGGAN),
    _t("SinGAN", SINGAN, REPLAY_SINGAN, FLAVOUR_SINGAN),
    _t("PESinGAN", SINGAN, REPLAY_SINGAN, FLAVOUR_SINGAN),
    _t("CycleGAN", TRANSLATION, REPLAY_TRANSLATION, FLAVOUR_TRANSLATION),
    _t("Pix2Pix", TRANSLATION, REPLAY_TRANSLATION, FLAVOUR_TRANSLATION),
    _t("BasicGaussianDiffusion", DIFFUSION, REPLAY_DIFFUSION),
    # 1.x GAN model types (mmagic 1.2.0)
    _t("BigGAN", MODERN, None, FLAVOUR_BASEGAN),
    _t("SAGAN", MODERN, None, FLAVOUR_BASEGAN),
    _t("SNGAN", MODERN, None, FLAVOUR_BASEGAN),
    _t("DCGAN", MODERN, None, FLAVOUR_BASEGAN),
    _t("LSGAN", MODERN, None, FLAVOUR_BASEGAN),
    _t("GGAN", MODERN, None, FLAVOUR_BASEGAN),
    _t("WGANGP", MODERN, None, FLAVOUR_BASEGAN),
    _t("StyleGAN2", MODERN, None, FLAVOUR_STYLEGAN2),
    _t("StyleGAN3", MODERN, None, FLAVOUR_STYLEGAN2),
    # the 1.x spelling of StyleGANV1; the verifier also replays it as 0.x PGGAN
    _t("StyleGANv1", MODERN, REPLAY_PGGAN, FLAVOUR_PGGAN),
    _t("EG3D", MODERN),
    _t("BaseGAN", MODERN, None, FLAVOUR_BASEGAN),
    _t("BaseConditionalGAN", MODERN, None, FLAVOUR_BASEGAN),
)}


@dataclass(frozen=True)
class Replay:
    """A 0.x replay family of the verifier: what it reads, what it can be
    compared with, or why it is not replayed."""

    name: str
    train_keys: frozenset = frozenset()  # the train_cfg keys the 0.x model reads (docs/semantics.md §2)
    gan: bool = False  # the BaseGAN-style D/G schedule
    pairs_with: frozenset = frozenset()  # the 1.x flavours a conversion of it is replayed against
    same_type: bool = False  # ... and only with the same model type
    refused: str | None = None  # why it is not replayed (the verdict is then "not verified")


def _reads(families: tuple[str, ...], *extra: str) -> frozenset:
    """The train_cfg keys a replay reads: the step keys its 0.x train_steps
    honour (one list, ``Family.honours``) and the ``extra`` keys it also reads."""
    return frozenset().union(*(FAMILIES[f].honours for f in families)) | frozenset(extra)


REPLAYS: dict[str, Replay] = {r.name: r for r in (
    Replay(REPLAY_CONDITIONAL, _reads((CONDITIONAL,), "use_ema", "real_img_key"),
           gan=True, pairs_with=frozenset({FLAVOUR_BASEGAN, FLAVOUR_STYLEGAN2})),
    Replay(REPLAY_UNCONDITIONAL,
           _reads((STATIC, MSPIE), "use_ema", "real_img_key",
                  "gen_steps", "batch_accumulation_steps",  # read to say they had no effect
                  # MSPIE extras (schedule-neutral)
                  "num_upblocks", "multi_input_scales", "multi_scale_probability"),
           gan=True, pairs_with=frozenset({FLAVOUR_BASEGAN, FLAVOUR_STYLEGAN2})),
    Replay(REPLAY_TRANSLATION, _reads((TRANSLATION,), "real_img_key", "buffer_size", "direction"),
           pairs_with=frozenset({FLAVOUR_TRANSLATION}), same_type=True),
    Replay(REPLAY_SINGAN,
           _reads((SINGAN,), "iters_per_scale", "lr_d", "lr_g", "lr_scheduler_args",
                  "noise_weight_init", "curr_scale", "first_fixed_noises_ch", "fixed_noise_with_pad"),
           pairs_with=frozenset({FLAVOUR_SINGAN})),
    Replay(REPLAY_PGGAN, refused=(
        "0.x PGGAN/StyleGANv1 is not replayed: its stage schedule follows shown_nkimg, "
        "optimizers are rebuilt per scale from train_cfg.optimizer_cfg, and the 0.x "
        "train_step needs torch.distributed (docs/semantics.md §2.3, §6.1)")),
    Replay(REPLAY_DIFFUSION, refused=(
        "0.x BasicGaussianDiffusion has no trainable 1.x equivalent "
        "(MMagic's ADM train_step raises NotImplementedError, docs/semantics.md §2.7)")),
)}


def lookup(model_type) -> ModelType | None:
    """The record of a ``model.type`` value (None: not a known type)."""
    return MODEL_TYPES.get(model_type) if isinstance(model_type, str) else None
