"""The rule framework's own contracts: rules use only the context's public
helpers, and run in an order where what they need was done before them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from mmgen_migrate.model import MISSING, Severity
from mmgen_migrate.rules import RULE_MODULES, MissingRuleModuleError, all_rules, load_rule_modules
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


# -- rule order ----------------------------------------------------------------


def late_requirements(rules) -> list[tuple[str, str]]:
    """(rule id, required id) for each requirement not run before the rule."""
    order = [r.id for r in rules]
    return [(r.id, req) for i, r in enumerate(rules) for req in r.requires if req not in order[:i]]


def test_every_required_rule_runs_earlier():
    late = late_requirements(all_rules())
    assert not late, "rules that run before (or without) a rule they require: " + \
        ", ".join(f"{rid} requires {req}" for rid, req in late)


def test_the_order_check_finds_a_late_or_missing_requirement():
    by_id = {r.id: r for r in all_rules()}
    stp, opt = by_id["STP001"], by_id["OPT001"]
    assert "OPT001" in stp.requires  # the case below is a real requirement
    assert late_requirements([opt, stp]) == []
    assert late_requirements([stp, opt]) == [("STP001", "OPT001")]
    assert late_requirements([stp]) == [("STP001", "OPT001")]
    assert sum(len(r.requires) for r in all_rules()) >= 5  # the check above has requirements to check


def test_rules_run_in_the_order_of_their_modules():
    topics = [r.topic for r in all_rules()]
    assert sorted(set(topics), key=topics.index) == RULE_MODULES


def test_a_missing_rule_module_raises():
    with pytest.raises(MissingRuleModuleError, match=r"mmgen_migrate\.rules\.no_such_topic"):
        load_rule_modules(["optimizer", "no_such_topic"])
