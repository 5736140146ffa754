"""Runtime settings: hooks, environment, resuming, the runner and DDP wrapper.

None of these change the optimisation maths; they decide whether the 1.x
config starts at all, and whether it checkpoints, logs and resumes the way the
0.x one did.  MMEngine reads none of the 0.x keys (`checkpoint_config`,
`log_config`, `runner`, `workflow`, `resume_from`, `dist_params`, ...): left
in place they are silently ignored.
"""

from __future__ import annotations


from ..model import MISSING, Severity
from . import families as fam
from .base import Example, MigrationContext, Valid, other_sources, primary_source, rule

# A converted `_base_` file keeps a new key only if it owned this 0.x key
# (convert.restrict_to_owned); the configs that inherit it get the rest.
primary_source("default_hooks", "checkpoint_config")
primary_source("log_processor", "log_config")
primary_source("env_cfg", "dist_params")
primary_source("resume", "resume_from")
primary_source("model_wrapper_cfg", "runner")
primary_source("default_scope", "runner")
primary_source("visualizer", "log_config")
# ... or, failing a sibling base that could claim them too, any DDP setting
other_sources("model_wrapper_cfg", "find_unused_parameters", "use_ddp_wrapper")
other_sources("default_scope", "find_unused_parameters", "use_ddp_wrapper")

# keys of mmcv's CheckpointHook that MMEngine's CheckpointHook takes unchanged
CHECKPOINT_KEYS = ("interval", "by_epoch", "save_optimizer", "out_dir", "max_keep_ckpts", "save_last",
                   "file_client_args")
LOGGER_KEYS = ("interval", "ignore_last", "out_dir", "out_suffix", "keep_local", "file_client_args")
# mmcv logger hooks -> MMEngine visualisation backends
LOGGER_BACKENDS = {
    "TensorboardLoggerHook": "TensorboardVisBackend",
    "WandbLoggerHook": "WandbVisBackend",
}
LEGACY_KEYS = fam.LEGACY_KEYS
KNOWN_RUNNERS = ("DynamicIterBasedRunner", "IterBasedRunner")


def is_legacy(source: dict) -> bool:
    return fam.is_legacy_config(source)


def ensure_visualizer(ctx: MigrationContext, backend: dict | None, why: str, inputs) -> None:
    """Make sure ``visualizer`` is MMagic's ``Visualizer`` (needed by MMagic's
    ``VisualizationHook``), adding ``backend`` to its ``vis_backends``."""
    vis = ctx.get(("visualizer",), None)
    if isinstance(vis, dict) and ctx.old(("visualizer",), None) is not None:
        if backend is None or backend in vis.get("vis_backends", []):
            return
        value = {**vis, "vis_backends": [*vis.get("vis_backends", []), backend]}
    elif isinstance(vis, dict):
        value = dict(vis)
        if backend is not None and backend not in value["vis_backends"]:
            value["vis_backends"] = [*value["vis_backends"], backend]
    else:
        value = {"type": "Visualizer", "vis_backends": [{"type": "VisBackend"}]}
        if backend is not None:
            value["vis_backends"].append(backend)
    ctx.put(("visualizer",), value, why, inputs=inputs, consume=False)


# ---------------------------------------------------------------------------


@rule(
    "RUN001",
    "hooks-to-default-hooks",
    "Move `checkpoint_config` to `default_hooks.checkpoint` and `log_config` to `default_hooks.logger` "
    "(+ `log_processor`, logger backends to the visualizer).",
    examples=[
        Example(
            before="""
            checkpoint_config = dict(interval=10000, by_epoch=False, max_keep_ckpts=20)
            # print a line every 100 iterations
            log_config = dict(
                interval=100,
                hooks=[
                    dict(type='TextLoggerHook'),
                    # dict(type='TensorboardLoggerHook'),
                ])
            """,
            after="""
            default_hooks = dict(
                checkpoint=dict(interval=10000, by_epoch=False, max_keep_ckpts=20,
                                type='CheckpointHook'),
                logger=dict(interval=100, type='LoggerHook'))
            # print a line every 100 iterations
            # dict(type='TensorboardLoggerHook'),
            visualizer = dict(type='Visualizer', vis_backends=[dict(type='VisBackend')])
            log_processor = dict(by_epoch=False)
            """,
        ),
        Valid(
            """
            default_hooks = dict(logger=dict(type='LoggerHook', interval=100))
            """
        ),
    ],
)
def hooks_to_default_hooks(ctx: MigrationContext) -> None:
    """
    **What it does.**

    - `checkpoint_config = dict(interval=..., by_epoch=..., max_keep_ckpts=..., ...)`
      → `default_hooks.checkpoint = dict(type='CheckpointHook', <same keys>)`;
      `checkpoint_config = None` → `default_hooks.checkpoint = None` (no
      checkpoints, as in 0.x); `create_symlink` is dropped.
    - `log_config = dict(interval=N, hooks=[...])` →
      `default_hooks.logger = dict(type='LoggerHook', interval=N)` and
      `log_processor = dict(by_epoch=False)`; `TextLoggerHook` is what
      `LoggerHook` does by default; `TensorboardLoggerHook` / `WandbLoggerHook`
      become `visualizer.vis_backends` entries. Other logger hooks are
      *unsupported*. `visualizer = dict(type='Visualizer',
      vis_backends=[dict(type='VisBackend', ...)])` (MMagic's) is written next
      to the logger, as MMagic's runtime configs do: MMagic's
      `VisualizationHook` needs it, and a `_base_` runtime file must define it
      for every config that inherits it.

    **Why.** MMEngine registers its default hooks from `default_hooks` and
    ignores `checkpoint_config`/`log_config`. The mmcv `CheckpointHook`
    arguments keep their names in MMEngine's `CheckpointHook`. MMEngine's
    `LogProcessor` defaults to `by_epoch=True`; 0.x GAN runs were
    iteration-based (`DynamicIterBasedRunner`), so logs count iterations.
    The mapping keeps the 0.x values: the upstream hand port replaced
    checkpoint intervals and `max_keep_ckpts` by its runtime defaults in 36
    configs (docs/mapping.md §2.9).

    **Exactness.** Exact (no effect on training maths). A checkpoint hook
    without `by_epoch=False` is *review*: neither version saves by epoch in an
    iteration-based run. Logger backends are *review* (their options differ).
    `_base_` layouts: `default_hooks` is written in the file that holds
    `checkpoint_config`; a `log_config` in another file becomes an override
    of `default_hooks.logger` in the config that inherits both.

    **Reference.** docs/mapping.md §2.9, §4 rule 8; MMEngine `CheckpointHook`,
    `LoggerHook`, `LogProcessor`.
    """
    if "checkpoint_config" in ctx.cfg:
        _checkpoint(ctx)
    if "log_config" in ctx.cfg:
        _logger(ctx)


def _checkpoint(ctx: MigrationContext) -> None:
    ck = ctx.cfg["checkpoint_config"]
    if ck is None:
        ctx.move(("checkpoint_config",), ("default_hooks", "checkpoint"),
                 "`checkpoint_config = None` (no checkpoints) becomes `default_hooks.checkpoint = None`")
        return
    if not isinstance(ck, dict):
        ctx.flag(("checkpoint_config",), f"`checkpoint_config` is a {type(ck).__name__}, not a dict")
        return
    unknown = [k for k in ck if k not in CHECKPOINT_KEYS and k not in ("create_symlink", "type")]
    if unknown:
        ctx.flag(("checkpoint_config",), f"checkpoint settings MMEngine's CheckpointHook does not take: "
                 f"{', '.join(map(str, unknown))}; kept as-is")
        return
    if ck.get("type", "CheckpointHook") != "CheckpointHook":
        ctx.flag(("checkpoint_config", "type"), f"custom checkpoint hook {ck['type']!r}; kept as-is")
        return
    ck = dict(ck)
    severity = Severity.EXACT if ck.get("by_epoch", True) is False else Severity.REVIEW
    for key in list(ck):
        if key == "create_symlink":
            ctx.drop(("checkpoint_config", key), "MMEngine keeps no `latest.pth` symlink (it writes "
                     "`last_checkpoint` instead)", severity=Severity.REVIEW if ck[key] else Severity.EXACT)
        elif key != "type":
            ctx.move(("checkpoint_config", key), ("default_hooks", "checkpoint", key),
                     f"`{key}` means the same for MMEngine's CheckpointHook"
                     + ("" if key != "by_epoch" or severity == Severity.EXACT
                        else "; by-epoch checkpoints are never saved in an iteration-based run"),
                     severity=severity if key == "by_epoch" else Severity.EXACT)
    if "by_epoch" not in ck:
        ctx.note("checkpoint hook without `by_epoch=False`: it saves by epoch, which an iteration-based "
                 "run never finishes (both in 0.x and 1.x); add `by_epoch=False`",
                 paths=[("checkpoint_config",)])
    ctx.put(("default_hooks", "checkpoint", "type"), "CheckpointHook",
            "0.x checkpoint_config configured mmcv's CheckpointHook",
            inputs=[("checkpoint_config", "type")] if "type" in ck else [("checkpoint_config",)], consume=False)
    if ctx.cfg.get("checkpoint_config") == {}:
        del ctx.cfg["checkpoint_config"]


def _logger(ctx: MigrationContext) -> None:
    lc = ctx.cfg["log_config"]
    lc = dict(lc) if isinstance(lc, dict) else lc
    if lc is None:
        ctx.drop(("log_config",), "`log_config = None`: MMEngine always logs; nothing to carry over",
                 severity=Severity.REVIEW)
        return
    if not isinstance(lc, dict):
        ctx.flag(("log_config",), f"`log_config` is a {type(lc).__name__}, not a dict")
        return
    hooks = lc.get("hooks", [])
    hooks = hooks if isinstance(hooks, (list, tuple)) else [hooks]
    bad = [h.get("type") if isinstance(h, dict) else h for h in hooks
           if not (isinstance(h, dict) and (h.get("type") == "TextLoggerHook" or h.get("type") in LOGGER_BACKENDS))]
    unknown = [k for k in lc if k not in LOGGER_KEYS and k not in ("hooks", "by_epoch")]
    if bad or unknown:
        what = [f"logger hook(s) {', '.join(map(repr, bad))} without an MMEngine twin"] if bad else []
        what += [f"settings {', '.join(map(str, unknown))} LoggerHook does not take"] if unknown else []
        ctx.flag(("log_config",), "; ".join(what) + "; kept as-is")
        return
    for key in list(lc):
        if key in LOGGER_KEYS:
            ctx.move(("log_config", key), ("default_hooks", "logger", key),
                     f"`{key}` means the same for MMEngine's LoggerHook")
    ctx.put(("default_hooks", "logger", "type"), "LoggerHook",
            "MMEngine's LoggerHook prints the text log that mmcv's TextLoggerHook printed",
            inputs=[("log_config", "hooks")] if "hooks" in lc else [], consume=False)
    for i, hook in enumerate(hooks):
        if hook.get("type") in LOGGER_BACKENDS:
            backend = {"type": LOGGER_BACKENDS[hook["type"]],
                       **{k: v for k, v in hook.items() if k in ("init_kwargs",)}}
            ensure_visualizer(ctx, backend, f"mmcv {hook['type']} becomes the MMEngine vis backend "
                              f"{backend['type']} (check its options)", inputs=[("log_config", "hooks", i)])
            ctx.note(f"{hook['type']} options other than `init_kwargs` are not carried over",
                     paths=[("log_config", "hooks", i)])
    if not any(h.get("type") in LOGGER_BACKENDS for h in hooks):
        ensure_visualizer(ctx, None, "MMagic's Visualizer (local files), as MMagic's runtime configs use: "
                          "MMagic's VisualizationHook and vis backends need it, MMEngine's default has no "
                          "`add_datasample` for generated images", inputs=[("log_config",)])
    text_args = sorted({k for h in hooks if h.get("type") == "TextLoggerHook" for k in h if k != "type"})
    ctx.drop(("log_config", "hooks"), "TextLoggerHook is LoggerHook's default output"
             + (f"; its settings {', '.join(text_args)} are not carried over" if text_args else ""),
             severity=Severity.REVIEW if text_args else Severity.EXACT)
    if "by_epoch" in lc:
        ctx.drop(("log_config", "by_epoch"), "iteration-based logging is `log_processor.by_epoch=False`",
                 severity=Severity.EXACT if lc["by_epoch"] is False else Severity.REVIEW)
    ctx.put(("log_processor", "by_epoch"), False,
            "0.x runs were iteration-based; MMEngine's LogProcessor defaults to by_epoch=True",
            inputs=[("log_config",)], consume=False)
    if ctx.cfg.get("log_config") == {}:
        del ctx.cfg["log_config"]


# ---------------------------------------------------------------------------


@rule(
    "RUN002",
    "env-settings",
    "Move `dist_params`, `cudnn_benchmark`, `mp_start_method` and `opencv_num_threads` into `env_cfg`.",
    examples=[
        Example(
            before="""
            dist_params = dict(backend='nccl')
            # speed up fixed-size convolutions
            cudnn_benchmark = True
            mp_start_method = 'fork'
            opencv_num_threads = 0
            """,
            after="""
            # speed up fixed-size convolutions
            env_cfg = dict(
                dist_cfg=dict(backend='nccl'), cudnn_benchmark=True,
                mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))
            """,
        ),
        Valid(
            """
            env_cfg = dict(cudnn_benchmark=False)
            """
        ),
    ],
)
def env_settings(ctx: MigrationContext) -> None:
    """
    **What it does.** `dist_params` → `env_cfg.dist_cfg`, `cudnn_benchmark` →
    `env_cfg.cudnn_benchmark`, `mp_start_method` / `opencv_num_threads` →
    `env_cfg.mp_cfg`, values unchanged.

    **Why.** MMEngine's `Runner.setup_env` reads only `env_cfg`. The upstream
    runtime base also kept the 0.x top-level keys, where nothing reads them
    (docs/mapping.md §3c).

    **Exactness.** Exact. The defaults agree (`cudnn_benchmark` False,
    `fork`, 0 OpenCV threads, `nccl`), so an absent key stays absent.

    **Reference.** docs/mapping.md §2.9; MMEngine `Runner.setup_env`,
    `mmengine/utils/dl_utils/setup_env.py`.
    """
    moves = (
        ("dist_params", ("env_cfg", "dist_cfg"), "process-group settings are `env_cfg.dist_cfg` in MMEngine"),
        ("cudnn_benchmark", ("env_cfg", "cudnn_benchmark"), "read from `env_cfg` by Runner.setup_env"),
        ("mp_start_method", ("env_cfg", "mp_cfg", "mp_start_method"), "multi-processing settings are `env_cfg.mp_cfg`"),
        ("opencv_num_threads", ("env_cfg", "mp_cfg", "opencv_num_threads"),
         "multi-processing settings are `env_cfg.mp_cfg`"),
    )
    if "env_cfg" in ctx.source and not is_legacy(ctx.source):
        return
    for old, new, why in moves:
        if old in ctx.cfg:
            ctx.move((old,), new, why)


# ---------------------------------------------------------------------------


@rule(
    "RUN003",
    "resume-from",
    "Turn `resume_from=<ckpt>` into `load_from=<ckpt>` + `resume=True`.",
    examples=[
        Example(
            before="""
            load_from = None
            resume_from = 'work_dirs/run1/iter_80000.pth'  # continue the crashed run
            """,
            after="""
            load_from = 'work_dirs/run1/iter_80000.pth'
            resume = True  # continue the crashed run
            """,
        ),
        Example(
            before="""
            load_from = None
            resume_from = None
            """,
            after="""
            load_from = None
            """,
        ),
        Valid(
            """
            load_from = 'ckpt.pth'
            resume = True
            """
        ),
    ],
)
def resume_from(ctx: MigrationContext) -> None:
    """
    **What it does.** `resume_from = None` is dropped. `resume_from = <path>`
    becomes `load_from = <path>` and `resume = True`. `load_from` alone keeps
    its name and meaning (load weights, start at iteration 0).

    **Why.** MMEngine has no `resume_from`: it resumes from `load_from` when
    `resume=True` (`Runner.load_or_resume`). In 0.x a `resume_from` took
    precedence over `load_from` (`mmgen/apis/train.py`), so a `load_from`
    next to a `resume_from` path is replaced (*review*: the weights-only path
    is no longer used, as in 0.x).

    **Exactness.** Exact. 0.x resume restored the iteration, the optimizers
    and (for PGGAN) the growth stage; MMEngine restores iteration, optimizer
    wrappers and schedulers. The 1.x discriminator accumulation counter
    restarts at the resume point (docs/semantics.md §8 item 8), flagged by STP001
    where accumulation is used.

    **Reference.** docs/mapping.md §2.9, §4 rule 8; MMEngine `Runner.load_or_resume`.
    """
    if "resume_from" not in ctx.cfg:
        return
    path = ctx.cfg["resume_from"]
    if path is None:
        ctx.drop(("resume_from",), "`resume_from = None`: MMEngine does not resume by default (`resume=False`)")
        return
    old_load = ctx.cfg.get("load_from", MISSING)
    sev = Severity.REVIEW if old_load not in (None, MISSING) and old_load != path else Severity.EXACT
    if old_load is not MISSING:
        ctx.drop(("load_from",), "replaced by the `resume_from` checkpoint (0.x resumed from it and "
                 "ignored `load_from`)", severity=sev)
    ctx.move(("resume_from",), ("load_from",),
             "MMEngine resumes from `load_from` when `resume=True`"
             + (f"; 0.x ignored `load_from={old_load!r}` because `resume_from` wins" if sev == Severity.REVIEW
                else ""), severity=sev)
    ctx.put(("resume",), True, "resume (iteration, optimizers, schedulers), not just load weights",
            inputs=[("resume_from",)], consume=False)


# ---------------------------------------------------------------------------


@rule(
    "RUN004",
    "runner-and-ddp",
    "Remove `runner`, `workflow` and `use_ddp_wrapper`; write `model_wrapper_cfg` "
    "(MMSeparateDistributedDataParallel) with the 0.x `find_unused_parameters`.",
    examples=[
        Example(
            before="""
            runner = dict(
                type='DynamicIterBasedRunner',
                is_dynamic_ddp=False,  # Note that this flag should be False.
                pass_training_status=True)
            workflow = [('train', 10000)]
            use_ddp_wrapper = True
            find_unused_parameters = False
            """,
            after="""
            model_wrapper_cfg = dict(
                type='MMSeparateDistributedDataParallel', broadcast_buffers=False,
                find_unused_parameters=False)
            """,
        ),
        Example(
            before="""
            log_level = 'INFO'
            runner = dict(type='DynamicIterBasedRunner', pass_training_status=True,
                          fp16_loss_scaler=dict(init_scale=512))
            """,
            after="""
            log_level = 'INFO'
            # mmgen-migrate: RUN004 unsupported: runner settings not converted: fp16_loss_scaler (the AMP rules convert `fp16_loss_scaler`; run them too)
            runner = dict(type='DynamicIterBasedRunner', pass_training_status=True,
                          fp16_loss_scaler=dict(init_scale=512))
            model_wrapper_cfg = dict(
                type='MMSeparateDistributedDataParallel', broadcast_buffers=False,
                find_unused_parameters=False)
            """,
        ),
        Valid(
            """
            model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel', find_unused_parameters=True)
            """
        ),
    ],
)
def runner_and_ddp(ctx: MigrationContext) -> None:
    """
    **What it does.**

    - `runner = dict(type='DynamicIterBasedRunner' | 'IterBasedRunner',
      is_dynamic_ddp=..., pass_training_status=...)` and `runner = None` are
      removed. Any other runner setting left (e.g. `fp16_loss_scaler` when the
      AMP rule is not selected, `max_iters`) is *unsupported*.
    - `workflow = [('train', N)]` is removed.
    - `use_ddp_wrapper` is removed and `find_unused_parameters` moves into
      `model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel',
      broadcast_buffers=False, find_unused_parameters=<0.x value, default False>)`,
      written in the file that holds `runner`, or in any complete 0.x GAN
      config (multi-GPU training needs it even when the 0.x config relied on
      the defaults).

    **Why.** MMEngine builds its loop from `train_cfg` (the schedule rule turns
    `total_iters` into `IterBasedTrainLoop`) and ignores `runner`/`workflow`.
    `pass_training_status` is always on in 1.x (models read the iteration from
    the MessageHub); `is_dynamic_ddp` and `use_ddp_wrapper` chose how 0.x
    wrapped the model for DDP (`mmgen/apis/train.py`: both with
    `broadcast_buffers=False`). 1.x GAN models run their own `train_step`
    over an `OptimWrapperDict` and call generator and discriminator directly,
    so they need the per-module `MMSeparateDistributedDataParallel`
    (`mmengine/model/wrappers/seperate_distributed.py`, which forwards
    `train_step` to the model); without `model_wrapper_cfg` a distributed run
    wraps the whole model in `MMDistributedDataParallel`, whose generic
    `train_step` (one forward in `loss` mode, one optimizer) a GAN cannot run.
    The upstream port reset `find_unused_parameters` True → False in 38
    configs; the 0.x value is kept.

    **Exactness.** Exact: gradients are averaged across processes either way.
    A workflow with another phase than `train` is *unsupported*.

    **Reference.** docs/mapping.md §2.9, §4 rule 8; MMEngine `Runner.wrap_model`,
    `model/wrappers/distributed.py` `MMDistributedDataParallel.train_step`.
    """
    cfg = ctx.cfg
    if "runner" in cfg:
        runner = cfg["runner"]
        if runner is None:
            ctx.drop(("runner",), "`runner = None` ran mmcv's IterBasedRunner; 1.x runs `train_cfg`'s loop")
        elif isinstance(runner, dict) and runner.get("type") in KNOWN_RUNNERS:
            left = [k for k in runner if k not in ("type", "is_dynamic_ddp", "pass_training_status")]
            if left:
                hint = " (the AMP rules convert `fp16_loss_scaler`; run them too)" if "fp16_loss_scaler" in left else ""
                ctx.flag(("runner",), f"runner settings not converted: {', '.join(map(str, left))}{hint}")
            else:
                ctx.drop(("runner",), f"MMEngine ignores `runner`: the {runner['type']} loop is the 1.x "
                         "IterBasedTrainLoop of `train_cfg`; training status always reaches 1.x models "
                         "(MessageHub) and dynamic DDP is MMSeparateDistributedDataParallel's job")
        else:
            ctx.flag(("runner",), f"runner {runner!r} is not an iteration-based 0.x runner; kept as-is")
    if "workflow" in cfg:
        wf = cfg["workflow"]
        if isinstance(wf, (list, tuple)) and wf and all(
                isinstance(p, (list, tuple)) and len(p) == 2 and p[0] == "train" for p in wf):
            ctx.drop(("workflow",), "an iteration-based run with only a `train` phase just trains; "
                     "MMEngine has no workflow")
        else:
            ctx.flag(("workflow",), "workflow with phases other than `train` has no MMEngine twin")
    ddp_keys = [k for k in ("use_ddp_wrapper", "find_unused_parameters") if k in cfg]
    if "model_wrapper_cfg" in ctx.source:
        return
    family = fam.family_of(ctx.source)
    if family in (fam.MODERN, fam.DIFFUSION) and not ddp_keys:
        return
    if not ddp_keys and "runner" not in ctx.source and (ctx.partial or family == fam.UNKNOWN):
        return
    ctx.put(("model_wrapper_cfg", "type"), "MMSeparateDistributedDataParallel",
            "1.x GAN models call generator/discriminator directly: each needs its own DDP wrapper",
            inputs=[(k,) for k in ("runner", "use_ddp_wrapper") if k in ctx.source], consume=False)
    ctx.put(("model_wrapper_cfg", "broadcast_buffers"), False,
            "0.x wrapped with broadcast_buffers=False (mmgen/apis/train.py)", consume=False)
    if "find_unused_parameters" in cfg:
        ctx.move(("find_unused_parameters",), ("model_wrapper_cfg", "find_unused_parameters"),
                 "DDP option, same meaning")
    else:
        ctx.put(("model_wrapper_cfg", "find_unused_parameters"), False,
                "0.x default (`cfg.get('find_unused_parameters', False)`)", consume=False)
    if "use_ddp_wrapper" in cfg:
        ctx.drop(("use_ddp_wrapper",), "0.x chose whole-model or per-module DDP; 1.x GAN models always use "
                 "the per-module MMSeparateDistributedDataParallel (same gradient averaging)")


# ---------------------------------------------------------------------------


@rule(
    "RUN005",
    "default-scope",
    "Add `default_scope = 'mmagic'` so that MMagic's registries resolve the config's types.",
    examples=[
        Example(
            before="""
            runner = None
            log_level = 'INFO'
            """,
            after="""
            runner = None
            default_scope = 'mmagic'
            log_level = 'INFO'
            """,
        ),
        Valid(
            """
            default_scope = 'mmagic'
            train_cfg = dict(by_epoch=False, max_iters=1000)
            """
        ),
    ],
)
def default_scope(ctx: MigrationContext) -> None:
    """
    **What it does.** Adds `default_scope = 'mmagic'` to a 0.x config (one that
    still has 0.x keys or a 0.x model type), and replaces a `default_scope`
    of another library (`'mmgen'` in MMGeneration 1.x-dev configs).

    **Why.** MMEngine builds every `type=` through registries of the scope
    named by `default_scope`; without it `DCGAN`, `MultiOptimWrapperConstructor`,
    `MultiValLoop`, `VisualizationHook`... are looked up in MMEngine's own
    registries and the run fails to start. MMagic's `tools/train.py` relies on
    the config's `default_scope`.

    **Decisions on other new 1.x keys** (documented here as they all have no
    0.x source): `train_cfg`'s loop is the schedule rule's; `val_cfg`/
    `test_cfg` loops are added by EVL001 only where the config evaluates;
    `visualizer` is added only where a logger backend or a visualisation hook
    needs MMagic's `Visualizer`; `log_processor` with `log_config` (RUN001).
    `randomness` is *not* added: 0.x took the seed from the command line
    (`--seed`), and MMEngine still does (`tools/train.py --cfg-options
    randomness.seed=...`), so no config value reproduces it.

    **Exactness.** Exact. The key is written in the file that holds `runner`
    (the runtime `_base_`), or else in a `_base_` file holding a DDP setting
    (`find_unused_parameters`, `use_ddp_wrapper`) when no sibling base of a
    config inheriting it could claim it too, or in the config itself. Not added to a config
    MOD005 refuses (Improved-DDPM): its model and training settings stay 0.x,
    which no MMagic registry builds, so the scope would make it look like a
    1.x config.

    **Reference.** docs/mapping.md §2.9 (new keys); MMEngine `Registry` scopes.
    """
    current = ctx.get(("default_scope",), None)
    if current == "mmagic":
        return
    if not is_legacy(ctx.source) or fam.training_refused(ctx.source):
        return
    if current is None:
        ctx.put(("default_scope",), "mmagic", "MMagic's registries must resolve the config's types",
                inputs=[("runner",)] if "runner" in ctx.source else [], consume=False)
    else:
        ctx.put(("default_scope",), "mmagic",
                f"`default_scope={current!r}` is not MMagic's; its types are registered in the `mmagic` scope",
                inputs=[("default_scope",)], severity=Severity.REVIEW)
