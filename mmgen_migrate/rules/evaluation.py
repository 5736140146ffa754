"""Evaluation (``evaluation`` hook + ``metrics``) and visualisation hooks.

0.x evaluated during training with a hook (``GenerativeEvalHook`` /
``TranslationEvalHook``) configured by ``evaluation``, and offline
(``tools/evaluation.py``) with the top-level ``metrics`` dict.  1.x has a
validation loop (``val_cfg`` + ``val_evaluator`` + ``val_dataloader``, run
every ``train_cfg.val_interval`` iterations) and a test loop (``test_cfg`` +
``test_evaluator``).  Metric classes and their arguments were renamed.
"""

from __future__ import annotations

from typing import Any

from ..model import Severity
from . import families as fam
from .base import Example, MigrationContext, Valid, primary_source, rule
from .runtime import ensure_visualizer

primary_source("val_evaluator", "evaluation")
primary_source("val_cfg", "evaluation")
primary_source("test_evaluator", "metrics")
primary_source("test_cfg", "metrics")

EVAL_HOOKS = ("GenerativeEvalHook", "TranslationEvalHook")

# 0.x metric type -> (1.x type for GAN models, 1.x type for translation models)
METRIC_TYPES = {
    "FID": ("FrechetInceptionDistance", "TransFID"),
    "IS": ("InceptionScore", "TransIS"),
    "PR": ("PrecisionAndRecall", None),
    "PPL": ("PerceptualPathLength", None),
    "MS_SSIM": ("MultiScaleStructureSimilarity", None),
    "SWD": ("SlicedWassersteinDistance", None),
}
# 0.x argument -> 1.x argument, per 0.x metric type (anything else: see _metric)
RENAMED_ARGS = {"num_images": "fake_nums"}
KEPT_ARGS = {
    "FID": ("inception_pkl",),
    "IS": ("resize", "splits"),
    "PR": ("k", "vgg16_script", "row_batch_size", "col_batch_size", "auto_save"),
    "PPL": ("crop", "epsilon", "space", "sampling", "latent_dim"),
    "MS_SSIM": (),
    "SWD": ("image_shape",),
}
# 0.x arguments that 1.x handles on its own (1.x metrics always swap BGR->RGB)
IMPLIED_ARGS = {"bgr2rgb": True, "use_pil_resize": True}
# the result keys 1.x metrics log (without prefix) and whether larger is better
BEST_RULES = {"fid": "less", "is": "greater", "precision": "greater", "recall": "greater"}


def _has_ema(ctx: MigrationContext) -> bool:
    """Will the 1.x model have an EMA generator?  It has one iff it has
    `model.ema_config` (the EMA rule writes it from the 0.x EMA hook); a 0.x
    `use_ema=True` without an EMA hook gets none (EMA001)."""
    if isinstance(ctx.get(("model", "ema_config"), None), dict):
        return True
    hooks = ctx.get(("custom_hooks",), None) or []
    return any(isinstance(h, dict) and h.get("type") == "ExponentialMovingAverageHook" for h in hooks)


def _metric(m: Any, *, translation: bool, target_domain: str | None, sample_model: str | None,
            problems: list, notes: list) -> dict | None:
    if not isinstance(m, dict) or m.get("type") not in METRIC_TYPES:
        problems.append(f"metric {m.get('type') if isinstance(m, dict) else m!r} has no 1.x twin")
        return None
    old_type = m["type"]
    new_type = METRIC_TYPES[old_type][1 if translation else 0]
    if new_type is None:
        problems.append(f"{old_type} has no 1.x translation metric")
        return None
    out: dict[str, Any] = {"type": new_type}
    for key, value in m.items():
        if key == "type":
            continue
        if key in RENAMED_ARGS:
            out[RENAMED_ARGS[key]] = value
        elif key in KEPT_ARGS[old_type]:
            out[key] = value
        elif key in IMPLIED_ARGS:
            if value != IMPLIED_ARGS[key]:
                notes.append(f"{old_type}.{key}={value!r}: 1.x always uses {IMPLIED_ARGS[key]!r}")
        elif key == "inception_args" and old_type in ("FID", "IS"):
            args = dict(value or {})
            style = args.pop("type", None)
            out["inception_style"] = "StyleGAN" if style == "StyleGAN" else "PyTorch"
            if "inception_path" in args:
                out["inception_path"] = args.pop("inception_path")
            if args:
                notes.append(f"{old_type}.inception_args {sorted(args)} have no 1.x twin (dropped)")
        elif key == "image_shape":
            pass  # 1.x reads the shape from the images
        else:
            problems.append(f"{old_type} argument `{key}` has no 1.x twin")
    if old_type in ("FID", "IS") and "inception_style" not in out:
        # 0.x FID defaulted to the PyTorch Inception, IS to Tero's StyleGAN one
        out["inception_style"] = "PyTorch" if old_type == "FID" else "StyleGAN"
    if translation:
        if target_domain is None:
            problems.append("TranslationEvalHook without `target_domain`: cannot name the image keys")
            return None
        out["fake_key"] = f"img_{target_domain}"
        if old_type != "IS":  # TransIS reads generated images only (no real_key argument)
            out["real_key"] = f"img_{target_domain}"
    elif sample_model is not None:
        out["sample_model"] = sample_model
    return out


def _metrics(ctx, raw, *, translation, target_domain, sample_model, problems, notes) -> list:
    items = list(raw.values()) if isinstance(raw, dict) and "type" not in raw else (
        list(raw) if isinstance(raw, (list, tuple)) else [raw])
    out = []
    for m in items:
        new = _metric(m, translation=translation, target_domain=target_domain, sample_model=sample_model,
                      problems=problems, notes=notes)
        if new is not None:
            out.append(new)
    return out


def _sample_model(ctx: MigrationContext, given, notes: list) -> str:
    if given is not None:
        return given
    ema = _has_ema(ctx)
    chosen = "ema" if ema else "orig"
    notes.append(f"0.x sampled from the EMA generator when the model had one ({'it has' if ema else 'it has none'}): "
                 f"`sample_model='{chosen}'` written")
    return chosen


@rule(
    "EVL001",
    "evaluation-to-evaluators",
    "Turn the `evaluation` hook and `metrics` into `val_evaluator`/`test_evaluator` with 1.x metric names, "
    "`val_cfg`/`test_cfg` loops, `train_cfg.val_interval` and checkpoint `save_best`.",
    examples=[
        Example(
            before="""
            evaluation = dict(
                type='GenerativeEvalHook',
                interval=dict(milestones=[800000], interval=[10000, 4000]),
                metrics=[
                    dict(type='FID', num_images=50000, bgr2rgb=True,
                         inception_args=dict(type='StyleGAN')),
                    dict(type='IS', num_images=50000)],
                best_metric=['fid', 'is'],
                sample_kwargs=dict(sample_model='orig'))
            """,
            after="""
            train_cfg = dict(val_interval=10000, dynamic_intervals=[(800000, 4000)])
            val_evaluator = dict(
                type='Evaluator',
                metrics=[
                    dict(type='FrechetInceptionDistance', fake_nums=50000,
                         inception_style='StyleGAN', sample_model='orig'),
                    dict(type='InceptionScore', fake_nums=50000,
                         inception_style='StyleGAN', sample_model='orig')])
            val_cfg = dict(type='MultiValLoop')
            default_hooks = dict(
                checkpoint=dict(save_best=['fid', 'is'], rule=['less', 'greater']))
            """,
        ),
        Example(
            before="""
            inception_pkl = 'work_dirs/inception_pkl/ffhq-256.pkl'
            metrics = dict(
                fid50k=dict(type='FID', num_images=50000, inception_pkl=inception_pkl, bgr2rgb=True,
                            inception_args=dict(type='StyleGAN')))
            evaluation = None  # too slow during training
            """,
            after="""
            inception_pkl = 'work_dirs/inception_pkl/ffhq-256.pkl'
            test_evaluator = dict(
                type='Evaluator',
                metrics=[
                    dict(type='FrechetInceptionDistance', fake_nums=50000,
                         inception_pkl=inception_pkl, inception_style='StyleGAN',
                         sample_model='orig')])
            test_cfg = dict(type='MultiTestLoop')
            """,
        ),
        Valid(
            """
            val_evaluator = dict(type='Evaluator', metrics=[dict(type='FID', fake_nums=50000)])
            """
        ),
    ],
)
def evaluation_to_evaluators(ctx: MigrationContext) -> None:
    """
    **What it does.**

    - `evaluation = dict(type='GenerativeEvalHook' | 'TranslationEvalHook',
      interval, metrics, best_metric, sample_kwargs)` →
      `val_evaluator = dict(type='Evaluator', metrics=[...])`,
      `val_cfg = dict(type='MultiValLoop')`, `train_cfg.val_interval`
      (a dynamic `interval=dict(milestones=[m...], interval=[i0, i1...])`
      → `val_interval=i0, dynamic_intervals=[(m, i1), ...]`), and
      `best_metric` → `default_hooks.checkpoint.save_best` with an explicit
      `rule` (`fid` less, `is`/`precision`/`recall` greater: MMEngine cannot
      infer a rule for these names). `evaluation = None` is dropped.
    - the top-level `metrics` (offline evaluation) →
      `test_evaluator` + `test_cfg = dict(type='MultiTestLoop')`.
    - Metrics: `FID` → `FrechetInceptionDistance`, `IS` → `InceptionScore`,
      `PR` → `PrecisionAndRecall`, `PPL` → `PerceptualPathLength`,
      `MS_SSIM` → `MultiScaleStructureSimilarity`, `SWD` →
      `SlicedWassersteinDistance`; translation models get `TransFID` /
      `TransIS` with `fake_key` (and, for TransFID, `real_key`) =
      `'img_<target_domain>'`.
      `num_images` → `fake_nums`, `inception_args.type` → `inception_style`
      (0.x loaded the PyTorch Inception unless `type='StyleGAN'`; IS
      defaulted to StyleGAN), `inception_args.inception_path` →
      `inception_path`, `sample_kwargs.sample_model` → every metric's
      `sample_model` (0.x default: the EMA generator if the model has one).

    **Why.** MMEngine evaluates through loops and evaluators; it never reads
    `evaluation`/`metrics`. 1.x metrics always convert the generator's BGR
    output to RGB (`bgr2rgb=True` in 0.x) and read which generator to sample
    from per metric. The 1.x metric defaults differ from 0.x (FID defaults
    to `sample_model='orig'` and the StyleGAN Inception), so both are written
    out. The upstream migration guide maps `sample_model='ema'` to `'orig'`;
    this rule keeps the 0.x choice.

    **Exactness.** Exact for the training maths (evaluation never changes
    it). *Review* where a metric setting has no 1.x twin and is dropped (e.g.
    `bgr2rgb=False`) or where `sample_model` is inferred. A metric or hook
    setting 1.x cannot express is *unsupported* (the 0.x key is kept).
    Configs without an `evaluation` hook get no validation loop (as in 0.x;
    the upstream port added validation every 10000 iterations).

    **Reference.** docs/mapping.md §2.9, §4 rule 8; MMagic docs "Migration of
    Evaluation and Testing Settings"; mmagic 1.2.0 `evaluation/metrics/*.py`,
    `engine/runner/multi_loops.py`.
    """
    if fam.training_refused(ctx.source):
        return
    if "evaluation" in ctx.cfg:
        _evaluation(ctx)
    if "metrics" in ctx.cfg and "test_evaluator" not in ctx.source:
        _offline_metrics(ctx)


def _evaluation(ctx: MigrationContext) -> None:
    ev = ctx.cfg["evaluation"]
    if ev is None:
        ctx.drop(("evaluation",), "`evaluation = None`: no validation during training, as without `val_cfg`")
        return
    if not isinstance(ev, dict) or ev.get("type") not in EVAL_HOOKS:
        ctx.flag(("evaluation",), f"evaluation hook {ev.get('type') if isinstance(ev, dict) else ev!r} "
                 "has no 1.x twin")
        return
    translation = ev["type"] == "TranslationEvalHook"
    known = {"type", "interval", "metrics", "best_metric", "sample_kwargs", "target_domain", "by_epoch"}
    problems = [f"evaluation setting `{k}` has no 1.x twin" for k in ev if k not in known]
    notes: list[str] = []
    if ev.get("by_epoch", False):
        problems.append("evaluation by epoch in an iteration-based run")
    sample_kwargs = dict(ev.get("sample_kwargs") or {})
    given = sample_kwargs.pop("sample_model", None)
    if sample_kwargs:
        problems.append(f"sample_kwargs {sorted(sample_kwargs)} have no 1.x twin")
    sample_model = None if translation else _sample_model(ctx, given, notes)
    metrics = _metrics(ctx, ev.get("metrics"), translation=translation, target_domain=ev.get("target_domain"),
                       sample_model=sample_model, problems=problems, notes=notes)
    interval = ev.get("interval", 1)
    dynamic = None
    if isinstance(interval, dict):
        ms, ivs = interval.get("milestones"), interval.get("interval")
        if not (isinstance(ms, (list, tuple)) and isinstance(ivs, (list, tuple)) and len(ivs) == len(ms) + 1):
            problems.append(f"dynamic interval {interval!r} is not `milestones` + one more `interval`")
        else:
            dynamic = [(m, i) for m, i in zip(ms, ivs[1:])]
            interval = ivs[0]
    best = ev.get("best_metric")
    best_list = [best] if isinstance(best, str) else list(best or [])
    bad_best = [b for b in best_list if b not in BEST_RULES]
    if bad_best:
        problems.append(f"best_metric {bad_best} has no known 1.x result key/rule")
    if problems:
        ctx.flag(("evaluation",), "; ".join(problems))
        return
    if given in ("ema", "ema/orig") and not _has_ema(ctx) and isinstance(ctx.source.get("model"), dict):
        notes.append(f"`sample_model='{given}'` but the 1.x model has no `ema_config` (0.x sampled a generator_ema "
                     "that was never updated): 1.x refuses to sample an EMA it does not have; use 'orig' or add "
                     "an EMA")
    sev = Severity.REVIEW if notes else Severity.EXACT
    ctx.put(("train_cfg", "val_interval"), interval, "validation interval of the 0.x evaluation hook",
            inputs=[("evaluation", "interval")], consume=False)
    if dynamic:
        ctx.put(("train_cfg", "dynamic_intervals"), dynamic,
                "0.x dynamic interval: from each milestone on, the next interval",
                inputs=[("evaluation", "interval")], consume=False)
    ctx.put(("val_evaluator",), {"type": "Evaluator", "metrics": metrics},
            "evaluation-hook metrics with 1.x names and arguments" + ("; " + "; ".join(notes) if notes else ""),
            inputs=[("evaluation", "metrics")] + ([("evaluation", "sample_kwargs")] if "sample_kwargs" in ev else []),
            severity=sev, consume=False)
    ctx.put(("val_cfg",), {"type": "MultiValLoop"}, "MMagic's validation loop for generative metrics",
            inputs=[("evaluation", "type")], consume=False)
    if best_list:
        rules = [BEST_RULES[b] for b in best_list]
        ctx.put(("default_hooks", "checkpoint", "save_best"), best if isinstance(best, str) else best_list,
                "`best_metric` is a checkpoint-hook setting in MMEngine (1.x metric keys: "
                + ", ".join(best_list) + ")", inputs=[("evaluation", "best_metric")], consume=False)
        ctx.put(("default_hooks", "checkpoint", "rule"), rules[0] if isinstance(best, str) else rules,
                "MMEngine cannot infer whether larger is better for these keys", inputs=[("evaluation", "best_metric")],
                consume=False)
    ctx.drop(("evaluation",), "converted into val_evaluator / val_cfg / train_cfg.val_interval")


def _offline_metrics(ctx: MigrationContext) -> None:
    raw = ctx.cfg["metrics"]
    if raw is None:
        ctx.drop(("metrics",), "`metrics = None`: nothing to evaluate")
        return
    translation = fam.family_of(ctx.source) == fam.TRANSLATION
    problems: list[str] = []
    notes: list[str] = []
    target = None
    if translation:
        target = ctx.old(("model", "default_domain"), None)
    sample_model = None if translation else _sample_model(ctx, None, notes)
    metrics = _metrics(ctx, raw, translation=translation, target_domain=target, sample_model=sample_model,
                       problems=problems, notes=notes)
    if problems:
        ctx.flag(("metrics",), "; ".join(problems))
        return
    ctx.put(("test_evaluator",), {"type": "Evaluator", "metrics": metrics},
            "0.x offline-evaluation metrics (tools/evaluation.py) as the 1.x test evaluator"
            + ("; " + "; ".join(notes) if notes else ""),
            inputs=[("metrics",)], severity=Severity.REVIEW if notes else Severity.EXACT)
    ctx.put(("test_cfg",), {"type": "MultiTestLoop"}, "MMagic's test loop for generative metrics",
            inputs=[("metrics",)], consume=False)


# ---------------------------------------------------------------------------


VIS_HOOKS = ("VisualizeUnconditionalSamples", "MMGenVisualizationHook", "VisualizeReconstructionSamples")


def _vis_kwargs(ctx: MigrationContext, hook: dict) -> list | dict | None:
    family = fam.family_of(ctx.source)
    if hook["type"] == "VisualizeUnconditionalSamples":
        return {"type": "GAN", "name": "fake_img"}
    if family == fam.TRANSLATION:
        return [{"type": "Translation", "name": "trans"}, {"type": "TranslationVal", "name": "trans_val"}]
    if family == fam.SINGAN:
        return {"type": "SinGAN", "name": "fake_img"}
    return None


@rule(
    "EVL002",
    "visualization-hooks",
    "Replace 0.x visualisation hooks by MMagic's `VisualizationHook` (and its `Visualizer`).",
    examples=[
        Example(
            before="""
            custom_hooks = [
                dict(type='VisualizeUnconditionalSamples', output_dir='training_samples', interval=5000),
                dict(type='PGGANFetchDataHook', interval=1),
            ]
            """,
            after="""
            custom_hooks = [
                dict(
                    type='VisualizationHook', interval=5000, fixed_input=True,
                    vis_kwargs_list=dict(type='GAN', name='fake_img')),
                dict(type='PGGANFetchDataHook')]
            visualizer = dict(type='Visualizer', vis_backends=[dict(type='VisBackend')])
            """,
        ),
        Valid(
            """
            custom_hooks = [dict(type='VisualizationHook', interval=5000)]
            """
        ),
    ],
)
def visualization_hooks(ctx: MigrationContext) -> None:
    """
    **What it does.** In `custom_hooks`:

    - `VisualizeUnconditionalSamples(interval=N, ...)` →
      `VisualizationHook(interval=N, fixed_input=True,
      vis_kwargs_list=dict(type='GAN', name='fake_img'))` (`num_samples` →
      `n_samples`, `nrow` → `n_row`);
    - `MMGenVisualizationHook` of a translation model →
      `vis_kwargs_list=[Translation, TranslationVal]`, of SinGAN →
      `dict(type='SinGAN', ...)`;
    - `PGGANFetchDataHook(interval=1)` → `PGGANFetchDataHook()` (the 1.x
      hook takes no argument and runs every iteration, as `interval=1` did);
    - and adds `visualizer = dict(type='Visualizer',
      vis_backends=[dict(type='VisBackend')])` when there is none.

    **Why.** The 0.x hooks do not exist in MMagic; `VisualizationHook` draws
    through the runner's visualizer, which must be MMagic's `Visualizer`
    (MMEngine's default one has no `add_datasample` for generated images).
    Images go to the visualizer's save dir (`<work_dir>/vis_data`) instead of
    `output_dir`.

    **Exactness.** Exact for training (visualisation only). `output_dir`,
    `rerange`, `bgr2rgb`, `padding` and `res_name_list` are dropped (*review*
    when they are not the defaults). A hook of another model family is
    *unsupported*.

    **Reference.** docs/mapping.md §2.9; mmagic 1.2.0
    `engine/hooks/visualization_hook.py`, `engine/hooks/pggan_fetch_data_hook.py`.
    """
    if fam.training_refused(ctx.source):
        return
    hooks = ctx.get(("custom_hooks",), None)
    if not isinstance(hooks, list):
        return
    added = False
    for i, hook in enumerate(list(hooks)):
        if not isinstance(hook, dict):
            continue
        if hook.get("type") == "PGGANFetchDataHook":
            for key in [k for k in hook if k != "type"]:
                if key == "interval" and hook[key] == 1:
                    ctx.drop(("custom_hooks", i, key), "1.x PGGANFetchDataHook runs before every iteration")
                elif key not in ("priority",):
                    ctx.flag(("custom_hooks", i), f"PGGANFetchDataHook setting `{key}` has no 1.x twin")
            continue
        if hook.get("type") not in VIS_HOOKS:
            continue
        kwargs = _vis_kwargs(ctx, hook)
        if kwargs is None:
            ctx.flag(("custom_hooks", i), f"{hook['type']} of a {fam.family_of(ctx.source)} model has no "
                     "VisualizationHook twin")
            continue
        new: dict[str, Any] = {"type": "VisualizationHook", "interval": hook.get("interval", 1000),
                               "fixed_input": True, "vis_kwargs_list": kwargs}
        if "num_samples" in hook:
            new["n_samples"] = hook["num_samples"]
        if "nrow" in hook:
            new["n_row"] = hook["nrow"]
        dropped = sorted(k for k in hook if k not in ("type", "interval", "num_samples", "nrow", "output_dir"))
        ctx.put(("custom_hooks", i), new,
                f"{hook['type']} → MMagic VisualizationHook (same interval; images under the visualizer's "
                "save dir)" + (f"; dropped {', '.join(dropped)}" if dropped else ""),
                inputs=[("custom_hooks", i)], severity=Severity.REVIEW if dropped else Severity.EXACT)
        added = True
    if added:
        ensure_visualizer(ctx, None, "VisualizationHook draws through MMagic's Visualizer",
                          inputs=[("custom_hooks",)])
