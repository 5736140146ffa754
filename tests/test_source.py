"""The converter's view of a source file (``mmgen_migrate/source.py``): the
same statements, comment lines, trailing comments, header and footer as
LibCST's concrete syntax tree, on every fixture, on this package's own
modules (classes, functions, decorators) and on layouts written to probe
the edges; expressions' text with their own parentheses, as LibCST's
``code_for_node`` gives it."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

from mmgen_migrate import source

ROOT = Path(__file__).resolve().parents[1]

EDGES = [
    "if x:\n    a=1\n\n    # c\n\nb=2\n",
    "if x:\n    a=1\n        # deeper\nb=2\n",
    "if x:\n    a=1\n   # less\nb=2\n",
    "if x:\n    if y:\n        a=1\n        # in2\n    # in1\n# top\nb=2\n",
    "if x:\n    a=1\n    # c1\n\n\n",
    "if x:\n    a=1\n\n\n# t\n",
    "if x:\n\ta=1\n\t# tab\nb=2\n",
    "@dec\n# between\ndef f():\n    pass\nb=2\n",
    "x = 1;  # semi\ny = 2 ;\n",
    "if x: a = 1  # one line\n# c\nb = 2\n",
    "a = 1\nb = 2",
    "a = 1\nb = 2  # c",
    "a = 1\r\nb = dict(\r\n    x=1)\r\n# end",
    "# only a comment\n",
    "",
    "\n\n",
    "x = 1 \\\n  + 2  # c\n",
    "try:\n    a = 1\nexcept E:\n    b = 2\n    # exc\nelse:\n    c = 3\n  # z\n",
    "for i in range(3):\n    x = i\nelse:\n    y = 1\n    # e\nz = 1\n",
    "x = '\u00e9' ; y = dict(a='\u00fc')  # \u00fc\nz = 3\n",
    "x = dict(a=1,\n         b=2)\n\n\n# footer\n",
    "# head\n\n# more\nx = (  # p\n    1 + 2  # q\n)\n",
]


def _libcst_split(text: str):
    m = cst.parse_module(text)
    body = []
    for s in m.body:
        lead = [m.code_for_node(line) for line in s.leading_lines]
        full = m.code_for_node(s)
        body.append((lead, full[len("".join(lead)):]))
    return ([m.code_for_node(line) for line in m.header], body, [m.code_for_node(line) for line in m.footer],
            m.default_newline, m.default_indent, m.code)


def _our_split(text: str):
    m = source.parse(text)
    return ([line.text for line in m.header], [([line.text for line in s.leading], s.code + s.trailing)
                                                for s in m.body],
            [line.text for line in m.footer], m.newline, m.indent, m.code)


def _files() -> list[Path]:
    out = []
    for folder in ("fixtures", "mmgen_migrate", "benchmarks"):
        out += sorted((ROOT / folder).rglob("*.py"))
    return out


def test_the_split_is_libcsts_on_every_fixture_and_module():
    checked = 0
    for path in _files():
        try:
            text = path.read_text(encoding="utf-8")
            ast.parse(text)
        except (SyntaxError, UnicodeDecodeError):
            continue  # (a fixture that is bad input on purpose)
        assert _our_split(text) == _libcst_split(text), path.relative_to(ROOT)
        checked += 1
    assert checked > 250


@pytest.mark.parametrize("text", EDGES)
def test_the_split_is_libcsts_on_edge_layouts(text):
    assert _our_split(text) == _libcst_split(text)


def test_statement_parts():
    m = source.parse("# head\nx = dict(a=1)  # note\n\n# about y\ny = 2\n")
    x, y = m.body
    assert [line.comment for line in m.header] == ["# head"]
    assert (x.code, x.trailing, x.comment) == ("x = dict(a=1)", "  # note\n", "# note")
    assert [line.comment for line in y.leading] == [None, "# about y"]
    assert y.comment is None and y.single_line()


def _expressions(text: str):
    """(our text, LibCST's text) of every assigned value and every keyword
    argument's and element's value in ``text``'s simple assignments."""
    ours = source.parse(text)
    theirs = cst.parse_module(text)
    out = []
    for a, b in zip(ours.body, theirs.body):
        if not (len(a.nodes) == 1 and isinstance(a.nodes[0], ast.Assign)):
            continue
        va, vb = a.nodes[0].value, b.body[0].value
        out.append((ours.code_of(va), theirs.code_for_node(vb)))
        if isinstance(va, ast.Call) and isinstance(vb, cst.Call):
            for ka, kb in zip(va.keywords, vb.args):
                out.append((ours.code_of(ka.value), theirs.code_for_node(kb.value)))
        if isinstance(va, (ast.List, ast.Tuple)) and isinstance(vb, (cst.List, cst.Tuple)):
            for ea, eb in zip(va.elts, vb.elements):
                out.append((ours.code_of(ea), theirs.code_for_node(eb.value)))
    return out


def test_expression_text_includes_its_own_parentheses_only():
    text = ("a = (1 + 2)\n"
            "b = dict(x=(3), y=((4)), z=f((5)), w=(  # c\n    6\n))\n"
            "c = [(7), (8, 9), ('p'\n      'q')]\n"
            "d = (dict(k=1))  # t\n"
            "e = print((10))\n"
            "g = (x for x in y)\n")
    got = _expressions(text)
    assert got and all(ours == theirs for ours, theirs in got), got


def test_expression_text_on_every_fixture():
    for path in sorted((ROOT / "fixtures").rglob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
            ast.parse(text)
        except (SyntaxError, UnicodeDecodeError):
            continue
        for ours, theirs in _expressions(text):
            assert ours == theirs, path.relative_to(ROOT)
