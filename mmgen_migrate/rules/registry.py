"""Every ``type`` the converted config names must exist in MMagic 1.2.0 /
MMEngine 0.10.7.  Runs last, on what the other rules produced."""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from pathlib import Path as FsPath
from typing import Any, Iterator

from ..model import Path, Severity, format_path
from . import families as fam
from .base import Example, MigrationContext, Valid, rule

DATA_FILE = FsPath(__file__).resolve().parents[1] / "data" / "registry.json"

# Registry names that mean the same thing in MMEngine and MMagic
# (mmengine: EVALUATOR, mmagic: EVALUATORS).
ALIASES = {"EVALUATOR": ("EVALUATOR", "EVALUATORS")}


@lru_cache(maxsize=1)
def load_registry() -> dict:
    """The generated registry data (``scripts/gen_registry.py``)."""
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def registered(name: str, registry: str) -> bool:
    regs = load_registry()["registries"]
    return any(name in regs.get(r, {}) for r in ALIASES.get(registry, (registry,)))


def registries_of(name: str) -> list[str]:
    return sorted(r for r, names in load_registry()["registries"].items() if name in names)


def _entries(value: Any, path: Path, registry: str) -> Iterator[tuple[Path, str]]:
    """(path of a `type`-bearing dict, registry) for a value that is one
    buildable config, or a list of them."""
    if isinstance(value, dict):
        yield path, registry
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield path + (i,), registry


def _dataloader(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    if not isinstance(value, dict):
        return
    for key, reg in (("sampler", "DATA_SAMPLERS"), ("batch_sampler", "DATA_SAMPLERS"), ("collate_fn", "FUNCTIONS")):
        yield from _entries(value.get(key), path + (key,), reg)
    dataset, dpath = value.get("dataset"), path + ("dataset",)
    while isinstance(dataset, dict):  # dataset wrappers nest the real dataset under `dataset`
        yield dpath, "DATASETS"
        yield from _entries(dataset.get("pipeline"), dpath + ("pipeline",), "TRANSFORMS")
        dataset, dpath = dataset.get("dataset"), dpath + ("dataset",)
    if isinstance(dataset, list):  # ConcatDataset(datasets=[...]) style
        yield from _entries(dataset, dpath, "DATASETS")


def _evaluator(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    # MMEngine Runner.build_evaluator: a dict with `metrics` is an evaluator,
    # any other dict or list holds metric configs.
    if isinstance(value, dict) and "metrics" in value:
        yield path, "EVALUATOR"
        yield from _entries(value["metrics"], path + ("metrics",), "METRICS")
    else:
        yield from _entries(value, path, "METRICS")


def buildable(cfg: dict) -> Iterator[tuple[Path, str]]:
    """Where MMEngine/MMagic build a config dict through a registry, and
    which registry.  Types nested deeper inside a model component
    (`norm_cfg`, `act_cfg`, a generator's own `init_cfg`...) are read by the
    module itself or by mmcv, whose registry is not in the data file: they
    are not listed."""
    for key, value in cfg.items():
        path: Path = (key,)
        if key == "model" and isinstance(value, dict):
            yield path, "MODELS"
            for sub, subval in value.items():
                if isinstance(subval, dict) and "type" in subval or isinstance(subval, list):
                    yield from _entries(subval, path + (sub,), "MODELS")
        elif key == "optim_wrapper" and isinstance(value, dict):
            wrappers = [path] if "optimizer" in value or "type" in value else []
            wrappers += [path + (k,) for k, v in value.items() if isinstance(v, dict) and "optimizer" in v]
            for wpath in wrappers:
                yield wpath, "OPTIM_WRAPPERS"
                yield wpath + ("optimizer",), "OPTIMIZERS"
        elif key == "param_scheduler":
            if isinstance(value, dict) and "type" not in value:  # per-wrapper schedules
                for name, sched in value.items():
                    yield from _entries(sched, path + (name,), "PARAM_SCHEDULERS")
            else:
                yield from _entries(value, path, "PARAM_SCHEDULERS")
        elif key == "custom_hooks":
            yield from _entries(value, path, "HOOKS")
        elif key == "default_hooks" and isinstance(value, dict):
            for name, hook in value.items():
                yield from _entries(hook, path + (name,), "HOOKS")
        elif key in ("train_cfg", "val_cfg", "test_cfg"):
            yield from _entries(value, path, "LOOPS")
        elif key.endswith("_dataloader"):
            yield from _dataloader(value, path)
        elif key.endswith("_evaluator"):
            yield from _evaluator(value, path)
        elif key == "visualizer" and isinstance(value, dict):
            yield path, "VISUALIZERS"
            yield from _entries(value.get("vis_backends"), path + ("vis_backends",), "VISBACKENDS")
        elif key == "vis_backends":
            yield from _entries(value, path, "VISBACKENDS")
        elif key == "model_wrapper_cfg":
            yield from _entries(value, path, "MODEL_WRAPPERS")
        elif key == "log_processor":
            yield from _entries(value, path, "LOG_PROCESSORS")
        elif isinstance(value, dict) and isinstance(value.get("type"), str):
            yield path, "*"  # a top-level dict with a type MMEngine does not build: any registry


def _check_name(ctx: MigrationContext, name: str, registry: str, where: Path, what: str) -> None:
    if "." in name:
        scope, _, bare = name.partition(".")
        if scope not in ("mmagic", "mmengine"):
            return  # another package's scope: nothing to check it against
        name = bare
    if registry == "*":
        if registries_of(name):
            return
        expected = "any registry"
    elif registered(name, registry):
        return
    else:
        expected = f"the {registry} registry"
    elsewhere = [r for r in registries_of(name) if r not in ALIASES.get(registry, (registry,))]
    data = load_registry()
    versions = ", ".join(f"{k} {v}" for k, v in data["packages"].items())
    pool = set().union(*(data["registries"].get(r, {}) for r in ALIASES.get(registry, (registry,)))) \
        if registry != "*" else set()
    close = _close_matches(name, frozenset(pool), 0.8)
    msg = f"{what} `{format_path(where)}={name!r}` is not in {expected} of {versions}"
    if elsewhere:
        msg += f" (it is a {'/'.join(elsewhere)} name, used where {registry} builds)"
    msg += ": a 0.x name no rule converted, a typo" + (f" (did you mean {close[0]!r}?)" if close else "")
    msg += ", or a custom module (import it with `custom_imports`); otherwise MMEngine fails to build it"
    ctx.note(msg, paths=[where])


@rule(
    "REG001",
    "unknown-registry-type",
    "Report every `type`/`constructor` in the converted config that MMagic 1.2.0 / MMEngine 0.10.7 "
    "do not register.",
    examples=[
        Example(
            before="""
            model = dict(type='BigGAN', generator=dict(type='BigGANGenerator'),
                         data_preprocessor=dict(type='DataPreprocessor'))
            custom_hooks = [dict(type='MyCheckpointSync', interval=1000)]
            """,
            after="""
            model = dict(type='BigGAN', generator=dict(type='BigGANGenerator'),
                         data_preprocessor=dict(type='DataPreprocessor'))
            custom_hooks = [dict(type='MyCheckpointSync', interval=1000)]
            """,
        ),
        Valid(
            """
            optim_wrapper = dict(constructor='MultiOptimWrapperConstructor',
                                 generator=dict(type='AmpOptimWrapper', optimizer=dict(type='Adam')))
            param_scheduler = dict(type='LinearLrInterval', by_epoch=False)
            train_cfg = dict(by_epoch=False, max_iters=10)
            """
        ),
    ],
)
def unknown_registry_type(ctx: MigrationContext) -> None:
    """
    **What it does.** Walks the converted config and checks the `type` of
    every dict MMEngine or MMagic builds through a registry (the model and
    its direct components, optim wrappers and optimizers, `constructor`s,
    param schedulers, hooks, loops, datasets and transforms, samplers,
    evaluators and metrics, visualizer and vis backends, model wrappers,
    log processor) against the names registered in MMagic 1.2.0 and MMEngine
    0.10.7 (`mmgen_migrate/data/registry.json`, generated from the wheels by
    `scripts/gen_registry.py`). A name that is not there is a *review*
    finding naming the registry that would build it. Nothing is changed.

    **Why.** A `type` MMEngine cannot find fails only when the runner
    builds it (`KeyError: 'X is not in the mmagic::model registry'`), after
    the config has loaded fine. 0.x names that no rule converted (a model
    type with no 1.x twin, a 0.x hook), typos and user modules all look the
    same in the config: the report says which one to look at.

    **Exactness.** A finding only. It checks the output as written, so with
    rules deselected (`--select`/`--ignore`) the 0.x names they would have
    converted are reported too: a 0.x type left in a 1.x config fails just
    the same. Names registered at run time (diffusers
    / transformers wrappers, `bitsandbytes` optimizers) cannot be read from
    the wheels and may be reported; optional registrations (e.g. `Lion`,
    when `lion_pytorch` is installed) are accepted. Types nested inside a
    model component (`norm_cfg`, `act_cfg`, `init_cfg`) are built by mmcv or
    the module itself and are not checked. Names with another package's
    scope (`mmdet.X`) are not checked.

    **Reference.** MMEngine docs, "Registry"; `mmagic/registry.py`;
    `scripts/gen_registry.py`.
    """
    if ctx.facts.get("refused_training"):
        return  # MOD005 reports the whole config as unsupported
    for path, registry in buildable(ctx.cfg):
        node = ctx.get(path, None)
        if not isinstance(node, dict):
            continue
        name = node.get("type")
        if isinstance(name, str):
            _check_name(ctx, name, registry, path + ("type",), "type")
    ow = ctx.get(("optim_wrapper",), None)
    if isinstance(ow, dict):
        for path in [("optim_wrapper",)] + [("optim_wrapper", k) for k, v in ow.items() if isinstance(v, dict)]:
            constructor = ctx.get(path + ("constructor",), None)
            if isinstance(constructor, str):
                _check_name(ctx, constructor, "OPTIM_WRAPPER_CONSTRUCTORS", path + ("constructor",), "constructor")
    runner_type = ctx.get(("runner_type",), None)
    if isinstance(runner_type, str):
        _check_name(ctx, runner_type, "RUNNERS", ("runner_type",), "runner type")


# ---------------------------------------------------------------------------
# REG002: every built dict's keys are arguments its class takes

# keys the builder consumes before calling the class (so the class never sees
# them), per registry or per config path
CONSUMED_BY_REGISTRY = {
    "HOOKS": {"priority"},  # mmengine Runner.register_hook pops it
    "PARAM_SCHEDULERS": {"convert_to_iter_based"},  # Runner.build_param_scheduler pops it
    "OPTIM_WRAPPERS": {"constructor", "paramwise_cfg"},  # build_optim_wrapper / the constructors pop them
}
# registries whose builder passes no default arguments: a required argument
# missing from the dict fails the build (`Runner.build_dataloader`,
# `Compose`, `Evaluator`, `Runner.register_hook` call `REG.build(cfg)`)
REQUIRED_CHECKED = {"DATASETS", "TRANSFORMS", "METRICS", "HOOKS"}
# model components built with default arguments (mmagic BaseGAN.__init__:
# `noise_size`/`num_classes` for the generator, `num_classes` for the
# discriminator): their other required arguments must be in the dict
INJECTED_AT = {
    ("model", "generator"): {"noise_size", "num_classes"},
    ("model", "discriminator"): {"num_classes"},
}
CONSUMED_AT = {
    ("model", "ema_config"): {"start_iter"},  # mmagic BaseGAN._init_ema_model pops it
    ("train_cfg",): {"by_epoch"},  # Runner.build_train_loop pops it for the default loops
}


@lru_cache(maxsize=4096)
def _close_matches(word: str, candidates: frozenset, cutoff: float) -> list[str]:
    """``difflib.get_close_matches(word, candidates, n=1)``, remembered (a
    tree repeats the same misses in every config)."""
    return difflib.get_close_matches(word, candidates, n=1, cutoff=cutoff)


def signature_of(name: str, registry: str) -> dict | None:
    """The constructor signature recorded for ``name`` in ``registry``
    (``None`` when unknown: a name built at run time, or not registered)."""
    sigs = load_registry().get("signatures", {})
    for reg in ALIASES.get(registry, (registry,)):
        if name in sigs.get(reg, {}):
            return sigs[reg][name]
    return None


def _built_type(path: Path, registry: str, node: dict) -> str | None:
    """The class name MMEngine builds ``node`` as (its `type`, or the
    builder's default for a dict without one)."""
    name = node.get("type")
    if isinstance(name, str):
        return name
    if name is not None:
        return None  # a class object or a lazy import: nothing to look up
    if registry == "LOOPS" and len(path) == 1:
        # mmengine Runner.build_train_loop / build_val_loop / build_test_loop
        if path[0] == "train_cfg":
            return "EpochBasedTrainLoop" if node.get("by_epoch", False) else "IterBasedTrainLoop"
        return {"val_cfg": "ValLoop", "test_cfg": "TestLoop"}.get(path[0])
    if registry == "OPTIM_WRAPPERS":
        return "OptimWrapper"  # DefaultOptimWrapperConstructor's default
    if registry == "LOG_PROCESSORS":
        return "LogProcessor"
    if path == ("model", "ema_config"):
        return "ExponentialMovingAverage"  # BaseGAN._init_ema_model's default
    return None


def _built_dicts(cfg: dict) -> Iterator[tuple[Path, str]]:
    yield from buildable(cfg)
    ema = cfg.get("model", {}).get("ema_config") if isinstance(cfg.get("model"), dict) else None
    if isinstance(ema, dict) and "type" not in ema:
        yield ("model", "ema_config"), "MODELS"


@rule(
    "REG002",
    "rejected-arguments",
    "Report every dict of the converted config that the MMagic 1.2.0 / MMEngine 0.10.7 class it builds would "
    "refuse: keys its constructor does not take, required arguments missing.",
    examples=[
        Example(
            before="""
            total_iters = 80000
            val_dataloader = dict(dataset=dict(type='PairedImageDataset', dataroot='data/facades',
                                               pipeline=[], testdir='test'))
            """,
            after="""
            total_iters = 80000
            # mmgen-migrate: REG002 unsupported: `val_dataloader.dataset` (PairedImageDataset) would reject `dataroot` (did you mean `data_root`?), `testdir` (did you mean `test_dir`?) and lacks the required `data_root` (mmagic/datasets/paired_image_dataset.py:PairedImageDataset)
            val_dataloader = dict(dataset=dict(type='PairedImageDataset', dataroot='data/facades',
                                               pipeline=[], testdir='test'))
            """,
        ),
        Valid(
            """
            model = dict(type='SAGAN', num_classes=10,
                         generator=dict(type='SAGANGenerator', output_scale=32, num_classes=10),
                         discriminator=dict(type='ProjDiscriminator', input_scale=32, num_classes=10),
                         ema_config=dict(interval=1, momentum=0.0001, start_iter=1000))
            train_cfg = dict(by_epoch=False, max_iters=1000, val_interval=100)
            custom_hooks = [dict(type='VisualizationHook', interval=100, priority='LOW')]
            """
        ),
    ],
)
def rejected_arguments(ctx: MigrationContext) -> None:
    """
    **What it does.** For every dict MMEngine or MMagic builds through a
    registry (the places REG001 checks: the model and its direct components,
    its `ema_config`, optim wrappers, param schedulers, hooks, loops,
    datasets and transforms, samplers, evaluators and metrics, visualizer and
    vis backends, model wrappers, log processor), looks up the constructor
    of the class it builds (its `type`, or the builder's default: a `train_cfg`
    without `type` is an `IterBasedTrainLoop`, a wrapper without `type` an
    `OptimWrapper`...) and reports, as *unsupported*, the keys that
    constructor does not take, with the closest argument name it does take,
    and the required arguments the dict lacks where the builder's own
    arguments are known (the model itself, datasets, transforms, metrics,
    hooks: none; a GAN's generator: `noise_size`/`num_classes`, its
    discriminator: `num_classes`); not in a `_base_` file, which the configs
    inheriting it may complete. Keys the builder removes before calling the class (`priority` of a hook,
    `constructor`/`paramwise_cfg` of a wrapper, `start_iter` of
    `ema_config`, `by_epoch` of a default train loop) are not reported.
    Nothing is changed.

    **Why.** A key the class does not take passes every config check and
    fails only when the runner builds it, as
    `TypeError: __init__() got an unexpected keyword argument 'dataroot'`.
    It is how a 0.x argument no rule renamed (a dataset's `testdir`, a
    hook's 0.x option) shows up in a converted config.

    **Exactness.** A finding only, and only for keys a class certainly
    rejects: the signatures come from the MMagic 1.2.0 / MMEngine 0.10.7
    wheels' source (`mmgen_migrate/data/registry.json`, generated by
    `scripts/gen_registry.py`), following each class's base classes; a class
    whose `__init__` passes `**kwargs` anywhere but to its base class's
    `__init__`, or that inherits from a class outside those packages (torch
    optimizers, mmcv or diffusers classes), is taken to accept anything and
    is not checked. Names REG001 reports as unknown are not checked either.
    In a converted 0.x config the dict is marked with a `# mmgen-migrate:`
    comment; a config that is already 1.x is only reported, never edited.

    **Reference.** `scripts/gen_registry.py`; MMEngine `Registry.build`,
    `Runner.build_train_loop`, `Runner.register_hook`, `build_optim_wrapper`;
    mmagic 1.2.0 `BaseGAN._init_ema_model`.
    """
    if ctx.facts.get("refused_training"):
        return  # MOD005 reports the whole config as unsupported
    for path, registry in _built_dicts(ctx.cfg):
        node = ctx.get(path, None)
        if not isinstance(node, dict) or registry == "*":
            continue
        name = _built_type(path, registry, node)
        if name is None:
            continue
        if "." in name:
            scope, _, bare = name.partition(".")
            if scope not in ("mmagic", "mmengine"):
                continue
            name = bare
        sig = signature_of(name, registry)
        if sig is None or sig["open"]:
            continue
        consumed = {"type"} | CONSUMED_BY_REGISTRY.get(registry, set()) | CONSUMED_AT.get(path, set())
        params = set(sig["params"])
        rejected = [k for k in node if k not in consumed and k not in params]
        missing = [k for k in sig["required"] if k not in node and k not in INJECTED_AT.get(path, ())] \
            if not ctx.partial and (registry in REQUIRED_CHECKED or path == ("model",) or path in INJECTED_AT) \
            else []
        if not rejected and not missing:
            continue
        problems = []
        if rejected:
            described = []
            for key in rejected:
                close = _close_matches(str(key), frozenset(params), 0.6)
                described.append(f"`{key}`" + (f" (did you mean `{close[0]}`?)" if close else ""))
            problems.append(f"would reject {', '.join(described)}")
        if missing:
            problems.append(f"lacks the required {', '.join(f'`{k}`' for k in missing)}")
        # short enough for a marker line; the signature is in the file it names
        message = f"`{format_path(path)}` ({name}) {' and '.join(problems)} ({sig['init']})"
        if fam.is_legacy_config(ctx.source):
            ctx.flag(path, message)  # marked in the converted file
        else:  # a 1.x config is not edited, not even with a marker: reported only
            ctx.note(message, paths=[path], severity=Severity.UNSUPPORTED)
