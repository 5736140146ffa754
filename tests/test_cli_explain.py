"""``mmgen-migrate explain RULE``: the rule's doc and every example as a
before → after diff."""

from __future__ import annotations

import difflib

import pytest
from click.testing import CliRunner

from mmgen_migrate.cli import cli
from mmgen_migrate.explain import example_diff, example_findings
from mmgen_migrate.rules import Example, Valid, all_rules


def explain(*args):
    return CliRunner().invoke(cli, ["explain", *args], terminal_width=200)


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_explain_shows_doc_and_every_example_as_a_diff(rule):
    r = explain(rule.id)
    assert r.exit_code == 0, r.output
    out = r.output
    assert out.startswith(f"{rule.id} {rule.name}\n")
    for section in ("What it does.", "Why.", "Exactness.", "Reference."):
        assert section in out
    examples = [e for e in rule.examples if isinstance(e, Example) and e.before != e.after]
    reported = [e for e in rule.examples if isinstance(e, Example) and e.before == e.after]
    valids = [e for e in rule.examples if isinstance(e, Valid)]
    assert out.count("  --- 0.x\n  +++ 1.x\n") == len(examples)
    # an example whose text stays shows what the rule reports on it
    assert out.count("(text unchanged; reported):") == len(reported)
    assert out.count(f"  → ") >= len(reported)
    assert out.count("(left unchanged):") == len(valids)
    for ex in examples:
        diff = list(difflib.unified_diff(ex.before.splitlines(), ex.after.splitlines(), lineterm=""))
        for line in diff[2:]:
            if line.startswith(("-", "+")) and line[1:].strip():
                assert f"  {line}" in out, line


def test_example_diff_is_a_unified_diff_from_0x_to_1x():
    ex = Example(before="train_cfg = dict(disc_steps=2)\nx = 1\n", after="model = dict(discriminator_steps=2)\nx = 1\n")
    assert example_diff(ex).splitlines() == [
        "--- 0.x", "+++ 1.x", "@@ -1,2 +1,2 @@",
        "-train_cfg = dict(disc_steps=2)", "+model = dict(discriminator_steps=2)", " x = 1",
    ]


FINDING_ONLY = [(r, e) for r in all_rules() for e in r.examples if isinstance(e, Example) and e.before == e.after]


@pytest.mark.skipif(not FINDING_ONLY, reason="no rule has a finding-only example")
def test_finding_only_example_shows_its_finding():
    rule, ex = FINDING_ONLY[0]
    findings = example_findings(rule, ex)
    assert findings  # a finding-only example must report something
    out = explain(rule.id).output
    for c in findings:
        assert f"  → {c.severity.value} {rule.id} " in out and c.message in out


def test_explain_prefix_and_unknown():
    r = explain("STP")
    assert r.exit_code == 0 and "STP001" in r.output
    bad = explain("NOPE42")
    assert bad.exit_code == 2 and "unknown rule 'NOPE42'" in bad.output
