"""Model types, losses, data preprocessor and family-specific ``train_cfg`` keys.

0.x chose the adversarial loss with ``model.gan_loss`` and added regularisers
through ``disc_auxiliary_loss`` / ``gen_auxiliary_loss``.  1.x hard-codes the
adversarial loss in each model class (choosing ``model.type`` chooses the loss)
and reads the regulariser weights from ``model.loss_config`` under names that
differ per class.  Everything below was checked against the ``__init__`` /
``disc_loss`` / ``gen_loss`` code of the mmagic 1.2.0 wheel.
"""

from __future__ import annotations

from typing import Any

from ..model import MISSING, Severity
from . import families as fam
from .base import Example, MigrationContext, Valid, rule

LOSS_KEYS = ("gan_loss", "disc_auxiliary_loss", "gen_auxiliary_loss")

# 0.x generator type -> 1.x model type, for BasiccGAN (mapping.md §2.1)
CONDITIONAL_BY_GENERATOR = {
    "BigGANGenerator": "BigGAN",
    "BigGANDeepGenerator": "BigGAN",
    "SAGANGenerator": "SAGAN",
    "SNGANGenerator": "SNGAN",
}
# generators that decide a StaticUnconditionalGAN's 1.x class on their own
STATIC_BY_GENERATOR = {
    "StyleGANv2Generator": "StyleGAN2",
    "StyleGANv3Generator": "StyleGAN3",
}
# StaticUnconditionalGAN: 0.x gan_type -> 1.x class whose hard-coded loss it is
STATIC_BY_GAN_TYPE = {
    "vanilla": "DCGAN",  # dcgan.py: binary_cross_entropy_with_logits
    "lsgan": "LSGAN",  # lsgan.py: mse_loss
    "hinge": "GGAN",  # ggan.py: relu(1 -/+ pred), -pred for G
    "wgan": "WGANGP",  # wgan_gp.py: mean(fake) - mean(real) + GP
    # the logistic non-saturating loss is the BCE loss written with softplus:
    # BCE(x, 1) = softplus(-x), BCE(x, 0) = softplus(x)
    "wgan-logistic-ns": "DCGAN",
}
# 0.x gan_types that compute the same loss
SAME_LOSS = {"vanilla": "wgan-logistic-ns", "wgan-logistic-ns": "vanilla"}
# the adversarial loss each 1.x class hard-codes, as a 0.x gan_type
HARD_CODED_GAN_TYPE = {
    "BigGAN": "hinge",
    "SAGAN": "hinge",
    "SNGAN": "hinge",
    "DCGAN": "vanilla",
    "LSGAN": "lsgan",
    "GGAN": "hinge",
    "WGANGP": "wgan",
    "StyleGAN2": "wgan-logistic-ns",
    "StyleGAN3": "wgan-logistic-ns",
    "MSPIEStyleGAN2": "wgan-logistic-ns",
    "ProgressiveGrowingGAN": "wgan",
    "PGGAN": "wgan",
    "StyleGANv1": "wgan-logistic-ns",
    "SinGAN": "wgan",
    "PESinGAN": "wgan",
    "CycleGAN": "lsgan",
    "Pix2Pix": "vanilla",
}
RENAMED = {"StyleGANV1": "StyleGANv1"}
UNCHANGED = {"ProgressiveGrowingGAN", "PGGAN", "MSPIEStyleGAN2", "SinGAN", "PESinGAN", "CycleGAN", "Pix2Pix"}
STYLEGAN2_LIKE = {"StyleGAN2", "StyleGAN3", "MSPIEStyleGAN2"}

# 0.x loss classes' defaults (mmgen/models/losses/*.py), needed because 1.x
# defaults differ and every value must be written explicitly.
R1_DEFAULTS = dict(loss_weight=1.0, norm_mode="pixel", interval=1, use_apex_amp=False)
PL_DEFAULTS = dict(loss_weight=1.0, pl_batch_shrink=1, interval=1, use_apex_amp=False, decay=0.01,
                   pl_batch_size=None, sync_mean_buffer=False)
GANLOSS_DEFAULTS = dict(real_label_val=1.0, fake_label_val=0.0, loss_weight=1.0)

MODEL_SOURCE = "mmgen/models/gans/*.py (0.x) vs mmagic/models/editors/*/ (1.x)"


class _Term(dict):
    """A 0.x loss dict that knows its path in the config."""

    path: tuple = ()


class _LossConfig(dict):
    """The 1.x ``loss_config`` being built; ``sources`` maps a key to the 0.x
    path its value is copied from unchanged (so the emitter keeps the original
    expression)."""

    def __init__(self):
        super().__init__()
        self.sources: dict[str, tuple] = {}

    def take(self, key: str, term: "_Term", old_key: str, default: Any) -> None:
        if old_key in term:
            self[key] = term[old_key]
            self.sources[key] = term.path + (old_key,)
        else:
            self[key] = default


def _as_list(value, path: tuple = ()) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        items = [(v, path + (i,)) for i, v in enumerate(value)]
    else:
        items = [(value, path)]
    out = []
    for v, p in items:
        if isinstance(v, dict):
            t = _Term(v)
            t.path = p
            out.append(t)
        else:
            out.append(v)
    return out


def target_model_type(source: dict) -> tuple[str | None, str]:
    """The 1.x ``model.type`` for a 0.x effective config, and why (``None``
    when there is none)."""
    model = source.get("model")
    if not isinstance(model, dict):
        return None, "no model"
    mtype = model.get("type")
    gen = model.get("generator") if isinstance(model.get("generator"), dict) else {}
    gen_type = gen.get("type")
    gan_type = model.get("gan_loss", {}).get("gan_type") if isinstance(model.get("gan_loss"), dict) else None
    if mtype == "BasiccGAN":
        new = CONDITIONAL_BY_GENERATOR.get(gen_type)
        return new, f"0.x BasiccGAN with generator {gen_type!r}"
    if mtype == "StaticUnconditionalGAN":
        if gen_type in STATIC_BY_GENERATOR:
            return STATIC_BY_GENERATOR[gen_type], f"0.x StaticUnconditionalGAN with generator {gen_type!r}"
        new = STATIC_BY_GAN_TYPE.get(gan_type)
        return new, f"0.x StaticUnconditionalGAN with gan_loss.gan_type={gan_type!r}"
    if mtype in RENAMED:
        return RENAMED[mtype], f"0.x {mtype} is registered as {RENAMED[mtype]} in 1.x"
    if mtype in UNCHANGED:
        return mtype, "same name in 1.x"
    return None, f"0.x model type {mtype!r}"


# ---------------------------------------------------------------------------
# MOD001: model.type


@rule(
    "MOD001",
    "model-type",
    "Rename `model.type` to the 1.x class that trains the same way (BasiccGAN and "
    "StaticUnconditionalGAN split by generator and loss).",
    examples=[
        Example(
            before="""
            model = dict(
                type='StaticUnconditionalGAN',  # GGAN: hinge loss
                generator=dict(type='DCGANGenerator', output_scale=64),
                discriminator=dict(type='DCGANDiscriminator', input_scale=64),
                gan_loss=dict(type='GANLoss', gan_type='hinge'))
            """,
            after="""
            model = dict(
                type='GGAN',  # GGAN: hinge loss
                generator=dict(type='DCGANGenerator', output_scale=64),
                discriminator=dict(type='DCGANDiscriminator', input_scale=64),
                gan_loss=dict(type='GANLoss', gan_type='hinge'))
            """,
        ),
        Example(
            before="""
            model = dict(type='BasiccGAN', generator=dict(type='SNGANGenerator'),
                         discriminator=dict(type='ProjDiscriminator'))
            """,
            after="""
            model = dict(type='SNGAN', generator=dict(type='SNGANGenerator'),
                         discriminator=dict(type='ProjDiscriminator'))
            """,
        ),
        Example(
            before="""
            model = dict(type='StyleGANV1', generator=dict(type='StyleGANv1Generator'))
            """,
            after="""
            model = dict(type='StyleGANv1', generator=dict(type='StyleGANv1Generator'))
            """,
        ),
        Valid(
            """
            model = dict(type='CycleGAN', generator=dict(type='ResnetGenerator'))
            """
        ),
    ],
)
def model_type(ctx: MigrationContext) -> None:
    """
    **What it does.** Sets `model.type` to the 1.x class:

    - `BasiccGAN` → `BigGAN` (BigGAN / BigGAN-deep generator), `SAGAN`
      (`SAGANGenerator`) or `SNGAN` (`SNGANGenerator`);
    - `StaticUnconditionalGAN` → `StyleGAN2` / `StyleGAN3` by generator,
      otherwise by `gan_loss.gan_type`: `vanilla` (or the identical
      `wgan-logistic-ns`: BCE(x, 1) = softplus(-x)) → `DCGAN`, `lsgan` →
      `LSGAN`, `hinge` → `GGAN`, `wgan` → `WGANGP`;
    - `StyleGANV1` → `StyleGANv1`;
    - `ProgressiveGrowingGAN`, `MSPIEStyleGAN2`, `SinGAN`, `PESinGAN`,
      `CycleGAN`, `Pix2Pix` keep their name.

    **Why.** 1.x has no generic GAN class driven by a `gan_loss` dict: each class
    hard-codes its adversarial loss (`disc_loss`/`gen_loss` in
    `mmagic/models/editors/<name>/<name>.py`), so the class *is* the loss.
    The upstream hand port picked `DCGAN` for two hinge-loss GGAN configs
    (mapping.md §3 row 2), silently training with BCE: this rule decides by
    `gan_type`, never by architecture.

    **Exactness.** Exact when the 0.x loss matches the class's hard-coded loss
    (checked by MOD002). A generator/loss combination with no 1.x class is
    *unsupported* and kept as-is. Diffusion models are refused by MOD005.

    **Reference.** mapping.md §2.1, §3 row 2, §4 rule 7; MMagic 1.2.0
    `mmagic/models/editors/{dcgan,lsgan,ggan,wgan_gp,biggan,sagan}`.
    """
    family = fam.family_of(ctx.source)
    if family in (fam.MODERN, fam.DIFFUSION):
        return
    model = ctx.get(("model",), None)
    if not isinstance(model, dict) or "type" not in model:
        return
    if family == fam.UNKNOWN:
        ctx.flag(("model", "type"), f"model type {model['type']!r} is not a MMGeneration 0.x GAN; left as-is")
        return
    new, why = target_model_type(ctx.source)
    if new is None:
        ctx.flag(("model", "type"), f"{why} has no 1.x model class; left as-is")
        return
    if new == model["type"]:
        return
    ctx.put(("model", "type"), new, f"{why} → {new}", inputs=[("model", "type")], consume=False)


# ---------------------------------------------------------------------------
# MOD002: losses -> loss_config


@rule(
    "MOD002",
    "gan-loss-to-loss-config",
    "Replace `gan_loss`/`disc_auxiliary_loss`/`gen_auxiliary_loss` by the loss the 1.x class "
    "hard-codes and `model.loss_config` with the key names the class reads.",
    requires=("MOD001",),
    examples=[
        Example(
            before="""
            gp = 50
            model = dict(
                type='StaticUnconditionalGAN',
                generator=dict(type='WGANGPGenerator'),
                discriminator=dict(type='WGANGPDiscriminator'),
                gan_loss=dict(type='GANLoss', gan_type='wgan'),
                disc_auxiliary_loss=[dict(type='GradientPenaltyLoss', loss_weight=gp, norm_mode='HWC',
                    data_info=dict(discriminator='disc', real_data='real_imgs', fake_data='fake_imgs'))])
            """,
            after="""
            gp = 50
            model = dict(
                type='WGANGP',
                generator=dict(type='WGANGPGenerator'),
                discriminator=dict(type='WGANGPDiscriminator'),
                loss_config=dict(loss_weight=gp, norm_mode='HWC'))
            """,
        ),
        Example(
            before="""
            model = dict(
                type='StaticUnconditionalGAN',
                generator=dict(type='StyleGANv2Generator', out_size=256),
                discriminator=dict(type='StyleGAN2Discriminator', in_size=256),
                gan_loss=dict(type='GANLoss', gan_type='wgan-logistic-ns'),
                disc_auxiliary_loss=dict(type='R1GradientPenalty', loss_weight=10. / 2. * 16,
                                         norm_mode='HWC', interval=16),
                gen_auxiliary_loss=dict(type='GeneratorPathRegularizer', loss_weight=2. * 4,
                                        pl_batch_shrink=2, interval=4))
            """,
            after="""
            model = dict(
                type='StyleGAN2',
                generator=dict(type='StyleGANv2Generator', out_size=256),
                discriminator=dict(type='StyleGAN2Discriminator', in_size=256),
                loss_config=dict(
                    r1_loss_weight=10. / 2. * 16,
                    r1_interval=16,
                    norm_mode='HWC',
                    r1_use_apex_amp=False,
                    g_reg_weight=2. * 4,
                    g_reg_interval=4,
                    pl_batch_shrink=2,
                    g_reg_use_apex_amp=False,
                ))
            """,
        ),
        Valid(
            """
            model = dict(type='WGANGP', loss_config=dict(loss_weight=10, norm_mode='HWC'))
            """
        ),
    ],
)
def gan_loss_to_loss_config(ctx: MigrationContext) -> None:
    """
    **What it does.** Removes `gan_loss`, `disc_auxiliary_loss` and
    `gen_auxiliary_loss` from `model` after checking that they describe exactly
    the loss the 1.x class computes, and writes their weights to
    `model.loss_config` under the names the class reads:

    - `WGANGP`: `GradientPenaltyLoss(loss_weight, norm_mode)` →
      `loss_config=dict(loss_weight=..., norm_mode=...)`;
    - `StyleGAN2`/`StyleGAN3`/`MSPIEStyleGAN2`: `R1GradientPenalty` →
      `r1_loss_weight`, `r1_interval`, `norm_mode`, `r1_use_apex_amp`
      (+ `scale_r1_loss=True` when 0.x fed it the loss scaler);
      `GeneratorPathRegularizer` → `g_reg_weight`, `g_reg_interval`,
      `pl_batch_shrink`, `g_reg_use_apex_amp`. All written explicitly, because
      the 1.x defaults (80, 16, `'pixel'`, 8, 4, 2) are not the 0.x defaults;
      a regulariser the 0.x config did not have gets weight 0;
    - `CycleGAN`: the `cycle_loss` / `id_loss` L1 terms →
      `cycle_loss_weight` / `id_loss_weight` (0.0 when there is no id loss);
    - `Pix2Pix`: the `pixel_loss` L1 term → `pixel_loss_weight`;
    - `BigGAN`/`SAGAN`/`SNGAN`/`DCGAN`/`LSGAN`/`GGAN`, `PGGAN`/`StyleGANv1`
      and `SinGAN`: no `loss_config` (their classes accept none or ignore it);
      the 0.x terms are checked against the class's hard-coded constants
      (PGGAN: WGAN + DiscShift 0.001·0.5 on both predictions + GP 10 `'HWC'`;
      StyleGANv1: non-saturating + R1 10 `'HWC'`; SinGAN: WGAN + GP 0.1
      `'pixel'` + MSE 10).

    **Why.** 1.x classes read flat keys from `loss_config`, and silently
    ignore a key they do not read. The upstream WGAN-GP port wrote
    `gp_loss_weight=50`, which `wgan_gp.py` never reads
    (`loss_config.get('loss_weight', 10)`), so that config trained with a GP
    weight of 10 (mapping.md §3 row 3). StyleGAN2's `norm_mode` default
    changed from the 0.x config's `'HWC'` to `'pixel'` (semantics.md §6.4).

    **Exactness.** Exact when every 0.x term has its 1.x twin with the same
    value. A 0.x loss term or setting the 1.x class cannot express (another
    `gan_type`, label smoothing, a loss weight on the adversarial term, an
    extra auxiliary loss) is *unsupported*: the loss keys are kept and marked.
    Adding a zero-weight R1/PL term is *review* (same maths, extra compute).

    **Reference.** mapping.md §2.1, §3 row 3, §4 rule 7; semantics.md §6.4;
    mmagic 1.2.0 `wgan_gp.py` L29-30, `stylegan2.py` L92-101,
    `cyclegan.py` L114-126, `pix2pix.py` L23, `pggan.py` L246-303.
    """
    family = fam.family_of(ctx.source)
    if family in (fam.MODERN, fam.DIFFUSION, fam.UNKNOWN):
        return
    model = ctx.get(("model",), None)
    if not isinstance(model, dict) or not any(k in model for k in LOSS_KEYS):
        return
    new, _ = target_model_type(ctx.source)
    if new is None:
        return  # MOD001 flagged the type
    problems: list[str] = []
    gan = model.get("gan_loss")
    expected = HARD_CODED_GAN_TYPE.get(new)
    if gan is not None:
        if not isinstance(gan, dict) or gan.get("type", "GANLoss") != "GANLoss":
            problems.append(f"gan_loss {gan!r} is not a GANLoss")
        else:
            if gan.get("gan_type") != expected and SAME_LOSS.get(gan.get("gan_type")) != expected:
                problems.append(f"gan_loss.gan_type={gan.get('gan_type')!r} but 1.x {new} hard-codes {expected!r}")
            for key, default in GANLOSS_DEFAULTS.items():
                if key in gan and gan[key] != default:
                    problems.append(f"gan_loss.{key}={gan[key]!r} (1.x {new} uses {default!r})")
            extra = set(gan) - {"type", "gan_type", *GANLOSS_DEFAULTS}
            if extra:
                problems.append(f"gan_loss has settings 1.x cannot express: {', '.join(sorted(extra))}")
    disc_aux = _as_list(model.get("disc_auxiliary_loss"), ("model", "disc_auxiliary_loss"))
    gen_aux = _as_list(model.get("gen_auxiliary_loss"), ("model", "gen_auxiliary_loss"))
    loss_config = _LossConfig()
    notes: list[str] = []
    handler = _AUX_HANDLERS.get(new, _no_aux)
    handler(new, disc_aux, gen_aux, loss_config, problems, notes)
    if problems:
        for key in LOSS_KEYS:
            if key in model:
                ctx.flag(("model", key), f"1.x {new} hard-codes its losses: " + "; ".join(problems))
                break
        return
    inputs = [("model", k) for k in LOSS_KEYS if k in model]
    if "gan_loss" in model:
        ctx.drop(("model", "gan_loss"), _drop_reason(new, "gan_loss", loss_config))
    if loss_config:
        severity = Severity.REVIEW if notes else Severity.EXACT
        aux_inputs = [p for p in inputs if p[1] != "gan_loss"]
        why = f"the `loss_config` key 1.x {new} reads" + ("; " + "; ".join(notes) if notes else "")
        for key, value in loss_config.items():
            if key in loss_config.sources:
                ctx.move(loss_config.sources[key], ("model", "loss_config", key), why, severity=severity)
            else:
                ctx.put(("model", "loss_config", key), value, why + " (0.x default or derived, written out)",
                        inputs=aux_inputs, severity=severity, consume=False)
    for key in ("disc_auxiliary_loss", "gen_auxiliary_loss"):
        if key in model:
            ctx.drop(("model", key), _drop_reason(new, key, loss_config))


def _drop_reason(new: str, key: str, loss_config: dict) -> str:
    if key == "gan_loss":
        return f"1.x {new} hard-codes the same adversarial loss ({HARD_CODED_GAN_TYPE[new]})"
    if loss_config:
        return f"1.x {new} computes these terms itself, weighted by `loss_config`"
    return f"1.x {new} hard-codes these auxiliary losses with the same weights"


def _no_aux(new, disc_aux, gen_aux, loss_config, problems, notes) -> None:
    for term in disc_aux + gen_aux:
        problems.append(f"auxiliary loss {_loss_type(term)!r} has no place in 1.x {new}")


def _loss_type(term) -> Any:
    return term.get("type") if isinstance(term, dict) else term


def _split(terms: list, problems: list, allowed: set) -> dict:
    out: dict[str, list] = {}
    for term in terms:
        t = _loss_type(term)
        if t not in allowed:
            problems.append(f"auxiliary loss {t!r} has no 1.x twin")
            continue
        out.setdefault(t, []).append(term)
    return out


def _wgangp(new, disc_aux, gen_aux, loss_config, problems, notes) -> None:
    by = _split(disc_aux, problems, {"GradientPenaltyLoss"})
    _no_aux(new, [], gen_aux, loss_config, problems, notes)
    gps = by.get("GradientPenaltyLoss", [])
    if len(gps) != 1:
        problems.append("WGANGP needs exactly one GradientPenaltyLoss")
        return
    gp = gps[0]
    extra = set(gp) - {"type", "loss_weight", "norm_mode", "data_info", "loss_name"}
    if extra:
        problems.append(f"GradientPenaltyLoss settings without 1.x twin: {', '.join(sorted(extra))}")
    # 0.x GradientPenaltyLoss defaults: loss_weight=1.0, norm_mode='pixel'
    loss_config.take("loss_weight", gp, "loss_weight", 1.0)
    loss_config.take("norm_mode", gp, "norm_mode", "pixel")


def _stylegan2(new, disc_aux, gen_aux, loss_config, problems, notes) -> None:
    by = _split(disc_aux + gen_aux, problems, {"R1GradientPenalty", "GeneratorPathRegularizer"})
    r1s, pls = by.get("R1GradientPenalty", []), by.get("GeneratorPathRegularizer", [])
    if len(r1s) > 1 or len(pls) > 1:
        problems.append("more than one R1 / path-length term")
        return
    if r1s:
        r1 = {**R1_DEFAULTS, **r1s[0]}
        extra = set(r1) - {"type", *R1_DEFAULTS, "data_info", "loss_name"}
        if extra:
            problems.append(f"R1GradientPenalty settings without 1.x twin: {', '.join(sorted(extra))}")
        for key, old in (("r1_loss_weight", "loss_weight"), ("r1_interval", "interval"),
                         ("norm_mode", "norm_mode"), ("r1_use_apex_amp", "use_apex_amp")):
            loss_config.take(key, r1s[0], old, R1_DEFAULTS[old])
        info = r1.get("data_info") or {}
        if isinstance(info, dict) and "loss_scaler" in info:
            loss_config["scale_r1_loss"] = True
            notes.append("0.x scaled the R1 loss with the fp16 loss scaler: `scale_r1_loss=True`, which "
                         "stylegan2.py reads but never uses (semantics.md §5)")
    else:
        loss_config.update(r1_loss_weight=0.0)
        notes.append("0.x had no R1 penalty; 1.x always adds one, so its weight is set to 0")
    if pls:
        pl = {**PL_DEFAULTS, **pls[0]}
        extra = set(pl) - {"type", *PL_DEFAULTS, "data_info", "loss_name"}
        if extra:
            problems.append(f"GeneratorPathRegularizer settings without 1.x twin: {', '.join(sorted(extra))}")
        for key in ("decay", "pl_batch_size", "sync_mean_buffer"):
            if pl[key] != PL_DEFAULTS[key]:
                problems.append(f"GeneratorPathRegularizer.{key}={pl[key]!r} cannot be set in 1.x")
        for key, old in (("g_reg_weight", "loss_weight"), ("g_reg_interval", "interval"),
                         ("pl_batch_shrink", "pl_batch_shrink"), ("g_reg_use_apex_amp", "use_apex_amp")):
            loss_config.take(key, pls[0], old, PL_DEFAULTS[old])
    else:
        loss_config.update(g_reg_weight=0.0)
        notes.append("0.x had no path-length regulariser; 1.x always adds one, so its weight is set to 0")


def _close(a, b) -> bool:
    return isinstance(a, (int, float)) and abs(a - b) <= 1e-12 * max(1.0, abs(b))


def _pggan(new, disc_aux, gen_aux, loss_config, problems, notes) -> None:
    _no_aux(new, [], gen_aux, loss_config, problems, notes)
    by = _split(disc_aux, problems, {"DiscShiftLoss", "GradientPenaltyLoss"})
    shifts = by.get("DiscShiftLoss", [])
    preds = sorted((t.get("data_info") or {}).get("pred", "") for t in shifts)
    if preds != ["disc_pred_fake", "disc_pred_real"] or not all(
            _close(t.get("loss_weight", 1.0), 0.001 * 0.5) for t in shifts):
        problems.append("1.x PGGAN hard-codes DiscShiftLoss 0.001·0.5 on the fake and the real prediction")
    gps = by.get("GradientPenaltyLoss", [])
    if len(gps) != 1 or not _close(gps[0].get("loss_weight", 1.0), 10) or gps[0].get("norm_mode", "pixel") != "HWC":
        problems.append("1.x PGGAN hard-codes one GradientPenaltyLoss with weight 10 and norm_mode 'HWC'")


def _stylegan1(new, disc_aux, gen_aux, loss_config, problems, notes) -> None:
    _no_aux(new, [], gen_aux, loss_config, problems, notes)
    by = _split(disc_aux, problems, {"R1GradientPenalty"})
    r1s = by.get("R1GradientPenalty", [])
    if len(r1s) != 1 or not _close(r1s[0].get("loss_weight", 1.0), 10) or r1s[0].get("norm_mode", "pixel") != "HWC" \
            or r1s[0].get("interval", 1) != 1:
        problems.append("1.x StyleGANv1 hard-codes one R1 penalty with weight 10, norm_mode 'HWC', every step")


def _singan(new, disc_aux, gen_aux, loss_config, problems, notes) -> None:
    d = _split(disc_aux, problems, {"GradientPenaltyLoss"}).get("GradientPenaltyLoss", [])
    g = _split(gen_aux, problems, {"MSELoss"}).get("MSELoss", [])
    if len(d) != 1 or not _close(d[0].get("loss_weight", 1.0), 0.1) or d[0].get("norm_mode", "pixel") != "pixel":
        problems.append("1.x SinGAN hard-codes one GradientPenaltyLoss with weight 0.1, norm_mode 'pixel'")
    if len(g) != 1 or not _close(g[0].get("loss_weight", 1.0), 10):
        problems.append("1.x SinGAN hard-codes one reconstruction MSELoss with weight 10")


def _l1_terms(terms: list, problems: list, names: dict) -> dict:
    """Weights of the L1 terms per ``loss_name`` (all terms of one name must
    share their weight, as the 1.x class applies one weight to every domain)."""
    weights: dict[str, set] = {}
    firsts: dict[str, Any] = {}
    for term in terms:
        if _loss_type(term) != "L1Loss":
            problems.append(f"auxiliary loss {_loss_type(term)!r} has no 1.x twin")
            continue
        name = term.get("loss_name")
        if name not in names:
            problems.append(f"L1Loss named {name!r} has no 1.x twin (expected {', '.join(names)})")
            continue
        if term.get("reduction", "mean") != "mean":
            problems.append(f"{name} with reduction={term.get('reduction')!r}: 1.x uses 'mean'")
        weights.setdefault(name, set()).add(term.get("loss_weight", 1.0))
        firsts.setdefault(name, term)
    out = {}
    for name, ws in weights.items():
        if len(ws) != 1:
            problems.append(f"{name} terms with different weights {sorted(ws)}: 1.x uses one weight")
        else:
            out[name] = firsts[name]
    return out


def _cyclegan(new, disc_aux, gen_aux, loss_config, problems, notes) -> None:
    _no_aux(new, disc_aux, [], loss_config, problems, notes)
    w = _l1_terms(gen_aux, problems, {"cycle_loss": None, "id_loss": None})
    for key, name in (("cycle_loss_weight", "cycle_loss"), ("id_loss_weight", "id_loss")):
        if name in w:
            loss_config.take(key, w[name], "loss_weight", 1.0)
        else:
            loss_config[key] = 0.0
    if "cycle_loss" not in w:
        notes.append("0.x had no cycle loss")


def _pix2pix(new, disc_aux, gen_aux, loss_config, problems, notes) -> None:
    _no_aux(new, disc_aux, [], loss_config, problems, notes)
    w = _l1_terms(gen_aux, problems, {"pixel_loss": None})
    if "pixel_loss" in w:
        loss_config.take("pixel_loss_weight", w["pixel_loss"], "loss_weight", 1.0)
    else:
        loss_config["pixel_loss_weight"] = 0.0


_AUX_HANDLERS = {
    "WGANGP": _wgangp,
    "StyleGAN2": _stylegan2,
    "StyleGAN3": _stylegan2,
    "MSPIEStyleGAN2": _stylegan2,
    "ProgressiveGrowingGAN": _pggan,
    "PGGAN": _pggan,
    "StyleGANv1": _stylegan1,
    "SinGAN": _singan,
    "PESinGAN": _singan,
    "CycleGAN": _cyclegan,
    "Pix2Pix": _pix2pix,
}


# ---------------------------------------------------------------------------
# MOD003: data_preprocessor


@rule(
    "MOD003",
    "data-preprocessor",
    "Add the `model.data_preprocessor` every 1.x model needs (image keys of translation models, "
    "SinGAN's non-image input).",
    examples=[
        Example(
            before="""
            model = dict(type='StaticUnconditionalGAN', generator=dict(type='DCGANGenerator'))
            """,
            after="""
            model = dict(
                type='StaticUnconditionalGAN',
                generator=dict(type='DCGANGenerator'),
                data_preprocessor=dict(type='DataPreprocessor'),
            )
            """,
        ),
        Example(
            before="""
            a, b = 'mask', 'photo'
            model = dict(type='Pix2Pix', reachable_domains=[b], related_domains=[a, b])
            """,
            after="""
            a, b = 'mask', 'photo'
            model = dict(type='Pix2Pix', reachable_domains=['photo'], related_domains=['mask', 'photo'], data_preprocessor=dict(
                    type='DataPreprocessor',
                    data_keys=['img_mask', 'img_photo'],
                ))
            """,
        ),
        Valid(
            """
            model = dict(type='DCGAN', data_preprocessor=dict(type='DataPreprocessor'))
            """
        ),
    ],
)
def data_preprocessor(ctx: MigrationContext) -> None:
    """
    **What it does.** Adds `model.data_preprocessor = dict(type='DataPreprocessor')`
    to a 0.x GAN model, with `data_keys=['img_<domain>', ...]` (the model's
    `related_domains`) for CycleGAN/Pix2Pix and `non_image_keys=['input_sample']`
    for SinGAN/PESinGAN.

    **Why.** In 0.x the data pipeline normalised images (`Normalize` +
    `ImageToTensor` + `Collect`); in 1.x the pipeline only packs the uint8
    image and the model's data preprocessor normalises it
    (`mmagic/models/data_preprocessors/data_preprocessor.py`, default
    mean = std = 127.5, i.e. [-1, 1], the range every 0.x GAN pipeline used).
    Translation models read one image per domain, so the preprocessor must know
    those keys; SinGAN's `input_sample` is not an image.

    **Exactness.** Exact for the usual 0.x normalisation `mean=std=127.5` (the
    data rule DAT002 adjusts `mean`/`std`/channel order when the 0.x pipeline's
    `Normalize` differs, and reports what it cannot carry over). Only added to
    a file that defines the model's type (a `_base_` model file, not a child
    that overrides one key).

    **Reference.** mapping.md §2.2; mmagic 1.2.0 `DataPreprocessor.__init__`.
    """
    family = fam.family_of(ctx.source)
    if family in (fam.MODERN, fam.DIFFUSION, fam.UNKNOWN):
        return
    model = ctx.get(("model",), None)
    if not isinstance(model, dict) or "data_preprocessor" in model:
        return
    dp: dict[str, Any] = {"type": "DataPreprocessor"}
    why = "1.x models normalise images in their data preprocessor (mean=std=127.5, as the 0.x pipelines)"
    if family == fam.TRANSLATION:
        domains = model.get("related_domains") or model.get("reachable_domains")
        if isinstance(domains, (list, tuple)) and all(isinstance(d, str) for d in domains) and domains:
            dp["data_keys"] = [f"img_{d}" for d in domains]
            why += "; translation models read one image per domain (`img_<domain>`)"
        else:
            ctx.note("translation model without string `related_domains`: set "
                     "`data_preprocessor.data_keys` to the image keys of each domain by hand",
                     paths=[("model",)])
    if family == fam.SINGAN:
        dp["non_image_keys"] = ["input_sample"]
        why += "; SinGAN's `input_sample` is not an image"
    ctx.put(("model", "data_preprocessor"), dp, why, inputs=[("model", "type")], consume=False)


# ---------------------------------------------------------------------------
# MOD004: family-specific train_cfg keys


PGGAN_MODEL_KEYS = ("nkimgs_per_scale", "transition_kimgs", "interp_real", "prev_stage")
PGGAN_OPTIM_KEYS = ("optimizer_cfg", "g_lr_schedule", "d_lr_schedule", "g_lr_base", "d_lr_base",
                    "reset_optim_for_new_scale")
SINGAN_MODEL_KEYS = ("noise_weight_init", "iters_per_scale", "lr_scheduler_args")
PESINGAN_MODEL_KEYS = ("first_fixed_noises_ch", "fixed_noise_with_pad")
MSPIE_KEYS = ("num_upblocks", "multi_input_scales", "multi_scale_probability")
SINGAN_BETAS = (0.5, 0.999)  # hard-coded in 0.x mmgen/models/gans/singan.py train_step


@rule(
    "MOD004",
    "family-train-cfg",
    "Move the model hyper-parameters of 0.x `train_cfg` (PGGAN/StyleGANv1, SinGAN, MSPIE, "
    "CycleGAN/Pix2Pix) into the model, and PGGAN/SinGAN optimizers into their 1.x constructors.",
    requires=("OPT001",),
    examples=[
        Example(
            before="""
            model = dict(type='SinGAN', generator=dict(type='SinGANMultiScaleGenerator', num_scales=8))
            train_cfg = dict(noise_weight_init=0.1, iters_per_scale=2000, curr_scale=-1,
                             lr_d=0.0005, lr_g=0.0005, lr_scheduler_args=dict(milestones=[1600], gamma=0.1))
            optimizer = None
            """,
            after="""
            model = dict(
                type='SinGAN',
                generator=dict(type='SinGANMultiScaleGenerator', num_scales=8),
                num_scales=8,
                noise_weight_init=0.1,
                iters_per_scale=2000,
                lr_scheduler_args=dict(milestones=[1600], gamma=0.1),
            )
            optim_wrapper = dict(
                constructor='SinGANOptimWrapperConstructor',
                generator=dict(optimizer=dict(type='Adam', lr=0.0005, betas=(0.5, 0.999))),
                discriminator=dict(
                    optimizer=dict(type='Adam', lr=0.0005, betas=(0.5, 0.999)),
                ),
            )
            """,
        ),
        Example(
            before="""
            model = dict(type='ProgressiveGrowingGAN', generator=dict(type='PGGANGenerator'))
            train_cfg = dict(
                nkimgs_per_scale={'4': 600, '8': 1200},
                transition_kimgs=600,
                optimizer_cfg=dict(generator=dict(type='Adam', lr=0.001, betas=(0., 0.99)),
                                   discriminator=dict(type='Adam', lr=0.001, betas=(0., 0.99))),
                g_lr_base=0.001, d_lr_base=0.001,
                g_lr_schedule={'8': 0.0015}, d_lr_schedule={'8': 0.0015})
            optimizer = None
            """,
            after="""
            model = dict(
                type='ProgressiveGrowingGAN',
                generator=dict(type='PGGANGenerator'),
                nkimgs_per_scale={'4': 600, '8': 1200},
                transition_kimgs=600,
            )
            optim_wrapper = dict(
                constructor='PGGANOptimWrapperConstructor',
                generator=dict(optimizer=dict(type='Adam', lr=0.001, betas=(0., 0.99))),
                discriminator=dict(
                    optimizer=dict(type='Adam', lr=0.001, betas=(0., 0.99)),
                ),
                lr_schedule=dict(
                    generator={'4': 0.001, '8': 0.0015},
                    discriminator={'4': 0.001, '8': 0.0015},
                ),
                reset_optim_for_new_scale=True,
            )
            """,
        ),
        Valid(
            """
            model = dict(type='StaticUnconditionalGAN', generator=dict(type='DCGANGenerator'))
            train_cfg = dict(use_ema=True)
            """
        ),
    ],
)
def family_train_cfg(ctx: MigrationContext) -> None:
    """
    **What it does.** Moves the family-specific 0.x `train_cfg` keys
    (semantics.md §2, mapping.md §2.1/§2.3):

    - PGGAN / StyleGANv1: `nkimgs_per_scale`, `transition_kimgs`,
      `interp_real`, `prev_stage` → model kwargs; `optimizer_cfg` → the
      `generator`/`discriminator` wrappers of
      `optim_wrapper=dict(constructor='PGGANOptimWrapperConstructor', ...)`;
      the per-scale lr → `lr_schedule` with **both** keys and **every** scale
      of `nkimgs_per_scale` written out (first scale: the optimizer lr, other
      scales: `{g,d}_lr_schedule` or else `{g,d}_lr_base`);
      `reset_optim_for_new_scale` (0.x default True) → the constructor.
    - SinGAN / PESinGAN: `noise_weight_init`, `iters_per_scale`,
      `lr_scheduler_args` (PESinGAN also `first_fixed_noises_ch`,
      `fixed_noise_with_pad`) → model kwargs, `num_scales` from the generator;
      `lr_g`/`lr_d` plus the Adam betas (0.5, 0.999) that 0.x hard-coded →
      `optim_wrapper=dict(constructor='SinGANOptimWrapperConstructor', ...)`;
      `curr_scale=-1` dropped (1.x always starts there).
    - MSPIEStyleGAN2: `num_upblocks`, `multi_input_scales`,
      `multi_scale_probability` → `model.train_settings`.
    - CycleGAN: `buffer_size` → `model.buffer_size`; CycleGAN/Pix2Pix
      `real_img_key` → model kwarg.

    `disc_steps`/`generator_steps` are STP001's, `use_ema` the EMA rule's,
    `total_iters` the schedule rule's. The model-level `test_cfg = None` of 0.x
    model files is dropped (1.x `test_cfg` is the test loop).

    **Why.** 0.x models parsed these from `train_cfg` in `_parse_train_cfg`
    and built PGGAN/SinGAN optimizers themselves (`optimizer=None` in the
    config). 1.x models take them as `__init__` arguments and the optim-wrapper
    constructors build one wrapper per scale (`pggan_optimizer_constructor.py`,
    `singan_optimizer_constructor.py`). `PGGANOptimWrapperConstructor` raises
    `KeyError` without both `lr_schedule` keys and falls back to the
    optimizer lr (not `g_lr_base`) for unlisted scales, so every scale is
    written out.

    **Exactness.** Exact for the keys moved. Unknown keys of these families
    are *unsupported* (kept and marked). `curr_scale` other than -1 is
    *unsupported*. The SinGAN iteration accounting (`max_iters × disc_steps`)
    is the schedule rule's.

    **Reference.** semantics.md §2.3-2.6, §6.1-6.3; mapping.md §2.1, §2.3.
    """
    family = fam.family_of(ctx.source)
    if family in (fam.MODERN, fam.DIFFUSION):
        return
    if "test_cfg" in ctx.cfg and ctx.cfg["test_cfg"] is None and (family != fam.UNKNOWN or ctx.partial):
        ctx.drop(("test_cfg",), "0.x `test_cfg = None` meant default model test settings; 1.x `test_cfg` is the "
                 "test loop (EVL001 writes it where the config evaluates)")
    if "train_cfg" in ctx.cfg and ctx.cfg["train_cfg"] is None and family != fam.UNKNOWN:
        ctx.drop(("train_cfg",), "0.x `train_cfg = None` meant default model training settings; 1.x `train_cfg` "
                 "is the training loop (the schedule rule writes it)")
    train_cfg = ctx.get(("train_cfg",), None)
    if not isinstance(train_cfg, dict) or family == fam.UNKNOWN:
        return
    if family == fam.PGGAN:
        _pggan_keys(ctx, train_cfg)
    elif family == fam.SINGAN:
        _singan_keys(ctx, train_cfg)
    elif family == fam.MSPIE:
        for key in MSPIE_KEYS:
            if key in train_cfg:
                ctx.move(("train_cfg", key), ("model", "train_settings", key),
                         "MSPIEStyleGAN2 reads its multi-scale settings from `model.train_settings`")
    elif family == fam.TRANSLATION:
        mtype = ctx.source["model"]["type"]
        if "buffer_size" in train_cfg:
            if mtype == "CycleGAN":
                ctx.move(("train_cfg", "buffer_size"), ("model", "buffer_size"),
                         "CycleGAN's image-buffer size is a model argument in 1.x")
            else:
                ctx.flag(("train_cfg", "buffer_size"), f"{mtype} has no image buffer in 1.x")
        if "real_img_key" in train_cfg:
            ctx.move(("train_cfg", "real_img_key"), ("model", "real_img_key"),
                     "the real-image key is a model argument in 1.x (BaseTranslationModel)")
    if not ctx.partial or "model" in ctx.source:
        ctx.prune_empty(("train_cfg",), "0.x `train_cfg` held only model settings, now model arguments")


def _pggan_keys(ctx: MigrationContext, train_cfg: dict) -> None:
    for key in PGGAN_MODEL_KEYS:
        if key in train_cfg:
            ctx.move(("train_cfg", key), ("model", key), f"PGGAN `{key}` is a model argument in 1.x")
    present = [k for k in PGGAN_OPTIM_KEYS if k in train_cfg]
    if not present:
        return
    opt_cfg = train_cfg.get("optimizer_cfg")
    scales = ctx.old(("train_cfg", "nkimgs_per_scale"), None)
    if not (isinstance(opt_cfg, dict) and all(isinstance(opt_cfg.get(m), dict) for m in ("generator", "discriminator"))):
        ctx.flag(("train_cfg", present[0]), "PGGAN `train_cfg.optimizer_cfg` needs a generator and a discriminator "
                 "optimizer to build `PGGANOptimWrapperConstructor`")
        return
    if not isinstance(scales, dict) or not scales:
        ctx.flag(("train_cfg", "optimizer_cfg"), "PGGAN without `nkimgs_per_scale`: cannot write the per-scale lr")
        return
    ow = ctx.get(("optim_wrapper",), None)
    if ow not in (None, MISSING):
        ctx.flag(("optim_wrapper",), "PGGAN builds its optimizers from `train_cfg.optimizer_cfg`; "
                 "the 0.x `optimizer` setting was ignored")
        return
    order = sorted(scales, key=lambda s: int(s))
    lr_schedule = {}
    for module, short in (("generator", "g"), ("discriminator", "d")):
        base_lr = opt_cfg[module].get("lr")
        sched = train_cfg.get(f"{short}_lr_schedule") or {}
        fallback = train_cfg.get(f"{short}_lr_base", base_lr)
        lr_schedule[module] = {
            str(s): (base_lr if i == 0 else sched.get(str(s), fallback)) for i, s in enumerate(order)
        }
    wrapper: dict[str, Any] = {
        "constructor": "PGGANOptimWrapperConstructor",
        "generator": {"optimizer": opt_cfg["generator"]},
        "discriminator": {"optimizer": opt_cfg["discriminator"]},
        "lr_schedule": lr_schedule,
        "reset_optim_for_new_scale": train_cfg.get("reset_optim_for_new_scale", True),
    }
    if "optim_wrapper" in ctx.cfg:
        del ctx.cfg["optim_wrapper"]
    # the optimizers themselves are moved (their source expressions are kept)
    ctx.put(("optim_wrapper", "constructor"), "PGGANOptimWrapperConstructor",
            "1.x PGGAN/StyleGANv1 get one optim wrapper per scale from `PGGANOptimWrapperConstructor`",
            inputs=[("train_cfg", "optimizer_cfg")], consume=False)
    for module in ("generator", "discriminator"):
        ctx.move(("train_cfg", "optimizer_cfg", module), ("optim_wrapper", module, "optimizer"),
                 f"0.x PGGAN built the {module} optimizer from `train_cfg.optimizer_cfg`; same settings")
    ctx.prune_empty(("train_cfg", "optimizer_cfg"), "optimizer_cfg moved to optim_wrapper")
    inputs = [("train_cfg", k) for k in ("g_lr_schedule", "d_lr_schedule", "g_lr_base", "d_lr_base")
              if k in train_cfg]
    ctx.put(("optim_wrapper", "lr_schedule"), lr_schedule,
            "per-scale lr of every scale written out: 1.x applies `lr_schedule` from the first scale on and "
            "falls back to the optimizer lr, 0.x used the optimizer lr for the first scale and "
            "`{g,d}_lr_base` for unlisted later scales",
            inputs=inputs)
    ctx.put(("optim_wrapper", "reset_optim_for_new_scale"), wrapper["reset_optim_for_new_scale"],
            "fresh optimizers per scale, as 0.x " + ("(explicit)" if "reset_optim_for_new_scale" in train_cfg
                                                     else "(its default True)"),
            inputs=[("train_cfg", "reset_optim_for_new_scale")] if "reset_optim_for_new_scale" in train_cfg else [])


def _singan_keys(ctx: MigrationContext, train_cfg: dict) -> None:
    mtype = ctx.source["model"]["type"]
    keys = SINGAN_MODEL_KEYS + (PESINGAN_MODEL_KEYS if mtype == "PESinGAN" else ())
    num_scales = ctx.old(("model", "generator", "num_scales"), None)
    if isinstance(num_scales, int) and ctx.get(("model", "num_scales"), None) is None:
        ctx.put(("model", "num_scales"), num_scales,
                "1.x SinGAN needs `num_scales` as a model argument (0.x read it from the generator)",
                inputs=[("model", "generator", "num_scales")], consume=False)
    for key in keys:
        if key in train_cfg:
            ctx.move(("train_cfg", key), ("model", key), f"SinGAN `{key}` is a model argument in 1.x")
    if "curr_scale" in train_cfg:
        if train_cfg["curr_scale"] == -1:
            ctx.drop(("train_cfg", "curr_scale"), "1.x SinGAN always starts at stage -1, as this config")
        else:
            ctx.flag(("train_cfg", "curr_scale"), "1.x SinGAN cannot start at a later stage")
    lrs = {m: train_cfg.get(f"lr_{m[0]}") for m in ("generator", "discriminator")}
    if all(v is None for v in lrs.values()):
        return
    if any(v is None for v in lrs.values()):
        ctx.flag(("train_cfg", "lr_g" if lrs["generator"] is not None else "lr_d"),
                 "SinGAN needs both `lr_g` and `lr_d` to build its optimizers")
        return
    ow = ctx.get(("optim_wrapper",), None)
    if ow not in (None, MISSING):
        ctx.flag(("optim_wrapper",), "SinGAN builds its own Adam optimizers from `lr_g`/`lr_d`; "
                 "the 0.x `optimizer` setting was ignored")
        return
    if "optim_wrapper" in ctx.cfg:
        del ctx.cfg["optim_wrapper"]
    ctx.put(("optim_wrapper", "constructor"), "SinGANOptimWrapperConstructor",
            "1.x SinGAN gets one optim wrapper per scale from `SinGANOptimWrapperConstructor`",
            inputs=[("train_cfg", "lr_g"), ("train_cfg", "lr_d")], consume=False)
    for module, lr in lrs.items():
        key = f"lr_{module[0]}"
        ctx.put((("optim_wrapper", module, "optimizer")),
                {"type": "Adam", "lr": lr, "betas": SINGAN_BETAS},
                f"0.x SinGAN built Adam(lr={key}, betas=(0.5, 0.999)) for the {module} of each stage "
                "(mmgen singan.py train_step)",
                inputs=[("train_cfg", key)])


# ---------------------------------------------------------------------------
# MOD005: diffusion models have no 1.x training path

TRAINING_KEYS = ("optimizer", "optim_wrapper", "train_cfg", "total_iters", "lr_config", "optimizer_config",
                 "custom_hooks", "data", "evaluation", "metrics", "fp16", "apex_amp")


@rule(
    "MOD005",
    "refuse-diffusion-training",
    "Refuse to convert the training settings of Improved-DDPM (`BasicGaussianDiffusion`) configs: "
    "MMagic 1.x cannot train them.",
    examples=[
        Example(
            before="""
            num_timesteps = 4000
            model = dict(type='BasicGaussianDiffusion', num_timesteps=num_timesteps,
                         denoising=dict(type='DenoisingUnet', image_size=32))
            optimizer = dict(denoising=dict(type='AdamW', lr=1e-4, weight_decay=0))
            total_iters = 500000
            """,
            after="""
            num_timesteps = 4000
            # mmgen-migrate: MOD005 unsupported: BasicGaussianDiffusion (Improved-DDPM) has no training path in MMagic 1.x: ADM.train_step calls DDPMDiffusionScheduler.sample_timestep/training_loss, which raise NotImplementedError, and it uses attributes the class never defines (semantics.md §2.7); training settings left untouched
            model = dict(type='BasicGaussianDiffusion', num_timesteps=num_timesteps,
                         denoising=dict(type='DenoisingUnet', image_size=32))
            # mmgen-migrate: MOD005 unsupported: `optimizer` belongs to a model MMagic 1.x cannot train: not converted
            optimizer = dict(denoising=dict(type='AdamW', lr=1e-4, weight_decay=0))
            # mmgen-migrate: MOD005 unsupported: `total_iters` belongs to a model MMagic 1.x cannot train: not converted
            total_iters = 500000
            """,
        ),
        Valid(
            """
            model = dict(type='DCGAN')
            """
        ),
    ],
)
def refuse_diffusion_training(ctx: MigrationContext) -> None:
    """
    **What it does.** For a config whose model is `BasicGaussianDiffusion`
    (the Improved-DDPM configs), marks the model and every training setting
    (`optimizer`, `train_cfg`, `total_iters`, `lr_config`, `data`,
    `custom_hooks` with its EMA hook, `evaluation`/`metrics`) as
    *unsupported* and records that the other rules must leave them alone: the
    converted file keeps them as they were, with a `# mmgen-migrate:` marker,
    and the report says why. Runtime settings that do not depend on the model
    (checkpointing, logging, environment) are still converted.

    **Why.** MMagic 1.x has no trainable equivalent: `guided_diffusion/adm.py`
    `train_step` calls `diffusion_scheduler.sample_timestep()` and
    `training_loss()`, which raise `NotImplementedError`
    (`ddpm_scheduler.py`), and uses `self.denoising_ema`, `self.ema_start`…
    which are never defined; `editors/ddpm/` holds only UNet blocks. The
    upstream team did not port these configs (mapping.md §1). Emitting a 1.x
    config would only move the failure to the first training iteration.

    **Exactness.** Nothing is converted, so nothing is approximated: the
    finding is *unsupported* and the exit code says so. Inference-only use of
    the weights needs a hand-written ADM config (`guided_diffusion`), which is a
    different model definition.

    **Reference.** semantics.md §2.7 and §8 item 7; mapping.md §1, §2.1.
    """
    if fam.family_of(ctx.source) != fam.DIFFUSION:
        return
    ctx.facts["refused_training"] = True
    ctx.flag(
        ("model",),
        "BasicGaussianDiffusion (Improved-DDPM) has no training path in MMagic 1.x: ADM.train_step calls "
        "DDPMDiffusionScheduler.sample_timestep/training_loss, which raise NotImplementedError, and it uses "
        "attributes the class never defines (semantics.md §2.7); training settings left untouched",
    )
    for key in TRAINING_KEYS:
        if key in ctx.source:
            ctx.flag((key,), f"`{key}` belongs to a model MMagic 1.x cannot train: not converted")


# ---------------------------------------------------------------------------
# MOD006: architecture arguments renamed in 1.x

# modules whose 0.x `init_type`/`pretrained` became MMEngine's `init_cfg` in
# 1.x (mmagic 1.2.0 biggan_generator.py / biggan_discriminator.py; the
# BigGAN-deep modules still take `init_type`)
INIT_CFG_MODULES = {"BigGANGenerator", "BigGANDiscriminator"}


@rule(
    "MOD006",
    "biggan-init-cfg",
    "Turn the 0.x `init_type` (and `pretrained`) of BigGAN's generator and discriminator into the "
    "`init_cfg` their 1.x classes take.",
    examples=[
        Example(
            before="""
            model = dict(
                type='BasiccGAN',
                generator=dict(type='BigGANGenerator', output_scale=128, init_type='ortho'),
                discriminator=dict(type='BigGANDiscriminator', input_scale=128, init_type='ortho'))
            """,
            after="""
            model = dict(
                type='BasiccGAN',
                generator=dict(
                    type='BigGANGenerator',
                    output_scale=128,
                    init_cfg=dict(type='ortho'),
                ),
                discriminator=dict(
                    type='BigGANDiscriminator',
                    input_scale=128,
                    init_cfg=dict(type='ortho'),
                ))
            """,
        ),
        Valid(
            """
            model = dict(type='BigGAN', generator=dict(type='BigGANDeepGenerator', init_type='ortho'))
            """
        ),
    ],
)
def biggan_init_cfg(ctx: MigrationContext) -> None:
    """
    **What it does.** In `model.generator` / `model.discriminator` of type
    `BigGANGenerator` / `BigGANDiscriminator`: `init_type=X` →
    `init_cfg=dict(type=X)`; `pretrained=<ckpt>` →
    `init_cfg=dict(type='Pretrained', checkpoint=<ckpt>)`; `pretrained=None`
    is dropped. The BigGAN-deep modules keep `init_type` (1.x still takes it).

    **Why.** The 1.x `BigGANGenerator`/`BigGANDiscriminator` have no
    `init_type` argument (building them with one raises `TypeError`); their
    `init_weights` reads the scheme from `init_cfg['type']` (`'ortho'`,
    `'N02'`, `'xavier'`) or loads a `'Pretrained'` checkpoint. The upstream
    port made the same change by hand (mapping.md §2.1).

    **Exactness.** Exact: same initialisation scheme. `init_type` and
    `pretrained` together is *unsupported* (1.x takes one `init_cfg`).

    **Reference.** mapping.md §2.1; mmagic 1.2.0
    `models/editors/biggan/biggan_generator.py` `init_weights`.
    """
    model = ctx.get(("model",), None)
    if not isinstance(model, dict) or fam.family_of(ctx.source) in (fam.DIFFUSION,):
        return
    for module in ("generator", "discriminator"):
        sub = model.get(module)
        if not isinstance(sub, dict) or sub.get("type") not in INIT_CFG_MODULES:
            continue
        if "init_cfg" in sub and ("init_type" in sub or sub.get("pretrained") is not None):
            ctx.flag(("model", module), "both `init_cfg` and 0.x `init_type`/`pretrained`: 1.x takes one `init_cfg`")
            continue
        pretrained = sub.get("pretrained")
        if "init_type" in sub and pretrained is not None:
            ctx.flag(("model", module), "`init_type` and `pretrained` together: 1.x takes one `init_cfg`")
            continue
        if "pretrained" in sub and pretrained is None:
            ctx.drop(("model", module, "pretrained"), "`pretrained=None` is the default")
        if pretrained is not None:
            ctx.put(("model", module, "init_cfg"), {"type": "Pretrained", "checkpoint": pretrained},
                    f"1.x {sub['type']} loads a checkpoint through `init_cfg`", inputs=[("model", module, "pretrained")])
        if "init_type" in sub:
            ctx.put(("model", module, "init_cfg"), {"type": sub["init_type"]},
                    f"1.x {sub['type']} reads the initialisation scheme from `init_cfg['type']` (no `init_type`)",
                    inputs=[("model", module, "init_type")])


# ---------------------------------------------------------------------------
# MOD007: conditional GANs need a class count

# generators that cannot be built with `num_classes=0` unless a flag turns
# their class conditioning off (mmagic 1.2.0, same checks in mmgen 0.x):
# SNGANGenerator/SAGANGenerator: SNConditionNorm raises "`num_classes` must
# be larger than 0 with `use_cbn=True`" (sagan_modules.py); BigGAN(-deep):
# `assert not self.with_shared_embedding` when num_classes == 0
CLASS_CONDITIONED = {
    "SNGANGenerator": ("use_cbn", "SNConditionNorm raises `num_classes must be larger than 0 with use_cbn=True`"),
    "SAGANGenerator": ("use_cbn", "SNConditionNorm raises `num_classes must be larger than 0 with use_cbn=True`"),
    "BigGANGenerator": ("with_shared_embedding", "BigGANGenerator asserts `not with_shared_embedding` for 0 classes"),
    "BigGANDeepGenerator": ("with_shared_embedding",
                            "BigGANDeepGenerator asserts `not with_shared_embedding` for 0 classes"),
}
# datasets with a fixed class count (mmcls 0.x CIFAR10/ImageNet CLASSES, the
# same in MMagic 1.2.0 `datasets/cifar10_dataset.py`, `imagenet_dataset.py`)
DATASET_CLASSES = {"mmcls.CIFAR10": 10, "CIFAR10": 10, "mmcls.ImageNet": 1000, "ImageNet": 1000}


def _positive(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _dataset_classes(source: dict) -> tuple[int, str] | None:
    """A class count fixed by the config's training dataset, and why."""
    data = source.get("data")
    ds = data.get("train") if isinstance(data, dict) else None
    while isinstance(ds, dict) and ds.get("type") in ("RepeatDataset", "mmcls.RepeatDataset"):
        ds = ds.get("dataset")
    if not isinstance(ds, dict):
        return None
    classes = ds.get("classes")
    if isinstance(classes, (list, tuple)) and classes:
        return len(classes), f"the {len(classes)} `classes` of the training dataset ({ds.get('type')})"
    if ds.get("type") in DATASET_CLASSES and classes is None:
        n = DATASET_CLASSES[ds["type"]]
        return n, f"the training dataset {ds['type']!r}, which has {n} classes"
    return None


@rule(
    "MOD007",
    "conditional-num-classes",
    "Check that a conditional GAN (BigGAN/SAGAN/SNGAN) knows its class count; fill `model.num_classes` "
    "where it is known exactly, report the config as unbuildable otherwise.",
    requires=("MOD001",),
    examples=[
        Example(
            before="""
            model = dict(type='BasiccGAN',
                         generator=dict(type='SAGANGenerator', output_scale=32),
                         discriminator=dict(type='ProjDiscriminator', input_scale=32, num_classes=10))
            """,
            after="""
            model = dict(type='SAGAN',
                         generator=dict(type='SAGANGenerator', output_scale=32),
                         discriminator=dict(type='ProjDiscriminator', input_scale=32, num_classes=10),
                         num_classes=10)
            """,
        ),
        Valid(
            """
            model = dict(type='SAGAN', num_classes=10,
                         generator=dict(type='SAGANGenerator', output_scale=32, num_classes=10))
            """
        ),
    ],
)
def conditional_num_classes(ctx: MigrationContext) -> None:
    """
    **What it does.** For a 0.x `BasiccGAN` (BigGAN/SAGAN/SNGAN in 1.x) whose
    generator is class-conditioned (`SNGANGenerator`/`SAGANGenerator` with
    `use_cbn=True`, the default; `BigGANGenerator`/`BigGANDeepGenerator` with
    `with_shared_embedding=True`, the default) and that gives the generator no
    class count (no `num_classes` on the generator or the model):

    - if the discriminator's `num_classes`, or the training dataset, fixes
      the count exactly (mmcls/MMagic `CIFAR10`: 10, `ImageNet`: 1000, a
      dataset's own `classes` list), `model.num_classes` is set to it and the
      change says where the value came from (*review*);
    - otherwise the model is reported *unsupported*: it cannot be built, and
      the finding names `model.num_classes` as the key to set.

    **Why.** With `num_classes=0` these generators fail in their constructor
    (`SNConditionNorm`: "`num_classes` must be larger than 0 with
    `use_cbn=True`"; BigGAN: an assertion on the shared embedding), in 0.x as
    in 1.x. The StudioGAN-converted SAGAN/SNGAN configs of MMGeneration 0.x
    (`*_cvt_studioGAN.py`) have no class count at all: the input was already
    broken, and converting it silently would hide that. In 1.x the model's
    `num_classes` is passed to the generator and the discriminator as their
    default (`BaseGAN.__init__`, `BaseConditionalGAN._get_valid_num_classes`),
    so one model-level key fixes both.

    **Exactness.** *review* where the count is filled: the 0.x config did not
    build, so the converted config is what the 0.x author meant, not what 0.x
    ran. *unsupported* where no count is known. A `_base_` file (which may get
    its class count from the configs that inherit it) is not checked.

    **Reference.** mmagic 1.2.0 `models/editors/sagan/sagan_modules.py`
    (`SNConditionNorm`), `biggan/biggan_generator.py`,
    `models/base_models/base_conditional_gan.py`; MMGeneration 0.x
    `configs/_base_/models/sagan/sagan_32x32.py` (no `num_classes`).
    """
    if ctx.partial or fam.family_of(ctx.source) != fam.CONDITIONAL:
        return
    model = ctx.get(("model",), None)
    gen = model.get("generator") if isinstance(model, dict) else None
    if not isinstance(gen, dict) or gen.get("type") not in CLASS_CONDITIONED:
        return
    flag, failure = CLASS_CONDITIONED[gen["type"]]
    if not gen.get(flag, True) or _positive(gen.get("num_classes")) or _positive(model.get("num_classes")):
        return
    disc = model.get("discriminator")
    known: tuple[int, str, list] | None = None
    if isinstance(disc, dict) and _positive(disc.get("num_classes")):
        known = disc["num_classes"], "`model.discriminator.num_classes`", [("model", "discriminator", "num_classes")]
    elif _dataset_classes(ctx.source) is not None:
        n, why = _dataset_classes(ctx.source)
        known = n, why, [("data", "train")]
    broken = (f"the {gen['type']} (`{flag}=True`) needs a class count but the config gives it none "
              f"(`num_classes=0`): {failure}, in 0.x as in 1.x")
    if known is None:
        ctx.flag(("model",), f"{broken}: the model cannot be built; set `model.num_classes` to the number of "
                 "classes of the dataset (or the checkpoint) the model is for")
        return
    n, why, inputs = known
    ctx.put(("model", "num_classes"), n, f"{broken}; `model.num_classes={n}` is taken from {why} (1.x passes it "
            "to the generator and the discriminator)", inputs=inputs, consume=False, severity=Severity.REVIEW)
