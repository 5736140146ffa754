"""MMEngine's own loader, as the oracle of the differential tests.

Only called on files the static reader accepted (so they have no side
effects to fear)."""

from __future__ import annotations

import contextlib
import io
import math
import warnings

from mmengine.config import Config


def mmengine_read(path, *, lazy_import=False) -> dict:
    sink = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        warnings.simplefilter("ignore")
        return Config.fromfile(str(path), import_custom_modules=False, lazy_import=lazy_import).to_dict()


def typed_difference(a, b, path="") -> str | None:
    """The first place where ``a`` and ``b`` differ in value, type, or key
    order (None when they are the same, key by key and type by type)."""
    if type(a) is not type(b):
        return f"{path or '<top>'}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{path or '<top>'}: keys {list(a)} vs {list(b)}"
        for k in a:
            d = typed_difference(a[k], b[k], f"{path}.{k}" if path else str(k))
            if d:
                return d
        return None
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return f"{path}: length {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = typed_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    if isinstance(a, float) and math.isnan(a) and math.isnan(b):
        return None
    return None if a == b else f"{path}: {a!r} vs {b!r}"
