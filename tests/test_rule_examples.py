"""Every rule's documented examples are tests (Fixit's VALID/INVALID pattern):
an Example must convert to exactly its ``after`` text, a Valid config must
come out byte-identical.  Each example runs with only its rule (and the rules
it requires) selected."""

import pytest

from mmgen_migrate.convert import FAILED, ConvertOptions, convert_text
from mmgen_migrate.rules import Example, Valid, all_rules

CASES = [
    pytest.param(r, i, ex, id=f"{r.id}-{i}")
    for r in all_rules()
    for i, ex in enumerate(r.examples)
]


def test_every_rule_is_documented_and_has_examples():
    for r in all_rules():
        assert r.summary and r.doc, r.id
        for section in ("What it does", "Why", "Exactness", "Reference"):
            assert f"**{section}" in r.doc, f"{r.id} doc lacks a {section!r} section"
        assert any(isinstance(e, Example) for e in r.examples), f"{r.id} has no before/after example"


@pytest.mark.parametrize("rule,index,example", CASES)
def test_rule_example(rule, index, example):
    options = ConvertOptions(select=[rule.id, *rule.requires])
    if isinstance(example, Valid):
        res = convert_text(example.source, options=options)
        assert res.status != FAILED, res.error
        assert res.new_text == example.source
        return
    res = convert_text(example.before, options=options)
    assert res.status != FAILED, res.error
    assert res.new_text == example.after
    # converting the result again changes nothing (idempotence)
    again = convert_text(res.new_text, options=options)
    assert again.new_text == res.new_text
