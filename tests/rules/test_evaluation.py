"""EVL001/EVL002: evaluation hook and metrics -> evaluators and loops;
visualisation hooks -> VisualizationHook."""

from mmgen_migrate.convert import ConvertOptions, convert_text
from mmgen_migrate.model import Severity
from mmgen_migrate.rules import REGISTRY, apply_rules

EVL = [REGISTRY["EVL001"], REGISTRY["EVL002"]]


def run(cfg):
    return apply_rules(cfg, EVL)


def findings(out, rule=None):
    return [c for c in out.changes if c.severity != Severity.EXACT and (rule is None or c.rule == rule)]


def hook(**kw):
    return {"type": "GenerativeEvalHook", "interval": 10000, **kw}


def test_fid_is_with_best_metric_and_sample_model():
    out = run({"evaluation": hook(
        metrics=[dict(type="FID", num_images=50000, inception_pkl="ffhq.pkl", bgr2rgb=True,
                      inception_args=dict(type="StyleGAN")),
                 dict(type="IS", num_images=50000)],
        best_metric=["fid", "is"], sample_kwargs=dict(sample_model="ema"))})
    t = out.target
    assert t["val_evaluator"] == {"type": "Evaluator", "metrics": [
        {"type": "FrechetInceptionDistance", "fake_nums": 50000, "inception_pkl": "ffhq.pkl",
         "inception_style": "StyleGAN", "sample_model": "ema"},
        {"type": "InceptionScore", "fake_nums": 50000, "inception_style": "StyleGAN", "sample_model": "ema"},
    ]}
    assert t["val_cfg"] == {"type": "MultiValLoop"}
    assert t["train_cfg"] == {"val_interval": 10000}
    # MMEngine cannot infer a rule for 'fid'/'is': it must be explicit
    assert t["default_hooks"]["checkpoint"] == {"save_best": ["fid", "is"], "rule": ["less", "greater"]}
    assert "evaluation" not in t
    assert not findings(out)


def test_fid_defaults_to_the_pytorch_inception_like_0x():
    t = run({"evaluation": hook(metrics=dict(type="FID", num_images=10), sample_kwargs=dict(sample_model="orig"))}).target
    assert t["val_evaluator"]["metrics"][0]["inception_style"] == "PyTorch"


def test_sample_model_inferred_from_the_ema():
    out = run({"model": {"type": "StaticUnconditionalGAN", "ema_config": {"momentum": 0.001}},
               "evaluation": hook(metrics=dict(type="FID", num_images=10))})
    assert out.target["val_evaluator"]["metrics"][0]["sample_model"] == "ema"
    assert any("sample_model='ema'" in c.message for c in findings(out, "EVL001"))
    out = run({"evaluation": hook(metrics=dict(type="FID", num_images=10))})
    assert out.target["val_evaluator"]["metrics"][0]["sample_model"] == "orig"


def test_dynamic_interval():
    t = run({"evaluation": hook(interval=dict(milestones=[800000, 900000], interval=[10000, 4000, 2000]),
                                metrics=dict(type="FID", num_images=10),
                                sample_kwargs=dict(sample_model="orig"))}).target
    assert t["train_cfg"] == {"val_interval": 10000, "dynamic_intervals": [(800000, 4000), (900000, 2000)]}


def test_translation_metrics():
    t = run({"evaluation": dict(type="TranslationEvalHook", target_domain="photo", interval=5000,
                                metrics=[dict(type="FID", num_images=106, bgr2rgb=True),
                                         dict(type="IS", num_images=106, inception_args=dict(type="pytorch"))])}).target
    assert [m["type"] for m in t["val_evaluator"]["metrics"]] == ["TransFID", "TransIS"]
    fid, is_ = t["val_evaluator"]["metrics"]
    assert fid["fake_key"] == fid["real_key"] == "img_photo"
    assert is_["fake_key"] == "img_photo" and "real_key" not in is_  # TransIS takes no real_key
    assert all("sample_model" not in m for m in t["val_evaluator"]["metrics"])


def test_offline_metrics_become_the_test_evaluator():
    t = run({"metrics": dict(ms=dict(type="MS_SSIM", num_images=10000),
                             swd=dict(type="SWD", num_images=16384, image_shape=(3, 64, 64)))}).target
    assert t["test_evaluator"]["metrics"] == [
        {"type": "MultiScaleStructureSimilarity", "fake_nums": 10000, "sample_model": "orig"},
        {"type": "SlicedWassersteinDistance", "fake_nums": 16384, "image_shape": (3, 64, 64), "sample_model": "orig"},
    ]
    assert t["test_cfg"] == {"type": "MultiTestLoop"}
    assert "metrics" not in t


def test_unknown_metric_and_evaluation_none():
    out = run({"evaluation": hook(metrics=[dict(type="KID", num_images=10)])})
    assert out.target["evaluation"]["metrics"] == [dict(type="KID", num_images=10)]
    assert "val_evaluator" not in out.target
    assert [c.severity for c in findings(out)] == [Severity.UNSUPPORTED]
    t = run({"evaluation": None}).target
    assert "evaluation" not in t and "val_cfg" not in t


def test_bgr2rgb_false_is_review():
    out = run({"evaluation": hook(metrics=dict(type="FID", num_images=10, bgr2rgb=False),
                                  sample_kwargs=dict(sample_model="orig"))})
    assert out.target["val_evaluator"]["metrics"][0] == {"type": "FrechetInceptionDistance", "fake_nums": 10,
                                                         "inception_style": "PyTorch", "sample_model": "orig"}
    assert any("bgr2rgb" in c.message for c in findings(out, "EVL001"))


def test_visualization_hooks():
    cfg = {"model": {"type": "CycleGAN"}, "custom_hooks": [
        dict(type="MMGenVisualizationHook", output_dir="training_samples", res_name_list=["fake_b"], interval=500),
        dict(type="ExponentialMovingAverageHook", interval=1)]}
    out = run(cfg)
    hooks = out.target["custom_hooks"]
    assert hooks[0] == {"type": "VisualizationHook", "interval": 500, "fixed_input": True, "vis_kwargs_list": [
        {"type": "Translation", "name": "trans"}, {"type": "TranslationVal", "name": "trans_val"}]}
    assert hooks[1] == dict(type="ExponentialMovingAverageHook", interval=1)  # the EMA rule's
    assert out.target["visualizer"]["type"] == "Visualizer"
    t = run({"model": {"type": "StaticUnconditionalGAN"}, "custom_hooks": [
        dict(type="VisualizeUnconditionalSamples", output_dir="s", interval=1000, num_samples=16, nrow=4)]}).target
    assert t["custom_hooks"][0] == {"type": "VisualizationHook", "interval": 1000, "fixed_input": True,
                                    "vis_kwargs_list": {"type": "GAN", "name": "fake_img"},
                                    "n_samples": 16, "n_row": 4}


def test_visualization_hook_of_diffusion_is_left_to_the_refusal():
    cfg = {"model": {"type": "BasicGaussianDiffusion"},
           "custom_hooks": [dict(type="MMGenVisualizationHook", interval=1000)]}
    assert run(cfg).target["custom_hooks"] == cfg["custom_hooks"]


def test_text_and_idempotence():
    src = ("evaluation = dict(type='GenerativeEvalHook', interval=5000,\n"
           "                  metrics=dict(type='FID', num_images=1000, inception_pkl=None),\n"
           "                  sample_kwargs=dict(sample_model='orig'), best_metric='fid')\n")
    res = convert_text(src, options=ConvertOptions(select=["EVL"]))
    assert "evaluation" not in res.new_text
    assert "save_best='fid'" in res.new_text and "rule='less'" in res.new_text
    assert "val_cfg = dict(type='MultiValLoop')" in res.new_text
    assert convert_text(res.new_text, options=ConvertOptions(select=["EVL"])).new_text == res.new_text


def test_ema_sampling_without_a_1x_ema_is_reported():
    # 0.x use_ema=True without an EMA hook: the 1.x model gets no ema_config (EMA001)
    out = run({"model": {"type": "StaticUnconditionalGAN"}, "train_cfg": {"use_ema": True},
               "evaluation": hook(metrics=dict(type="FID", num_images=10), sample_kwargs=dict(sample_model="ema"))})
    assert out.target["val_evaluator"]["metrics"][0]["sample_model"] == "ema"
    assert any("no `ema_config`" in c.message for c in findings(out, "EVL001"))
