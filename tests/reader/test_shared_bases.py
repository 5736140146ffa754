"""A base read once is shared by every config that merges it (the reader
does not copy it for each): what one config does to what it inherits must
not reach the next one.  Each config is also read by MMEngine's own loader,
the oracle, after the others were read by the same reader."""

from __future__ import annotations

import copy
import textwrap

import pytest

from mmgen_migrate.reader import Reader

from ._mmengine import mmengine_read, typed_difference

BASE = """\
model = dict(type='GAN', generator=dict(type='G', channels=[64, 128], opts=dict(a=1)),
             discriminator=dict(type='D'))
data = dict(train=dict(pipeline=[dict(type='Load'), dict(type='Resize', scale=(64, 64))]))
"""

CHILDREN = {
    # `_delete_` in an override (MMEngine pops it from the child's own dict)
    "delete.py": "model = dict(generator=dict(_delete_=True, type='G2'))\n",
    # a deep override (the merge copies each level it changes)
    "deep.py": "model = dict(generator=dict(opts=dict(b=2), channels=[1]))\n",
    # code that changes the inherited values it reads through `_base_`
    "mutate.py": ("m = _base_.model\nm.generator.channels.append(256)\nm['extra'] = 1\n"
                  "p = _base_.data.train.pipeline\np.pop()\n"),
    # a placeholder that takes an inherited value
    "placeholder.py": "gen = {{ _base_.model.generator }}\nmodel = dict(generator=dict(type='G3'))\n",
    # the list in the base, extended in the child
    "extend.py": "pipeline = _base_.data['train']['pipeline'] + [dict(type='Pack')]\n",
    "plain.py": "x = 1\n",
}


@pytest.mark.parametrize("first", sorted(CHILDREN))
def test_what_a_config_does_to_its_bases_stays_its_own(tmp_path, first):
    (tmp_path / "base.py").write_text(BASE)
    for name, body in CHILDREN.items():
        (tmp_path / name).write_text("_base_ = ['base.py']\n" + textwrap.dedent(body))
    reader = Reader()
    order = [first] + [n for n in sorted(CHILDREN) if n != first] + [first]
    results = {}
    for name in order:
        got = reader.read(tmp_path / name).config
        results.setdefault(name, copy.deepcopy(got))
        assert got == results[name], f"{name} reads differently after the others"
        assert typed_difference(got, mmengine_read(tmp_path / name)) is None, name
        got.setdefault("model", {})["vandalised"] = True  # (a caller changing its copy changes nothing)
    assert typed_difference(reader.read(tmp_path / "base.py").config, mmengine_read(tmp_path / "base.py")) is None
