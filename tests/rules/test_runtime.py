"""RUN001-RUN005: hooks, environment, resume, runner/DDP, default scope."""

from mmgen_migrate.convert import ConvertOptions, convert_text
from mmgen_migrate.model import Severity
from mmgen_migrate.rules import REGISTRY, apply_rules

RUN = [REGISTRY[r] for r in ("RUN001", "RUN002", "RUN003", "RUN004", "RUN005")]
GAN = {"type": "StaticUnconditionalGAN", "generator": {"type": "DCGANGenerator"}}


def run(cfg, partial=False):
    return apply_rules(cfg, RUN, partial=partial)


def findings(out, rule=None):
    return [c for c in out.changes if c.severity != Severity.EXACT and (rule is None or c.rule == rule)]


def test_checkpoint_and_logger_values_are_kept():
    # the upstream port replaced intervals and max_keep_ckpts by its defaults (docs/mapping.md §2.9)
    out = run({"checkpoint_config": dict(interval=2000, by_epoch=False, max_keep_ckpts=3),
               "log_config": dict(interval=50, hooks=[dict(type="TextLoggerHook")])})
    t = out.target
    assert t["default_hooks"] == {
        "checkpoint": {"type": "CheckpointHook", "interval": 2000, "by_epoch": False, "max_keep_ckpts": 3},
        "logger": {"type": "LoggerHook", "interval": 50},
    }
    assert t["log_processor"] == {"by_epoch": False}
    assert t["visualizer"] == {"type": "Visualizer", "vis_backends": [{"type": "VisBackend"}]}
    assert "checkpoint_config" not in t and "log_config" not in t
    assert not findings(out)


def test_checkpoint_none_disables_checkpoints():
    t = run({"checkpoint_config": None}).target
    assert t["default_hooks"] == {"checkpoint": None}


def test_checkpoint_by_epoch_default_is_reported():
    out = run({"checkpoint_config": dict(interval=5000)})
    assert out.target["default_hooks"]["checkpoint"] == {"type": "CheckpointHook", "interval": 5000}
    assert any("by_epoch" in c.message for c in findings(out, "RUN001"))


def test_unknown_checkpoint_settings_are_unsupported():
    out = run({"checkpoint_config": dict(interval=10, sync_buffer=True)})
    assert out.target["checkpoint_config"] == dict(interval=10, sync_buffer=True)
    assert [c.severity for c in findings(out, "RUN001")] == [Severity.UNSUPPORTED]


def test_tensorboard_logger_becomes_a_vis_backend():
    out = run({"log_config": dict(interval=100, hooks=[dict(type="TextLoggerHook"),
                                                      dict(type="TensorboardLoggerHook")])})
    assert out.target["visualizer"]["vis_backends"] == [{"type": "VisBackend"}, {"type": "TensorboardVisBackend"}]
    assert findings(out, "RUN001")  # backend options are review


def test_unknown_logger_hook_is_unsupported():
    out = run({"log_config": dict(interval=100, hooks=[dict(type="PetrelLoggerHook")])})
    assert out.target["log_config"]["hooks"] == [dict(type="PetrelLoggerHook")]
    assert "default_hooks" not in out.target


def test_env_cfg():
    t = run({"dist_params": dict(backend="gloo"), "cudnn_benchmark": True, "mp_start_method": "spawn",
             "opencv_num_threads": 2}).target
    assert t["env_cfg"] == {"dist_cfg": {"backend": "gloo"}, "cudnn_benchmark": True,
                            "mp_cfg": {"mp_start_method": "spawn", "opencv_num_threads": 2}}
    assert not {"dist_params", "cudnn_benchmark", "mp_start_method", "opencv_num_threads"} & set(t)


def test_resume_from_path_wins_over_load_from():
    out = run({"load_from": "pretrained.pth", "resume_from": "work_dirs/iter_1000.pth"})
    assert out.target["load_from"] == "work_dirs/iter_1000.pth" and out.target["resume"] is True
    assert "resume_from" not in out.target
    assert findings(out, "RUN003")  # the weights-only path is not used, as in 0.x: review
    out = run({"load_from": None, "resume_from": None})
    assert out.target == {"load_from": None, "default_scope": "mmagic"}


def test_runner_workflow_ddp():
    out = run({"model": dict(GAN), "runner": dict(type="DynamicIterBasedRunner", is_dynamic_ddp=True,
                                                  pass_training_status=True),
               "workflow": [("train", 1)], "use_ddp_wrapper": True, "find_unused_parameters": True})
    t = out.target
    assert not {"runner", "workflow", "use_ddp_wrapper", "find_unused_parameters"} & set(t)
    assert t["model_wrapper_cfg"] == {"type": "MMSeparateDistributedDataParallel", "broadcast_buffers": False,
                                      "find_unused_parameters": True}
    assert t["default_scope"] == "mmagic"
    assert not findings(out)


def test_runner_leftovers_and_other_workflows_are_unsupported():
    out = run({"runner": dict(type="DynamicIterBasedRunner", max_iters=10), "workflow": [("train", 1), ("val", 1)]})
    assert out.target["runner"] == dict(type="DynamicIterBasedRunner", max_iters=10)
    assert out.target["workflow"] == [("train", 1), ("val", 1)]
    assert sorted(c.old_paths[0][0] for c in findings(out, "RUN004")) == ["runner", "workflow"]


def test_model_wrapper_cfg_in_a_complete_gan_config_without_runtime_keys():
    t = run({"model": dict(GAN)}).target
    assert t["model_wrapper_cfg"]["type"] == "MMSeparateDistributedDataParallel"
    assert t["model_wrapper_cfg"]["find_unused_parameters"] is False
    # a model-only _base_ file does not get it (its runtime base or child does)
    assert "model_wrapper_cfg" not in run({"model": dict(GAN)}, partial=True).target


def test_default_scope_only_for_0x_configs():
    assert "default_scope" not in run({"train_cfg": dict(by_epoch=False, max_iters=10)}).target
    out = run({"default_scope": "mmgen", "runner": None})
    assert out.target["default_scope"] == "mmagic"
    assert findings(out, "RUN005")


def test_runtime_base_text():
    src = (
        "checkpoint_config = dict(interval=10000, by_epoch=False)\n"
        "log_config = dict(interval=100, hooks=[dict(type='TextLoggerHook')])\n"
        "dist_params = dict(backend='nccl')\n"
        "log_level = 'INFO'\n"
        "load_from = None\n"
        "resume_from = None\n"
        "workflow = [('train', 10000)]\n"
        "cudnn_benchmark = True\n"
        "runner = dict(type='DynamicIterBasedRunner', is_dynamic_ddp=False, pass_training_status=True)\n"
    )
    res = convert_text(src, options=ConvertOptions(select=["RUN"]))
    text = res.new_text
    for gone in ("checkpoint_config", "log_config", "dist_params", "resume_from", "workflow", "runner ="):
        assert gone not in text
    assert "log_level = 'INFO'\n" in text and "load_from = None\n" in text
    assert "default_scope = 'mmagic'" in text and "env_cfg = dict(" in text
    assert not res.needs_review
    again = convert_text(text, options=ConvertOptions(select=["RUN"]))
    assert again.new_text == text


def test_text_logger_settings_that_are_dropped_are_reported():
    out = run({"log_config": dict(interval=10, hooks=[dict(type="TextLoggerHook", interval_exp_name=5)])})
    assert out.target["default_hooks"]["logger"] == {"type": "LoggerHook", "interval": 10}
    assert any("interval_exp_name" in c.message for c in findings(out, "RUN001"))
