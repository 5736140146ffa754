"""Plain data types shared by the rules, the emitter and the reports.

A config is handled as nested plain ``dict``/``list``/``tuple`` values (the
effective config as MMEngine loads it).  A *path* names one value inside such
a config: a tuple of dict keys (``str``) and list indices (``int``), e.g.
``('optimizer', 'generator', 'lr')`` or ``('custom_hooks', 0, 'type')``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Iterator, Tuple, Union

Key = Union[str, int]
Path = Tuple[Key, ...]


class _Missing:
    """Marker for "no value" (``None`` is a real config value)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False

    def __deepcopy__(self, memo):
        return self

    def __copy__(self):
        return self


MISSING: Any = _Missing()

#: the types of a config's plain scalar values (copied as they are)
ATOMS = frozenset({str, int, float, bool, type(None)})


def copy_value(value: Any) -> Any:
    """``copy.deepcopy`` of a config value, fast for what configs hold
    (dicts, lists, tuples, strings, numbers); anything else is deep-copied.
    (Effective configs share no objects between paths -- the reader copies
    its result -- so there is no aliasing to keep.)"""
    if type(value) in ATOMS:
        return value
    if type(value) is dict:
        return {k: v if type(v) in ATOMS else copy_value(v) for k, v in value.items()}
    if type(value) is list:
        return [v if type(v) in ATOMS else copy_value(v) for v in value]
    if type(value) is tuple:
        return tuple([v if type(v) in ATOMS else copy_value(v) for v in value])
    return copy.deepcopy(value)


class Severity(str, Enum):
    """How much a change can be trusted.

    exact        training maths unchanged.
    review       converted, but a human should look (approximation, changed
                 default, construct without an exact 1.x twin).
    unsupported  kept as-is, marked in the output and listed in the report.
    error        the file could not be converted.
    """

    EXACT = "exact"
    REVIEW = "review"
    UNSUPPORTED = "unsupported"
    ERROR = "error"

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value


@dataclass
class Change:
    """One thing a rule did (or refused to do) to the config.

    ``old_paths`` are paths in the 0.x effective config the change read or
    removed; ``new_path`` is where the result lives in the 1.x config (``None``
    when the change only removes).  ``note`` is a short comment the emitter
    writes next to a computed value, naming its inputs.  ``moved`` says the
    value at ``new_path`` is the value that was at ``old_paths[0]``, unchanged:
    the emitter then reuses the original source expression.
    """

    rule: str
    severity: Severity
    message: str
    old_paths: Tuple[Path, ...] = ()
    new_path: Path | None = None
    old_value: Any = MISSING
    new_value: Any = MISSING
    note: str | None = None
    moved: bool = False

    def __reduce__(self):
        # (-j sends every file's changes back from its process: a flat
        # tuple unpickles several times faster than a dataclass's state)
        return _change, (self.rule, self.severity.value, self.message, self.old_paths, self.new_path,
                         self.old_value, self.new_value, self.note, self.moved)

    def to_json(self) -> dict:
        out = {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "old_paths": [format_path(p) for p in self.old_paths],
            "new_path": format_path(self.new_path) if self.new_path is not None else None,
        }
        if self.old_value is not MISSING:
            out["old_value"] = jsonable(self.old_value)
        if self.new_value is not MISSING:
            out["new_value"] = jsonable(self.new_value)
        if self.note:
            out["note"] = self.note
        return out


def _change(rule, severity, *rest) -> Change:
    return Change(rule, Severity._value2member_map_[severity], *rest)


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def format_path(path: Path) -> str:
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        elif key.isidentifier():
            out += ("." if out else "") + key
        else:
            out += f"[{key!r}]"
    return out


# --------------------------------------------------------------------------
# path helpers on plain nested containers


def get_path(cfg: Any, path: Path, default: Any = MISSING) -> Any:
    node = cfg
    for key in path:
        if isinstance(node, dict) and not isinstance(key, int) and key in node:
            node = node[key]
        elif isinstance(node, (list, tuple)) and isinstance(key, int) and -len(node) <= key < len(node):
            node = node[key]
        else:
            return default
    return node


def set_path(cfg: dict, path: Path, value: Any) -> None:
    """Set ``cfg[path] = value``, creating intermediate dicts."""
    node = cfg
    for key in path[:-1]:
        if isinstance(node, list):
            node = node[key]
            continue
        nxt = node.get(key)
        if not isinstance(nxt, (dict, list)):
            nxt = {}
            node[key] = nxt
        node = nxt
    node[path[-1]] = value


def pop_path(cfg: dict, path: Path, default: Any = MISSING) -> Any:
    parent = get_path(cfg, path[:-1])
    key = path[-1]
    if isinstance(parent, dict) and key in parent:
        return parent.pop(key)
    if isinstance(parent, list) and isinstance(key, int) and key < len(parent):
        return parent.pop(key)
    return default


def iter_leaves(value: Any, prefix: Path = ()) -> Iterator[Tuple[Path, Any]]:
    """Yield ``(path, leaf)`` for every non-container value (empty containers
    count as leaves)."""
    if isinstance(value, dict) and value:
        for k, v in value.items():
            yield from iter_leaves(v, prefix + (k,))
    elif isinstance(value, (list, tuple)) and value:
        for i, v in enumerate(value):
            yield from iter_leaves(v, prefix + (i,))
    else:
        yield prefix, value


def same(a: Any, b: Any) -> bool:
    """Deep equality that also compares types (``1`` is not ``1.0``, a tuple
    is not a list), which is what matters for a config's meaning."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and a != a and b != b:  # NaN
        return True
    return a == b


def first_difference(a: Any, b: Any, prefix: Path = ()) -> Path | None:
    """Path of the first place where ``a`` and ``b`` differ (``None`` if same)."""
    if type(a) is not type(b):
        return prefix
    if isinstance(a, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if k not in a or k not in b:
                return prefix + (k,)
            d = first_difference(a[k], b[k], prefix + (k,))
            if d is not None:
                return d
        return None
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return prefix
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, prefix + (i,))
            if d is not None:
                return d
        return None
    return None if same(a, b) else prefix


class MergeError(TypeError):
    """A child dict cannot be merged into a non-dict base value."""


def merge(base: dict, override: dict) -> dict:
    """MMEngine's ``_base_`` merge of ``override`` into ``base`` (non-inplace).

    Dicts merge key by key unless the override carries ``_delete_=True``;
    everything else replaces.  Mirrors ``mmengine.Config._merge_a_into_b``
    (a ``_delete_`` on a key the base does not have is kept, as there).
    """
    out = dict(base)
    for k, v in override.items():
        if isinstance(v, dict):
            v = dict(v)
            if k in out and not v.pop("_delete_", False):
                if not isinstance(out[k], dict):
                    raise MergeError(f"{k} is a dict in the child but {type(out[k]).__name__} in the base")
                out[k] = merge(out[k], v)
            else:
                out[k] = copy_value(v)
        else:
            out[k] = copy_value(v)
    return out


@dataclass
class RuleOutcome:
    """What running the rules on one effective config produced."""

    target: dict
    changes: list = field(default_factory=list)
