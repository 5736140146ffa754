"""Evaluate config expressions from their source, without running anything.

The emitter reuses the user's original expressions (variables, arithmetic,
comments) wherever it can prove the expression still has the value the 1.x
config needs.  That proof is this evaluator: it understands the constructs
config files are made of (literals, ``dict(...)``, containers, arithmetic,
names bound earlier in the file) and gives up (:class:`Unknown`) on anything
else, such as function calls with side effects.  Nothing is executed.
"""

from __future__ import annotations

import ast
import functools
import io
import operator
import re
import tokenize
from dataclasses import dataclass, field
from typing import Any

import libcst as cst


class Unknown(Exception):
    """The expression cannot be evaluated statically."""


_BINOPS = {
    cst.Add: operator.add,
    cst.Subtract: operator.sub,
    cst.Multiply: operator.mul,
    cst.Divide: operator.truediv,
    cst.FloorDivide: operator.floordiv,
    cst.Modulo: operator.mod,
    cst.Power: operator.pow,
}
_CMPOPS = {
    cst.Equal: operator.eq,
    cst.NotEqual: operator.ne,
    cst.LessThan: operator.lt,
    cst.LessThanEqual: operator.le,
    cst.GreaterThan: operator.gt,
    cst.GreaterThanEqual: operator.ge,
    cst.Is: operator.is_,
    cst.IsNot: operator.is_not,
    cst.In: lambda a, b: a in b,
    cst.NotIn: lambda a, b: a not in b,
}
_SAFE_CALLS = {
    "dict": dict,
    "list": list,
    "tuple": tuple,
    "set": set,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "round": round,
    "sum": sum,
    "range": range,
}


@dataclass
class Bindings:
    """Top-level names of a module with the statement index where each value
    was bound, so a name can be looked up "as of" any statement."""

    history: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)

    def bind(self, name: str, index: int, value: Any) -> None:
        self.history.setdefault(name, []).append((index, value))

    def lookup(self, name: str, before: int) -> Any:
        last = _UNBOUND
        for idx, value in self.history.get(name, ()):
            if idx < before:
                last = value
        if last is _UNBOUND or last is _UNKNOWN:
            raise Unknown(name)
        return last

    def env(self, before: int) -> "Env":
        return Env(self, before)


_UNBOUND = object()
_UNKNOWN = object()


@dataclass
class Env:
    bindings: Bindings
    before: int

    def __getitem__(self, name: str) -> Any:
        return self.bindings.lookup(name, self.before)

    def is_bound(self, name: str) -> bool:
        """Does any statement before this point bind ``name``?"""
        return any(idx < self.before for idx, _ in self.bindings.history.get(name, ()))


@functools.lru_cache(maxsize=16384)
def _literal_value(kind: type, text: str) -> Any:
    """What a number or string literal's text means (``literal_eval`` is
    slow, and configs repeat their literals)."""
    return kind(value=text).evaluated_value


def evaluate(node: cst.CSTNode, env: Env | None = None) -> Any:
    """Value of expression ``node``; raises :class:`Unknown`."""
    if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString)):
        return _literal_value(type(node), node.value)
    if isinstance(node, cst.ConcatenatedString):
        left, right = evaluate(node.left, env), evaluate(node.right, env)
        if isinstance(left, bytes) != isinstance(right, bytes):
            raise Unknown("mixed bytes/str")
        return left + right
    if isinstance(node, cst.FormattedString):
        return _fstring(node, env)
    if isinstance(node, cst.Name):
        if node.value in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.value]
        if env is None:
            raise Unknown(node.value)
        return env[node.value]
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        items = []
        for el in node.elements:
            if isinstance(el, cst.StarredElement):
                items.extend(evaluate(el.value, env))
            else:
                items.append(evaluate(el.value, env))
        return {cst.List: list, cst.Tuple: tuple, cst.Set: set}[type(node)](items)
    if isinstance(node, cst.Dict):
        out = {}
        for el in node.elements:
            if isinstance(el, cst.StarredDictElement):
                out.update(_as_dict(evaluate(el.value, env)))
            else:
                out[evaluate(el.key, env)] = evaluate(el.value, env)
        return out
    if isinstance(node, cst.Call):
        return _call(node, env)
    if isinstance(node, cst.UnaryOperation):
        value = evaluate(node.expression, env)
        if isinstance(node.operator, cst.Minus):
            return -value
        if isinstance(node.operator, cst.Plus):
            return +value
        if isinstance(node.operator, cst.Not):
            return not value
        raise Unknown("unary")
    if isinstance(node, cst.BinaryOperation):
        op = _BINOPS.get(type(node.operator))
        if op is None:
            raise Unknown("binop")
        left, right = evaluate(node.left, env), evaluate(node.right, env)
        if op is operator.pow and isinstance(right, (int, float)) and abs(right) > 1000:
            raise Unknown("huge power")
        if op is operator.mul and (isinstance(left, (str, list, tuple)) or isinstance(right, (str, list, tuple))):
            count = right if isinstance(left, (str, list, tuple)) else left
            if isinstance(count, int) and count > 10000:
                raise Unknown("huge repeat")
        try:
            return op(left, right)
        except Exception as exc:  # ZeroDivisionError, TypeError ...
            raise Unknown(str(exc)) from exc
    if isinstance(node, cst.BooleanOperation):
        left = evaluate(node.left, env)
        if isinstance(node.operator, cst.And):
            return evaluate(node.right, env) if left else left
        return left if left else evaluate(node.right, env)
    if isinstance(node, cst.Comparison):
        left = evaluate(node.left, env)
        for target in node.comparisons:
            right = evaluate(target.comparator, env)
            op = _CMPOPS.get(type(target.operator))
            if op is None or not op(left, right):
                return False
            left = right
        return True
    if isinstance(node, cst.IfExp):
        return evaluate(node.body, env) if evaluate(node.test, env) else evaluate(node.orelse, env)
    if isinstance(node, cst.Subscript):
        value = evaluate(node.value, env)
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            raise Unknown("slice")
        try:
            return value[evaluate(node.slice[0].slice.value, env)]
        except Exception as exc:
            raise Unknown(str(exc)) from exc
    raise Unknown(type(node).__name__)


def _as_dict(value: Any) -> dict:
    if not isinstance(value, dict):
        raise Unknown("** of non-dict")
    return value


def _call(node: cst.Call, env: Env | None) -> Any:
    if not isinstance(node.func, cst.Name) or node.func.value not in _SAFE_CALLS:
        raise Unknown("call")
    if env is not None and env.is_bound(node.func.value):
        # the file rebinds a builtin name (to a value known or not): do not trust it
        raise Unknown("shadowed builtin")
    func = _SAFE_CALLS[node.func.value]
    args, kwargs = [], {}
    for arg in node.args:
        if arg.star == "*":
            args.extend(evaluate(arg.value, env))
        elif arg.star == "**":
            kwargs.update(_as_dict(evaluate(arg.value, env)))
        elif arg.keyword is not None:
            kwargs[arg.keyword.value] = evaluate(arg.value, env)
        else:
            args.append(evaluate(arg.value, env))
    try:
        return func(*args, **kwargs)
    except Exception as exc:
        raise Unknown(str(exc)) from exc


def _fstring(node: cst.FormattedString, env: Env | None) -> str:
    if "b" in node.prefix.lower():
        raise Unknown("bytes f-string")
    parts = []
    for part in node.parts:
        if isinstance(part, cst.FormattedStringText):
            parts.append(part.value.replace("{{", "{").replace("}}", "}"))
            continue
        value = evaluate(part.expression, env)
        if part.conversion == "r":
            value = repr(value)
        elif part.conversion == "s":
            value = str(value)
        elif part.conversion == "a":
            value = ascii(value)
        spec = ""
        if part.format_spec:
            spec = _fstring(cst.FormattedString(parts=part.format_spec, start='f"', end='"'), env)
        try:
            parts.append(format(value, spec))
        except Exception as exc:
            raise Unknown(str(exc)) from exc
    if "\\" in "".join(p.value for p in node.parts if isinstance(p, cst.FormattedStringText)) and "r" not in node.prefix.lower():
        raise Unknown("escape in f-string")
    return "".join(parts)


def module_bindings(module: cst.Module, facts: "Facts | None" = None, known: dict | None = None) -> Bindings:
    """Bind every top-level simple assignment ``name = expr`` in order; any
    other way of binding a name makes it unknown from that point on.
    ``known`` gives the value of statements (by index) that this evaluator
    cannot compute but the reader did (``os.environ.get(...)``)."""
    known = known or {}
    bound = facts.bound if facts is not None else bound_names
    b = Bindings()
    for index, stmt in enumerate(module.body):
        simple = simple_assignment(stmt)
        if simple is not None:
            name, value_node = simple
            try:
                value = known[index] if index in known else evaluate(value_node, b.env(index))
            except Unknown:
                value = _UNKNOWN
            except RecursionError:
                value = _UNKNOWN
            for other in bound(stmt) - {name}:
                b.bind(other, index, _UNKNOWN)  # e.g. x = y.pop('k') mutates y
            b.bind(name, index, value)
            continue
        for name in bound(stmt):
            b.bind(name, index, _UNKNOWN)
    return b


def simple_assignment(stmt: cst.CSTNode) -> tuple[str, cst.BaseExpression] | None:
    """``(name, value)`` when ``stmt`` is a line ``name = value`` (one target)."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
        return small.targets[0].target.value, small.value
    if (
        isinstance(small, cst.AnnAssign)
        and isinstance(small.target, cst.Name)
        and small.value is not None
    ):
        return small.target.value, small.value
    return None


class _BoundNames(cst.CSTVisitor):
    def __init__(self):
        self.names: set[str] = set()
        self.depth = 0

    def _target(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Name):
            self.names.add(node.value)
        elif isinstance(node, (cst.Tuple, cst.List)):
            for el in node.elements:
                self._target(el.value)
        elif isinstance(node, cst.StarredElement):
            self._target(node.value)
        elif isinstance(node, (cst.Subscript, cst.Attribute)):
            # model['x'] = 1 / model.x = 1 mutate the object bound to the name
            base = node.value
            while isinstance(base, (cst.Subscript, cst.Attribute)):
                base = base.value
            if isinstance(base, cst.Name):
                self.names.add(base.value)

    def visit_Assign(self, node):
        for t in node.targets:
            self._target(t.target)

    def visit_AnnAssign(self, node):
        self._target(node.target)

    def visit_AugAssign(self, node):
        self._target(node.target)

    def visit_For(self, node):
        self._target(node.target)

    def visit_CompFor(self, node):
        return False  # comprehension variables do not leak in Python 3

    def visit_WithItem(self, node):
        if node.asname is not None:
            self._target(node.asname.name)

    def visit_NamedExpr(self, node):
        self._target(node.target)

    def visit_Del(self, node):
        self._target(node.target)

    def visit_Import(self, node):
        for alias in node.names:
            name = alias.asname.name if alias.asname else alias.name
            while isinstance(name, cst.Attribute):
                name = name.value
            self._target(name)

    def visit_ImportFrom(self, node):
        if isinstance(node.names, cst.ImportStar):
            self.names.add("*")
            return
        for alias in node.names:
            self._target(alias.asname.name if alias.asname else alias.name)

    def visit_FunctionDef(self, node):
        self.names.add(node.name.value)
        return False

    def visit_ClassDef(self, node):
        self.names.add(node.name.value)
        return False

    def visit_Lambda(self, node):
        return False

    def visit_Call(self, node):
        # x.update(...), x.append(...), x.pop(...) mutate x
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _MUTATORS:
            base = func.value
            while isinstance(base, (cst.Subscript, cst.Attribute)):
                base = base.value
            if isinstance(base, cst.Name):
                self.names.add(base.value)


_MUTATORS = {"update", "append", "extend", "pop", "insert", "setdefault", "clear", "remove", "popitem", "add",
             "discard", "sort", "reverse", "__setitem__", "__delitem__"}


def bound_names(stmt: cst.CSTNode) -> set[str]:
    """Names a statement binds or mutates at module level (a conservative
    over-approximation)."""
    v = _BoundNames()
    stmt.visit(v)
    return v.names


class _Names(cst.CSTVisitor):
    def __init__(self):
        self.names: set[str] = set()

    def visit_Name(self, node):
        self.names.add(node.value)

    def visit_Arg(self, node):
        # `dict(type=...)`: the keyword is not a use of a variable
        if node.keyword is not None:
            node.value.visit(self)
            return False
        return True

    def visit_Attribute(self, node):
        node.value.visit(self)
        return False


def referenced_names(node: cst.CSTNode) -> set[str]:
    v = _Names()
    node.visit(v)
    return v.names


# ---------------------------------------------------------------------------
# fast name and comment facts
#
# LibCST visitors rebuild the tree they walk, which makes them the slowest
# part of an edit; the questions the emitter asks many times ("which names
# does this statement bind / read", "which comments does it hold") are
# answered from Python's own ``ast`` and ``tokenize`` instead, once per module
# and once per generated snippet.  Same answers as the visitors above.


_NO_BINDING = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_SKIP = (ast.expr_context, ast.Constant)


def _ast_facts(tree: ast.AST) -> tuple[set[str], set[str]]:
    """(names ``tree`` binds or mutates at module level, names it reads),
    in one walk: a conservative over-approximation of the first (as
    :func:`bound_names`), every ``Name`` for the second (as
    :func:`referenced_names`)."""
    names: set[str] = set()
    refs: set[str] = set()

    def target(t: ast.AST) -> None:
        if isinstance(t, ast.Name):
            names.add(t.id)
        elif isinstance(t, (ast.Tuple, ast.List)):
            for elt in t.elts:
                target(elt)
        elif isinstance(t, ast.Starred):
            target(t.value)
        elif isinstance(t, (ast.Subscript, ast.Attribute)):
            base = t.value
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            if isinstance(base, ast.Name):
                names.add(base.id)

    def walk(node: ast.AST, binding: bool) -> None:
        if isinstance(node, ast.Name):
            refs.add(node.id)
            return
        if isinstance(node, _SKIP):
            return
        if binding:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
                binding = False  # (what it binds inside is its own)
            elif isinstance(node, _NO_BINDING):
                binding = False
            elif isinstance(node, ast.Assign):
                for t in node.targets:
                    target(t)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor, ast.NamedExpr)):
                target(node.target)
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                target(node.optional_vars)
            elif isinstance(node, ast.Delete):
                for t in node.targets:
                    target(t)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    names.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    names.add("*" if alias.name == "*" else (alias.asname or alias.name))
            elif isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr in _MUTATORS:
                    target(func)
        for field_name in node._fields:  # (ast.iter_child_nodes, without its generator)
            value = getattr(node, field_name, None)
            if isinstance(value, ast.AST):
                walk(value, binding)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        walk(item, binding)

    walk(tree, True)
    return names, refs


def _code_comments(code: str) -> list[str] | None:
    try:
        return [tok.string for tok in tokenize.generate_tokens(io.StringIO(code).readline)
                if tok.type == tokenize.COMMENT]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None


_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def physical_lines(code: str) -> list[str]:
    """``code``'s lines as Python numbers them (ends kept): broken at
    ``\n``, ``\r\n`` and ``\r`` only, not at the form feeds and other
    separators ``str.splitlines`` also breaks at."""
    return _PHYSICAL_LINE.findall(code)


def _line_comments(code: str) -> list[tuple[int, str]] | None:
    try:
        return [(tok.start[0], tok.string) for tok in tokenize.generate_tokens(io.StringIO(code).readline)
                if tok.type == tokenize.COMMENT]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None


class Facts:
    """Names bound and read, and comments held, by the top-level statements
    of one module (and by any other node, computed on demand)."""

    def __init__(self, module: cst.Module, code: str | None = None):
        """``code``: the source ``module`` was parsed from, if known (the
        same text as ``module.code``)."""
        self.module = module
        self._cache: dict[int, tuple[cst.CSTNode, set[str], set[str]]] = {}
        self._comments: dict[int, list[str]] = {}
        self.single_line: dict[int, tuple[cst.CSTNode, bool]] = {}  # the emitter's notes on its statements
        if code is None:
            code = module.code
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return  # fall back to the visitors, node by node
        lines = physical_lines(code)
        everything: list[tuple[int, str]] | None = None  # the whole file's comments, where a statement's alone do not tokenize
        stmts = tree.body
        pos = 0
        for stmt in module.body:
            count = len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
            group = stmts[pos:pos + count]
            pos += count
            if len(group) != count:
                return
            bound, refs = set(), set()
            for s in group:
                b, r = _ast_facts(s)
                bound |= b
                refs |= r
            self._cache[id(stmt)] = (stmt, bound, refs)
            first = min([group[0].lineno] + [d.lineno for d in getattr(group[0], "decorator_list", [])])
            last = group[-1].end_lineno or group[-1].lineno
            own = lines[first - 1:last]
            # (tokenizing is the slow part: only lines that hold a `#` can hold a comment)
            found = _code_comments("".join(own)) if any("#" in line for line in own) else []
            if found is None:
                if everything is None:
                    everything = _line_comments(code)
                    if everything is None:
                        return
                found = [text for line, text in everything if first <= line <= last]
            self._comments[id(stmt)] = found

    def _facts(self, node: cst.CSTNode) -> tuple[set[str], set[str]]:
        hit = self._cache.get(id(node))
        if hit is not None and hit[0] is node:
            return hit[1], hit[2]
        code = self.module.code_for_node(node)
        try:
            if isinstance(node, cst.BaseExpression):
                tree: ast.AST = ast.parse(f"({code})", mode="eval")
            else:
                tree = ast.parse(code)
            bound, refs = _ast_facts(tree)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            bound, refs = bound_names(node), referenced_names(node)
        self._cache[id(node)] = (node, bound, refs)
        return bound, refs

    def remember(self, node: cst.CSTNode, code: str, tree: ast.AST | None = None) -> None:
        """Facts of a node made from ``code`` (saves generating it again);
        ``tree``: ``code`` already parsed."""
        if tree is None:
            try:
                tree = ast.parse(code)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return
        self._cache[id(node)] = (node, *_ast_facts(tree))
        comments = _code_comments(code) if "#" in code else []
        if comments is not None:
            self._comments[id(node)] = comments

    def bound(self, node: cst.CSTNode) -> set[str]:
        return self._facts(node)[0]

    def referenced(self, node: cst.CSTNode) -> set[str]:
        return self._facts(node)[1]

    def comments(self, stmt: cst.CSTNode) -> list[str]:
        """Comments on the statement's own lines (its trailing comment
        included, its leading comment lines not)."""
        hit = self._comments.get(id(stmt))
        if hit is not None and self._cache.get(id(stmt), (None,))[0] is stmt:
            return list(hit)
        found = _code_comments(self.module.code_for_node(stmt.with_changes(leading_lines=[]))
                               if isinstance(stmt, cst.SimpleStatementLine) else self.module.code_for_node(stmt))
        if found is None:
            v = _Comments()
            stmt.visit(v)
            found = v.comments
        return found


class _Comments(cst.CSTVisitor):
    def __init__(self):
        self.comments: list[str] = []

    def visit_Comment(self, node):
        self.comments.append(node.value)
