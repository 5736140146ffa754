"""Differential test on generated config trees: the static reader and
MMEngine's ``Config.fromfile(path, lazy_import=False)`` agree, key by key and
type by type, or both refuse the tree.

The trees use what real configs use: ``_base_`` split over one or two
files (str or list), overrides, ``_delete_``, ``{{ _base_.x }}`` and
``_base_.x`` references, MMEngine's predefined placeholders and
``{{$VAR:default}}``, comprehensions, conditionals, loops, reassignment,
augmented assignment, mutation through methods, ``del``, f-strings,
``dict(**x)``, ``os.path`` and environment reads."""

from __future__ import annotations

import keyword
import os
import textwrap
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mmgen_migrate.errors import ConfigError
from mmgen_migrate.reader import NotStatic, Reader

from ._mmengine import mmengine_read, typed_difference

NAMES = [n for n in ("lr", "model", "data", "train_cfg", "optimizer", "steps", "root", "pipeline", "scale",
                     "work_dir", "total_iters", "ema", "runner", "aug", "tag") if not keyword.iskeyword(n)]
KEYS = ["type", "lr", "betas", "depth", "in_channels", "key", "prefix", "interval", "momentum"]
ENV_SET = "MMGEN_MIGRATE_TEST_SET"
ENV_UNSET = "MMGEN_MIGRATE_TEST_NEVER_SET"

scalars = st.one_of(
    st.integers(-5, 300), st.sampled_from([0.5, 1e-4, 2.0, 0.999]), st.booleans(), st.none(),
    st.sampled_from(["'Adam'", "'data/ffhq'", "'gt'", "''"]).map(lambda s: ("lit", s)),
)


def _value(draw, depth=0) -> str:
    """Source text of a plain value."""
    kind = draw(st.sampled_from(["scalar"] * 3 + (["dict", "list", "tuple", "dictlit"] if depth < 2 else [])))
    if kind == "scalar":
        v = draw(scalars)
        return v[1] if isinstance(v, tuple) else repr(v)
    if kind in ("dict", "dictlit"):
        keys = draw(st.lists(st.sampled_from(KEYS), min_size=0, max_size=3, unique=True))
        items = [(k, _value(draw, depth + 1)) for k in keys]
        if kind == "dict":
            return "dict(" + ", ".join(f"{k}={v}" for k, v in items) + ")"
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in items) + "}"
    n = draw(st.integers(0, 3))
    items = [_value(draw, depth + 1) for _ in range(n)]
    if kind == "list":
        return "[" + ", ".join(items) + "]"
    return "(" + ", ".join(items) + ("," if n == 1 else "") + ")"


@st.composite
def trees(draw):
    files: dict[str, str] = {}
    n_bases = draw(st.integers(0, 2))
    base_keys: dict[str, str] = {}  # key -> kind ('dict' or 'value')
    base_specs = []
    for b in range(n_bases):
        lines = []
        for name in draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True)):
            if draw(st.booleans()):
                lines.append(f"{name} = dict(type={name!r}, " + ", ".join(
                    f"{k}={_value(draw, 1)}" for k in draw(st.lists(st.sampled_from(KEYS), max_size=3, unique=True))
                ) + ")")
                base_keys[name] = "dict"
            else:
                lines.append(f"{name} = {_value(draw)}")
                base_keys.setdefault(name, "value")
        rel = f"_base_/part{b}.py"
        files[rel] = "\n".join(lines) + "\n"
        base_specs.append(f"./{rel}")
    child: list[str] = []
    if base_specs:
        if len(base_specs) == 1 and draw(st.booleans()):
            child.append(f"_base_ = {base_specs[0]!r}")
        else:
            child.append(f"_base_ = {base_specs!r}")
    defined: dict[str, str] = {}  # name -> 'int' | 'str' | 'list' | 'dict' | 'value'
    if draw(st.booleans()):
        child.append("import os")
        child.append("import os.path as osp")
        defined["__os__"] = "module"

    def pick(kinds):
        names = [n for n, k in defined.items() if k in kinds]
        return draw(st.sampled_from(names)) if names else None

    for _ in range(draw(st.integers(1, 8))):
        name = draw(st.sampled_from(NAMES))
        form = draw(st.sampled_from([
            "value", "value", "int", "str", "list", "dict", "delete_override", "override", "base_ref",
            "base_attr", "placeholder", "listcomp", "dictcomp", "ifexp", "augassign", "append", "setitem",
            "update", "del", "for", "if", "fstring", "star", "osp", "env", "env_template", "tuple_unpack",
        ]))
        if form == "value":
            child.append(f"{name} = {_value(draw)}")
            defined[name] = "value"
        elif form == "int":
            child.append(f"{name} = {draw(st.integers(0, 50))} * {draw(st.integers(1, 4))} // 3")
            defined[name] = "int"
        elif form == "str":
            child.append(f"{name} = 'x' + {draw(st.sampled_from(['chr(97)', repr('abc')]))}.upper()")
            defined[name] = "str"
        elif form == "list":
            child.append(f"{name} = [{_value(draw, 1)}, {draw(st.integers(0, 9))}]")
            defined[name] = "list"
        elif form == "dict":
            child.append(f"{name} = dict(type='T', lr={draw(st.integers(1, 9))} / 10)")
            defined[name] = "dict"
        elif form in ("delete_override", "override") and base_keys:
            key = draw(st.sampled_from(sorted(base_keys)))
            extra = "_delete_=True, " if form == "delete_override" else ""
            child.append(f"{key} = dict({extra}{draw(st.sampled_from(KEYS))}={_value(draw, 1)})")
            defined[key] = "dict"
        elif form == "base_ref" and base_keys:
            key = draw(st.sampled_from(sorted(base_keys)))
            child.append(f"{name} = dict(copied={{{{_base_.{key}}}}}, n=1)")
            defined[name] = "dict"
        elif form == "base_attr" and base_keys:
            key = draw(st.sampled_from(sorted(base_keys)))
            child.append(f"{name} = _base_.{key}" if draw(st.booleans()) else f"{name} = _base_[{key!r}]")
            defined[name] = base_keys[key]
        elif form == "placeholder":
            ph = draw(st.sampled_from(["fileBasenameNoExtension", "fileBasename", "fileExtname", "fileDirname"]))
            child.append(f"{name} = './work_dirs/{{{{ {ph} }}}}'")
            defined[name] = "str"
        elif form == "listcomp":
            child.append(f"{name} = [i * 2 for i in range({draw(st.integers(0, 5))}) if i % 2 == 0]")
            defined[name] = "list"
        elif form == "dictcomp":
            child.append(f"{name} = {{k: v for k, v in zip(('a', 'b', 'c'), range(3)) if v != 1}}")
            defined[name] = "dict"
        elif form == "ifexp":
            other = pick({"int"})
            cond = f"{other} > 3" if other else "True"
            child.append(f"{name} = 'big' if {cond} else ('small', 1)")
            defined[name] = "value"
        elif form == "augassign":
            target = pick({"int", "str", "list"})
            if target:
                kind = defined[target]
                child.append(f"{target} += {'2' if kind == 'int' else repr('_s') if kind == 'str' else '[9]'}")
        elif form == "append":
            target = pick({"list"})
            if target:
                child.append(f"{target}.append(dict(type='Extra'))")
        elif form == "setitem":
            target = pick({"dict"})
            if target:
                child.append(f"{target}['lr'] = {draw(st.integers(1, 9))}e-4")
        elif form == "update":
            target = pick({"dict"})
            if target:
                child.append(f"{target}.update(momentum=0.9, betas=(0.0, 0.99))")
        elif form == "del":
            target = pick({"int", "str", "list", "dict", "value"})
            if target:
                child.append(f"del {target}")
                defined.pop(target)
        elif form == "for":
            child.append(f"{name} = []\nfor i, s in enumerate([0.5, 1, 2]):\n    {name}.append(dict(scale=s, i=i))")
            defined[name] = "list"
        elif form == "if":
            other = pick({"int", "str", "list", "dict", "value"})
            cond = f"{other}" if other else "False"
            child.append(f"if {cond}:\n    {name} = 1\nelse:\n    {name} = dict(a=[1, 2])")
            defined[name] = "value"
        elif form == "fstring":
            other = pick({"int"})
            child.append(f"{name} = f'iter_{{{other or 7}:06d}}_{{{other or 3}!r}}'")
            defined[name] = "str"
        elif form == "star":
            other = pick({"dict"})
            if other:
                child.append(f"{name} = dict(**{other}, extra=1)")
                defined[name] = "dict"
        elif form == "osp" and "__os__" in defined:
            child.append(f"{name} = osp.join('data', osp.basename('x/y.py'), osp.splitext('a.b')[0])")
            defined[name] = "str"
        elif form == "env" and "__os__" in defined:
            var = draw(st.sampled_from([ENV_SET, ENV_UNSET]))
            child.append(f"{name} = os.environ.get({var!r}, 'data/default')")
            defined[name] = "str"
        elif form == "env_template":
            var = draw(st.sampled_from([ENV_SET, ENV_UNSET]))
            child.append(f"{name} = '{{{{${var}:fallback}}}}/images'")
            defined[name] = "str"
        elif form == "tuple_unpack":
            child.append(f"{name}, tag = (1, 2) if True else (3, 4)")
            defined[name] = "int"
            defined["tag"] = "int"
    files["exp.py"] = "\n".join(child) + "\n"
    return files


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root / "exp.py"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(files=trees())
def test_generated_trees_read_as_mmengine_reads_them(tmp_path_factory, monkeypatch, files):
    monkeypatch.setenv(ENV_SET, "set/by/test")
    monkeypatch.delenv(ENV_UNSET, raising=False)
    root = tmp_path_factory.mktemp("tree")
    path = _write(root, files)
    try:
        ours, our_error = Reader().read(path).config, None
    except NotStatic as exc:  # every construct drawn is in the subset
        raise AssertionError(f"refused: {exc}\n{files['exp.py']}") from None
    except ConfigError as exc:
        ours, our_error = None, exc
    try:
        theirs, their_error = mmengine_read(path), None
    except Exception as exc:  # noqa: BLE001
        theirs, their_error = None, exc
    listing = "\n".join(f"# {k}\n{textwrap.indent(v, '  ')}" for k, v in files.items())
    assert (our_error is None) == (their_error is None), f"reader: {our_error!r}, MMEngine: {their_error!r}\n{listing}"
    if our_error is None:
        diff = typed_difference(ours, theirs)
        assert diff is None, f"{diff}\n{listing}"
    else:
        assert "\n" not in str(our_error)
    assert os.environ[ENV_SET] == "set/by/test"
