"""The reader's own tree walk visits exactly what ``ast.walk`` visits, in
the same order: its checks (refusals, the nodes later checks reuse) rest on
it."""

from __future__ import annotations

import ast
from pathlib import Path

from mmgen_migrate.reader import walk_nodes

ROOT = Path(__file__).resolve().parents[2]


def test_walk_nodes_is_ast_walk_on_every_fixture_and_module():
    files = sorted((ROOT / "fixtures").rglob("*.py")) + sorted((ROOT / "mmgen_migrate").rglob("*.py"))
    walked, differ = 0, []
    for path in files:
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue  # (a fixture of a broken config)
        expected, got = list(ast.walk(tree)), walk_nodes(tree)
        walked += 1
        if len(got) != len(expected) or any(a is not b for a, b in zip(got, expected)):
            differ.append(path.relative_to(ROOT).as_posix())
    assert walked > 200 and not differ, differ
