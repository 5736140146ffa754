"""Shared fixtures of the rule tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmgen_migrate.convert import FAILED, convert_files, discover

ZOO = Path(__file__).resolve().parents[2] / "fixtures" / "zoo" / "input"


@pytest.fixture(scope="session")
def converted_zoo(tmp_path_factory):
    """The zoo fixtures converted as one tree and written out: (the output
    folder, the results of its leaf configs).  Read-only for the tests."""
    out = tmp_path_factory.mktemp("zoo") / "out"
    results = convert_files(discover(ZOO), ZOO)
    for r in results:
        if r.status != FAILED:
            (out / r.rel).parent.mkdir(parents=True, exist_ok=True)
            (out / r.rel).write_bytes(r.new_text.encode("utf-8"))
    leaves = [r for r in results if not r.is_base and not r.rel.startswith("_base_/")]
    return out, leaves
