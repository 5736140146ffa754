"""Read a Python config file without running it.

MMEngine's ``Config.fromfile`` learns a config by *executing* it.  Real
configs are data: literals, names, containers, arithmetic, comprehensions,
f-strings, ``dict(...)``, string and container methods, sometimes ``import
os`` for ``os.path.join`` or an environment read, sometimes a top-level
``if``/``for``.  This module evaluates exactly that subset from the syntax
tree (``ast``) with an interpreter of its own; nothing of the file is ever
compiled or executed.  Anything outside the subset is found by a check of the
whole file *before* evaluation starts and refused with :class:`NotStatic`,
which names the line and the construct.

The result is what ``Config.fromfile(path, lazy_import=False).to_dict()``
gives (MMEngine 0.10): the text substitutions (``{{ fileDirname }}`` and the
other predefined variables, ``{{$VAR:default}}``, ``{{ _base_.x }}``), the
``_base_`` files (str or list, relative paths, duplicate keys among bases
refused), what the module namespace keeps (no dunder names, no modules, no
functions), ``_delete_`` and the merge -- for which MMEngine's own
``Config._merge_a_into_b``, ``Config._substitute_base_vars`` and
``ConfigDict`` are used, not a re-implementation.  ``tests/reader`` checks the
equality key by key and type by type against MMEngine on every fixture and on
generated configs.

Values that depend on the machine (environment variables, the working
directory, the home folder, whether a path exists) are read through a
:class:`Machine`; each such read is recorded, so callers can keep the source
expression and tell the user.  Reading the same file with
:meth:`Machine.probe` (a different, consistent machine) shows which values
depend on those reads.
"""

from __future__ import annotations

import ast
import copy
import math
import operator
import os
import posixpath
import re
import string
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .errors import ConfigError
from .model import ATOMS

BASE_KEY = "_base_"
DELETE_KEY = "_delete_"
DEPRECATION_KEY = "_deprecation_"
RESERVED_KEYS = ("filename", "text", "pretty_text", "env_variables")

#: at most this many evaluation steps per file (loop iterations,
#: comprehension items, statements); a config that needs more is refused
STEP_LIMIT = 1_000_000
#: at most this many elements / characters in one value built by the config
SIZE_LIMIT = 10_000_000


class NotStatic(ConfigError):
    """The file uses a construct outside what is read statically.  ``line``
    is the 1-based line, ``what`` names the construct."""

    def __init__(self, line: int | None, what: str, path: str | None = None):
        self.line, self.what, self.path = line, what, path
        super().__init__(self._text())

    def _text(self) -> str:
        where = f"{self.line}: " if self.line else ""
        return (f"{where}{self.what}; not read statically -- rerun with --allow-exec "
                "to execute it in the sandbox")

    def in_file(self, path: str) -> "NotStatic":
        """The same refusal, for ``path`` (a ``_base_`` file of the one being read)."""
        if self.path is None:
            self.path = path
        return self


class ConfigRaised(ConfigError):
    """Evaluating the config raised (as it would under MMEngine)."""


# ---------------------------------------------------------------------------
# the machine a config may look at


@dataclass
class MachineRead:
    """One look at the machine: ``what`` (``os.environ.get('DATA_ROOT')``),
    the line, and the top-level name the statement binds (if any)."""

    file: str
    line: int
    what: str
    name: str | None


class Machine:
    """The environment, working directory and file system a config may read.

    :meth:`real` answers from this process; :meth:`probe` answers
    differently but consistently (every variable set to another value,
    another working directory and home, existence flipped), so a value that
    differs between the two readings depends on the machine.
    """

    def __init__(self, environ: dict[str, str], cwd: str, probe: bool = False):
        self._environ = dict(environ)
        self._cwd = cwd
        self.is_probe = probe

    @classmethod
    def real(cls) -> "Machine":
        return cls(dict(os.environ), os.getcwd())

    @classmethod
    def probe(cls) -> "Machine":
        return cls(dict(os.environ), os.getcwd() + "/mmgen-migrate-probe", probe=True)

    def getenv(self, name: str, default: Any = None) -> Any:
        value = self._environ.get(name)
        if not self.is_probe:
            return default if value is None else value
        return _perturb(value if value is not None else default, name)

    def has_env(self, name: str) -> bool:
        # the probe machine has every variable set (to another value)
        return True if self.is_probe else name in self._environ

    def env_keys(self) -> list[str]:
        return sorted(self._environ)

    def cwd(self) -> str:
        return self._cwd

    def home(self) -> str:
        home = self._environ.get("HOME") or os.path.expanduser("~")
        return home + "/mmgen-migrate-probe" if self.is_probe else home

    def exists(self, kind: str, path: str) -> bool:
        real = {"exists": os.path.exists, "isfile": os.path.isfile, "isdir": os.path.isdir,
                "islink": os.path.islink}[kind](self.abspath(path))
        return not real if self.is_probe else real

    def abspath(self, path: str) -> str:
        return posixpath.normpath(posixpath.join(self._cwd, path))

    def expanduser(self, path: str) -> str:
        if not path.startswith("~"):
            return path
        i = path.find("/", 1)
        if i < 0:
            i = len(path)
        if i != 1:  # ~user: ask the system, as os.path does
            return os.path.expanduser(path) if not self.is_probe else self.home() + path[i:]
        return self.home() + path[i:]


def _perturb(value: Any, name: str) -> Any:
    """Another value of the same shape (the probe machine's answer)."""
    if value is None:
        return f"mmgen-migrate-probe-{name}"
    if isinstance(value, str):
        if value.strip().lstrip("-").isdigit():
            return str(int(value) + 1)
        try:
            float(value)
            return repr(float(value) + 0.5)
        except ValueError:
            pass
        return value + "-mmgen-migrate-probe"
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 0.5
    return value


# ---------------------------------------------------------------------------
# values the interpreter knows besides plain data


class _Module:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"<module {self.name}>"


class _Function:
    """A callable the config may use: a builtin, ``os.path.join``, a bound
    method of a value.  ``machine`` marks a call that reads the machine."""

    def __init__(self, name: str, fn: Callable, *, machine: bool = False, is_type: bool = False):
        self.name, self.fn, self.machine, self.is_type = name, fn, machine, is_type
        # what MMEngine drops when a top-level name holds it: Python-level
        # functions (os.path.*, os.getenv, copy.*), not builtins or methods
        self.dropped = name.startswith(("os.path.", "copy.")) or name == "os.getenv"

    def __repr__(self) -> str:
        return f"<function {self.name}>"


class _Environ:
    """``os.environ``: reads go through the :class:`Machine`."""

    def __repr__(self) -> str:
        return "environ(...)"


_ENVIRON = _Environ()

_PLAIN = (dict, list, tuple, str, int, float, bool, type(None), range)


def _describe(value: Any) -> str:
    if isinstance(value, _Module):
        return "module object"
    if isinstance(value, _Function):
        return f"function ({value.name})"
    if value is _ENVIRON:
        return "os._Environ object (os.environ)"
    if isinstance(value, _Generator):
        return "generator object"
    return f"{type(value).__module__}.{type(value).__name__} object"


def check_plain(cfg: dict) -> None:
    """Config values must be plain data (what a config file can write back):
    dict, list, tuple, str, int, float, bool, None, and range (MMCV's dumps
    write ``gpu_ids = range(0, 1)``)."""

    def walk(value: Any, path: str) -> None:
        if isinstance(value, _Generator):
            pass
        elif isinstance(value, (str, int, float, bool, type(None), range)):
            return
        elif isinstance(value, dict):
            for k, v in value.items():
                if not isinstance(k, (str, int)):
                    raise ConfigError(f"`{path}` has a key of type {type(k).__name__}, which a config cannot hold")
                walk(v, f"{path}.{k}" if path else str(k))
            return
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]")
            return
        raise ConfigError(f"`{path}` is a {_describe(value)}, not a plain config value "
                          "(dict, list, tuple, str, number, bool, None)")

    walk(cfg, "")


def _check_size(value: Any) -> Any:
    if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)) and len(value) > SIZE_LIMIT:
        raise NotStatic(None, f"builds a value of {len(value):,} items")
    return value


def _check_mul(a: Any, b: Any) -> None:
    for seq, n in ((a, b), (b, a)):
        if isinstance(seq, (str, bytes, list, tuple)) and isinstance(n, int) and not isinstance(n, bool):
            if len(seq) * max(n, 0) > SIZE_LIMIT:
                raise NotStatic(None, f"builds a value of {len(seq) * n:,} items")


def _safe_mul(a: Any, b: Any) -> Any:
    _check_mul(a, b)
    return a * b


def _safe_pow(a: Any, b: Any, mod: Any = None) -> Any:
    if isinstance(a, int) and isinstance(b, int) and b > 0 and mod is None:
        if abs(a) > 1 and abs(a).bit_length() * b > 64_000:
            raise NotStatic(None, "computes a number too large to read statically")
    return pow(a, b) if mod is None else pow(a, b, mod)


def _safe_lshift(a: Any, b: Any) -> Any:
    if isinstance(b, int) and b > 64_000:
        raise NotStatic(None, "computes a number too large to read statically")
    return a << b


_FORMAT_WIDTH = re.compile(r"(\d{6,})")


def _check_format_spec(spec: str) -> None:
    if _FORMAT_WIDTH.search(spec or ""):
        raise NotStatic(None, f"formats with width {spec!r}")


def _safe_mod(a: Any, b: Any) -> Any:
    if isinstance(a, str):
        _check_format_spec(a)
    return a % b


_BINOPS: dict[type, Callable] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: _safe_mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: _safe_mod, ast.Pow: _safe_pow, ast.LShift: _safe_lshift,
    ast.RShift: operator.rshift, ast.BitOr: operator.or_, ast.BitXor: operator.xor, ast.BitAnd: operator.and_,
}
_INPLACE: dict[type, Callable] = {
    ast.Add: operator.iadd, ast.Sub: operator.isub, ast.Mult: lambda a, b: (_check_mul(a, b), operator.imul(a, b))[1],
    ast.Div: operator.itruediv, ast.FloorDiv: operator.ifloordiv, ast.Mod: _safe_mod, ast.Pow: _safe_pow,
    ast.LShift: _safe_lshift, ast.RShift: operator.irshift, ast.BitOr: operator.ior, ast.BitXor: operator.ixor,
    ast.BitAnd: operator.iand,
}
_UNARY: dict[type, Callable] = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_,
                                ast.Invert: operator.invert}
_COMPARE: dict[type, Callable] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}


def _sized(fn: Callable) -> Callable:
    def wrapper(*args, **kwargs):
        for a in args:
            if isinstance(a, range) and len(a) > SIZE_LIMIT:
                raise NotStatic(None, f"iterates over {len(a):,} items")
        return _check_size(fn(*args, **kwargs))

    return wrapper


def _isinstance(value: Any, types: Any) -> bool:
    def real(t):
        if isinstance(t, _Function) and t.is_type:
            return t.fn
        if isinstance(t, tuple):
            return tuple(real(x) for x in t)
        raise NotStatic(None, "calls isinstance() with something that is not a builtin type")

    return isinstance(value, real(types))


def _print(*args, **kwargs) -> None:  # output of a config goes nowhere, as in the worker
    return None


def _builtin_types() -> dict[str, _Function]:
    types = {"dict": dict, "list": list, "tuple": tuple, "set": set, "frozenset": frozenset, "int": int,
             "float": float, "str": str, "bool": bool, "range": range}
    return {n: _Function(n, _sized(t), is_type=True) for n, t in types.items()}


_BUILTINS: dict[str, _Function] = {
    **_builtin_types(),
    **{n: _Function(n, _sized(f)) for n, f in {
        "len": len, "min": min, "max": max, "abs": abs, "round": round, "sum": sum, "sorted": sorted,
        "any": any, "all": all, "divmod": divmod, "pow": _safe_pow, "repr": repr, "chr": chr, "ord": ord,
        "hex": hex, "oct": oct, "bin": bin,
    }.items()},
    "reversed": _Function("reversed", lambda x: list(reversed(x))),
    "enumerate": _Function("enumerate", _sized(lambda x, start=0: list(enumerate(x, start)))),
    "zip": _Function("zip", _sized(lambda *xs, **kw: list(zip(*xs, **kw)))),
    "isinstance": _Function("isinstance", _isinstance),
    "print": _Function("print", _print),
}
_CONSTANTS = {"True": True, "False": False, "None": None, "Ellipsis": ...}

# methods of plain values a config may call (all pure, or mutating only the value itself)
_STR_METHODS = {
    "capitalize", "casefold", "center", "count", "endswith", "expandtabs", "find", "format", "index",
    "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric",
    "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "partition", "removeprefix",
    "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split",
    "splitlines", "startswith", "strip", "swapcase", "title", "upper", "zfill",
}
_LIST_METHODS = {"append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove", "reverse", "sort"}
_TUPLE_METHODS = {"count", "index"}
_DICT_METHODS = {"clear", "copy", "get", "items", "keys", "pop", "popitem", "setdefault", "update", "values"}
_SET_METHODS = {"add", "clear", "copy", "difference", "difference_update", "discard", "intersection",
                "intersection_update", "isdisjoint", "issubset", "issuperset", "pop", "remove",
                "symmetric_difference", "symmetric_difference_update", "union", "update"}
_NUMBER_METHODS = {"is_integer", "bit_length", "conjugate", "as_integer_ratio"}
_ALL_METHODS = _STR_METHODS | _LIST_METHODS | _TUPLE_METHODS | _DICT_METHODS | _SET_METHODS | _NUMBER_METHODS
_WIDTH_METHODS = {"center", "ljust", "rjust", "zfill", "expandtabs"}
_REAL_METHODS = {m for t in (str, list, tuple, dict, set, frozenset, int, float, bytes) for m in dir(t)
                 if not m.startswith("_")}

# modules a config may import, and what of them it may use
_OS_PATH_PURE = {"join", "dirname", "basename", "splitext", "split", "normpath", "isabs", "commonprefix",
                 "commonpath"}
_MODULE_ATTRS: dict[str, set[str]] = {
    "os": {"path", "environ", "getenv", "getcwd", "sep", "pathsep", "extsep", "curdir", "pardir", "linesep"},
    "os.path": _OS_PATH_PURE | {"abspath", "expanduser", "exists", "isfile", "isdir", "islink", "realpath",
                                "relpath", "sep"},
    "copy": {"copy", "deepcopy"},
    "math": {"pi", "e", "inf", "nan", "tau", "sqrt", "log", "log2", "log10", "exp", "ceil", "floor", "pow",
             "isclose", "isfinite", "isinf", "isnan", "gcd", "prod", "cos", "sin", "tan", "fabs", "trunc"},
}
_MODULES = {"os": "os", "os.path": "os.path", "posixpath": "os.path", "copy": "copy", "math": "math"}


# ---------------------------------------------------------------------------
# the check that runs before anything is evaluated

_ALLOWED_STMTS = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.If, ast.For, ast.While, ast.Delete,
                  ast.Pass, ast.Break, ast.Continue, ast.Import, ast.ImportFrom)
_ALLOWED_EXPRS = (
    ast.Constant, ast.Name, ast.Load, ast.Store, ast.Del, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.BinOp,
    ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Call, ast.keyword, ast.Attribute, ast.Subscript,
    ast.Slice, ast.Starred, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.comprehension,
    ast.JoinedStr, ast.FormattedValue, ast.alias, ast.operator, ast.unaryop, ast.boolop, ast.cmpop,
    ast.expr_context,
)
_CONSTRUCT_NAMES = {
    ast.FunctionDef: "defines a function", ast.AsyncFunctionDef: "defines a function",
    ast.ClassDef: "defines a class", ast.Lambda: "uses a lambda", ast.With: "uses a `with` block",
    ast.AsyncWith: "uses a `with` block", ast.Try: "uses try/except", ast.Raise: "raises an exception",
    ast.Assert: "uses assert", ast.Global: "uses global", ast.Nonlocal: "uses nonlocal",
    ast.NamedExpr: "uses an assignment expression (:=)", ast.Await: "uses await", ast.Yield: "uses yield",
    ast.YieldFrom: "uses yield", ast.Match: "uses match", ast.AsyncFor: "uses async for",
}


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def walk_nodes(tree: ast.AST) -> list[ast.AST]:
    """``list(ast.walk(tree))``, the same nodes in the same (breadth-first)
    order, about twice as fast (no generator per node)."""
    out = [tree]
    i = 0
    AST = ast.AST
    while i < len(out):
        node = out[i]
        i += 1
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, AST):
                out.append(value)
            elif isinstance(value, list):
                out.extend(item for item in value if isinstance(item, AST))
    return out


def check_static(tree: ast.Module) -> list[ast.AST]:
    """Raise :class:`NotStatic` for the first construct (in source order)
    outside the subset.  Nothing is evaluated.  Returns the nodes of the
    tree in ``ast.walk`` order (one walk serves every later check)."""
    aliases: dict[str, str] = {}  # name -> module ('os', 'os.path', ...) or 'x.y' for a from-import
    nodes = walk_nodes(tree)
    stored = {n.id for n in nodes if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    refused_imports: dict[str, tuple[int, str]] = {}
    problems: list[tuple[int, int, str]] = []

    def refuse(node: ast.AST, what: str) -> None:
        problems.append((getattr(node, "lineno", 0), getattr(node, "col_offset", 0), what))

    for node in nodes:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if isinstance(node, ast.ImportFrom) and (node.level or not node.module):
                refuse(node, "uses a relative import")
                continue
            if isinstance(node, ast.Import):
                for a in node.names:
                    mod = _MODULES.get(a.name)
                    bound = a.asname or a.name.split(".")[0]
                    if mod is None:
                        refused_imports[bound] = (node.lineno, a.name)
                        refuse(node, f"imports `{a.name}`")
                    else:
                        aliases[bound] = mod if a.asname else _MODULES[a.name.split(".")[0]]
            else:
                mod = _MODULES.get(node.module)
                for a in node.names:
                    bound = a.asname or a.name
                    full = f"{node.module}.{a.name}"
                    if a.name == "*":
                        refuse(node, f"uses `from {node.module} import *`")
                    elif mod is None:
                        refused_imports[bound] = (node.lineno, full)
                        refuse(node, f"imports `{full}`")
                    elif f"{mod}.{a.name}" in _MODULES and _MODULES[f"{mod}.{a.name}"] is not None:
                        aliases[bound] = _MODULES[f"{mod}.{a.name}"]
                    elif a.name in _MODULE_ATTRS[mod] and a.name != "environ":
                        aliases[bound] = f"{mod}.{a.name}"
                    else:
                        refuse(node, f"imports `{full}`")
            continue
        if isinstance(node, ast.stmt) and not isinstance(node, _ALLOWED_STMTS):
            refuse(node, _CONSTRUCT_NAMES.get(type(node), f"uses a `{type(node).__name__}` statement"))
        elif isinstance(node, ast.expr) and not isinstance(node, _ALLOWED_EXPRS):
            refuse(node, _CONSTRUCT_NAMES.get(type(node), f"uses a `{type(node).__name__}` expression"))
        elif isinstance(node, ast.Name):
            name = node.id
            if name.startswith("__") and name.endswith("__"):
                refuse(node, f"uses `{name}`")
            elif isinstance(node.ctx, ast.Load) and name not in _BUILTINS and name not in _CONSTANTS \
                    and name in _builtin_names() and name not in stored:
                refuse(node, f"uses `{name}`")
        elif isinstance(node, ast.Attribute):
            if node.attr.startswith("__"):
                refuse(node, f"uses `.{node.attr}`")
        elif isinstance(node, ast.Constant) and isinstance(node.value, bytes):
            pass
    # module attributes: checked once the aliases are known (an import may follow its first use)
    for node in nodes:
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name and name.split(".")[0] in refused_imports:
                refuse(node, f"calls {name}()")
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            name = _dotted(node)
            root = name.split(".")[0] if name else None
            if root in aliases and root not in stored:
                _check_module_attr(aliases[root], name.split(".")[1:], node, refuse)
            elif node.attr in _REAL_METHODS and node.attr not in _ALL_METHODS:
                # a real method of str/list/dict/... that is not pure enough
                refuse(node, f"calls `.{node.attr}()`")
            # any other `x.attr` is a key of a `_base_` ConfigDict or fails
            # as it would in MMEngine (checked when evaluated)
    if problems:
        # a refused import is best named by its first use (`calls subprocess.run()`)
        uses = {}
        for line, col, what in sorted(problems):
            if what.startswith("calls ") and what.endswith("()"):
                uses.setdefault(what[len("calls "):-2].split(".")[0], (line, col, what))
        named = []
        for line, col, what in problems:
            root = next((b for b, (ln, full) in refused_imports.items()
                         if ln == line and what == f"imports `{full}`"), None)
            if root:
                named.append(uses.get(root, (line, col, what)))
        line, col, what = min(named or problems)
        raise NotStatic(line or None, what)
    return nodes


def _check_module_attr(mod: str, rest: list[str], node: ast.AST, refuse) -> None:
    cur = mod
    for attr in rest:
        if cur == "os.environ":  # os.environ.get / keys / ...
            if attr not in {"get", "keys", "values", "items", "copy"}:
                refuse(node, f"uses `os.environ.{attr}`")
            return
        allowed = _MODULE_ATTRS.get(cur)
        if allowed is None:
            return  # a function or constant: its attributes are refused when evaluated
        if attr not in allowed:
            refuse(node, f"uses `{cur}.{attr}`")
            return
        cur = "os.path" if (cur, attr) == ("os", "path") else f"{cur}.{attr}"


_BUILTIN_NAMES: set[str] | None = None


def _builtin_names() -> set[str]:
    global _BUILTIN_NAMES
    if _BUILTIN_NAMES is None:
        import builtins

        _BUILTIN_NAMES = set(dir(builtins))
    return _BUILTIN_NAMES


# ---------------------------------------------------------------------------
# the interpreter


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _Interpreter:
    def __init__(self, namespace: dict, machine: Machine, file: str, reads: list[MachineRead]):
        self.ns = namespace
        self.machine = machine
        self.file = file
        self.reads = reads
        self.steps = 0
        self.scopes: list[dict] = []  # comprehension scopes, innermost last
        self.stmt_name: str | None = None
        self.line = 0

    # -- helpers --------------------------------------------------------------
    def step(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > STEP_LIMIT:
            raise NotStatic(self.line, f"takes more than {STEP_LIMIT:,} evaluation steps")

    def read_machine(self, what: str) -> None:
        self.reads.append(MachineRead(self.file, self.line, what, self.stmt_name))

    def fail(self, exc: BaseException) -> ConfigRaised:
        text = " ".join(str(exc).split())
        name = type(exc).__name__
        return ConfigRaised(f"loading the config raised {name}: {text}" if text else f"loading the config raised {name}")

    # -- statements ---------------------------------------------------------
    def run(self, body: list[ast.stmt], *, top: bool = False) -> None:
        for stmt in body:
            self.line = stmt.lineno
            if top:
                self.stmt_name = _bound_name(stmt)
            self.step()
            self.statement(stmt)

    def statement(self, s: ast.stmt) -> None:
        if isinstance(s, ast.Assign):
            value = self.expr(s.value)
            for target in s.targets:
                self.assign(target, value)
        elif isinstance(s, ast.AnnAssign):
            if s.value is not None:
                self.assign(s.target, self.expr(s.value))
        elif isinstance(s, ast.AugAssign):
            self.augassign(s)
        elif isinstance(s, ast.Expr):
            self.expr(s.value)
        elif isinstance(s, ast.If):
            self.run(s.body if self.truth(self.expr(s.test)) else s.orelse)
        elif isinstance(s, ast.For):
            for item in self.iterate(self.expr(s.iter)):
                self.assign(s.target, item)
                if self.loop_body(s.body):
                    break
            else:
                self.run(s.orelse)
        elif isinstance(s, ast.While):
            while self.truth(self.expr(s.test)):
                if self.loop_body(s.body):
                    break
            else:
                self.run(s.orelse)
        elif isinstance(s, ast.Delete):
            for t in s.targets:
                self.delete(t)
        elif isinstance(s, ast.Pass):
            pass
        elif isinstance(s, ast.Break):
            raise _Break()
        elif isinstance(s, ast.Continue):
            raise _Continue()
        elif isinstance(s, ast.Import):
            for a in s.names:
                if a.asname:
                    self.store_name(a.asname, self.module_value(_MODULES[a.name]))
                else:
                    root = a.name.split(".")[0]
                    self.store_name(root, self.module_value(_MODULES[root]))
        elif isinstance(s, ast.ImportFrom):
            mod = _MODULES[s.module]
            for a in s.names:
                sub = _MODULES.get(f"{mod}.{a.name}")
                value = self.module_value(sub) if sub else self.module_attr(mod, a.name)
                self.store_name(a.asname or a.name, value)
        else:  # pragma: no cover - check_static refused it
            raise NotStatic(s.lineno, f"uses a `{type(s).__name__}` statement")

    def loop_body(self, body: list[ast.stmt]) -> bool:
        """One iteration of a loop; True when it ends with ``break``."""
        self.step()
        try:
            self.run(body)
        except _Break:
            return True
        except _Continue:
            pass
        return False

    def truth(self, value: Any) -> bool:
        try:
            return bool(value)
        except Exception as exc:  # pragma: no cover - plain values
            raise self.fail(exc) from None

    def iterate(self, value: Any) -> list:
        if isinstance(value, range) and len(value) > SIZE_LIMIT:
            raise NotStatic(self.line, f"iterates over {len(value):,} items")
        if isinstance(value, (_Module, _Function)) or value is _ENVIRON:
            if value is _ENVIRON:
                self.read_machine("os.environ")
                return self.machine.env_keys()
            raise self.fail(TypeError(f"'{type(value).__name__}' object is not iterable"))
        try:
            return list(value)
        except Exception as exc:
            raise self.fail(exc) from None

    # -- names and targets ----------------------------------------------------
    def store_name(self, name: str, value: Any) -> None:
        if self.scopes:
            self.scopes[-1][name] = value
        else:
            self.ns[name] = value

    def load_name(self, name: str) -> Any:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        if name in self.ns:
            return self.ns[name]
        if name in _CONSTANTS:
            return _CONSTANTS[name]
        if name in _BUILTINS:
            return _BUILTINS[name]
        raise self.fail(NameError(f"name '{name}' is not defined"))

    def assign(self, target: ast.expr, value: Any) -> None:
        if isinstance(target, ast.Name):
            self.store_name(target.id, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = self.iterate(value)
            stars = [i for i, t in enumerate(target.elts) if isinstance(t, ast.Starred)]
            n = len(target.elts)
            if not stars:
                if len(items) != n:
                    raise self.fail(ValueError(
                        f"{'too many' if len(items) > n else 'not enough'} values to unpack (expected {n}, got {len(items)})"))
                for t, v in zip(target.elts, items):
                    self.assign(t, v)
            else:
                i = stars[0]
                after = n - i - 1
                if len(items) < n - 1:
                    raise self.fail(ValueError(f"not enough values to unpack (expected at least {n - 1}, got {len(items)})"))
                for t, v in zip(target.elts[:i], items[:i]):
                    self.assign(t, v)
                self.assign(target.elts[i].value, list(items[i:len(items) - after]))
                for t, v in zip(target.elts[i + 1:], items[len(items) - after:]):
                    self.assign(t, v)
        elif isinstance(target, ast.Subscript):
            container = self.expr(target.value)
            key = self.subscript_key(target.slice)
            self.guard_container(container, target)
            try:
                container[key] = value
            except Exception as exc:
                raise self.fail(exc) from None
        elif isinstance(target, ast.Attribute):
            setattr(self.attribute_owner(target), target.attr, value)
        elif isinstance(target, ast.Starred):  # pragma: no cover - only inside a tuple target
            raise NotStatic(target.lineno, "uses a starred assignment")
        else:  # pragma: no cover
            raise NotStatic(target.lineno, f"assigns to a `{type(target).__name__}`")

    def attribute_owner(self, target: ast.Attribute) -> Any:
        """The object ``x`` of an assignment to ``x.attr``: only a ConfigDict
        (a `_base_` value) takes one, as in MMEngine."""
        obj = self.expr(target.value)
        if not _is_config_dict(obj):
            raise self.fail(AttributeError(f"'{type(obj).__name__}' object has no attribute '{target.attr}'"))
        return obj

    def guard_container(self, container: Any, node: ast.AST) -> None:
        if container is _ENVIRON:
            raise NotStatic(node.lineno, "changes os.environ")
        if isinstance(container, (_Module, _Function)):
            raise NotStatic(node.lineno, "changes a module")

    def augassign(self, s: ast.AugAssign) -> None:
        op = _INPLACE[type(s.op)]
        t = s.target
        if isinstance(t, ast.Name):
            current = self.load_name(t.id)
            self.store_name(t.id, self.apply(op, current, self.expr(s.value)))
        elif isinstance(t, ast.Subscript):
            container = self.expr(t.value)
            self.guard_container(container, t)
            key = self.subscript_key(t.slice)
            try:
                current = container[key]
            except Exception as exc:
                raise self.fail(exc) from None
            new = self.apply(op, current, self.expr(s.value))
            try:
                container[key] = new
            except Exception as exc:
                raise self.fail(exc) from None
        elif isinstance(t, ast.Attribute):
            obj = self.attribute_owner(t)
            setattr(obj, t.attr, self.apply(op, self.attribute(obj, t.attr, t), self.expr(s.value)))
        else:  # pragma: no cover
            raise NotStatic(s.lineno, "uses an augmented assignment to this target")

    def delete(self, t: ast.expr) -> None:
        if isinstance(t, ast.Name):
            for scope in reversed(self.scopes):
                if t.id in scope:
                    del scope[t.id]
                    return
            if t.id not in self.ns:
                raise self.fail(NameError(f"name '{t.id}' is not defined"))
            del self.ns[t.id]
        elif isinstance(t, ast.Subscript):
            container = self.expr(t.value)
            self.guard_container(container, t)
            try:
                del container[self.subscript_key(t.slice)]
            except Exception as exc:
                raise self.fail(exc) from None
        elif isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts:
                self.delete(e)
        else:
            raise NotStatic(t.lineno, "deletes an attribute")

    # -- expressions ----------------------------------------------------------
    def apply(self, fn: Callable, *args: Any) -> Any:
        for a in args:
            if isinstance(a, (_Module, _Function)) or a is _ENVIRON:
                raise NotStatic(self.line, f"computes with {a!r}")
        try:
            return _check_size(fn(*args))
        except NotStatic as exc:
            exc.line = exc.line or self.line
            exc.args = (exc._text(),)
            raise
        except RecursionError:
            raise
        except Exception as exc:
            raise self.fail(exc) from None

    def expr(self, e: ast.expr) -> Any:
        t = type(e)
        if t is ast.Constant:
            return e.value
        if t is ast.Name:
            return self.load_name(e.id)
        if t is ast.Dict:
            out = {}
            for k, v in zip(e.keys, e.values):
                if k is None:
                    out.update(self.mapping(self.expr(v)))
                else:
                    key = self.expr(k)
                    self.hashable(key)
                    out[key] = self.expr(v)
            return _check_size(out)
        if t is ast.List:
            return _check_size(self.elements(e.elts))
        if t is ast.Tuple:
            return tuple(self.elements(e.elts))
        if t is ast.Set:
            items = self.elements(e.elts)
            for i in items:
                self.hashable(i)
            return set(items)
        if t is ast.BinOp:
            return self.apply(_BINOPS[type(e.op)], self.expr(e.left), self.expr(e.right))
        if t is ast.UnaryOp:
            return self.apply(_UNARY[type(e.op)], self.expr(e.operand))
        if t is ast.BoolOp:
            is_and = isinstance(e.op, ast.And)
            value = None
            for v in e.values:
                value = self.expr(v)
                if self.truth(value) != is_and:
                    return value
            return value
        if t is ast.Compare:
            left = self.expr(e.left)
            for op, comp in zip(e.ops, e.comparators):
                right = self.expr(comp)
                if right is _ENVIRON and isinstance(op, (ast.In, ast.NotIn)):
                    self.read_machine(f"{left!r} in os.environ")
                    has = self.machine.has_env(left)
                    ok = has if isinstance(op, ast.In) else not has
                else:
                    ok = self.apply(_COMPARE[type(op)], left, right)
                if not self.truth(ok):
                    return ok
                left = right
            return ok
        if t is ast.IfExp:
            return self.expr(e.body) if self.truth(self.expr(e.test)) else self.expr(e.orelse)
        if t is ast.Call:
            return self.call(e)
        if t is ast.Attribute:
            return self.attribute(self.expr(e.value), e.attr, e)
        if t is ast.Subscript:
            container = self.expr(e.value)
            key = self.subscript_key(e.slice)
            if container is _ENVIRON:
                self.read_machine(f"os.environ[{key!r}]")
                value = self.machine.getenv(key) if self.machine.has_env(key) else None
                if value is None:
                    raise self.fail(KeyError(key))
                return value
            if isinstance(container, (_Module, _Function)):
                raise self.fail(TypeError(f"{container!r} is not subscriptable"))
            try:
                return container[key]
            except Exception as exc:
                raise self.fail(exc) from None
        if t in (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp):
            return self.comprehension(e)
        if t is ast.JoinedStr:
            parts = []
            for v in e.values:
                if isinstance(v, ast.Constant):
                    parts.append(v.value)
                else:
                    parts.append(self.formatted(v))
            return _check_size("".join(parts))
        if t is ast.FormattedValue:
            return self.formatted(e)
        if t is ast.Starred:  # pragma: no cover - handled by elements()
            raise NotStatic(e.lineno, "uses a starred expression here")
        if t is ast.Slice:
            return self.subscript_key(e)
        raise NotStatic(getattr(e, "lineno", self.line), _CONSTRUCT_NAMES.get(t, f"uses a `{t.__name__}` expression"))

    def hashable(self, key: Any) -> None:
        try:
            hash(key)
        except TypeError as exc:
            raise self.fail(exc) from None

    def mapping(self, value: Any) -> dict:
        if isinstance(value, dict):
            return value
        if value is _ENVIRON:
            raise NotStatic(self.line, "unpacks os.environ")
        raise self.fail(TypeError(f"'{type(value).__name__}' object is not a mapping"))

    def elements(self, elts: list[ast.expr]) -> list:
        items: list = []
        for el in elts:
            if isinstance(el, ast.Starred):
                items.extend(self.iterate(self.expr(el.value)))
            else:
                items.append(self.expr(el))
        return items

    def subscript_key(self, s: ast.expr) -> Any:
        if isinstance(s, ast.Slice):
            return slice(*(self.expr(x) if x is not None else None for x in (s.lower, s.upper, s.step)))
        return self.expr(s)

    def formatted(self, v: ast.FormattedValue) -> str:
        value = self.expr(v.value)
        if isinstance(value, (_Module, _Function)) or value is _ENVIRON:
            raise NotStatic(self.line, f"formats {value!r}")
        if v.conversion == ord("r"):
            value = repr(value)
        elif v.conversion == ord("s"):
            value = str(value)
        elif v.conversion == ord("a"):
            value = ascii(value)
        spec = self.expr(v.format_spec) if v.format_spec is not None else ""
        _check_format_spec(spec)
        try:
            return format(value, spec)
        except Exception as exc:
            raise self.fail(exc) from None

    def comprehension(self, e: ast.expr) -> Any:
        scope: dict = {}
        out_list: list = []
        out_dict: dict = {}
        gens = e.generators

        def loop(i: int) -> None:
            if i == len(gens):
                self.step()
                if isinstance(e, ast.DictComp):
                    key = self.expr(e.key)
                    self.hashable(key)
                    out_dict[key] = self.expr(e.value)
                else:
                    out_list.append(self.expr(e.elt))
                if len(out_list) + len(out_dict) > SIZE_LIMIT:
                    raise NotStatic(self.line, "builds a value of too many items")
                return
            g = gens[i]
            if g.is_async:
                raise NotStatic(self.line, "uses an async comprehension")
            # the first iterable is evaluated in the enclosing scope (as Python does)
            if i == 0:
                self.scopes.pop()
                try:
                    iterable = self.iterate(self.expr(g.iter))
                finally:
                    self.scopes.append(scope)
            else:
                iterable = self.iterate(self.expr(g.iter))
            for item in iterable:
                self.step()
                self.assign(g.target, item)
                if all(self.truth(self.expr(c)) for c in g.ifs):
                    loop(i + 1)

        self.scopes.append(scope)
        try:
            loop(0)
        finally:
            self.scopes.pop()
        if isinstance(e, ast.DictComp):
            return out_dict
        if isinstance(e, ast.SetComp):
            for x in out_list:
                self.hashable(x)
            return set(out_list)
        if isinstance(e, ast.GeneratorExp):
            return _Generator(out_list)
        return out_list

    # -- attributes and calls -------------------------------------------------
    def module_value(self, mod: str) -> _Module:
        return _Module(mod)

    def module_attr(self, mod: str, attr: str) -> Any:
        m = self.machine
        if mod == "os":
            if attr == "path":
                return _Module("os.path")
            if attr == "environ":
                return _ENVIRON
            if attr == "getenv":
                return _Function("os.getenv", self._getenv, machine=True)
            if attr == "getcwd":
                return _Function("os.getcwd", lambda: self._machine_call("os.getcwd()", m.cwd), machine=True)
            if attr in {"sep", "pathsep", "extsep", "curdir", "pardir", "linesep"}:
                return getattr(os, attr)
        if mod == "os.path":
            if attr == "sep":
                return posixpath.sep
            if attr in _OS_PATH_PURE:
                return _Function(f"os.path.{attr}", _sized(getattr(posixpath, attr)))
            if attr in {"abspath", "realpath"}:
                return _Function(f"os.path.{attr}", lambda p: self._machine_call(
                    f"os.path.{attr}({p!r})", lambda: m.abspath(_fspath(p))), machine=True)
            if attr == "relpath":
                return _Function("os.path.relpath", lambda p, start=None: self._machine_call(
                    f"os.path.relpath({p!r})", lambda: posixpath.relpath(m.abspath(_fspath(p)),
                                                                        m.abspath(start) if start else m.cwd())),
                    machine=True)
            if attr == "expanduser":
                return _Function("os.path.expanduser", lambda p: self._machine_call(
                    f"os.path.expanduser({p!r})", lambda: m.expanduser(_fspath(p)))
                    if _fspath(p).startswith("~") else p, machine=True)
            if attr in {"exists", "isfile", "isdir", "islink"}:
                return _Function(f"os.path.{attr}", lambda p: self._machine_call(
                    f"os.path.{attr}({p!r})", lambda: m.exists(attr, _fspath(p))), machine=True)
        if mod == "copy" and attr in {"copy", "deepcopy"}:
            return _Function(f"copy.{attr}", getattr(copy, attr))
        if mod == "math" and attr in _MODULE_ATTRS["math"]:
            value = getattr(math, attr)
            return _Function(f"math.{attr}", _sized(value)) if callable(value) else value
        raise NotStatic(self.line, f"uses `{mod}.{attr}`")

    def _machine_call(self, what: str, fn: Callable) -> Any:
        self.read_machine(what)
        return fn()

    def _getenv(self, key: Any, default: Any = None) -> Any:
        self.read_machine(f"os.getenv({key!r})")
        if not isinstance(key, str):
            raise self.fail(TypeError(f"str expected, not {type(key).__name__}"))
        return self.machine.getenv(key, default)

    def attribute(self, obj: Any, attr: str, node: ast.AST) -> Any:
        if isinstance(obj, _Module):
            return self.module_attr(obj.name, attr)
        if obj is _ENVIRON:
            if attr == "get":
                def get(key, default=None):
                    self.read_machine(f"os.environ.get({key!r})")
                    return self.machine.getenv(key, default)

                return _Function("os.environ.get", get, machine=True)
            if attr in {"keys", "values", "items", "copy"}:
                raise NotStatic(self.line, f"reads all of os.environ (os.environ.{attr}())")
            raise NotStatic(self.line, f"uses `os.environ.{attr}`")
        if isinstance(obj, _Function):
            raise NotStatic(self.line, f"uses `{obj.name}.{attr}`")
        if _is_config_dict(obj) and attr not in _DICT_METHODS:
            try:
                return getattr(obj, attr)
            except AttributeError as exc:
                raise self.fail(exc) from None
        allowed = (_STR_METHODS if isinstance(obj, str) else _LIST_METHODS if isinstance(obj, list)
                   else _TUPLE_METHODS if isinstance(obj, tuple) else _DICT_METHODS if isinstance(obj, dict)
                   else _SET_METHODS if isinstance(obj, (set, frozenset)) else _NUMBER_METHODS
                   if isinstance(obj, (int, float)) else set())
        if attr not in allowed:
            if attr in _ALL_METHODS or not isinstance(obj, (str, list, tuple, dict, set, frozenset, int, float)):
                raise self.fail(AttributeError(f"'{type(obj).__name__}' object has no attribute '{attr}'"))
            raise NotStatic(self.line, f"uses `.{attr}`")
        method = getattr(obj, attr)
        if attr == "format" and isinstance(obj, str):
            return _Function("str.format", _checked_format(obj))
        if attr in _WIDTH_METHODS and isinstance(obj, str):
            def widened(*args, _m=method):
                if args and isinstance(args[0], int) and args[0] > SIZE_LIMIT:
                    raise NotStatic(None, f"pads a string to {args[0]:,} characters")
                return _m(*args)

            return _Function(f"str.{attr}", widened)
        if attr == "sort":
            def sort(*, reverse=False, _m=method, **kw):
                if kw:
                    raise NotStatic(None, "sorts with a key function")
                return _m(reverse=reverse)

            return _Function("list.sort", sort)
        return _Function(f"{type(obj).__name__}.{attr}", _sized(method))

    def call(self, e: ast.Call) -> Any:
        fn = self.expr(e.func)
        if not isinstance(fn, _Function):
            raise self.fail(TypeError(f"'{type(fn).__name__}' object is not callable"))
        args = self.elements(e.args)
        kwargs: dict = {}
        for kw in e.keywords:
            if kw.arg is None:
                for k, v in self.mapping(self.expr(kw.value)).items():
                    if k in kwargs:
                        raise self.fail(TypeError(f"got multiple values for keyword argument '{k}'"))
                    kwargs[k] = v
            else:
                if kw.arg in kwargs:  # pragma: no cover - a SyntaxError already
                    raise self.fail(TypeError(f"got multiple values for keyword argument '{kw.arg}'"))
                kwargs[kw.arg] = self.expr(kw.value)
        for a in list(args) + list(kwargs.values()):
            if isinstance(a, _Generator):
                continue
            if isinstance(a, (_Module, _Function)) or a is _ENVIRON:
                if fn.name in ("isinstance",) and isinstance(a, (_Function, tuple)):
                    continue
                raise NotStatic(self.line, f"passes {a!r} to {fn.name}()")
        args = [list(a) if isinstance(a, _Generator) else a for a in args]
        if fn.name in {"sorted", "min", "max"} and "key" in kwargs:
            raise NotStatic(self.line, f"calls {fn.name}() with a key function")
        try:
            return fn.fn(*args, **kwargs)
        except (NotStatic, ConfigRaised) as exc:
            if isinstance(exc, NotStatic):
                exc.line = exc.line or self.line
                exc.args = (exc._text(),)
            raise
        except RecursionError:
            raise
        except Exception as exc:
            raise self.fail(exc) from None


class _Generator(list):
    """A generator expression, evaluated eagerly: usable as an argument;
    stored in the config it is not a plain value."""


def _fspath(p: Any) -> str:
    if not isinstance(p, str):
        raise TypeError(f"expected str, not {type(p).__name__}")
    return p


def _checked_format(template: str) -> Callable:
    for _, field_name, spec, _conv in string.Formatter().parse(template):
        if field_name and ("." in field_name or "[" in field_name):
            raise NotStatic(None, f"formats {field_name!r} in str.format()")
        if spec:
            _check_format_spec(spec)
    return template.format


def _is_config_dict(obj: Any) -> bool:
    from mmengine.config import ConfigDict

    return isinstance(obj, ConfigDict)


def _bound_name(stmt: ast.stmt) -> str | None:
    if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    if isinstance(stmt, (ast.AugAssign, ast.AnnAssign)) and isinstance(stmt.target, ast.Name):
        return stmt.target.id
    if isinstance(stmt, (ast.Assign, ast.AugAssign)):
        t = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
        while isinstance(t, (ast.Subscript, ast.Attribute)):
            t = t.value
        if isinstance(t, ast.Name):
            return t.id
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        t = stmt.value.func
        while isinstance(t, (ast.Subscript, ast.Attribute)):
            t = t.value
        if isinstance(t, ast.Name):
            return t.id
    return None


# ---------------------------------------------------------------------------
# text substitutions (what MMEngine does to the file's text before parsing)

_PREDEFINED = ("fileDirname", "fileBasename", "fileBasenameNoExtension", "fileExtname")
_ENV_TEMPLATE = re.compile(r"\{\{['\"]?\s*\$(\w+)\s*\:\s*(\S*?)\s*['\"]?\}\}")
_BASE_TEMPLATE = re.compile(r"\{\{\s*" + BASE_KEY + r"\.([\w\.]+)\s*\}\}")


def _substitute_predefined(text: str, filename: str) -> str:
    basename = os.path.basename(filename)
    values = {
        "fileDirname": os.path.dirname(filename),
        "fileBasename": basename,
        "fileBasenameNoExtension": os.path.splitext(basename)[0],
        "fileExtname": os.path.splitext(filename)[1],
    }
    for key in _PREDEFINED:
        value = values[key].replace("\\", "/")
        text = re.sub(r"\{\{\s*" + key + r"\s*\}\}", lambda _m, v=value: v, text)
    return text


def _substitute_env(text: str, machine: Machine, reads: list[MachineRead], file: str) -> tuple[str, dict]:
    env_variables: dict = {}
    for var, default in _ENV_TEMPLATE.findall(text):
        pattern = r"\{\{['\"]?\s*\$" + var + r"\s*\:\s*" + default + r"\s*['\"]?\}\}"
        line = text[: text.find("$" + var)].count("\n") + 1
        reads.append(MachineRead(file, line, f"{{{{${var}:{default}}}}}", None))
        value = default
        if machine.has_env(var) or machine.is_probe:
            value = machine.getenv(var, default)
            env_variables[var] = value
        if not value:
            raise ConfigRaised(f"`{var}` cannot be found in `os.environ`; set it or give a default value")
        # MMEngine substitutes with re.sub (the value is a replacement template)
        try:
            text = re.sub(pattern, value, text)
        except re.error as exc:
            raise ConfigRaised(f"loading the config raised re.error: {exc}") from None
    return text, env_variables


def _pre_substitute_base(text: str) -> tuple[str, dict]:
    base_vars: dict = {}
    for var in sorted(set(_BASE_TEMPLATE.findall(text))):
        key = f"_{var}_{uuid.uuid4().hex.lower()[:6]}"
        base_vars[key] = var
        text = re.sub(r"\{\{\s*" + BASE_KEY + r"\." + var + r"\s*\}\}", f'"{key}"', text)
    return text, base_vars


# ---------------------------------------------------------------------------
# reading a file

#: configs larger than this are refused (a real config is a few kB; parsing
#: a 50 MB file needs gigabytes of syntax tree): MMGEN_MIGRATE_MAX_CONFIG_MB
DEFAULT_MAX_CONFIG_MB = 2.0


def max_config_mb() -> float:
    raw = os.environ.get("MMGEN_MIGRATE_MAX_CONFIG_MB")
    try:
        return float(raw) if raw else DEFAULT_MAX_CONFIG_MB
    except ValueError:
        return DEFAULT_MAX_CONFIG_MB


def _human(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} kB"


def check_size(path: Path, size: int | None = None) -> None:
    """Refuse a file too large to be a config, before reading it (``size``:
    when the caller has already looked)."""
    if size is None:
        try:
            size = os.stat(path).st_size
        except OSError:
            return  # the read reports it
    mb = max_config_mb()
    if size > mb * 1024 * 1024:
        raise ConfigError(f"the file is {_human(size)}, larger than any config "
                          f"(limit {mb:g} MB; set MMGEN_MIGRATE_MAX_CONFIG_MB to raise it)")


@dataclass
class ReadResult:
    config: dict
    #: every look at the machine, in this file and its bases
    reads: list[MachineRead] = field(default_factory=list)
    #: the top-level names bound by statements that read the machine, with
    #: the value each statement gave (file -> ast statement index -> value)
    machine_values: dict[str, dict[int, Any]] = field(default_factory=dict)
    #: MMEngine would read the file as a lazy-import config because of this import
    lazy_misread: str | None = None


def parse(text: str, filename: str) -> ast.Module:
    try:
        return ast.parse(text, filename=filename)
    except SyntaxError as err:
        raise ConfigError(f"syntax error at line {err.lineno}: {err.msg}") from None
    except (ValueError, RecursionError, MemoryError) as err:
        raise ConfigError(f"cannot parse the file: {' '.join(str(err).split())}") from None


def base_files(tree: ast.Module) -> list | None:
    """The ``_base_`` entries (first top-level ``_base_ = ...``), or None."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id == BASE_KEY:
            interp = _Interpreter({}, Machine({}, "/"), "", [])
            interp.line = node.lineno
            try:
                check_static(ast.Module(body=[ast.Expr(node.value, lineno=node.lineno, col_offset=0)],
                                        type_ignores=[]))
                value = interp.expr(node.value)
            except NotStatic as exc:
                exc.line = exc.line or node.lineno
                exc.args = (exc._text(),)
                raise
            return value if isinstance(value, list) else [value]
    return None


def is_new_style(tree: ast.Module) -> bool:
    """A new-style (``with read_base():``) MMEngine config."""
    for node in tree.body:
        if isinstance(node, ast.With) and node.items:
            expr = node.items[0].context_expr
            if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "read_base":
                return True
    return False


def lazy_import_module(tree: ast.Module, nodes: list | None = None) -> str | None:
    """The import that makes MMEngine's ``Config.fromfile(path)`` (no
    ``lazy_import`` given) take this classic config for a new-style
    (lazy-import) one, or None (also for a real new-style config, with
    ``with read_base():`` or a relative import).  The same walk as MMEngine 0.10's
    ``Config._is_lazy_import``, which decides "builtin" by the module's file
    location -- on Python 3.11+ even ``os`` (a frozen module) is not."""
    from mmengine.config.utils import _is_builtin_module

    for node in nodes if nodes is not None else ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id == BASE_KEY:
            return None
        if isinstance(node, ast.With):
            return None
        if isinstance(node, ast.ImportFrom):
            if node.level:
                return None  # a relative import: a real new-style config, not a misread one
            if node.module == "mmengine" and len(node.names) == 1 and node.names[0].name == "Config":
                continue
            if isinstance(node.module, str) and not _is_builtin_module(node.module):
                return node.module
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not _is_builtin_module(alias.name):
                    return alias.name
    return None


class NewStyleConfig(ConfigError):
    """The file is a new-style (lazy-import) MMEngine config: 1.x already."""


@dataclass
class _Cached:
    key: tuple
    cfg: dict
    env: dict
    reads: list
    machine_values: dict


class Reader:
    """Reads config files; bases read once are remembered (by path, size,
    modification time and machine) for the life of the reader."""

    def __init__(self, machine: Machine | None = None):
        self.machine = machine or Machine.real()
        self._cache: dict[str, _Cached] = {}
        self._lazy: dict[str, str | None] = {}

    def read(self, path: str | os.PathLike, text: str | None = None) -> ReadResult:
        filename = os.path.abspath(os.path.expanduser(str(path)))
        reads: list[MachineRead] = []
        values: dict[str, dict[int, Any]] = {}
        try:
            cfg, _env = self._file2dict(filename, [], reads, values, text=text)
            cfg = _plain_copy(cfg)  # (the cache's copy stays as it is, whatever the caller does)
        except RecursionError:
            raise ConfigError("a value nests too deeply to be read (Python's recursion limit)") from None
        return ReadResult(cfg, reads, values, self._lazy.get(filename))

    # MMEngine's Config._file2dict, step by step, with the exec replaced by
    # the static interpreter
    def _file2dict(self, filename: str, stack: list[str], reads: list, values: dict,
                   text: str | None = None) -> tuple[dict, dict]:
        from mmengine.config import Config, ConfigDict

        filename = os.path.abspath(filename)  # as MMEngine does (abspath also normalises)
        if filename in stack:
            chain = " -> ".join(os.path.basename(p) for p in stack[stack.index(filename):] + [filename])
            raise ConfigError(f"`_base_` files include each other (a cycle): {chain}")
        ext = os.path.splitext(filename)[1]
        if ext != ".py":
            if ext in (".json", ".yaml", ".yml"):
                raise NotStatic(None, f"has a {ext} `_base_` file ({os.path.basename(filename)})")
            raise ConfigError("only .py config files can be read")
        key = None
        if text is None:
            try:
                st = os.stat(filename)
                key = (st.st_size, st.st_mtime_ns, st.st_ino, self.machine.is_probe)
                check_size(Path(filename), st.st_size)
            except FileNotFoundError:
                raise ConfigError(f"no such file: {filename}") from None
            except OSError as exc:
                raise ConfigError(f"cannot read {filename}: {exc.strerror or exc}") from None
            hit = self._cache.get(filename)
            if hit is not None and hit.key == key:
                reads.extend(hit.reads)
                for f, v in hit.machine_values.items():
                    values.setdefault(f, {}).update(v)
                # shared, not copied: a base's dicts are only read (MMEngine's
                # merge copies what it changes; ``read`` copies its result)
                return hit.cfg, dict(hit.env)
            try:
                with open(filename, encoding="utf-8") as fh:
                    text = fh.read()
            except UnicodeDecodeError:
                raise ConfigError(f"{os.path.basename(filename)} is not valid UTF-8") from None
            except OSError as exc:
                raise ConfigError(f"cannot read {filename}: {exc.strerror or exc}") from None
        own_reads: list[MachineRead] = []
        own_values: dict[str, dict[int, Any]] = {}
        original = text
        tree = parse(text, filename)  # MMEngine validates the original syntax first
        if "{{" in text:
            text = _substitute_predefined(text, filename)
            text, env_variables = _substitute_env(text, self.machine, own_reads, filename)
            text, base_vars = _pre_substitute_base(text)
        else:
            env_variables, base_vars = {}, {}
        if text != original:
            tree = parse(text, filename)
        if is_new_style(tree):
            raise NewStyleConfig("a new-style (lazy-import) MMEngine config")
        nodes = check_static(tree)
        self._lazy[filename] = lazy_import_module(tree, nodes)

        # the bases as the config's own code sees them: a ConfigDict where the
        # code reads `_base_` (MMEngine's type, for attribute access); else
        # plain dicts, which merge to the same result faster
        uses_base = bool(base_vars) or any(isinstance(n, ast.Name) and n.id == BASE_KEY and isinstance(n.ctx, ast.Load)
                                           for n in nodes)
        base_cfg = ConfigDict() if uses_base else {}
        for spec in base_files(tree) or []:
            if not isinstance(spec, str):
                raise ConfigError("`_base_` must be a string or a list of strings")
            if "::" in spec:
                raise ConfigError(f"`_base_` entry {spec!r} points into an installed package; not supported")
            base_path = os.path.join(os.path.dirname(filename), spec)
            if not os.path.isfile(base_path):
                raise ConfigError(f"`_base_` file {spec!r} not found ({os.path.normpath(base_path)})")
            try:
                sub, sub_env = self._file2dict(base_path, stack + [filename], own_reads, own_values)
            except NotStatic as exc:
                raise exc.in_file(exc.path or os.path.normpath(base_path)) from None
            env_variables.update(sub_env)
            dup = base_cfg.keys() & sub.keys()
            if dup:
                raise ConfigError(f"duplicate key is not allowed among bases: {', '.join(sorted(dup))}")
            base_cfg.update(Config._dict_to_config_dict(sub, None) if uses_base else sub)

        # MMEngine removes every `_base_ = ...` assignment and runs the rest
        # with `_base_` bound to the merged bases
        body = {id(stmt) for stmt in _without_base_assign(tree.body, nodes)}
        namespace: dict = {BASE_KEY: base_cfg}
        interp = _Interpreter(namespace, self.machine, filename, own_reads)
        # `{{$VAR:default}}` was substituted in the text: the statement holding it reads the machine
        template_lines = {r.line for r in own_reads if r.file == filename}
        try:
            for index, stmt in enumerate(tree.body):
                in_template = {ln for ln in template_lines if stmt.lineno <= ln <= (stmt.end_lineno or stmt.lineno)}
                for r in own_reads:
                    if r.file == filename and r.line in in_template and r.name is None:
                        r.name = _bound_name(stmt)
                if id(stmt) not in body:
                    continue
                before = len(own_reads)
                interp.run([stmt], top=True)
                if (len(own_reads) > before or in_template) and isinstance(stmt, (ast.Assign, ast.AnnAssign)) \
                        and _bound_name(stmt) is not None and _bound_name(stmt) in namespace:
                    own_values.setdefault(filename, {})[index] = copy.deepcopy(namespace[_bound_name(stmt)])
        except (_Break, _Continue):  # pragma: no cover - a SyntaxError already
            raise ConfigError("`break` outside a loop") from None
        except RecursionError:
            raise ConfigError("a value nests too deeply to be read") from None
        cfg = {k: v for k, v in namespace.items() if k != BASE_KEY and not k.startswith("__")}
        for k in list(cfg):
            # MMEngine drops modules and (Python-level) functions from the namespace
            if isinstance(cfg[k], _Module) or isinstance(cfg[k], _Function) and cfg[k].dropped:
                cfg.pop(k)
        check_plain(cfg)
        cfg.pop(DEPRECATION_KEY, None)
        try:
            if base_vars:  # (without placeholders it is a deep copy, which changes nothing)
                cfg = Config._substitute_base_vars(cfg, base_vars, base_cfg)
            cfg.pop(BASE_KEY, None)
            cfg = Config._merge_a_into_b(cfg, base_cfg)
        except Exception as exc:  # what MMEngine's merge raises (TypeError, KeyError)
            text = " ".join(str(exc).split())
            raise ConfigRaised(f"loading the config raised {type(exc).__name__}: {text}") from None
        cfg = {k: v for k, v in cfg.items() if not k.startswith("__")}
        for k in cfg:
            if k in RESERVED_KEYS:
                raise ConfigError(f"`{k}` is reserved: MMEngine refuses it as a config key")
        result = _plain_copy(cfg)  # what ConfigDict(cfg).to_dict() gives
        reads.extend(own_reads)
        for f, v in own_values.items():
            values.setdefault(f, {}).update(v)
        if key is not None:
            self._cache[filename] = _Cached(key, result, dict(env_variables), list(own_reads),
                                            copy.deepcopy(own_values))
        return result, env_variables


def _plain_copy(value: Any) -> Any:
    """A copy with every dict (ConfigDict too) a plain dict, lists and
    tuples kept as they are (what ``ConfigDict.to_dict`` gives)."""
    atoms = ATOMS
    if isinstance(value, dict):
        return {k: v if type(v) in atoms else _plain_copy(v) for k, v in value.items()}
    if type(value) is list:
        return [v if type(v) in atoms else _plain_copy(v) for v in value]
    if type(value) is tuple:
        return tuple([v if type(v) in atoms else _plain_copy(v) for v in value])
    return value


def _without_base_assign(body: list[ast.stmt], nodes: list) -> list[ast.stmt]:
    """The statements left once every ``_base_ = ...`` is removed (MMEngine
    removes them at any depth; a nested one is rare enough to refuse)."""
    top = [s for s in body if isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name)
           and s.targets[0].id == BASE_KEY]
    for node in nodes:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id == BASE_KEY and not any(node is t for t in top):
            raise NotStatic(node.lineno, "assigns `_base_` inside a block")
    return [s for s in body if not any(s is t for t in top)]
