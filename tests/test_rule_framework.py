"""The rule framework's own contracts: rules use only the context's public
helpers, and run in an order where what they need was done before them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from mmgen_migrate.model import MISSING, Severity
from mmgen_migrate.rules.base import MigrationContext

RULES_DIR = Path(__file__).resolve().parents[1] / "mmgen_migrate" / "rules"


def private_context_calls(source: str) -> list[tuple[int, str]]:
    """(line, attribute) of every ``<anything>._record(...)`` call in ``source``."""
    return [(node.lineno, node.func.attr) for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "_record"]


def test_the_scan_finds_a_private_record_call():
    # the scan itself must be able to fail
    assert private_context_calls("def f(ctx):\n    ctx._record('exact', 'm')\n") == [(2, "_record")]
    assert private_context_calls("def f(ctx):\n    ctx.record_move((), (), 1, 'm')\n") == []


@pytest.mark.parametrize("path", sorted(p for p in RULES_DIR.glob("*.py") if p.name != "base.py"),
                         ids=lambda p: p.name)
def test_no_rule_module_calls_the_private_record(path):
    calls = private_context_calls(path.read_text(encoding="utf-8"))
    assert not calls, f"{path.name} calls the context's private `_record` at lines " \
                      f"{[line for line, _ in calls]}: use a public helper of MigrationContext"


def test_record_move_records_a_move_and_changes_nothing():
    ctx = MigrationContext({"lr_config": {"by_epoch": False}, "param_scheduler": {"by_epoch": False}})
    before = {k: dict(v) for k, v in ctx.cfg.items()}
    ctx.rule = "SCH002"
    ctx.record_move(("lr_config", "by_epoch"), ("param_scheduler", "by_epoch"), False, "kept", note="why")
    assert ctx.cfg == before
    (change,) = ctx.changes
    assert (change.rule, change.severity, change.message) == ("SCH002", Severity.EXACT, "kept")
    assert change.old_paths == (("lr_config", "by_epoch"),)
    assert change.new_path == ("param_scheduler", "by_epoch")
    assert change.old_value is False and change.new_value is False
    assert change.moved and change.note == "why"
    # later moves follow it back to its 0.x origin
    assert ctx.origin(("param_scheduler", "by_epoch")) == ("lr_config", "by_epoch")
    assert ctx.old(("nothing",)) is MISSING
