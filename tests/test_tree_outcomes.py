"""Tree mode and single-file mode give the same outcome, and converting a
converted tree changes nothing, on trees shaped like the official 0.x zoo:

* an Improved-DDPM config (refused by MOD005) whose dataset and model live in
  `_base_` files that other rules convert;
* ``--in-place`` on a `_base_` family where a child cannot be converted;
* ``--check`` on a single 1.x child whose bases are 1.x (as pre-commit runs it),
  and a 0.x child whose bases are partly 1.x (only the 0.x ones are inlined).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from mmengine.config import Config

from mmgen_migrate.convert import FAILED, UNCHANGED, convert_files, discover
from mmgen_migrate.model import Severity, same

RUNTIME = """
checkpoint_config = dict(interval=10000, by_epoch=False, max_keep_ckpts=20)
log_config = dict(interval=100, hooks=[dict(type='TextLoggerHook')])
dist_params = dict(backend='nccl')
log_level = 'INFO'
load_from = None
resume_from = None
workflow = [('train', 10000)]
find_unused_parameters = True
cudnn_benchmark = True
"""
DDPM_MODEL = """
model = dict(
    type='BasicGaussianDiffusion',
    num_timesteps=4000,
    betas_cfg=dict(type='cosine'),
    denoising=dict(type='DenoisingUnet', image_size=32, in_channels=3, base_channels=128),
    timestep_sampler=dict(type='UniformTimeStepSampler'),
    ddpm_loss=[dict(type='DDPMMSELoss')])
train_cfg = dict(use_ema=True, real_img_key='img')
test_cfg = None
optimizer = dict(denoising=dict(type='AdamW', lr=1e-4, weight_decay=0))
"""
CIFAR = """
dataset_type = 'mmcls.CIFAR10'
img_norm_cfg = dict(mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5], to_rgb=True)
train_pipeline = [
    dict(type='Normalize', **img_norm_cfg),
    dict(type='ImageToTensor', keys=['img']),
    dict(type='ToTensor', keys=['gt_label']),
    dict(type='Collect', keys=['img', 'gt_label'])
]
data = dict(
    samples_per_gpu=None,
    workers_per_gpu=4,
    train=dict(type='RepeatDataset', times=500,
               dataset=dict(type=dataset_type, data_prefix='data/cifar10', pipeline=train_pipeline)))
"""
DDPM_CHILD = """
_base_ = ['../_base_/models/ddpm_32x32.py', '../_base_/datasets/cifar10_noaug.py',
          '../_base_/default_runtime.py']
data = dict(samples_per_gpu=16, workers_per_gpu=2)
lr_config = None
custom_hooks = [
    dict(type='ExponentialMovingAverageHook', module_keys=('denoising_ema'), interval=1,
         start_iter=0, interp_cfg=dict(momentum=0.9999), priority='VERY_HIGH')
]
evaluation = None
total_iters = 500000
use_ddp_wrapper = True
find_unused_parameters = False
runner = dict(type='DynamicIterBasedRunner', is_dynamic_ddp=False, pass_training_status=True)
"""


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def ddpm_tree(root: Path) -> Path:
    return write_tree(root, {
        "_base_/default_runtime.py": RUNTIME,
        "_base_/models/ddpm_32x32.py": DDPM_MODEL,
        "_base_/datasets/cifar10_noaug.py": CIFAR,
        "improved_ddpm/ddpm_cosine_cifar10.py": DDPM_CHILD,
    })


def convert_tree(src: Path, out: Path) -> dict:
    results = convert_files(discover(src), src)
    for r in results:
        if r.status != FAILED:
            (out / r.rel).parent.mkdir(parents=True, exist_ok=True)
            (out / r.rel).write_bytes(r.new_text.encode("utf-8"))
    return {r.rel: r for r in results}


def test_refused_ddpm_config_has_the_same_outcome_in_a_tree_and_alone(tmp_path):
    src = ddpm_tree(tmp_path / "in")
    child = "improved_ddpm/ddpm_cosine_cifar10.py"
    tree = convert_tree(src, tmp_path / "out")
    assert {rel: (r.status, r.error) for rel, r in tree.items() if r.status == FAILED} == {}
    alone = convert_files([src / child], src)[0]
    assert alone.status != FAILED, alone.error
    assert tree[child].new_text == alone.new_text
    for res in (tree[child], alone):
        assert any(c.rule == "MOD005" and c.severity == Severity.UNSUPPORTED for c in res.changes)
    # the written child loads with its 0.x training settings and no 1.x loader from a converted base
    loaded = Config.fromfile(str(tmp_path / "out" / child), import_custom_modules=False).to_dict()
    assert "train_dataloader" not in loaded and loaded["data"]["samples_per_gpu"] == 16
    assert loaded["model"]["type"] == "BasicGaussianDiffusion"


def test_converting_the_converted_tree_changes_nothing(tmp_path):
    src = ddpm_tree(tmp_path / "in")
    # a trainable config sharing the runtime base, as in the official tree
    write_tree(src, {"dcgan/dcgan_64.py": """
        _base_ = ['../_base_/default_runtime.py']
        model = dict(type='StaticUnconditionalGAN', generator=dict(type='DCGANGenerator', output_scale=64),
                     discriminator=dict(type='DCGANDiscriminator', input_scale=64),
                     gan_loss=dict(type='GANLoss', gan_type='vanilla'))
        optimizer = dict(generator=dict(type='Adam', lr=0.0002, betas=(0.5, 0.999)),
                         discriminator=dict(type='Adam', lr=0.0002, betas=(0.5, 0.999)))
        runner = dict(type='DynamicIterBasedRunner', is_dynamic_ddp=True, pass_training_status=True)
        total_iters = 1000
        """})
    out = tmp_path / "out"
    first = convert_tree(src, out)
    assert not [r.rel for r in first.values() if r.status == FAILED]
    again = convert_files(discover(out), out)
    assert [(r.rel, r.status, r.error) for r in again if r.status != UNCHANGED] == []
    for r in again:
        assert r.new_text.encode("utf-8") == (out / r.rel).read_bytes()


# -- the pre-commit hook on a converted tree ------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
ZOO = ROOT / "fixtures" / "zoo" / "input"


def hook_command(hook_id: str = "mmgen-migrate-check") -> list[str]:
    """The command `.pre-commit-hooks.yaml` runs (pre-commit appends the file names)."""
    import shlex
    import shutil
    import sys

    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    entry = shlex.split(hooks[hook_id]["entry"])
    exe = shutil.which(entry[0]) or str(Path(sys.executable).parent / entry[0])
    return [exe, *entry[1:]]


def run_hook(cwd: Path, files: list[str]):
    import subprocess

    return subprocess.run(hook_command() + files, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_precommit_hook_passes_on_a_freshly_converted_tree_and_fails_on_0x(tmp_path):
    out = tmp_path / "configs"
    results = convert_tree(ZOO, out)
    refused = {rel for rel, r in results.items() if any(c.rule == "MOD005" for c in r.changes)}
    trainable = sorted(rel for rel in results if rel not in refused)
    # all changed files at once (bases in the set) and one child alone (its bases outside
    # the set, already 1.x: nothing to inline)
    for files in (trainable, ["dcgan/dcgan_celeba-cropped_64_b128x1_300k.py"],
                  ["biggan/biggan_imagenet1k_128x128_accu4.py", "pix2pix/pix2pix_vanilla_unet_bn_facades_b1x1_80k.py"]):
        proc = run_hook(out, files)
        assert proc.returncode == 0, (files[:3], proc.stdout[-2000:], proc.stderr[-2000:])
        assert "would convert" not in proc.stderr + proc.stdout
    # a 0.x file fails the hook, and so does a converted config that still needs review
    proc = run_hook(ZOO, ["dcgan/dcgan_celeba-cropped_64_b128x1_300k.py"])
    assert proc.returncode == 1 and "would convert" in proc.stderr + proc.stdout
    assert refused and run_hook(out, sorted(refused)).returncode == 1


def test_check_on_one_1x_child_with_1x_bases_is_unchanged(tmp_path):
    out = tmp_path / "configs"
    convert_tree(ZOO, out)
    child = out / "dcgan" / "dcgan_celeba-cropped_64_b128x1_300k.py"
    res = convert_files([child], child.parent)[0]
    assert (res.status, res.inlined_bases) == (UNCHANGED, [])
    assert res.new_text == child.read_text(encoding="utf-8")  # `_base_` kept: a fix would not drop it
    # a 0.x child whose bases are 0.x still has them inlined
    res = convert_files([ZOO / "dcgan" / "dcgan_celeba-cropped_64_b128x1_300k.py"], ZOO / "dcgan")[0]
    assert res.status != UNCHANGED and res.inlined_bases


# -- --in-place writes a `_base_` family all or nothing ------------------------------

def test_in_place_leaves_no_hybrid_when_a_child_fails(tmp_path):
    from click.testing import CliRunner

    from mmgen_migrate.cli import cli

    src = write_tree(tmp_path / "configs", {
        "_base_/default_runtime.py": RUNTIME,
        "_base_/datasets/broken.py": "data = dict(samples_per_gpu=4,\n",  # a syntax error: cannot be converted
        "_base_/datasets/unconditional_64.py": """
            data = dict(samples_per_gpu=64, workers_per_gpu=4,
                        train=dict(type='UnconditionalImageDataset', imgs_root='data/celeba', pipeline=[]))
            """,
        "dcgan/child_fails.py": """
            _base_ = ['../_base_/datasets/unconditional_64.py', '../_base_/datasets/broken.py',
                      '../_base_/default_runtime.py']
            total_iters = 1000
            """,
        "dcgan/sibling.py": """
            _base_ = ['../_base_/datasets/unconditional_64.py', '../_base_/default_runtime.py']
            total_iters = 2000
            """,
        "lonely/other.py": "checkpoint_config = dict(interval=10, by_epoch=False)\n",  # another family
    })
    before = {p: p.read_bytes() for p in src.rglob("*.py")}
    result = CliRunner().invoke(cli, ["convert", str(src), "--in-place"])
    assert result.exit_code != 0
    changed = sorted(p.relative_to(src).as_posix() for p, data in before.items() if p.read_bytes() != data)
    # the family of the failed child is untouched, so every file still loads as pure 0.x ...
    assert changed == ["lonely/other.py"], result.output
    for rel in ("dcgan/sibling.py",):
        loaded = Config.fromfile(str(src / rel), import_custom_modules=False).to_dict()
        assert "data" in loaded and "train_dataloader" not in loaded
    # ... and the report says why the files that did convert were not written
    assert "all or nothing" in result.output and "child_fails.py" in result.output


def test_single_0x_child_keeps_its_1x_bases_and_inlines_only_0x_ones(tmp_path):
    # a half-migrated tree: the runtime base is converted already, the dataset base is not
    out = tmp_path / "configs"
    convert_tree(ZOO, out)
    mixed = out / "dcgan" / "mixed_child.py"
    shutil_copy = (ZOO / "_base_" / "datasets" / "unconditional_imgs_64x64.py").read_bytes()
    (out / "_base_" / "datasets" / "old_dataset.py").write_bytes(shutil_copy)  # a 0.x base
    mixed.write_text(textwrap.dedent("""
        _base_ = ['../_base_/models/dcgan_64x64.py', '../_base_/datasets/old_dataset.py',
                  '../_base_/default_runtime.py']
        data = dict(samples_per_gpu=32)
        """).lstrip(), encoding="utf-8")
    res = convert_files([mixed], out)[0]
    assert res.status != FAILED, res.error
    assert res.inlined_bases == ["../_base_/datasets/old_dataset.py"]
    assert "'../_base_/models/dcgan_64x64.py'" in res.new_text and "'../_base_/default_runtime.py'" in res.new_text
    written = tmp_path / "configs" / "dcgan" / "mixed_out.py"
    written.write_text(res.new_text, encoding="utf-8")
    loaded = Config.fromfile(str(written), import_custom_modules=False).to_dict()
    assert "data" not in loaded and loaded["train_dataloader"]["batch_size"] == 32  # no 0.x/1.x hybrid
    assert loaded["model"]["type"] == "DCGAN"
    assert same(loaded, res.target)
