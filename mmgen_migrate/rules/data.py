"""``data`` → ``train_dataloader`` / ``val_dataloader`` / ``test_dataloader``;
dataset and pipeline renames.

0.x built its data loaders from one ``data`` dict (``samples_per_gpu``,
``workers_per_gpu`` and the ``train``/``val``/``test`` datasets); MMEngine
builds each loop's loader from its own ``*_dataloader`` dict, with an explicit
sampler.  The 1.x datasets and transforms of MMagic took over most 0.x
MMGeneration ones under the same or a new name; normalisation moved from the
pipeline to the model's data preprocessor.
"""

from __future__ import annotations

from typing import Any

from ..model import Severity
from . import families as fam
from .base import Example, MigrationContext, Valid, primary_source, rule

primary_source("train_dataloader", "data")
primary_source("val_dataloader", "data")
primary_source("test_dataloader", "data")

LOADER_KEYS = {"samples_per_gpu": "batch_size", "workers_per_gpu": "num_workers"}
PASSED_KEYS = ("drop_last", "persistent_workers", "pin_memory", "prefetch_factor")
SPLIT_KEYS = {"val": ("val_samples_per_gpu", "val_workers_per_gpu"),
              "test": ("test_samples_per_gpu", "test_workers_per_gpu")}


@rule(
    "DAT001",
    "data-to-dataloaders",
    "Turn `data` into `train_dataloader` (explicit `batch_size` = `samples_per_gpu`, `num_workers`, "
    "infinite shuffled sampler) and, where the config validates/tests, `val_dataloader`/`test_dataloader`.",
    examples=[
        Example(
            before="""
            # batch 1 per GPU, as in the paper
            data = dict(samples_per_gpu=1, workers_per_gpu=4, drop_last=True,
                        train=dict(type='PairedImageDataset', dataroot='data/facades', pipeline=[]))
            """,
            after="""
            # batch 1 per GPU, as in the paper
            train_dataloader = dict(
                batch_size=1, num_workers=4, drop_last=True,
                sampler=dict(type='InfiniteSampler', shuffle=True),
                dataset=dict(type='PairedImageDataset', dataroot='data/facades', pipeline=[]),
            )
            """,
        ),
        Valid(
            """
            train_dataloader = dict(batch_size=4, num_workers=2, sampler=dict(type='InfiniteSampler'))
            """
        ),
    ],
)
def data_to_dataloaders(ctx: MigrationContext) -> None:
    """
    **What it does.**

    - `data.samples_per_gpu` → `train_dataloader.batch_size`, always written
      (never left to a `_base_` default); `workers_per_gpu` → `num_workers`;
      `drop_last`, `persistent_workers`, `pin_memory`, `prefetch_factor` kept;
      `sampler = dict(type='InfiniteSampler', shuffle=True)`;
      `data.train` → `train_dataloader.dataset` (DAT002 renames it).
    - `data.val` → `val_dataloader` (batch `val_samples_per_gpu` or
      `samples_per_gpu`, `DefaultSampler(shuffle=False)`), only when the
      config has a validation loop (`val_cfg`, from EVL001); `data.test` →
      `test_dataloader` only with a test loop. A loop without its 0.x dataset
      uses the training dataset (*review*).
    - An unused `data.val`/`data.test` is dropped: MMEngine refuses a
      dataloader without its loop and evaluator. A `_base_` file keeps the
      `val_dataloader`/`test_dataloader` of the `data.val`/`data.test` it
      owns (batch and workers as above) for the configs inheriting it: one
      that evaluates overrides only what it changes
      (`val_dataloader = dict(batch_size=32, num_workers=8)`), one without
      the loop sets the inherited loader to `None`.

    **Why.** MMEngine's `Runner.build_dataloader` needs a `sampler` and reads
    `batch_size`/`num_workers` per loader; it ignores `data`. 0.x shuffled the
    training set (`build_dataloader(..., shuffle=True)`) and the iteration
    runner re-iterated it endlessly, which is `InfiniteSampler(shuffle=True)`.
    The upstream CycleGAN/Pix2Pix ports never set `batch_size` and inherited
    4 from their dataset base instead of the 0.x batch of 1 (docs/mapping.md §3
    row 1): this rule always writes the effective 0.x value.

    **Exactness.** Exact for the batch size (the per-GPU batch, as
    `samples_per_gpu` was). Other loader settings without an MMEngine twin
    are *unsupported*.

    **Reference.** docs/mapping.md §2.9, §3 row 1, §4 rule 8; MMEngine
    `Runner.build_dataloader`, `InfiniteSampler`.
    """
    if fam.training_refused(ctx.source) or "data" not in ctx.cfg:
        return
    data = ctx.cfg["data"]
    if not isinstance(data, dict):
        ctx.flag(("data",), f"`data` is a {type(data).__name__}, not a dict")
        return
    known = set(LOADER_KEYS) | set(PASSED_KEYS) | {"train", "val", "test"} | {
        k for pair in SPLIT_KEYS.values() for k in pair}
    unknown = [k for k in data if k not in known]
    if unknown:
        ctx.flag(("data",), f"data settings without an MMEngine twin: {', '.join(map(str, unknown))}")
        return
    data = dict(data)
    whole = not ctx.partial
    # -- train
    if "train" in data or "samples_per_gpu" in data or "workers_per_gpu" in data:
        if "samples_per_gpu" in data:
            ctx.move(("data", "samples_per_gpu"), ("train_dataloader", "batch_size"),
                     "per-GPU batch size, written explicitly (the upstream CycleGAN/Pix2Pix ports inherited 4 "
                     "instead of 1)")
        elif whole:
            ctx.note("0.x `data` has no `samples_per_gpu`: set `train_dataloader.batch_size`", paths=[("data",)])
        if "workers_per_gpu" in data:
            ctx.move(("data", "workers_per_gpu"), ("train_dataloader", "num_workers"), "same meaning")
        for key in PASSED_KEYS:
            if key in data:
                ctx.move(("data", key), ("train_dataloader", key), "DataLoader argument, same meaning")
        ctx.put(("train_dataloader", "sampler"), {"type": "InfiniteSampler", "shuffle": True},
                "0.x shuffled the training set and re-iterated it without end (iteration-based runner)",
                inputs=[("data",)], consume=False)
        if "train" in data:
            ctx.move(("data", "train"), ("train_dataloader", "dataset"), "the training dataset")
    # -- val / test
    for split, loop in (("val", "val_cfg"), ("test", "test_cfg")):
        has_loop = isinstance(ctx.get((loop,), None), dict) and "type" in ctx.get((loop,))
        bs_key, wk_key = SPLIT_KEYS[split]
        # a `_base_` file's loader serves the configs that inherit it, which
        # may evaluate: it keeps the `data.val`/`data.test` it owns
        owned = ctx.partial and any(key in data for key in (split, bs_key, wk_key))
        if not has_loop and not owned:
            for key in (split, bs_key, wk_key):
                if key in data:
                    ctx.drop(("data", key), f"no {split} loop in this config (0.x had no {'evaluation hook' if split == 'val' else 'offline metrics'} "
                             "here); MMEngine refuses a dataloader without its loop")
            continue
        loader = f"{split}_dataloader"
        if bs_key in data:
            ctx.move(("data", bs_key), (loader, "batch_size"), f"0.x {split} batch size")
        elif "samples_per_gpu" in ctx.source.get("data", {}):
            ctx.put((loader, "batch_size"), ctx.source["data"]["samples_per_gpu"],
                    f"0.x {split} loader used `samples_per_gpu`", inputs=[("data", "samples_per_gpu")], consume=False)
        if wk_key in data:
            ctx.move(("data", wk_key), (loader, "num_workers"), f"0.x {split} workers")
        elif "workers_per_gpu" in ctx.source.get("data", {}):
            ctx.put((loader, "num_workers"), ctx.source["data"]["workers_per_gpu"],
                    f"0.x {split} loader used `workers_per_gpu`", inputs=[("data", "workers_per_gpu")], consume=False)
        ctx.put((loader, "sampler"), {"type": "DefaultSampler", "shuffle": False},
                "evaluation reads the dataset once, in order", inputs=[("data",)], consume=False)
        if split in data:
            ctx.move(("data", split), (loader, "dataset"), f"the {split} dataset")
        elif "train" in ctx.source.get("data", {}) and has_loop:
            ctx.put((loader, "dataset"), ctx.get(("train_dataloader", "dataset")),
                    f"0.x has no `data.{split}`: the real images for the generative metrics come from the "
                    "training dataset (check `test_mode` and the pipeline)", inputs=[("data", "train")],
                    consume=False, severity=Severity.REVIEW)
        elif whole and has_loop:
            ctx.note(f"{split} loop without a dataset: add `{loader}.dataset`", paths=[("data",)])
    if ctx.cfg.get("data") == {}:
        del ctx.cfg["data"]


# ---------------------------------------------------------------------------
# DAT002: datasets and pipelines

# 0.x dataset type -> (1.x type, {0.x arg: 1.x arg}, 1.x args added)
DATASETS: dict[str, tuple[str, dict, dict]] = {
    # mmgen UnconditionalImageDataset scanned imgs_root recursively
    # (one image per file under `gt_path`, which LoadImageFromFile(key='gt') reads)
    "UnconditionalImageDataset": ("BasicImageDataset", {"imgs_root": "data_root"},
                                  {"data_prefix": {"gt": ""}, "recursive": True}),
    "GrowScaleImgDataset": ("GrowScaleImgDataset", {"imgs_roots": "data_roots"}, {}),
    "SinGANDataset": ("SinGANDataset", {"img_path": "data_root"}, {}),
    # mmgen PairedImageDataset(dataroot, pipeline, test_mode, testdir) ->
    # mmagic PairedImageDataset(data_root, pipeline, io_backend, test_mode, test_dir)
    "PairedImageDataset": ("PairedImageDataset", {"dataroot": "data_root", "testdir": "test_dir"}, {}),
    "UnpairedImageDataset": ("UnpairedImageDataset", {"dataroot": "data_root"}, {}),
    # mmcls datasets of the conditional GANs: MMagic ships its own, built on
    # BasicConditionalDataset (same `data_prefix`/`ann_file` meaning, checked
    # only by reading: review)
    "mmcls.ImageNet": ("ImageNet", {}, {}),
    "ImageNet": ("ImageNet", {}, {}),
    # MMagic's CIFAR10(data_prefix, test_mode, ...) requires `test_mode`; the
    # mmcls 0.x default was False (the training batches)
    "mmcls.CIFAR10": ("CIFAR10", {}, {"test_mode": False}),
    "CIFAR10": ("CIFAR10", {}, {"test_mode": False}),
}
REVIEW_DATASETS = {"mmcls.ImageNet", "ImageNet", "mmcls.CIFAR10", "CIFAR10"}
# datasets that yield decoded images themselves (no LoadImageFromFile), and
# their channel order: mmcls 0.x CIFAR10.load_annotations unpickles the batches
# as RGB arrays; MMagic 1.2.0 CIFAR10.load_data_list does the same and tags
# them `gt_channel_order='RGB'` for the data preprocessor
RGB_DATASETS = {"mmcls.CIFAR10", "CIFAR10"}


def _loaded_order(dataset_type: Any) -> str:
    return "rgb" if dataset_type in RGB_DATASETS else "bgr"


def _dataset_types(source: dict) -> set:
    """The dataset types a config's data uses: ``dataset_type`` and the
    ``data`` splits (through ``RepeatDataset`` wrappers)."""
    types = {source.get("dataset_type")}
    data = source.get("data")
    if isinstance(data, dict):
        for split in ("train", "val", "test"):
            ds = data.get(split)
            while isinstance(ds, dict) and ds.get("type") == "RepeatDataset":
                ds = ds.get("dataset")
            if isinstance(ds, dict):
                types.add(ds.get("type"))
    return types


def _config_loaded_order(source: dict) -> str:
    """The order a top-level ``*_pipeline`` starts from: that of the
    config's datasets."""
    return "rgb" if _dataset_types(source) & RGB_DATASETS else "bgr"
# 0.x-only transforms: a pipeline with one of them is a 0.x pipeline
LEGACY_TRANSFORMS = {"Collect", "ImageToTensor", "Normalize", "RescaleToZeroOne", "ToTensor"}
DATASET_ARGS = {
    "BasicImageDataset": {"data_root", "data_prefix", "pipeline", "test_mode", "recursive"},
    "GrowScaleImgDataset": {"data_roots", "pipeline", "len_per_stage", "gpu_samples_per_scale", "gpu_samples_base",
                            "io_backend", "file_lists", "test_mode"},
    "SinGANDataset": {"data_root", "min_size", "max_size", "scale_factor_init", "pipeline", "num_samples"},
    "PairedImageDataset": {"data_root", "pipeline", "io_backend", "test_mode", "test_dir"},
    "UnpairedImageDataset": {"data_root", "pipeline", "io_backend", "test_mode", "domain_a", "domain_b"},
    "ImageNet": {"data_prefix", "ann_file", "pipeline", "test_mode", "classes", "data_root"},
    "CIFAR10": {"data_prefix", "pipeline", "test_mode", "data_root"},
}
# transforms that keep name and arguments (only their image keys are renamed)
# (the arguments their 1.x classes take, mmagic 1.2.0 datasets/transforms/*.py)
SAME_TRANSFORMS = {
    "Resize": {"keys", "scale", "keep_ratio", "size_factor", "max_size", "interpolation", "backend", "output_keys"},
    "Flip": {"keys", "flip_ratio", "direction"},
    "Crop": {"keys", "crop_size", "random_crop", "is_pad_zeros"},
    "FixedCrop": {"keys", "crop_size", "crop_pos"},
    "NumpyPad": None,  # keys, padding, **numpy.pad kwargs
    "RandomCropLongEdge": {"keys"},
    "CenterCropLongEdge": {"keys"},
}
# 0.x image keys (mmgen's `real_img`, mmcls' `img`) -> `gt`: PackInputs puts
# `gt` into `data_samples.gt_img`, which every 1.x GAN reads its real images
# from (e.g. dcgan.py `real_imgs = data_samples.gt_img`)
KEY_RENAMES = {"real_img": "gt", "real_img_path": "gt_path", "img": "gt", "img_path": "gt_path"}


class _Pipeline:
    """Conversion of one 0.x pipeline (a list of transform dicts)."""

    def __init__(self, rename: dict, translation: bool = False, loaded_order: str = "bgr"):
        self.rename = rename
        self.translation = translation
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.mean = self.std = None
        self.to_rgb = False
        # the channel order of the images the pipeline starts from: what the
        # dataset yields (mmcls CIFAR10: RGB) or what LoadImageFromFile reads
        # (mmcv imread: BGR unless `channel_order='rgb'`)
        self.loaded_order = loaded_order

    @property
    def trained_order(self) -> str:
        """The channel order the 0.x model saw (Normalize(to_rgb=True) swaps)."""
        return {"bgr": "rgb", "rgb": "bgr"}[self.loaded_order] if self.to_rgb else self.loaded_order

    def key(self, k):
        return self.rename.get(k, k) if isinstance(k, str) else k

    def keys(self, v):
        if isinstance(v, (list, tuple)):
            return type(v)(self.key(k) for k in v)
        return self.key(v)

    def convert(self, pipeline: list) -> list:
        out: list = []
        rescaled = False
        for t in pipeline:
            if not isinstance(t, dict):
                self.problems.append(f"transform {t!r} is not a dict")
                continue
            ttype = t.get("type")
            if ttype in ("LoadImageFromFile", "LoadPairedImageFromFile"):
                # mmcls' LoadImageFromFile (ImageNet/CIFAR pipelines) had no key and wrote 'img'
                new = {"type": ttype, "key": self.key(t.get("key", "img"))}  # (renamed to 'gt' for GANs)
                for k, v in t.items():
                    if k in ("type", "key"):
                        continue
                    if k in ("domain_a", "domain_b") and ttype == "LoadPairedImageFromFile":
                        new[k] = v
                    if k == "flag":
                        new["color_type"] = v
                    elif k in ("domain_a", "domain_b"):
                        pass
                    elif k == "channel_order":
                        new["channel_order"] = v
                        if isinstance(v, str) and v.lower() in ("rgb", "bgr"):
                            self.loaded_order = v.lower()
                    elif k == "io_backend":
                        if v != "disk":
                            self.problems.append(f"LoadImageFromFile io_backend={v!r}: set `backend_args` by hand")
                    else:
                        self.problems.append(f"LoadImageFromFile argument `{k}` has no 1.x twin")
                out.append(new)
            elif ttype == "Resize" and "size" in t and "scale" not in t:
                # mmcls Resize(size=(h, w) | s) of the conditional-GAN ImageNet pipelines
                size = t["size"]
                if isinstance(size, int):
                    scale = (size, size)
                elif isinstance(size, (list, tuple)) and len(size) == 2 and -1 not in size:
                    scale = (size[1], size[0])  # mmcls (h, w) -> mmcv/mmagic (w, h)
                else:
                    self.problems.append(f"Resize(size={size!r}) has no fixed 1.x scale")
                    continue
                extra = [k for k in t if k not in ("type", "size", "keys", "backend", "interpolation")]
                if extra:
                    self.problems.append(f"Resize argument(s) {', '.join(extra)} not taken by the 1.x Resize")
                    continue
                new = {"type": "Resize", "keys": self.keys(t.get("keys", ["img"])), "scale": scale}
                new.update({k: t[k] for k in ("backend", "interpolation") if k in t})
                out.append(new)
            elif ttype == "RandomFlip":
                # mmcls RandomFlip(flip_prob, direction) on 'img'
                extra = [k for k in t if k not in ("type", "flip_prob", "prob", "direction")]
                if extra or t.get("direction", "horizontal") not in ("horizontal", "vertical"):
                    self.problems.append(f"RandomFlip {t!r} has no 1.x twin")
                    continue
                out.append({"type": "Flip", "keys": self.keys(["img"]),
                            "flip_ratio": t.get("flip_prob", t.get("prob", 0.5)),
                            "direction": t.get("direction", "horizontal")})
            elif ttype in SAME_TRANSFORMS:
                allowed = SAME_TRANSFORMS[ttype]
                extra = [k for k in t if k != "type" and allowed is not None and k not in allowed]
                if extra:
                    self.problems.append(f"{ttype} argument(s) {', '.join(extra)} not taken by the 1.x {ttype}")
                    continue
                out.append({k: (self.keys(v) if k == "keys" else v) for k, v in t.items()})
            elif ttype == "RescaleToZeroOne":
                rescaled = True
            elif ttype == "Normalize":
                scale = 255.0 if rescaled else 1.0
                mean, std = t.get("mean"), t.get("std")
                if not (isinstance(mean, (list, tuple)) and isinstance(std, (list, tuple))):
                    self.problems.append("Normalize without mean/std lists")
                    continue
                self.mean = [m * scale for m in mean]
                self.std = [s * scale for s in std]
                self.to_rgb = bool(t.get("to_rgb", True))
            elif ttype == "ImageToTensor":
                pass  # PackInputs makes the tensors
            elif ttype == "ToTensor" and list(t.get("keys", [])) == ["gt_label"]:
                pass  # PackInputs puts gt_label into the data sample
            elif ttype == "PackInputs":
                out.append(t)  # already 1.x
            elif ttype == "Collect":
                if self.translation:
                    # translation models read `img_<domain>` from the inputs and
                    # their data preprocessor from the data samples: both
                    keys = self.keys(list(t.get("keys", [])))
                    new = {"type": "PackInputs", "keys": keys, "data_keys": keys}
                    if t.get("meta_keys"):
                        new["meta_keys"] = self.keys(list(t["meta_keys"]))
                else:
                    # `gt`, `gt_label` and the paths are predefined DataSample
                    # fields: PackInputs puts them there without being told
                    new = {"type": "PackInputs"}
                out.append(new)
            else:
                self.problems.append(f"transform {ttype!r} has no 1.x twin")
        return out


def is_legacy_pipeline(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(t, dict) and "type" in t for t in value) \
        and any(t["type"] in LEGACY_TRANSFORMS or "real_img" in str(t.get("keys", t.get("key", ""))) for t in value)


def _dataset(ctx, ds: Any, rename: dict, problems: list, pipes: list, notes: list) -> Any:
    if isinstance(ds, dict) and ds.get("type") == "RepeatDataset":
        inner = _dataset(ctx, ds.get("dataset"), rename, problems, pipes, notes)
        extra = [k for k in ds if k not in ("type", "dataset", "times")]
        if extra:
            problems.append(f"RepeatDataset arguments without a 1.x twin: {', '.join(extra)}")
        return {**ds, "dataset": inner}  # MMEngine's RepeatDataset(dataset, times)
    if isinstance(ds, dict) and ds.get("type") in REVIEW_DATASETS:
        notes.append(f"{ds['type']} → MMagic {DATASETS[ds['type']][0]} (BasicConditionalDataset): check the "
                     "folder / annotation layout it expects")
    if not isinstance(ds, dict) or ds.get("type") not in DATASETS:
        problems.append(f"dataset {ds.get('type') if isinstance(ds, dict) else ds!r} has no known 1.x twin")
        return None
    new_type, arg_renames, added = DATASETS[ds["type"]]
    out: dict[str, Any] = {"type": new_type}
    for k, v in ds.items():
        if k == "type":
            continue
        nk = arg_renames.get(k, k)
        if nk not in DATASET_ARGS[new_type]:
            problems.append(f"{ds['type']} argument `{k}` has no 1.x twin")
            continue
        if k == "pipeline":
            pipe = _Pipeline(rename, translation=not rename, loaded_order=_loaded_order(ds["type"]))
            v = pipe.convert(list(v or []))
            problems.extend(pipe.problems)
            pipes.append(pipe)
        out[nk] = v
    for k, v in added.items():
        out.setdefault(k, v)
    if new_type == "SinGANDataset" and "pipeline" not in out:
        # 0.x returned every pyramid level and `input_sample` as tensors
        # ((x / 255 - 0.5) * 2, i.e. the data preprocessor's 127.5); the 1.x
        # dataset needs a pipeline that packs them (one level per scale 0..num_scales)
        num_scales = ctx.old(("model", "num_scales"), None)
        if not isinstance(num_scales, int):
            num_scales = ctx.old(("model", "generator", "num_scales"), None)
        if isinstance(num_scales, int):
            out["pipeline"] = [{"type": "PackInputs",
                                "keys": [f"real_scale{i}" for i in range(num_scales + 1)] + ["input_sample"]}]
        else:
            notes.append("1.x SinGANDataset needs `pipeline=[dict(type='PackInputs', keys=['real_scale0', ..., "
                         "'input_sample'])]` (one key per scale); the number of scales is not known here")
    return out


@rule(
    "DAT002",
    "datasets-and-pipelines",
    "Rename 0.x datasets and transforms to their MMagic twins, move `Normalize` into the model's data "
    "preprocessor and `Collect` into `PackInputs`; report what has no twin.",
    requires=("DAT001",),
    examples=[
        Example(
            before="""
            dataset_type = 'UnconditionalImageDataset'
            train_pipeline = [
                dict(type='LoadImageFromFile', key='real_img', io_backend='disk'),
                dict(type='Resize', keys=['real_img'], scale=(64, 64)),
                dict(type='Normalize', keys=['real_img'], mean=[127.5] * 3, std=[127.5] * 3, to_rgb=False),
                dict(type='ImageToTensor', keys=['real_img']),
                dict(type='Collect', keys=['real_img'], meta_keys=['real_img_path'])]
            data = dict(samples_per_gpu=64, workers_per_gpu=4,
                        train=dict(type=dataset_type, imgs_root='data/celeba', pipeline=train_pipeline))
            """,
            after="""
            dataset_type = 'BasicImageDataset'
            train_pipeline = [
                dict(type='LoadImageFromFile', key='gt'),
                dict(type='Resize', keys=['gt'], scale=(64, 64)),
                dict(type='PackInputs')]
            train_dataloader = dict(
                batch_size=64, num_workers=4,
                sampler=dict(type='InfiniteSampler', shuffle=True),
                dataset=dict(
                    type=dataset_type, data_root='data/celeba', pipeline=train_pipeline,
                    data_prefix=dict(gt=''), recursive=True))
            """,
        ),
        Valid(
            """
            train_dataloader = dict(batch_size=4, dataset=dict(type='BasicImageDataset', data_root='d'))
            """
        ),
    ],
)
def datasets_and_pipelines(ctx: MigrationContext) -> None:
    """
    **What it does.** For every dataloader DAT001 wrote, and the top-level
    `*_pipeline` / `dataset_type` variables:

    - datasets: `RepeatDataset` is MMEngine's (inner dataset converted);
      mmcls `ImageNet`/`CIFAR10` → MMagic's `ImageNet`/`CIFAR10` (*review*);
      `UnconditionalImageDataset(imgs_root)` →
      `BasicImageDataset(data_root, data_prefix=dict(gt=''), recursive=True)` (0.x scanned the folder
      recursively); `GrowScaleImgDataset(imgs_roots)` → `(data_roots)`;
      `SinGANDataset(img_path)` → `(data_root)` plus the pipeline 1.x requires
      (`PackInputs` of every pyramid level `real_scale0..N` and `input_sample`,
      N = the model's `num_scales`; 0.x packed them itself);
      `Paired/UnpairedImageDataset(dataroot)` → `(data_root)`, and the
      paired dataset's `testdir` (the folder its val/test split reads) →
      `test_dir`;
    - transforms: `LoadImageFromFile` / `LoadPairedImageFromFile` (`flag` →
      `color_type`, disk `io_backend` dropped), `Resize`, `Flip`, `Crop`,
      `FixedCrop`, `NumpyPad`, `*CropLongEdge` keep their arguments
      (arguments the 1.x class does not take are *unsupported*); the mmcls
      transforms of the ImageNet/CIFAR pipelines map too: `Resize(size=(h, w))`
      → `Resize(keys=['gt'], scale=(w, h))`, `RandomFlip(flip_prob)` →
      `Flip(keys=['gt'], flip_ratio)`, key-less `LoadImageFromFile` →
      `key='gt'`; `Collect` → `PackInputs` (see below); `ImageToTensor` and
      `ToTensor(keys=['gt_label'])` are dropped (PackInputs makes tensors);
      `RescaleToZeroOne` + `Normalize` are dropped and their effect moves to
      `model.data_preprocessor` (`mean`/`std` when not 127.5,
      `output_channel_order` for `to_rgb=True`: the order the 0.x model
      trained on, i.e. the swap of what the dataset loaded: `'RGB'` for
      images read by `LoadImageFromFile` (BGR), `'BGR'` for mmcls `CIFAR10`,
      which yields RGB arrays, as MMagic's `CIFAR10` does);
    - the image key of GANs (`real_img`, mmcls' `img`) becomes `gt`:
      1.x GANs read real images from `data_samples.gt_img`, which `PackInputs`
      fills from `gt` (and `gt_label`, paths) on its own, so `Collect` becomes
      a plain `PackInputs()`; `BasicImageDataset` gets `data_prefix=dict(gt='')`.
      Translation keys `img_<domain>` stay and are packed both as inputs and
      as data-sample fields (`PackInputs(keys=K, data_keys=K)`).

    **Why.** MMagic 1.x renamed the dataset arguments (`data_root`) and
    replaced `Collect`/`ImageToTensor` with `PackInputs`; normalisation is
    done on the batch by the model's `DataPreprocessor`.

    **Exactness.** Exact when every dataset and transform has a twin and the
    normalisation is expressible. A dataset or transform without a twin
    (e.g. mmcls `CIFAR10`, `RepeatDataset`, custom transforms) is
    *unsupported*: the loader is left as DAT001 wrote it and marked.
    Different normalisation in the train and val pipelines is *review* (the
    data preprocessor has one).

    **Reference.** docs/mapping.md §2.2, §2.9; mmagic 1.2.0 `datasets/*.py`,
    `datasets/transforms/*.py`, `models/data_preprocessors/data_preprocessor.py`.
    """
    if fam.training_refused(ctx.source):
        return
    family = fam.family_of(ctx.source)
    rename = {} if family == fam.TRANSLATION or _translation_data(ctx.source) else KEY_RENAMES
    pipes: list[_Pipeline] = []
    for loader in ("train_dataloader", "val_dataloader", "test_dataloader"):
        ds = ctx.get((loader, "dataset"), None)
        if ds is None or loader in ctx.source:
            continue
        problems: list[str] = []
        notes: list[str] = []
        new = _dataset(ctx, ds, rename, problems, pipes, notes)
        if problems:
            ctx.flag((loader, "dataset"), "; ".join(problems))
            continue
        if new != ds:
            ctx.put((loader, "dataset"), new, f"0.x {ds['type']} → 1.x {new['type']} (arguments and "
                    "transforms renamed)" + ("; " + "; ".join(notes) if notes else ""),
                    inputs=[(loader, "dataset")], consume=False,
                    severity=Severity.REVIEW if notes else Severity.EXACT)
    # top-level helper variables of the 0.x dataset files
    for key in list(ctx.cfg):
        value = ctx.cfg[key]
        if key == "dataset_type" and isinstance(value, str) and value in DATASETS:
            ctx.put((key,), DATASETS[value][0], "the 1.x dataset type", inputs=[(key,)])
        elif isinstance(key, str) and key.endswith("_pipeline") and is_legacy_pipeline(value):
            pipe = _Pipeline(rename, translation=not rename, loaded_order=_config_loaded_order(ctx.source))
            new = pipe.convert(value)
            if pipe.problems:
                ctx.flag((key,), "; ".join(pipe.problems))
                continue
            pipes.append(pipe)
            if new != value:
                ctx.put((key,), new, "0.x transforms renamed to their 1.x twins", inputs=[(key,)])
    _normalisation(ctx, pipes)


TRANSLATION_DATASETS = {"PairedImageDataset", "UnpairedImageDataset"}


def _translation_data(source: dict) -> bool:
    """Does this file's data feed a translation model (a `_base_` dataset file
    has no model to tell)?"""
    return bool(_dataset_types(source) & TRANSLATION_DATASETS)


def _normalisation(ctx: MigrationContext, pipes: list) -> None:
    # the 1.x pipeline starts from the same order as the 0.x one (MMagic's
    # datasets and LoadImageFromFile tag it), so the data preprocessor must
    # convert exactly where 0.x Normalize(to_rgb=True) swapped the channels
    seen = [(p.mean, p.std, p.trained_order.upper() if p.to_rgb else None) for p in pipes if p.mean is not None]
    if not seen:
        return
    mean, std, order = seen[0]
    if any(s != seen[0] for s in seen[1:]):
        ctx.note("the 0.x pipelines normalise differently; the data preprocessor uses the first one's "
                 f"mean={mean}, std={std}", paths=[("data",)])
    dp = ctx.get(("model", "data_preprocessor"), None)
    if not isinstance(dp, dict) or "model" in ctx.source and "data_preprocessor" in ctx.source["model"]:
        if not ctx.partial:
            ctx.note("0.x pipeline normalisation (Normalize) was removed; check the model's data preprocessor "
                     f"uses mean={mean}, std={std}" + (f", output_channel_order='{order}'" if order else ""),
                     paths=[("data",)])
        return
    default = all(abs(m - 127.5) < 1e-9 for m in mean) and all(abs(s - 127.5) < 1e-9 for s in std) \
        and len(mean) == 3
    if not default:
        ctx.put(("model", "data_preprocessor", "mean"), mean, "0.x Normalize mean (on 0-255 pixels)",
                inputs=[("data",)], consume=False)
        ctx.put(("model", "data_preprocessor", "std"), std, "0.x Normalize std (on 0-255 pixels)",
                inputs=[("data",)], consume=False)
    if order:
        loaded = "BGR" if order == "RGB" else "RGB"
        ctx.put(("model", "data_preprocessor", "output_channel_order"), order,
                f"0.x Normalize(to_rgb=True) swapped the {loaded} images the dataset loaded: the 0.x model "
                f"trained on {order}", inputs=[("data",)], consume=False)
