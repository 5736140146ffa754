"""Reading configs: source text + CST, ``_base_`` links, effective dict.

The source side (text, line endings, CST, ``_base_`` list) is read without
running anything.  The effective config is what MMEngine's ``Config.fromfile``
makes of the file, ``_base_`` chain merged; that executes the config file (see
README, "What convert executes").
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from . import staticeval


class ConfigError(Exception):
    """A file cannot be read, parsed or loaded.  The message is one line and
    does not repeat the file name (callers prefix it)."""


@dataclass
class SourceFile:
    path: Path  # absolute
    raw: bytes
    text: str
    module: cst.Module
    newline: str
    base_node: cst.SimpleStatementLine | None = None
    base_specs: list[str] = field(default_factory=list)  # as written in _base_
    bases: list[Path] = field(default_factory=list)  # resolved, absolute


def _one_line(text: str) -> str:
    lines = [ln.strip() for ln in str(text).strip().splitlines() if ln.strip()]
    return lines[0] if lines else ""


def read_source(path: Path, text: str | None = None) -> SourceFile:
    """Read and parse ``path`` (or the given ``text`` for it)."""
    path = Path(os.path.abspath(path))
    if text is None:
        try:
            raw = path.read_bytes()
        except IsADirectoryError:
            raise ConfigError("is a directory, not a config file") from None
        except FileNotFoundError:
            raise ConfigError("no such file") from None
        except PermissionError:
            raise ConfigError("permission denied: cannot read the file") from None
        except OSError as exc:
            raise ConfigError(f"cannot read the file: {exc.strerror or exc}") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise ConfigError(
                f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} on line {line}); config files must be UTF-8"
            ) from None
    else:
        raw = text.encode("utf-8")
    if text.startswith("\ufeff"):
        raise ConfigError("the file starts with a UTF-8 byte-order mark (BOM), which MMEngine cannot read; "
                          "save it as UTF-8 without BOM")
    # an empty file is an empty config (a placeholder `_base_`, say): it
    # converts to itself
    try:
        module = cst.parse_module(text)
    except Exception as exc:  # libcst's errors; Python's own message is clearer
        raise ConfigError(_syntax_error(text, exc)) from None
    src = SourceFile(path=path, raw=raw, text=text, module=module, newline=module.default_newline)
    _read_bases(src)
    return src


def _syntax_error(text: str, exc: Exception) -> str:
    import ast

    try:
        ast.parse(text)
    except SyntaxError as err:
        return f"syntax error at line {err.lineno}: {_one_line(err.msg)}"
    except (ValueError, RecursionError, MemoryError) as err:
        return f"cannot parse the file: {_one_line(str(err))}"
    if isinstance(exc, cst.ParserSyntaxError):
        return f"syntax error at line {exc.raw_line}, column {exc.raw_column}: {_one_line(exc.message)}"
    return f"cannot parse the file: {_one_line(str(exc))}"


def _read_bases(src: SourceFile) -> None:
    for stmt in src.module.body:
        simple = staticeval.simple_assignment(stmt)
        if simple is None or simple[0] != "_base_":
            continue
        try:
            value = staticeval.evaluate(simple[1])
        except staticeval.Unknown:
            raise ConfigError("`_base_` must be a string or a list of strings written literally") from None
        specs = value if isinstance(value, (list, tuple)) else [value]
        if not all(isinstance(s, str) for s in specs):
            raise ConfigError("`_base_` must be a string or a list of strings")
        src.base_node = stmt
        src.base_specs = list(specs)
        for spec in specs:
            if "::" in spec:
                raise ConfigError(f"`_base_` entry {spec!r} points into an installed package; not supported")
            src.bases.append(Path(os.path.normpath(src.path.parent / spec)))
        return  # mmengine uses the first `_base_ =` line


def load_effective(path: Path, *, new_style: bool = False, notes: list[str] | None = None) -> dict:
    """The effective config MMEngine builds for ``path`` (bases merged), as
    plain dicts.  Raises :class:`ConfigError` with a one-line reason.

    The file is evaluated in the worker process (see :mod:`.worker`, and
    docs/execution.md): a throwaway working directory, writes outside it
    refused, a time limit, nothing shared with the converter.  A 0.x config is
    read the way MMCV read it (``import numpy`` allowed); with ``new_style``
    the file is read exactly as MMEngine's ``Config.fromfile`` reads a 1.x
    config by default, which is how the converted output is checked.
    Remarks about how the file loaded are appended to ``notes``.
    """
    from .worker import EvaluationError, shared_worker

    try:
        return shared_worker().load(path, lazy_import=None if new_style else False, notes=notes)
    except EvaluationError as exc:
        raise ConfigError(str(exc)) from None


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
    import ast

    from mmengine.config import Config
    from mmengine.config.utils import _is_builtin_module

    try:
        if not Config._is_lazy_import(str(path)):
            return None
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except Exception:
        return None
    for node in tree.body:
        if isinstance(node, ast.With):
            return None  # `with read_base():`: a real new-style config
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not _is_builtin_module(alias.name):
                    return alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if not _is_builtin_module(node.module):
                return node.module
    return None


def lazy_misread_note(module: str) -> str:
    return (
        f"MMEngine's `Config.fromfile` reads this file as a new-style (lazy-import) config because it imports "
        f"`{module}` and has no `_base_`, and then fails to load it; it loads as a classic config with "
        "`Config.fromfile(path, lazy_import=False)` (or give it a `_base_`, or move the import out)"
    )


def one_line(text: str) -> str:
    return _one_line(text)


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
        raise ConfigError("`_base_` files include each other (a cycle), or a value nests too deeply") from None
    except SyntaxError as exc:
        raise ConfigError(f"syntax error at line {exc.lineno}: {exc.msg}") from None
    except PermissionError as exc:
        text = str(exc)
        if text.startswith("mmgen-migrate: "):
            raise ConfigError(
                text[len("mmgen-migrate: "):] + " (a config may only read files while it is converted)"
            ) from None
        raise ConfigError(f"loading the config raised PermissionError: {_one_line(text)}") from None
    except Exception as exc:
        raise ConfigError(_describe_failure(exc)) from None


def _describe_failure(exc: Exception) -> str:
    text = _one_line(str(exc))
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


def find_cycle(start: Path, bases_of) -> list[Path] | None:
    """A ``_base_`` cycle reachable from ``start`` (as a path list), if any.
    ``bases_of(path)`` returns the resolved bases of a file."""
    state: dict[Path, int] = {}
    stack: list[Path] = []

    def visit(p: Path) -> list[Path] | None:
        state[p] = 1
        stack.append(p)
        for b in bases_of(p):
            if state.get(b) == 1:
                return stack[stack.index(b):] + [b]
            if b not in state:
                found = visit(b)
                if found:
                    return found
        stack.pop()
        state[p] = 2
        return None

    return visit(start)
