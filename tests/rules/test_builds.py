"""Build test of the converted zoo against MMagic 1.2.0 / MMEngine 0.10.7
constructor signatures (read from the wheels' source, ``registry.json``).

MMagic does not import here (compiled mmcv ops), so the build is simulated the
way MMEngine does it: every dict the runner builds through a registry (the
model and its components, EMA, optim wrappers, schedulers, hooks, loops,
datasets, transforms, samplers, evaluators, metrics, visualizer, model
wrapper) is checked against the constructor of the class it names: no key the
constructor does not take, every required argument given by the dict or by the
builder's default arguments.  The converted files are loaded with MMEngine's
own ``Config`` (``_base_`` merged) as ``tools/train.py`` loads them.
"""

from __future__ import annotations

from mmengine.config import Config

from mmgen_migrate.convert import FAILED
from mmgen_migrate.model import get_path
from mmgen_migrate.rules import families as fam
from mmgen_migrate.rules.models import CLASS_CONDITIONED
from mmgen_migrate.rules.registry import (
    CONSUMED_AT,
    CONSUMED_BY_REGISTRY,
    _built_dicts,
    _built_type,
    signature_of,
)


# arguments the builders pass themselves (mmengine Runner / mmagic BaseGAN)
INJECTED_AT = {
    ("model", "generator"): {"noise_size", "num_classes"},  # BaseGAN.__init__ default_args
    ("model", "discriminator"): {"num_classes"},
    ("model", "ema_config"): {"model"},  # BaseGAN._init_ema_model
}
INJECTED_BY_REGISTRY = {
    "LOOPS": {"runner", "dataloader", "evaluator"},
    "OPTIM_WRAPPERS": {"optimizer"},
    "PARAM_SCHEDULERS": {"optimizer"},
    "VISBACKENDS": {"save_dir"},
    "VISUALIZERS": {"name"},
    "DATA_SAMPLERS": {"dataset"},
    "MODEL_WRAPPERS": {"module"},
}
# registries whose classes the build test must find a signature for
MUST_KNOW = {"MODELS", "DATASETS", "TRANSFORMS", "LOOPS", "OPTIM_WRAPPERS", "PARAM_SCHEDULERS", "METRICS"}


def build_problems(cfg: dict) -> tuple[list[str], set[str]]:
    """What would fail building ``cfg``, and the classes checked."""
    problems, checked = [], set()
    for path, registry in _built_dicts(cfg):
        node = get_path(cfg, path, None)
        if not isinstance(node, dict) or registry == "*":
            continue
        name = _built_type(path, registry, node)
        if name is None:
            continue
        name = name.split(".", 1)[1] if name.startswith(("mmagic.", "mmengine.")) else name
        sig = signature_of(name, registry)
        where = f"{'.'.join(map(str, path))} ({name})"
        if sig is None:
            if registry in MUST_KNOW:
                problems.append(f"{where}: no signature for a {registry} class")
            continue
        if sig["open"]:
            # (SinGAN's generator passes **kwargs on to its blocks: nothing to check there)
            if path == ("model",):
                problems.append(f"{where}: takes any keyword, so it is not checked")
            continue
        checked.add(name)
        given = set(node) - {"type"} - CONSUMED_BY_REGISTRY.get(registry, set()) - CONSUMED_AT.get(path, set())
        rejected = given - set(sig["params"])
        if rejected:
            problems.append(f"{where}: unexpected {sorted(rejected)}")
        injected = INJECTED_AT.get(path, set()) | INJECTED_BY_REGISTRY.get(registry, set())
        missing = set(sig["required"]) - given - injected
        if missing:
            problems.append(f"{where}: missing required {sorted(missing)}")
    # a class-conditioned generator needs a class count (BaseConditionalGAN._get_valid_num_classes)
    model = cfg.get("model", {})
    gen = model.get("generator") if isinstance(model, dict) else None
    if isinstance(gen, dict) and gen.get("type") in CLASS_CONDITIONED:
        flag, _ = CLASS_CONDITIONED[gen["type"]]
        disc = model.get("discriminator") if isinstance(model.get("discriminator"), dict) else {}
        classes = model.get("num_classes") or gen.get("num_classes") or disc.get("num_classes")
        if gen.get(flag, True) and not classes:
            problems.append(f"model.generator ({gen['type']}): no class count with {flag}=True")
    return problems, checked


def test_every_converted_zoo_config_builds_against_the_1x_signatures(converted_zoo):
    out, leaves = converted_zoo
    families, failures = set(), {}
    for res in leaves:
        assert res.status != FAILED, (res.rel, res.error)
        if fam.training_refused(res.effective):
            continue  # MOD005: nothing to build, reported unsupported
        cfg = Config.fromfile(str(out / res.rel), import_custom_modules=False).to_dict()
        problems, checked = build_problems(cfg)
        if problems:
            failures[res.rel] = problems
        if cfg["model"]["type"] in checked:
            families.add(fam.family_of(res.effective))
    assert failures == {}
    # every trainable family the zoo holds was really checked
    assert {fam.CONDITIONAL, fam.STATIC, fam.PGGAN, fam.MSPIE, fam.SINGAN, fam.TRANSLATION} <= families


def test_the_build_check_catches_what_reg002_exists_for():
    # the same simulation on hand-written 1.x dicts with the failures the issue names
    problems, _ = build_problems({
        "model": {"type": "SAGAN", "generator": {"type": "SAGANGenerator", "output_scale": 32},
                  "discriminator": {"type": "ProjDiscriminator", "input_scale": 32}},
        "val_dataloader": {"sampler": {"type": "DefaultSampler", "shuffle": False},
                           "dataset": {"type": "PairedImageDataset", "dataroot": "d", "testdir": "test",
                                       "pipeline": []}},
    })
    assert any("no class count" in p for p in problems)
    assert any("PairedImageDataset" in p and "dataroot" in p and "testdir" in p for p in problems)


def test_no_reg002_finding_on_the_zoo(converted_zoo):
    _, leaves = converted_zoo
    assert [(r.rel, c.message) for r in leaves for c in r.changes if c.rule == "REG002"] == []
