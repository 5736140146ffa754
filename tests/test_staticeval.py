"""The static evaluator (``mmgen_migrate/staticeval.py``) on its own: which
expressions it evaluates, where it gives up (``Unknown``), and what it says
names a statement binds or reads.  The emitter reuses a source expression
only when this evaluator proves its value, so a wrong value here is a wrong
converted config."""

from __future__ import annotations

import textwrap

import pytest

from mmgen_migrate import source
from mmgen_migrate import staticeval as se


def value(code: str, env: se.Env | None = None):
    module = source.parse(f"_ = {code}\n")
    return se.evaluate(module.body[0].nodes[0].value, env, module)


def env_after(text: str) -> se.Env:
    """The names bound by ``text``, as of its end."""
    module = source.parse(textwrap.dedent(text))
    return se.module_bindings(module).env(len(module.body))


# -- what it evaluates -----------------------------------------------------------


@pytest.mark.parametrize("code, expected", [
    ("1", 1), ("2.5", 2.5), ("'a' 'b'", "ab"), ("-3", -3), ("not 0", True),
    ("(1, 2)", (1, 2)), ("[1, *[2, 3]]", [1, 2, 3]), ("{1}", {1}),
    ("{'a': 1, **{'b': 2}}", {"a": 1, "b": 2}),
    ("dict(type='Adam', lr=1e-4, betas=(0.5, 0.999))", {"type": "Adam", "lr": 1e-4, "betas": (0.5, 0.999)}),
    ("dict(**dict(a=1), b=2)", {"a": 1, "b": 2}),
    ("[127.5] * 3", [127.5, 127.5, 127.5]),
    ("10 * 1000 // 3 % 7 - 2 ** 3", 10 * 1000 // 3 % 7 - 2 ** 3),
    ("1 / 4", 0.25), ("1 < 2 <= 2", True), ("1 < 2 > 3", False), ("'a' in ['a']", True),
    ("0 or None", None), ("1 and 2", 2), ("3 if 0 else 4", 4), ("[1, 2][-1]", 2),
    ("f'{1 + 1}x{2:03d}{\"s\"!r}'", "2x002's'"), ("max(1, 2) + len('ab') + sum(range(3))", 7),
    ("True", True), ("None", None),
])
def test_evaluates_config_expressions(code, expected):
    got = value(code)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("code", [
    "open('x')",            # a call that is not a safe builtin
    "os.environ['HOME']",   # attribute access
    "x",                    # an unbound name without bindings
    "[1, 2][0:1]",          # slices
    "1 / 0",                # errors are Unknown, not exceptions
    "2 ** 10000",           # huge results are refused
    "'a' * 100000",
    "[i for i in range(3)]",
    "lambda: 1",
    "1 @ 2",
    "...",                  # neither Ellipsis nor complex numbers are config values
    "1j",
    "[1, 2][0, 1]",         # a tuple index
    "f'a\\n{1}'",           # an escape in an f-string (its text would have to be read as Python reads it)
])
def test_gives_up_with_unknown(code):
    with pytest.raises(se.Unknown):
        value(code)


# -- names, as of a statement ------------------------------------------------------


def test_a_name_has_the_value_bound_before_the_statement():
    module = source.parse("a = 1\nb = a + 1\na = 10\nc = a * 2\n")
    b = se.module_bindings(module)
    assert value("a", b.env(1)) == 1
    assert value("a", b.env(3)) == 10
    assert value("b", b.env(4)) == 2 and value("c", b.env(4)) == 20
    with pytest.raises(se.Unknown):
        value("a", b.env(0))  # not bound yet


def test_a_name_bound_any_other_way_is_unknown_from_then_on():
    env = env_after("""
        lr = 0.1
        lr += 0.1
        pipeline = [dict(type='A')]
        pipeline.append(dict(type='B'))
        x = 1
        model = dict(a=1)
        model['a'] = 2
        for i in range(3):
            pass
        import os
        y = os.environ.get('Y')
        """)
    for name in ("lr", "pipeline", "model", "i", "os", "y"):
        with pytest.raises(se.Unknown):
            env[name]
    assert env["x"] == 1


def test_a_rebound_builtin_is_not_trusted():
    env = env_after("dict = 5\nx = 1\n")
    with pytest.raises(se.Unknown):
        value("dict(a=x)", env)
    assert value("dict(a=1)") == {"a": 1}  # without the file's bindings it is the builtin


def test_a_builtin_rebound_to_an_unknown_value_is_not_trusted():
    env = env_after("dict = lambda **kw: kw\nx = 1\n")
    with pytest.raises(se.Unknown):
        value("dict(a=x)", env)


def test_known_values_stand_for_what_the_reader_computed():
    module = source.parse("import os\nroot = os.environ.get('ROOT', 'data')\npath = root + '/x'\n")
    b = se.module_bindings(module, known={1: "data"})
    assert value("path", b.env(3)) == "data/x"


# -- statements: simple assignments, bound and read names ---------------------------


@pytest.mark.parametrize("code, expected", [
    ("x = 1", ("x", "1")), ("x: int = 1", ("x", "1")),
    ("x = y = 1", None), ("x, y = 1, 2", None), ("x: int", None), ("x = 1; y = 2", None), ("x += 1", None),
    ("if a:\n    x = 1", None),
])
def test_simple_assignment(code, expected):
    module = source.parse(code + "\n")
    got = se.simple_assignment(module.body[0])
    assert (None if got is None else (got[0], module.code_of(got[1]))) == expected


STATEMENTS = [
    ("x = dict(type=a, lr=b.c)", {"x"}, {"x", "dict", "a", "b"}),
    ("x, (y, *z) = w", {"x", "y", "z"}, {"x", "y", "z", "w"}),
    ("m['k'].v = 1", {"m"}, {"m"}),
    ("p.append(q)", {"p"}, {"p", "q"}),
    ("p.get(q)", set(), {"p", "q"}),
    ("xs = [i for i in ys]", {"xs"}, {"xs", "i", "ys"}),
    ("for i in r:\n    t = i", {"i", "t"}, {"i", "r", "t"}),
    ("def f(a):\n    g = a", {"f"}, {"f", "a", "g"}),
    ("class C:\n    v = 1", {"C"}, {"C", "v"}),
    ("with o as (h, k):\n    pass", {"h", "k"}, {"o", "h", "k"}),
    ("del a, b", {"a", "b"}, {"a", "b"}),
    ("(n := 3)", {"n"}, {"n"}),
]


@pytest.mark.parametrize("code, bound, referenced", STATEMENTS)
def test_bound_and_referenced_names(code, bound, referenced):
    module = source.parse(code + "\n")
    facts = se.Facts(module)
    stmt = module.body[0]
    assert facts.bound(stmt) == bound
    # (the name a def or class statement defines is bound, not read)
    assert facts.referenced(stmt) - {"pass"} == referenced - ({"f", "C"} & bound)


def test_imports_bind_their_names():
    module = source.parse("from m import *\nimport a.b as c\nimport d.e\n")
    facts = se.Facts(module)
    assert [facts.bound(stmt) for stmt in module.body] == [{"*"}, {"c"}, {"d"}]


def test_comments_of_a_statement_are_its_own_lines():
    module = source.parse("# leading\nx = dict(  # one\n    a=1,  # two\n)  # three\ny = 2  # four\n")
    facts = se.Facts(module)
    assert facts.comments(module.body[0]) == ["# one", "# two", "# three"]
    assert facts.comments(module.body[1]) == ["# four"]
    # a statement the emitter built (not in the module) is read on demand
    new = source.written("z = 3  # five\n", "z", "\n")
    assert facts.comments(new) == ["# five"]


def test_comments_are_found_on_python_lines_not_splitlines_lines():
    """A form feed or a line separator inside a line is no line break for
    Python: the comments of the statements after it stay theirs."""
    code = ("# header\n"
            "a = 1  # one\x0c\n"
            "b = dict(\n    x=1,  # two\n)\n"
            "c = 'p\u2028q'  # three\n"
            "d = 4  # four\n")
    module = source.parse(code)
    facts = se.Facts(module)
    got = [facts.comments(stmt) for stmt in module.body]
    assert got == [["# one\x0c"], ["# two"], ["# three"], ["# four"]]
