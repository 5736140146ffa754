"""Loading a config with MMEngine itself, in this process.

Only the evaluation worker (``--allow-exec``) calls :func:`load_in_process`:
it executes the config.  :func:`misread_as_lazy` only parses.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path

from .errors import ConfigError, first_line


def misread_as_lazy(path: str | Path) -> str | None:
    """The import that makes MMEngine read ``path`` as a new-style
    (lazy-import) config although it is a classic one, if that is the case.

    MMEngine 0.10 (``Config._is_lazy_import``) takes a file without
    ``_base_`` that imports a module it does not count as builtin for a
    lazy-import config.  It decides "builtin" from the module's file
    location, so on Python 3.11+ even ``os`` (a frozen module) counts as
    third-party; such a config then fails to load with a bare RuntimeError
    as soon as it calls ``os.path.join``.
    """
    from .reader import lazy_import_module, parse

    try:
        return lazy_import_module(parse(Path(path).read_text(encoding="utf-8"), str(path)))
    except Exception:
        return None


def lazy_misread_note(module: str) -> str:
    return (
        f"MMEngine's `Config.fromfile` reads this file as a new-style (lazy-import) config because it imports "
        f"`{module}` and has no `_base_`, and then fails to load it; it loads as a classic config with "
        "`Config.fromfile(path, lazy_import=False)` (or give it a `_base_`, or move the import out)"
    )


def warm_up() -> None:
    """Import what evaluating a config needs (done once per worker)."""
    import mmengine.config  # noqa: F401


def load_in_process(path: str | Path, *, lazy_import: bool | None = False) -> dict:
    """Evaluate ``path`` with MMEngine in this process (the worker calls
    this; the converter never does)."""
    from mmengine.config import Config

    from .basecache import cached_bases

    sink = io.StringIO()
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            warnings.simplefilter("ignore")
            with cached_bases():
                cfg = Config.fromfile(str(path), import_custom_modules=False, lazy_import=lazy_import)
            return cfg.to_dict()
    except RecursionError:
        raise ConfigError(_recursion_reason(path)) from None
    except SyntaxError as exc:
        raise ConfigError(f"syntax error at line {exc.lineno}: {exc.msg}") from None
    except PermissionError as exc:
        text = str(exc)
        if text.startswith("mmgen-migrate: "):
            raise ConfigError(
                text[len("mmgen-migrate: "):] + " (a config may only read files while it is converted)"
            ) from None
        raise ConfigError(f"loading the config raised PermissionError: {first_line(text)}") from None
    except Exception as exc:
        raise ConfigError(_describe_failure(exc)) from None


def _recursion_reason(path) -> str:
    """A RecursionError: a `_base_` cycle, or a value nested too deeply."""
    import os

    from .reader import base_files, parse

    seen: list[str] = []

    def cyclic(p: str) -> bool:
        if p in seen:
            return True
        seen.append(p)
        try:
            with open(p, encoding="utf-8") as fh:
                specs = base_files(parse(fh.read(), p)) or []
        except Exception:
            specs = []
        for spec in specs:
            if isinstance(spec, str) and cyclic(os.path.abspath(os.path.join(os.path.dirname(p), spec))):
                return True
        seen.pop()
        return False

    if cyclic(os.path.abspath(str(path))):
        return "`_base_` files include each other (a cycle)"
    return "a value nests too deeply to be read (Python's recursion limit)"


def _describe_failure(exc: Exception) -> str:
    text = first_line(str(exc))
    name = type(exc).__name__
    if isinstance(exc, MemoryError):
        return "evaluating the config ran out of memory"
    if name == "ConfigParsingError" and "read_base" in text:
        return ("MMEngine refuses a `with` block at the top level of a config "
                "(only `with read_base():` is allowed)")
    if isinstance(exc, AttributeError) and "'Attribute' object has no attribute 'id'" in text:
        return ("MMEngine refuses a `with` block at the top level of a config "
                "(only `with read_base():` is allowed)")
    if name == "RuntimeError" and not text:
        return ("MMEngine read the file as a new-style (lazy-import) config, because it imports a "
                "non-builtin module and has no `_base_`, and the file does not work that way")
    return f"loading the config raised {name}: {text}" if text else f"loading the config raised {name}"


