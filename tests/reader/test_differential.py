"""The static reader gives exactly what MMEngine's ``Config.fromfile(path,
lazy_import=False)`` gives, key by key and type by type, on every config of
fixtures/ (zoo inputs and expected outputs, the wild corpus and its
conversions, the verify pairs, report data).

A file the reader refuses (``NotStatic``) is one that needs execution; those
are listed in fixtures/wild/expectations.toml with an ``exec_outcome``, and
nothing else may be refused."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from mmgen_migrate.errors import ConfigError
from mmgen_migrate.reader import NotStatic, Reader

from ._mmengine import mmengine_read, typed_difference

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
FILES = sorted(p for p in FIXTURES.rglob("*.py"))
WILD = FIXTURES / "wild"
EXPECTATIONS = tomllib.loads((WILD / "expectations.toml").read_text(encoding="utf-8"))
# the configs refused without --allow-exec, and their conversions (made with it)
NEEDS_EXEC = {WILD / folder / k for k, v in EXPECTATIONS.items() if "exec_outcome" in v
              for folder in ("configs", "converted")}


def _rel(p: Path) -> str:
    return p.relative_to(FIXTURES).as_posix()


def test_the_fixtures_are_many():
    assert len(FILES) > 200


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_static_read_equals_mmengine(path):
    try:
        ours, our_error = Reader().read(path).config, None
    except NotStatic as exc:
        assert path in NEEDS_EXEC, f"{_rel(path)} refused: {exc}"
        return
    except ConfigError as exc:
        ours, our_error = None, exc
    assert path not in NEEDS_EXEC, f"{_rel(path)} should need execution"
    try:
        theirs, their_error = mmengine_read(path), None
    except BaseException as exc:  # noqa: BLE001 - whatever MMEngine raises
        theirs, their_error = None, exc
    if our_error is None:
        assert their_error is None, f"MMEngine fails ({their_error!r}) where the reader gives a config"
        assert typed_difference(ours, theirs) is None, typed_difference(ours, theirs)
    elif their_error is None:
        # only a value MMEngine keeps but a config file cannot hold (a set, an object)
        assert "not a plain config value" in str(our_error), f"the reader fails ({our_error}) where MMEngine reads"
    else:
        assert "\n" not in str(our_error)
