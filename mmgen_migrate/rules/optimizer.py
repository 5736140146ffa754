"""``optimizer`` → ``optim_wrapper``."""

from __future__ import annotations

from typing import Any, Iterator

from ..model import MISSING, Path, Severity
from . import families as fam
from .base import Example, MigrationContext, Valid, rule

# Keys that mmcv's build_optimizer popped from the optimizer dict before
# building the torch optimizer; MMEngine reads them from the wrapper dict.
WRAPPER_LEVEL_KEYS = ("paramwise_cfg", "constructor")


def _split_wrapper_keys(ctx: MigrationContext, opt_path, wrapper_path) -> None:
    for key in WRAPPER_LEVEL_KEYS:
        if ctx.get(opt_path + (key,)) is MISSING:
            continue
        if key == "constructor":
            ctx.move(
                opt_path + (key,),
                wrapper_path + (key,),
                "0.x optimizer constructor moved to the wrapper; a 0.x (mmcv) optimizer constructor "
                "class is not an MMEngine optim-wrapper constructor: check it exists in 1.x",
                severity=Severity.REVIEW,
            )
        else:
            ctx.move(
                opt_path + (key,),
                wrapper_path + (key,),
                "paramwise_cfg belongs to the optim wrapper in MMEngine (build_optim_wrapper pops it there), "
                "values unchanged",
            )


@rule(
    "OPT001",
    "optimizer-to-optim-wrapper",
    "Turn the 0.x `optimizer` dict into an MMEngine `optim_wrapper`, one wrapper per module.",
    examples=[
        Example(
            before="""
            optimizer = dict(
                generator=dict(type='Adam', lr=0.0001, betas=(0.0, 0.999)),
                discriminator=dict(type='Adam', lr=0.0004, betas=(0.0, 0.999)))
            """,
            after="""
            optim_wrapper = dict(
                constructor='MultiOptimWrapperConstructor',
                generator=dict(optimizer=dict(type='Adam', lr=0.0001, betas=(0.0, 0.999))),
                discriminator=dict(
                    optimizer=dict(type='Adam', lr=0.0004, betas=(0.0, 0.999)),
                ),
            )
            """,
        ),
        Example(
            before="""
            # one optimizer for the whole model
            optimizer = dict(type='AdamW', lr=1e-4, weight_decay=0.01,
                             paramwise_cfg=dict(norm_decay_mult=0.0))
            """,
            after="""
            # one optimizer for the whole model
            optim_wrapper = dict(
                type='OptimWrapper',
                optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.01),
                paramwise_cfg=dict(norm_decay_mult=0.0),
            )
            """,
        ),
        Example(
            before="""
            # MMEditing 0.x GAN restorer
            optimizers = dict(
                generator=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999)),
                discriminator=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999)))
            """,
            after="""
            # MMEditing 0.x GAN restorer
            optim_wrapper = dict(
                constructor='MultiOptimWrapperConstructor',
                generator=dict(optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999))),
                discriminator=dict(
                    optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999)),
                ),
            )
            """,
        ),
        Example(
            before="""
            optimizer = None  # inference only
            """,
            after="""
            optim_wrapper = None  # inference only
            """,
        ),
        Valid(
            """
            optim_wrapper = dict(
                constructor='MultiOptimWrapperConstructor',
                generator=dict(optimizer=dict(type='Adam', lr=0.0002)))
            """
        ),
    ],
)
def optimizer_to_optim_wrapper(ctx: MigrationContext) -> None:
    """
    **What it does.** Moves the 0.x `optimizer` setting into `optim_wrapper`:

    - a dict of per-module optimizers (`generator`/`discriminator`,
      `generators`/`discriminators` or any other sub-module names) becomes
      `optim_wrapper = dict(constructor='MultiOptimWrapperConstructor',
      <module>=dict(optimizer=<the same dict>), ...)`;
    - a single optimizer (`optimizer = dict(type=...)`) becomes
      `optim_wrapper = dict(type='OptimWrapper', optimizer=<the same dict>)`;
    - `optimizer = None` (inference-only configs) becomes `optim_wrapper = None`;
    - `paramwise_cfg` moves from the optimizer dict up to its wrapper;
    - MMEditing 0.x configs (GAN restorers such as ESRGAN) spell the setting
      `optimizers`; it is converted the same way.

    **Why.** MMGeneration 0.x built one torch optimizer per sub-module in
    `mmgen/core/optimizer/builder.py` (`build_optimizers`). MMagic 1.x wraps
    every optimizer in an MMEngine `OptimWrapper` (gradient accumulation, AMP,
    `optim_context`) and builds them with `MultiOptimWrapperConstructor`
    (`mmagic/engine/optimizers/multi_optimizer_constructor.py`), keyed by the
    same sub-module names. MMEngine's `build_optim_wrapper` reads `paramwise_cfg`
    from the wrapper, where mmcv's `build_optimizer` read it from the optimizer.

    **Exactness.** Exact: every optimizer key and value is kept (the MMagic
    guide's example shows generator lr 0.0002 for a 0.x lr of 0.0001: that is a
    typo in the guide, values are never changed). A 0.x `constructor` inside an
    optimizer dict is moved to the wrapper and marked *review*.

    **Reference.** MMagic docs, "Migration of Optimizers"
    (docs/en/migration/optimizers.md); semantics.md §1.3.
    """
    cfg = ctx.cfg
    key = "optimizer"
    if "optimizer" not in cfg and "optim_wrapper" not in cfg and isinstance(cfg.get("optimizers"), dict):
        # MMEditing 0.x spelling (mmedit/apis/train.py: build_optimizers(model, cfg.optimizers))
        key = "optimizers"
    if key not in cfg or fam.training_refused(ctx.source):
        return
    opt = cfg[key]
    if "optim_wrapper" in cfg:
        ctx.flag(
            (key,),
            "config has both `optimizer` and `optim_wrapper`; MMEngine ignores `optimizer`, kept as-is",
        )
        return
    if opt is None:
        ctx.move((key,), ("optim_wrapper",), "`optimizer = None` (no training) becomes `optim_wrapper = None`")
        return
    if not isinstance(opt, dict):
        ctx.flag((key,), f"`optimizer` is a {type(opt).__name__}, not a dict: cannot convert it")
        return
    if "type" in opt:
        ctx.put(
            ("optim_wrapper", "type"),
            "OptimWrapper",
            "a single optimizer is wrapped in MMEngine's default `OptimWrapper`",
            consume=False,
        )
        ctx.move((key,), ("optim_wrapper", "optimizer"), "optimizer dict kept unchanged inside the wrapper")
        _split_wrapper_keys(ctx, ("optim_wrapper", "optimizer"), ("optim_wrapper",))
        return
    bad = [k for k, v in opt.items() if not (isinstance(v, dict) and "type" in v)]
    if bad or not opt:
        ctx.flag(
            (key,),
            "`optimizer` is neither a single optimizer (with `type`) nor a dict of per-module optimizers"
            + (f" (entries without `type`: {', '.join(map(str, bad))})" if bad else ""),
        )
        return
    ctx.put(
        ("optim_wrapper", "constructor"),
        "MultiOptimWrapperConstructor",
        "per-module optimizers are built by MMagic's `MultiOptimWrapperConstructor`",
        consume=False,
    )
    for module in list(opt):
        ctx.move(
            (key, module),
            ("optim_wrapper", module, "optimizer"),
            f"optimizer of `{module}` kept unchanged in its own wrapper",
        )
        _split_wrapper_keys(ctx, ("optim_wrapper", module, "optimizer"), ("optim_wrapper", module))
    if cfg.get(key) == {}:
        del cfg[key]


# ---------------------------------------------------------------------------
# OPT002: Adam-style `betas` must be floats


def _betas_paths(value: Any, path: Path) -> Iterator[Path]:
    """Paths of every `betas` list/tuple holding an int, in optimizer dicts
    anywhere under ``value``."""
    if isinstance(value, dict):
        betas = value.get("betas")
        if isinstance(betas, (list, tuple)) and any(type(b) is int for b in betas):
            yield path + ("betas",)
        for k, v in value.items():
            if k != "betas":
                yield from _betas_paths(v, path + (k,))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _betas_paths(v, path + (i,))


@rule(
    "OPT002",
    "float-betas",
    "Write integer Adam `betas` such as `(0, 0.99)` as floats (`(0.0, 0.99)`): current PyTorch refuses an int.",
    requires=("OPT001",),
    examples=[
        Example(
            before="""
            optimizer = dict(
                generator=dict(type='Adam', lr=0.0025, betas=(0, 0.99)),
                discriminator=dict(type='Adam', lr=0.002, betas=(0.0, 0.99)))
            """,
            after="""
            optim_wrapper = dict(
                constructor='MultiOptimWrapperConstructor',
                generator=dict(optimizer=dict(type='Adam', lr=0.0025, betas=(0.0, 0.99))),
                discriminator=dict(
                    optimizer=dict(type='Adam', lr=0.002, betas=(0.0, 0.99)),
                ),
            )
            """,
        ),
        Valid(
            """
            optim_wrapper = dict(generator=dict(optimizer=dict(type='Adam', lr=0.0025, betas=(0, 0.99))))
            """
        ),
    ],
)
def float_betas(ctx: MigrationContext) -> None:
    """
    **What it does.** In every optimizer of a 0.x config (`optim_wrapper`
    after OPT001, PGGAN's `train_cfg.optimizer_cfg`), an int inside `betas`
    is written as the same float: `betas=(0, 0.99)` → `betas=(0.0, 0.99)`.

    **Why.** The StyleGAN2/StyleGAN3/MSPIE 0.x configs write `betas=(0, 0.99)`
    (and the upstream 1.x ports copied it). Current PyTorch (`torch.optim.Adam`
    / `AdamW`, `_get_scalar_dtype` checks in `torch/optim/adam.py`) raises
    `ValueError: betas must be either both floats or both Tensors` when one
    beta is an int, so the converted config would fail when MMEngine builds the
    optimizer. The torch of the 0.x era accepted it.

    **Exactness.** Exact: `0 == 0.0`, the optimizer does the same maths. A
    config that is already 1.x is left alone (the converter does not edit 1.x
    configs).

    **Reference.** PyTorch `torch/optim/adam.py` `Adam.__init__`; the
    StyleGAN2 configs of MMGeneration 0.x (`configs/styleganv2/*.py`).
    """
    if fam.training_refused(ctx.source) or not fam.is_legacy_config(ctx.source):
        return
    for top in ("optim_wrapper", "train_cfg"):
        for path in list(_betas_paths(ctx.get((top,), None), (top,))):
            betas = ctx.get(path)
            new = type(betas)(float(b) if type(b) is int else b for b in betas)
            ctx.put(path, new, "the same value as a float: PyTorch's Adam refuses an int beta "
                    "(`betas must be either both floats or both Tensors`)", inputs=[path])
