"""Shared fixtures of the report tests: a small config tree of our own
(``data/zoo``: a `_base_` chain, variables, expressions, comments, a config
with review findings, one that fails, one already 1.x), converted once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mmgen_migrate import reports
from mmgen_migrate.convert import ConvertOptions, discover
from mmgen_migrate.parallel import convert_batch

from report_helpers import CORE_RULES, ZOO


@pytest.fixture(scope="session")
def zoo_results():
    return convert_batch(discover(ZOO), ZOO, ConvertOptions(select=CORE_RULES))


@pytest.fixture(scope="session")
def zoo_doc(zoo_results):
    return reports.build_document(zoo_results, check=True, include_hunks=True)


@pytest.fixture
def zoo_copy(tmp_path) -> Path:
    dst = tmp_path / "zoo"
    shutil.copytree(ZOO, dst)
    return dst
