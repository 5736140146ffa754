"""Evaluate config expressions from their source, without running anything.

The emitter reuses the user's original expressions (variables, arithmetic,
comments) wherever it can prove the expression still has the value the 1.x
config needs.  That proof is this evaluator: it understands the constructs
config files are made of (literals, ``dict(...)``, containers, arithmetic,
names bound earlier in the file) and gives up (:class:`Unknown`) on anything
else, such as function calls with side effects.  Nothing is executed.

It reads Python's own ``ast`` nodes (of a :class:`.source.Module`).
"""

from __future__ import annotations

import ast
import io
import operator
import tokenize
from dataclasses import dataclass, field
from typing import Any

from . import source as source_mod


class Unknown(Exception):
    """The expression cannot be evaluated statically."""


_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_CMPOPS = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
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


_CONSTANTS = (str, bytes, bool, int, float, type(None))


def evaluate(node: ast.AST, env: Env | None = None, module: "source_mod.Module | None" = None) -> Any:
    """Value of expression ``node``; raises :class:`Unknown`.  ``module``:
    the source ``node`` belongs to (needed for f-strings)."""
    t = type(node)
    if t is ast.Constant:
        value = node.value
        if not isinstance(value, _CONSTANTS):
            raise Unknown(type(value).__name__)  # complex, Ellipsis
        return value
    if t is ast.Name:
        if env is None:
            raise Unknown(node.id)
        return env[node.id]
    if t in (ast.List, ast.Tuple, ast.Set):
        items = []
        for el in node.elts:
            if type(el) is ast.Starred:
                items.extend(evaluate(el.value, env, module))
            else:
                items.append(evaluate(el, env, module))
        return {ast.List: list, ast.Tuple: tuple, ast.Set: set}[t](items)
    if t is ast.Dict:
        out = {}
        for k, v in zip(node.keys, node.values):
            if k is None:
                out.update(_as_dict(evaluate(v, env, module)))
            else:
                out[evaluate(k, env, module)] = evaluate(v, env, module)
        return out
    if t is ast.Call:
        return _call(node, env, module)
    if t is ast.JoinedStr:
        return _fstring(node, env, module)
    if t is ast.UnaryOp:
        value = evaluate(node.operand, env, module)
        op = type(node.op)
        if op is ast.USub:
            return -value
        if op is ast.UAdd:
            return +value
        if op is ast.Not:
            return not value
        raise Unknown("unary")
    if t is ast.BinOp:
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise Unknown("binop")
        left, right = evaluate(node.left, env, module), evaluate(node.right, env, module)
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
    if t is ast.BoolOp:
        is_and = type(node.op) is ast.And
        value = None
        for part in node.values:
            value = evaluate(part, env, module)
            if bool(value) != is_and:
                return value
        return value
    if t is ast.Compare:
        left = evaluate(node.left, env, module)
        for cmp, comparator in zip(node.ops, node.comparators):
            right = evaluate(comparator, env, module)
            op = _CMPOPS.get(type(cmp))
            if op is None or not op(left, right):
                return False
            left = right
        return True
    if t is ast.IfExp:
        return evaluate(node.body, env, module) if evaluate(node.test, env, module) \
            else evaluate(node.orelse, env, module)
    if t is ast.Subscript:
        value = evaluate(node.value, env, module)
        if type(node.slice) in (ast.Slice, ast.Tuple):
            raise Unknown("slice")
        try:
            return value[evaluate(node.slice, env, module)]
        except Unknown:
            raise
        except Exception as exc:
            raise Unknown(str(exc)) from exc
    raise Unknown(t.__name__)


def _as_dict(value: Any) -> dict:
    if not isinstance(value, dict):
        raise Unknown("** of non-dict")
    return value


def _call(node: ast.Call, env: Env | None, module) -> Any:
    if type(node.func) is not ast.Name or node.func.id not in _SAFE_CALLS:
        raise Unknown("call")
    if env is not None and env.is_bound(node.func.id):
        # the file rebinds a builtin name (to a value known or not): do not trust it
        raise Unknown("shadowed builtin")
    func = _SAFE_CALLS[node.func.id]
    args, kwargs = [], {}
    for arg in node.args:
        if type(arg) is ast.Starred:
            args.extend(evaluate(arg.value, env, module))
        else:
            args.append(evaluate(arg, env, module))
    for kw in node.keywords:
        if kw.arg is None:
            kwargs.update(_as_dict(evaluate(kw.value, env, module)))
        else:
            kwargs[kw.arg] = evaluate(kw.value, env, module)
    try:
        return func(*args, **kwargs)
    except Exception as exc:
        raise Unknown(str(exc)) from exc


_CONVERSIONS = {-1: None, ord("s"): str, ord("r"): repr, ord("a"): ascii}


def _fstring(node: ast.JoinedStr, env: Env | None, module, spec: bool = False) -> str:
    if module is None:
        raise Unknown("f-string")
    if not spec:
        start, end = module.span(node)
        for tok in module.tokens_in(start, end):
            if tok[2] == tokenize.STRING:
                prefix = tok[3][: len(tok[3]) - len(tok[3].lstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))]
                if "f" in prefix.lower() and "r" not in prefix.lower() and "\\" in tok[3]:
                    raise Unknown("escape in f-string")
    parts = []
    for part in node.values:
        if type(part) is ast.Constant:
            parts.append(part.value)
            continue
        value = evaluate(part.value, env, module)
        conv = _CONVERSIONS.get(part.conversion)
        if conv is not None:
            value = conv(value)
        fmt = _fstring(part.format_spec, env, module, spec=True) if part.format_spec is not None else ""
        try:
            parts.append(format(value, fmt))
        except Exception as exc:
            raise Unknown(str(exc)) from exc
    return "".join(parts)


def module_bindings(module: "source_mod.Module", facts: "Facts | None" = None,
                    known: dict | None = None) -> Bindings:
    """Bind every top-level simple assignment ``name = expr`` in order; any
    other way of binding a name makes it unknown from that point on.
    ``known`` gives the value of statements (by index) that this evaluator
    cannot compute but the reader did (``os.environ.get(...)``)."""
    known = known or {}
    facts = facts if facts is not None else Facts(module)
    b = Bindings()
    for index, stmt in enumerate(module.body):
        simple = simple_assignment(stmt)
        if simple is not None:
            name, value_node = simple
            try:
                value = known[index] if index in known else evaluate(value_node, b.env(index), module)
            except Unknown:
                value = _UNKNOWN
            except RecursionError:
                value = _UNKNOWN
            for other in facts.bound(stmt) - {name}:
                b.bind(other, index, _UNKNOWN)  # e.g. x = y.pop('k') mutates y
            b.bind(name, index, value)
            continue
        for name in facts.bound(stmt):
            b.bind(name, index, _UNKNOWN)
    return b


def simple_assignment(stmt: "source_mod.Statement") -> tuple[str, ast.expr] | None:
    """``(name, value)`` when ``stmt`` is a line ``name = value`` (one target)."""
    if len(stmt.nodes) != 1:
        return None
    small = stmt.nodes[0]
    if type(small) is ast.Assign and len(small.targets) == 1 and type(small.targets[0]) is ast.Name:
        return small.targets[0].id, small.value
    if type(small) is ast.AnnAssign and type(small.target) is ast.Name and small.value is not None:
        return small.target.id, small.value
    return None


_MUTATORS = {"update", "append", "extend", "pop", "insert", "setdefault", "clear", "remove", "popitem", "add",
             "discard", "sort", "reverse", "__setitem__", "__delitem__"}


# ---------------------------------------------------------------------------
# fast name and comment facts
#
# The questions the emitter asks many times ("which names does this
# statement bind / read", "which comments does it hold") are answered once
# per statement or expression, from ``ast`` and the module's tokens.


_NO_BINDING = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_SKIP = (ast.expr_context, ast.Constant)


def _ast_facts(tree: ast.AST) -> tuple[set[str], set[str]]:
    """(names ``tree`` binds or mutates at module level, names it reads),
    in one walk: a conservative over-approximation of the first, every
    ``Name`` for the second."""
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


class Facts:
    """Names bound and read, and comments held, by the top-level statements
    of one module and by expressions (``ast`` nodes) in it, computed once."""

    def __init__(self, module: "source_mod.Module"):
        self.module = module
        self._cache: dict[int, tuple[Any, set[str], set[str]]] = {}
        self._comments: dict[int, tuple[Any, list[str]]] = {}

    def _facts(self, node) -> tuple[set[str], set[str]]:
        hit = self._cache.get(id(node))
        if hit is not None and hit[0] is node:
            return hit[1], hit[2]
        if isinstance(node, source_mod.Statement):
            if node.nodes:
                bound, refs = set(), set()
                for s in node.nodes:
                    b, r = _ast_facts(s)
                    bound |= b
                    refs |= r
            else:  # (a statement written, not remembered: parse it)
                bound, refs = _ast_facts(ast.parse(node.code))
        else:
            bound, refs = _ast_facts(node)
        self._cache[id(node)] = (node, bound, refs)
        return bound, refs

    def remember(self, stmt: "source_mod.Statement", code: str, tree: ast.AST) -> None:
        """Facts of a statement written from ``code`` (``tree``: it parsed)."""
        self._cache[id(stmt)] = (stmt, *_ast_facts(tree))

    def bound(self, node) -> set[str]:
        return self._facts(node)[0]

    def referenced(self, node) -> set[str]:
        return self._facts(node)[1]

    def comments(self, stmt: "source_mod.Statement") -> list[str]:
        """Comments on the statement's own lines (its trailing comment
        included, its leading comment lines not)."""
        hit = self._comments.get(id(stmt))
        if hit is not None and hit[0] is stmt:
            return list(hit[1])
        m = self.module
        if stmt.offset >= 0 and stmt.nodes and m.source.startswith(stmt.trailing, stmt.offset + len(stmt.code)):
            # a statement of the module (its own trailing part): the comments on its lines
            last = stmt.nodes[-1].end_lineno
            end = m._line_starts[last] if last < len(m._line_starts) else len(m.source)
            found = m.comments_in(stmt.offset, end)
        else:
            text = stmt.code + stmt.trailing
            found = (_code_comments(text) or []) if "#" in text else []
        self._comments[id(stmt)] = (stmt, found)
        return list(found)
