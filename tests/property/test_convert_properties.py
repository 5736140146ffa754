"""Property-based tests: generated 0.x configs (random optimizer groups and
values, random steps/accumulation, random ``_base_`` splits of the same
settings, random formatting and comments) must satisfy the converter's
invariants (docs/architecture.md):

* the output parses and MMEngine loads it;
* semantic round trip: the output loads to exactly the rules' conversion of
  the effective 0.x config — also when the same settings are split over
  ``_base_`` files;
* no setting is lost silently;
* converting twice equals converting once;
* statements no rule touches are byte-identical.

Example counts are bounded so the whole module stays well under a minute.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from mmgen_migrate.convert import FAILED, UNCHANGED, convert_files, unaccounted_leaves
from mmgen_migrate.load import load_effective
from mmgen_migrate.model import first_difference, format_path, same
from mmgen_migrate.rules import apply_rules

# No shrinking phase: each example runs the real converter (MMEngine loads),
# and shrinking a failure can take minutes; the failing example is printed
# as generated, which is small enough to read.
SETTINGS = settings(max_examples=25, deadline=None,
                    phases=[Phase.explicit, Phase.reuse, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# ---------------------------------------------------------------------------
# generating configs as source text

MODULE_SETS = [("generator", "discriminator"), ("generators", "discriminators"), ("generator",),
               ("encoder", "decoder", "discriminator"), ("generators", "discriminator")]
LRS = [1e-4, 2e-4, 0.0002, 4e-4, 1e-3, 0.0016, 2.5e-05, 0.1]


@dataclass
class Style:
    quote: str
    newline: str
    multiline: bool
    comments: bool
    trailing_comma: bool


def _lit(value, style: Style) -> str:
    if isinstance(value, str):
        return style.quote + value + style.quote
    if isinstance(value, dict):
        return _dict(value, style, "")
    if isinstance(value, tuple):
        return "(" + ", ".join(_lit(v, style) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def _dict(d: dict, style: Style, indent: str, comment: str | None = None) -> str:
    items = [f"{k}={_lit(v, style) if not isinstance(v, dict) else _dict(v, style, indent + '    ')}"
             for k, v in d.items()]
    if not style.multiline or len(items) < 2:
        return "dict(" + ", ".join(items) + ")"
    inner = indent + "    "
    body = (",\n").join(inner + it for it in items)
    tail = "," if style.trailing_comma else ""
    note = f"  # {comment}" if comment and style.comments else ""
    return f"dict({note}\n{body}{tail}\n{indent})"


optimizer_dicts = st.builds(
    lambda typ, lr, betas, wd: {k: v for k, v in
                                (("type", typ), ("lr", lr), ("betas", betas), ("weight_decay", wd))
                                if v is not None},
    st.sampled_from(["Adam", "AdamW", "SGD", "RMSprop"]),
    st.sampled_from(LRS),
    st.one_of(st.none(), st.sampled_from([(0.0, 0.999), (0.5, 0.999), (0, 0.99)])),
    st.one_of(st.none(), st.sampled_from([0.0, 0.01, 5e-4])),
)


@st.composite
def optimizers(draw):
    if draw(st.booleans()) and draw(st.booleans()):  # a single optimizer, sometimes
        opt = draw(optimizer_dicts)
        if draw(st.booleans()):
            opt["paramwise_cfg"] = {"norm_decay_mult": 0.0}
        return opt
    modules = draw(st.sampled_from(MODULE_SETS))
    out = {}
    for m in modules:
        opt = draw(optimizer_dicts)
        if draw(st.integers(0, 4)) == 0:
            opt["paramwise_cfg"] = {"custom_keys": {"mapping": {"lr_mult": 0.01}}}
        out[m] = opt
    return out


@st.composite
def configs(draw):
    """A dict of top-level settings (insertion order = statement order)."""
    family = draw(st.sampled_from(["BasiccGAN", "StaticUnconditionalGAN"]))
    model = {"type": family, "generator": {"type": "SNGANGenerator"},
             "discriminator": {"type": "ProjDiscriminator"},
             "gan_loss": {"type": "GANLoss", "gan_type": draw(st.sampled_from(["hinge", "vanilla", "wgan"]))}}
    accu = draw(st.sampled_from([1, 1, 2, 4]))
    disc = accu * draw(st.integers(1, 3)) if draw(st.integers(0, 5)) else draw(st.integers(1, 5))
    train_cfg = {"disc_steps": disc}
    if family == "BasiccGAN":
        train_cfg["gen_steps"] = draw(st.integers(1, 2))
        train_cfg["batch_accumulation_steps"] = accu
    cfg = {"model": model, "train_cfg": train_cfg, "optimizer": draw(optimizers())}
    if draw(st.booleans()):
        cfg["total_iters"] = draw(st.sampled_from([1000, 100000, 250000]))
    return cfg


@st.composite
def styles(draw):
    return Style(quote=draw(st.sampled_from(["'", '"'])), newline=draw(st.sampled_from(["\n", "\n", "\r\n"])),
                 multiline=draw(st.booleans()), comments=draw(st.booleans()), trailing_comma=draw(st.booleans()))


UNTOUCHED = [  # statements no rule has a reason to touch, with their comments
    "my_note = 'kept as written'  # a trailing comment",
    "# a comment line above\nexperiment_tag = f'run-{1 + 2}'",
    "seed_list = [0, 1,   2]  # odd spacing kept",
    "my_scale = 2 ** 3",
]


def render(cfg: dict, style: Style, untouched: list[str], use_variables: bool) -> str:
    lines = []
    if style.comments:
        lines.append("# generated 0.x config")
    variables = {}
    if use_variables and isinstance(cfg.get("optimizer"), dict):
        lrs = sorted({v["lr"] for v in cfg["optimizer"].values() if isinstance(v, dict) and "lr" in v})
        for i, lr in enumerate(lrs):
            variables[lr] = f"lr_{i}"
            lines.append(f"lr_{i} = {lr!r}")
    extra = list(untouched)
    for key, value in cfg.items():
        if extra and key != "model":
            lines.append(extra.pop(0))
        text = _dict(value, style, "", comment=f"{key} settings") if isinstance(value, dict) else repr(value)
        if key == "optimizer" and variables:
            for lr, name in variables.items():
                text = re.sub(rf"lr={re.escape(repr(lr))}(?=[,)\s])", f"lr={name}", text)
        lines.append(f"{key} = {text}")
        if style.comments:
            lines.append("")
    lines.extend(extra)
    return style.newline.join("\n".join(lines).split("\n")) + style.newline


# ---------------------------------------------------------------------------
# checks


def _convert_tree(files: dict[str, str]):
    tmp = tempfile.TemporaryDirectory(prefix="mmgen-migrate-prop-")
    root = Path(tmp.name) / "src"
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text.encode("utf-8"))
    paths = [root / rel for rel in files]
    results = {r.rel: r for r in convert_files(paths, root)}
    return tmp, root, results


def _write_tree(root: Path, results) -> None:
    for rel, r in results.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(r.new_text.encode("utf-8"))


def _check_file(rel: str, r, src_text: str, untouched: list[str]) -> None:
    assert r.status != FAILED, f"{rel}: {r.error}\n{src_text}"
    cst.parse_module(r.new_text)
    assert not [c for c in r.changes if c.rule == "internal"], [c.message for c in r.changes]
    if not r.is_base:
        assert not unaccounted_leaves(r.effective, r.target, r.changes)
    newline = "\r\n" if "\r\n" in src_text else "\n"
    for stmt in untouched:
        block = newline.join(stmt.split("\n"))
        if block in src_text:
            assert block in r.new_text, f"{rel}: untouched statement changed: {stmt!r}"


def _check_idempotent(root2: Path, rels: list[str], results) -> None:
    again = {r.rel: r for r in convert_files([root2 / rel for rel in rels], root2)}
    for rel in rels:
        assert again[rel].status == UNCHANGED, f"{rel}: {again[rel].error or 'changed on the second run'}"
        assert again[rel].new_text == results[rel].new_text


@SETTINGS
@given(cfg=configs(), style=styles(), use_variables=st.booleans(), n_untouched=st.integers(0, len(UNTOUCHED)))
def test_single_file(cfg, style, use_variables, n_untouched):
    untouched = UNTOUCHED[:n_untouched]
    text = render(cfg, style, untouched, use_variables)
    tmp, root, results = _convert_tree({"exp.py": text})
    with tmp:
        r = results["exp.py"]
        _check_file("exp.py", r, text, untouched)
        # semantic round trip, checked here independently of the converter:
        # the written file, loaded by MMEngine, is the rules' conversion of
        # the 0.x config MMEngine loads from the input
        out = Path(tmp.name) / "out"
        _write_tree(out, results)
        expected = apply_rules(load_effective(root / "exp.py")).target
        loaded = load_effective(out / "exp.py", new_style=True)
        assert same(loaded, expected), format_path(first_difference(loaded, expected))
        if "\r\n" in text:
            assert "\n" not in r.new_text.replace("\r\n", "")
        _check_idempotent(out, ["exp.py"], results)


@st.composite
def splits(draw):
    """The same settings, once in one file and once spread over a chain of
    ``_base_`` files (whole keys, and train_cfg's keys split between a base
    and the child: MMEngine merges dicts)."""
    cfg = draw(configs())
    keys = list(cfg)
    where = {k: draw(st.sampled_from(["base_a", "base_b", "child"])) for k in keys}
    split_train = draw(st.booleans()) and len(cfg["train_cfg"]) > 1
    return cfg, where, split_train


@SETTINGS
@given(case=splits(), style=styles())
def test_base_split_converts_like_the_single_file(case, style):
    cfg, where, split_train = case
    parts = {"base_a": {}, "base_b": {}, "child": {}}
    for k, v in cfg.items():
        parts[where[k]][k] = v
    if split_train:
        tc = dict(cfg["train_cfg"])
        first = next(iter(tc))
        owner = where["train_cfg"]
        other = "child" if owner != "child" else "base_a"
        parts[owner]["train_cfg"] = {k: v for k, v in tc.items() if k != first}
        parts[other]["train_cfg"] = {first: tc[first]}
    untouched = UNTOUCHED[:2]
    files = {
        "_base_/models/base_a.py": render(parts["base_a"], style, [], False),
        "_base_/base_b.py": render(parts["base_b"], style, [untouched[1]], False),
    }
    child = render(parts["child"], style, [untouched[0]], False)
    child = f"_base_ = ['../_base_/models/base_a.py', '../_base_/base_b.py']{style.newline}" + child
    files["configs/exp.py"] = child
    single = render(cfg, style, untouched, False)

    tmp, root, results = _convert_tree(files)
    tmp1, root1, single_results = _convert_tree({"exp.py": single})
    with tmp, tmp1:
        for rel, text in files.items():
            _check_file(rel, results[rel], text, untouched)
        assert single_results["exp.py"].status != FAILED, single_results["exp.py"].error
        out = Path(tmp.name) / "out"
        _write_tree(out, results)
        loaded = load_effective(out / "configs" / "exp.py", new_style=True)
        target = single_results["exp.py"].target
        assert same(loaded, target), format_path(first_difference(loaded, target))
        _check_idempotent(out, list(files), results)


# ---------------------------------------------------------------------------
# configs written the way people write them by hand: variables, arithmetic,
# reassignments, `dict(**base, ...)`, mutations after the fact, copies


@st.composite
def handwritten(draw):
    lines = ["n_accu = %d" % draw(st.sampled_from([1, 2, 4])), "n_disc = n_accu * %d" % draw(st.integers(1, 3)),
             "base_lr = %r" % draw(st.sampled_from(LRS))]
    if draw(st.booleans()):
        lines.append("base_lr = base_lr / n_accu  # scaled")
    lines.append("adam = dict(type='Adam', betas=(0.5, 0.999))")
    lr_exprs = ["base_lr", "base_lr * 4", "base_lr / 2", "max(base_lr, 1e-4)", "%r" % draw(st.sampled_from(LRS)),
                "base_lr if n_accu > 1 else 0.1"]
    modules = draw(st.sampled_from(MODULE_SETS[:2] + [("generator", "discriminator", "encoder")]))
    parts = []
    for m in modules:
        lr = draw(st.sampled_from(lr_exprs))
        parts.append(f"    {m}=" + (f"dict(**adam, lr={lr})" if draw(st.booleans()) else f"dict(type='AdamW', lr={lr})"))
    lines.append("optimizer = dict(\n" + ",\n".join(parts) + ")")
    lines.append("model = dict(type='BasiccGAN', generator=dict(type='SNGANGenerator'),\n"
                 "             discriminator=dict(type='ProjDiscriminator'), gan_loss=dict(type='GANLoss', gan_type='hinge'))")
    lines.append("train_cfg = dict(disc_steps=n_disc, gen_steps=1, batch_accumulation_steps=n_accu)")
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["mutate", "update", "reassign", "copy", "augassign"]))
        m = draw(st.sampled_from(modules))
        if kind == "mutate":
            lines.append(f"optimizer['{m}']['lr'] = {draw(st.sampled_from(lr_exprs))}")
        elif kind == "update":
            lines.append(f"optimizer['{m}'].update(weight_decay=0.01)")
        elif kind == "reassign":
            lines.append("base_lr = 0.5  # after use: the optimizer keeps the old value")
        elif kind == "copy":
            lines.append("snapshot = dict(optimizer=optimizer, train_cfg=train_cfg)")
        else:
            lines.append("n_disc += 1  # only the variable changes")
    if draw(st.booleans()):
        lines.append("total_iters = 1000 * n_disc")
    return "\n".join(lines) + "\n"


@SETTINGS
@given(text=handwritten())
def test_handwritten_config(text):
    tmp, root, results = _convert_tree({"exp.py": text})
    with tmp:
        r = results["exp.py"]
        _check_file("exp.py", r, text, [])
        out = Path(tmp.name) / "out"
        _write_tree(out, results)
        expected = apply_rules(load_effective(root / "exp.py")).target
        loaded = load_effective(out / "exp.py", new_style=True)
        assert same(loaded, expected), f"{format_path(first_difference(loaded, expected))}\n{text}\n{r.new_text}"
        _check_idempotent(out, ["exp.py"], results)
