"""DAT001/DAT002: data -> dataloaders; datasets and pipelines."""

from mmgen_migrate.convert import ConvertOptions, convert_text
from mmgen_migrate.model import Severity
from mmgen_migrate.rules import REGISTRY, apply_rules

DAT = [REGISTRY["MOD003"], REGISTRY["DAT001"], REGISTRY["DAT002"]]  # MOD003 adds the data preprocessor
PIPE = [
    dict(type="LoadImageFromFile", key="real_img", io_backend="disk"),
    dict(type="Resize", keys=["real_img"], scale=(64, 64)),
    dict(type="Normalize", keys=["real_img"], mean=[127.5] * 3, std=[127.5] * 3, to_rgb=False),
    dict(type="ImageToTensor", keys=["real_img"]),
    dict(type="Collect", keys=["real_img"], meta_keys=["real_img_path"]),
]
# 1.x GANs read real images from data_samples.gt_img, which PackInputs fills from `gt`
NEW_PIPE = [
    {"type": "LoadImageFromFile", "key": "gt"},
    {"type": "Resize", "keys": ["gt"], "scale": (64, 64)},
    {"type": "PackInputs"},
]


def run(cfg, rules=DAT):
    return apply_rules(cfg, rules)


def findings(out, rule=None):
    return [c for c in out.changes if c.severity != Severity.EXACT and (rule is None or c.rule == rule)]


def model(mtype="StaticUnconditionalGAN"):
    return {"type": mtype, "generator": {"type": "G"}}


def test_batch_size_is_always_explicit():
    # mapping.md §3 row 1: the upstream CycleGAN/Pix2Pix ports trained at batch 4 instead of 1
    t = run({"data": dict(samples_per_gpu=1, workers_per_gpu=4)}).target
    assert t["train_dataloader"] == {"batch_size": 1, "num_workers": 4,
                                     "sampler": {"type": "InfiniteSampler", "shuffle": True}}
    assert "data" not in t


def test_unconditional_dataset_and_pipeline():
    out = run({"model": model(), "data": dict(samples_per_gpu=64, workers_per_gpu=2, drop_last=True, train=dict(
        type="UnconditionalImageDataset", imgs_root="data/ffhq", pipeline=PIPE))})
    loader = out.target["train_dataloader"]
    assert loader["drop_last"] is True
    assert loader["dataset"] == {"type": "BasicImageDataset", "data_root": "data/ffhq", "pipeline": NEW_PIPE,
                                 "data_prefix": {"gt": ""}, "recursive": True}
    # mean=std=127.5 is the data preprocessor's default: nothing to add
    assert out.target["model"]["data_preprocessor"] == {"type": "DataPreprocessor"}
    assert not findings(out)


def test_rescale_and_normalize_fold_into_the_data_preprocessor():
    pipe = [dict(type="LoadImageFromFile", key="real_img"),
            dict(type="RescaleToZeroOne", keys=["real_img"]),
            dict(type="Normalize", keys=["real_img"], mean=[0.5], std=[0.5], to_rgb=True),
            dict(type="Collect", keys=["real_img"])]
    t = run({"model": model(), "data": dict(samples_per_gpu=8, train=dict(
        type="UnconditionalImageDataset", imgs_root="mnist", pipeline=pipe))}).target
    assert t["model"]["data_preprocessor"] == {"type": "DataPreprocessor", "mean": [127.5], "std": [127.5],
                                               "output_channel_order": "RGB"}
    assert [p["type"] for p in t["train_dataloader"]["dataset"]["pipeline"]] == ["LoadImageFromFile", "PackInputs"]


def test_translation_keys_are_kept():
    pipe = [dict(type="LoadImageFromFile", key="img_a", flag="color"),
            dict(type="Flip", keys=["img_a", "img_b"], direction="horizontal"),
            dict(type="Collect", keys=["img_a", "img_b"], meta_keys=["img_a_path"])]
    t = run({"model": model("CycleGAN"), "data": dict(samples_per_gpu=1, train=dict(
        type="UnpairedImageDataset", dataroot="d", pipeline=pipe, domain_a="a", domain_b="b"))}).target
    ds = t["train_dataloader"]["dataset"]
    assert ds["type"] == "UnpairedImageDataset" and ds["data_root"] == "d" and ds["domain_a"] == "a"
    assert ds["pipeline"][0] == {"type": "LoadImageFromFile", "key": "img_a", "color_type": "color"}
    assert ds["pipeline"][-1] == {"type": "PackInputs", "keys": ["img_a", "img_b"], "data_keys": ["img_a", "img_b"],
                                  "meta_keys": ["img_a_path"]}


def test_val_and_test_loaders_only_with_their_loops():
    data = dict(samples_per_gpu=16, workers_per_gpu=2, val_samples_per_gpu=4,
                train=dict(type="UnconditionalImageDataset", imgs_root="tr", pipeline=PIPE),
                val=dict(type="UnconditionalImageDataset", imgs_root="va", pipeline=PIPE))
    t = run({"data": dict(data)}).target
    assert set(t) == {"train_dataloader"}  # no loops: MMEngine refuses loaders without them
    t = run({"data": dict(data), "val_cfg": {"type": "MultiValLoop"}, "test_cfg": {"type": "MultiTestLoop"}}).target
    assert t["val_dataloader"]["batch_size"] == 4 and t["val_dataloader"]["num_workers"] == 2
    assert t["val_dataloader"]["sampler"] == {"type": "DefaultSampler", "shuffle": False}
    assert t["val_dataloader"]["dataset"]["data_root"] == "va"
    # no data.test: the training images serve as real samples (review)
    assert t["test_dataloader"]["batch_size"] == 16
    assert t["test_dataloader"]["dataset"]["data_root"] == "tr"


def test_repeat_dataset_and_mmcls_imagenet():
    out = run({"model": model("BasiccGAN"), "data": dict(samples_per_gpu=32, train=dict(
        type="RepeatDataset", times=10, dataset=dict(
            type="mmcls.ImageNet", data_prefix="data/imagenet/train",
            pipeline=[dict(type="LoadImageFromFile", key="img"), dict(type="ToTensor", keys=["gt_label"]),
                      dict(type="Collect", keys=["img", "gt_label"])])))})
    ds = out.target["train_dataloader"]["dataset"]
    assert ds["type"] == "RepeatDataset" and ds["times"] == 10
    assert ds["dataset"]["type"] == "ImageNet"
    assert ds["dataset"]["pipeline"] == [{"type": "LoadImageFromFile", "key": "gt"}, {"type": "PackInputs"}]
    assert findings(out, "DAT002")  # the folder layout should be checked


def test_unknown_dataset_and_transform_are_unsupported():
    out = run({"data": dict(samples_per_gpu=2, train=dict(type="MyDataset", root="x"))})
    assert out.target["train_dataloader"]["dataset"] == dict(type="MyDataset", root="x")
    assert [c.severity for c in findings(out, "DAT002")] == [Severity.UNSUPPORTED]
    out = run({"data": dict(samples_per_gpu=2, train=dict(type="UnconditionalImageDataset", imgs_root="x",
                                                          pipeline=[dict(type="RandomJitter")]))})
    assert "RandomJitter" in findings(out, "DAT002")[0].message


def test_a_data_preprocessor_written_by_hand_is_not_changed():
    pipe = [dict(type="Normalize", keys=["real_img"], mean=[0.0] * 3, std=[255.0] * 3, to_rgb=True)]
    out = run({"model": {"type": "StaticUnconditionalGAN", "data_preprocessor": {"type": "DataPreprocessor"}},
               "data": dict(samples_per_gpu=2, train=dict(type="UnconditionalImageDataset", imgs_root="x",
                                                          pipeline=pipe))})
    assert out.target["model"]["data_preprocessor"] == {"type": "DataPreprocessor"}
    assert any("mean=[0.0, 0.0, 0.0]" in c.message for c in findings(out, "DAT002"))


def test_unknown_data_setting_is_unsupported():
    out = run({"data": dict(samples_per_gpu=2, shuffle=False)})
    assert out.target["data"] == dict(samples_per_gpu=2, shuffle=False)
    assert "train_dataloader" not in out.target


def test_dataset_base_text_keeps_comments_and_is_idempotent():
    src = (
        "dataset_type = 'UnconditionalImageDataset'\n"
        "train_pipeline = [\n"
        "    dict(type='LoadImageFromFile', key='real_img'),\n"
        "    dict(type='Collect', keys=['real_img'], meta_keys=['real_img_path'])\n"
        "]\n"
        "# `samples_per_gpu` must be set\n"
        "data = dict(samples_per_gpu=None, workers_per_gpu=4,\n"
        "            train=dict(type=dataset_type, imgs_root=None, pipeline=train_pipeline))\n"
    )
    res = convert_text(src, options=ConvertOptions(select=["DAT"]))
    text = res.new_text
    assert "dataset_type = 'BasicImageDataset'" in text
    assert "# `samples_per_gpu` must be set\ntrain_dataloader = dict(" in text
    assert "batch_size=None" in text and "data = " not in text
    assert convert_text(text, options=ConvertOptions(select=["DAT"])).new_text == text


def test_singan_dataset_gets_the_pipeline_1x_requires():
    cfg = {"model": {"type": "SinGAN", "generator": {"type": "SinGANMultiScaleGenerator", "num_scales": 2}},
           "data": dict(samples_per_gpu=1, train=dict(type="SinGANDataset", img_path="fish.png", min_size=25,
                                                      max_size=250, scale_factor_init=0.75))}
    out = run(cfg)
    ds = out.target["train_dataloader"]["dataset"]
    assert ds["data_root"] == "fish.png" and "img_path" not in ds
    assert ds["pipeline"] == [{"type": "PackInputs",
                               "keys": ["real_scale0", "real_scale1", "real_scale2", "input_sample"]}]
    assert out.target["model"]["data_preprocessor"]["non_image_keys"] == ["input_sample"]
    # a dataset file without the model cannot know the number of scales: reported
    del cfg["model"]
    out = run(cfg)
    assert "pipeline" not in out.target["train_dataloader"]["dataset"]
    assert any("PackInputs" in c.message for c in findings(out, "DAT002"))


def test_mmcls_transforms_of_imagenet_pipelines():
    pipe = [dict(type="LoadImageFromFile"), dict(type="RandomCropLongEdge", keys=["img"]),
            dict(type="Resize", size=(128, 96), backend="pillow"),
            dict(type="RandomFlip", flip_prob=0.5, direction="horizontal"),
            dict(type="Normalize", mean=[127.5] * 3, std=[127.5] * 3, to_rgb=True),
            dict(type="ImageToTensor", keys=["img"]), dict(type="ToTensor", keys=["gt_label"]),
            dict(type="Collect", keys=["img", "gt_label"])]
    t = run({"model": model("BasiccGAN"), "data": dict(samples_per_gpu=4, train=dict(
        type="mmcls.ImageNet", data_prefix="train", pipeline=pipe))}).target
    assert t["train_dataloader"]["dataset"]["pipeline"] == [
        {"type": "LoadImageFromFile", "key": "gt"},
        {"type": "RandomCropLongEdge", "keys": ["gt"]},
        {"type": "Resize", "keys": ["gt"], "scale": (96, 128), "backend": "pillow"},  # (h, w) -> (w, h)
        {"type": "Flip", "keys": ["gt"], "flip_ratio": 0.5, "direction": "horizontal"},
        {"type": "PackInputs"},  # gt -> data_samples.gt_img, gt_label -> data_samples.gt_label
    ]
    assert t["model"]["data_preprocessor"]["output_channel_order"] == "RGB"


def test_transform_argument_the_1x_class_does_not_take_is_unsupported():
    pipe = [dict(type="Flip", keys=["real_img"], direction="horizontal", flip_prob=0.3)]
    out = run({"data": dict(samples_per_gpu=2, train=dict(type="UnconditionalImageDataset", imgs_root="x",
                                                          pipeline=pipe))})
    assert out.target["train_dataloader"]["dataset"]["pipeline"] == pipe
    assert "flip_prob" in findings(out, "DAT002")[0].message


def test_paired_val_and_test_datasets_get_the_1x_argument_names():
    # 0.x mmgen PairedImageDataset(dataroot, pipeline, test_mode, testdir) ->
    # mmagic 1.2.0 PairedImageDataset(data_root, pipeline, io_backend, test_mode, test_dir)
    pipe = [dict(type="LoadPairedImageFromFile", key="pair", domain_a="a", domain_b="b", flag="color"),
            dict(type="Collect", keys=["img_a", "img_b"], meta_keys=["pair_path"])]
    data = dict(samples_per_gpu=1, workers_per_gpu=4,
                train=dict(type="PairedImageDataset", dataroot="d", pipeline=pipe, test_mode=False),
                val=dict(type="PairedImageDataset", dataroot="d", pipeline=pipe, test_mode=True, testdir="test"),
                test=dict(type="PairedImageDataset", dataroot="d", pipeline=pipe, test_mode=True, testdir="val"))
    out = run({"model": model("Pix2Pix"), "data": data,
               "val_cfg": {"type": "MultiValLoop"}, "test_cfg": {"type": "MultiTestLoop"}})
    assert not findings(out, "DAT002"), [c.message for c in findings(out, "DAT002")]
    for loader, test_dir in (("val_dataloader", "test"), ("test_dataloader", "val")):
        ds = out.target[loader]["dataset"]
        assert ds["data_root"] == "d" and ds["test_dir"] == test_dir and ds["test_mode"] is True
        assert "dataroot" not in ds and "testdir" not in ds
        assert ds["pipeline"][-1]["type"] == "PackInputs"


CIFAR_PIPE = [dict(type="Normalize", mean=[127.5] * 3, std=[127.5] * 3, to_rgb=True),
              dict(type="ImageToTensor", keys=["img"]), dict(type="ToTensor", keys=["gt_label"]),
              dict(type="Collect", keys=["img", "gt_label"])]


def test_cifar10_channel_order_comes_from_what_the_dataset_loads():
    # 0.x mmcls.CIFAR10 yields RGB arrays (unpickled batches), so Normalize(to_rgb=True)
    # made them BGR and the 0.x models trained on BGR.  MMagic's CIFAR10 yields RGB too and
    # tags it (`gt_channel_order='RGB'`): the 1.x model needs output_channel_order='BGR'.
    out = run({"model": model("BasiccGAN"), "data": dict(samples_per_gpu=25, train=dict(
        type="mmcls.CIFAR10", data_prefix="data/cifar10", pipeline=CIFAR_PIPE))})
    assert out.target["train_dataloader"]["dataset"]["type"] == "CIFAR10"
    # MMagic's CIFAR10(data_prefix, test_mode, ...) requires test_mode; mmcls' default was False
    assert out.target["train_dataloader"]["dataset"]["test_mode"] is False
    assert out.target["model"]["data_preprocessor"] == {"type": "DataPreprocessor", "output_channel_order": "BGR"}
    # without to_rgb the 0.x model trained on RGB, the order MMagic's CIFAR10 gives: no conversion
    pipe = [dict(CIFAR_PIPE[0], to_rgb=False)] + CIFAR_PIPE[1:]
    out = run({"model": model("BasiccGAN"), "data": dict(samples_per_gpu=25, train=dict(
        type="mmcls.CIFAR10", data_prefix="data/cifar10", pipeline=pipe))})
    assert out.target["model"]["data_preprocessor"] == {"type": "DataPreprocessor"}


def test_cifar10_dataset_base_file_and_loaders_that_read_rgb():
    # a `_base_` dataset file: the order is known from `dataset_type` / the datasets it defines
    out = run({"dataset_type": "mmcls.CIFAR10", "train_pipeline": CIFAR_PIPE, "model": model("BasiccGAN"),
               "data": dict(samples_per_gpu=25, train=dict(type="mmcls.CIFAR10", data_prefix="c",
                                                         pipeline=CIFAR_PIPE))})
    assert out.target["model"]["data_preprocessor"]["output_channel_order"] == "BGR"
    # images loaded as RGB by LoadImageFromFile(channel_order='rgb') and swapped by to_rgb: BGR too
    pipe = [dict(type="LoadImageFromFile", key="real_img", channel_order="rgb"),
            dict(type="Normalize", keys=["real_img"], mean=[127.5] * 3, std=[127.5] * 3, to_rgb=True),
            dict(type="Collect", keys=["real_img"])]
    out = run({"model": model(), "data": dict(samples_per_gpu=2, train=dict(
        type="UnconditionalImageDataset", imgs_root="x", pipeline=pipe))})
    assert out.target["model"]["data_preprocessor"]["output_channel_order"] == "BGR"
