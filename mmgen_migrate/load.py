"""Reading configs: source text + statements, ``_base_`` links, effective dict.

Nothing here runs a config.  The source side (text, line endings, statements,
``_base_`` list) is parsed; the effective config (what MMEngine's
``Config.fromfile`` makes of the file, ``_base_`` chain merged) is read by the
static reader (:mod:`.reader`).  Only when the user allows execution
(``--allow-exec``) is a config that the reader refuses evaluated, by MMEngine,
in the evaluation worker (:mod:`.worker`, docs/execution.md).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from . import source as source_mod
from . import staticeval


from .errors import ConfigError, UsageError, first_line
from .execload import lazy_misread_note, misread_as_lazy  # noqa: F401 (misread_as_lazy: part of this interface)
from .reader import Machine, MachineRead, NewStyleConfig, NotStatic, Reader, check_size

__all__ = ["ConfigError", "NotStatic", "NewStyleConfig", "SourceFile", "Loaded", "read_source",
           "read_effective", "load_effective", "find_cycle", "ALLOW_EXEC_MODES"]


@dataclass
class SourceFile:
    path: Path  # absolute
    raw: bytes
    text: str
    module: source_mod.Module
    newline: str
    base_node: source_mod.Statement | None = None
    base_specs: list[str] = field(default_factory=list)  # as written in _base_
    bases: list[Path] = field(default_factory=list)  # resolved, absolute


def read_source(path: Path, text: str | None = None) -> SourceFile:
    """Read and parse ``path`` (or the given ``text`` for it)."""
    path = Path(os.path.abspath(path))
    if text is None:
        try:
            check_size(path)
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
        module = source_mod.parse(text)
    except SyntaxError as err:
        raise ConfigError(f"syntax error at line {err.lineno}: {first_line(err.msg)}") from None
    except (ValueError, RecursionError, MemoryError) as err:
        raise ConfigError(f"cannot parse the file: {first_line(str(err))}") from None
    src = SourceFile(path=path, raw=raw, text=text, module=module, newline=module.newline)
    _read_bases(src)
    return src


def _read_bases(src: SourceFile) -> None:
    for stmt in src.module.body:
        simple = staticeval.simple_assignment(stmt)
        if simple is None or simple[0] != "_base_":
            continue
        try:
            value = staticeval.evaluate(simple[1], None, src.module)
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


def base_paths(path: Path) -> list[Path]:
    """The resolved `_base_` files of ``path`` as :func:`read_source` gives
    them (``[]`` for a file it refuses), found with Python's own parser
    where the `_base_` value is a literal (planning a batch reads every
    file; splitting it into statements is slower)."""
    import ast

    path = Path(os.path.abspath(path))
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    if "_base_" not in text:
        return []
    try:
        check_size(path)
        tree = ast.parse(text)
        for i, stmt in enumerate(tree.body):
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == "_base_":
                break
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                    and stmt.targets[0].id == "_base_":
                if (i and tree.body[i - 1].end_lineno == stmt.lineno) or (
                        i + 1 < len(tree.body) and tree.body[i + 1].lineno == stmt.end_lineno):
                    break  # `a = 1; _base_ = ...`: not a `_base_` line of its own
                value = ast.literal_eval(stmt.value)
                specs = value if isinstance(value, (list, tuple)) else [value]
                if all(isinstance(s, str) and "::" not in s for s in specs):
                    return [Path(os.path.normpath(path.parent / s)) for s in specs]
                break
        else:
            if not any(isinstance(n, ast.Name) and n.id == "_base_" for n in ast.walk(tree)):
                return []
    except (ConfigError, SyntaxError, ValueError, TypeError, RecursionError, MemoryError):
        pass
    try:  # anything else: exactly as the converter reads it
        return read_source(path).bases
    except ConfigError:
        return []


#: values of ``--allow-exec``: None (read statically only), "sandbox"
#: (execute what the reader refuses, confined), "unconfined"
ALLOW_EXEC_MODES = (None, "sandbox", "unconfined")


@dataclass
class Loaded:
    """An effective config and how it was read."""

    config: dict
    executed: bool = False
    #: looks at the machine (environment, working directory, ...) while reading
    reads: list[MachineRead] = field(default_factory=list)
    #: per file: ast statement index -> value bound by a statement that read the machine
    machine_values: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


_READERS: dict[bool, Reader] = {}


def reader(probe: bool = False) -> Reader:
    """The process-wide static reader (bases are read once per run)."""
    if probe not in _READERS:
        _READERS[probe] = Reader(Machine.probe() if probe else Machine.real())
    return _READERS[probe]


def read_effective(path: Path, *, new_style: bool = False, allow_exec: str | None = None,
                   probe: bool = False, text: str | None = None) -> Loaded:
    """The effective config of ``path`` as MMEngine builds it (bases merged).

    Read statically (nothing runs).  A 0.x config is read as MMEngine's
    ``Config.fromfile(path, lazy_import=False)`` reads it; with ``new_style``
    as ``Config.fromfile(path)`` reads it (how MMagic's ``tools/train.py``
    reads a converted config).  A file outside what the reader understands
    raises :class:`NotStatic`, unless ``allow_exec`` names a way to execute
    it; then it is evaluated in the worker.  ``probe`` reads it on the probe
    machine (see :class:`.reader.Machine`); never executed.  ``text``: the
    file's content, when the caller holds it (the file itself is not read;
    its `_base_` files are, relative to ``path``); a file read statically
    only (it is never handed to the worker).
    """
    notes: list[str] = []
    try:
        res = reader(probe).read(path, text=text)
    except NotStatic as exc:
        if exc.path is not None and os.path.abspath(exc.path) != os.path.abspath(path):
            exc.args = (f"`_base_` file {os.path.relpath(exc.path, os.path.dirname(os.path.abspath(path)))}:"
                        f"{exc.args[0]}",)
        if allow_exec is None or probe or text is not None:
            raise
        from .worker import EvaluationError, shared_worker

        try:
            # "sandbox": kernel-confined (worker.py, sandbox.py); "unconfined" only when asked for
            cfg = shared_worker(allow_exec).load(path, lazy_import=None if new_style else False, notes=notes)
        except EvaluationError as e:
            raise ConfigError(str(e)) from None
        return Loaded(cfg, executed=True, notes=notes)
    if new_style and res.lazy_misread is not None:
        notes.append(lazy_misread_note(res.lazy_misread))
    return Loaded(res.config, reads=res.reads, machine_values=res.machine_values, notes=notes)


def load_effective(path: Path, *, new_style: bool = False, notes: list[str] | None = None,
                   allow_exec: str | None = None) -> dict:
    """:func:`read_effective`, the config only (remarks appended to ``notes``)."""
    loaded = read_effective(path, new_style=new_style, allow_exec=allow_exec)
    if notes is not None:
        notes.extend(loaded.notes)
    return loaded.config


def sandbox_problem() -> str | None:
    """What the running kernel lacks for the ``--allow-exec`` sandbox (None: nothing)."""
    from . import worker

    check = getattr(worker, "confinement_problem", None)
    if check is None:
        return "the kernel-enforced sandbox is not available in this version"
    return check()


def check_allow_exec(mode: str | None) -> None:
    """Refuse ``--allow-exec`` (``mode == "sandbox"``) with one line where the
    kernel lacks what the sandbox needs; nothing is downgraded silently."""
    if mode not in ALLOW_EXEC_MODES:
        raise UsageError(f"allow_exec must be None, 'sandbox' or 'unconfined', not {mode!r}")
    if mode == "sandbox":
        problem = sandbox_problem()
        if problem:
            raise UsageError(f"--allow-exec: {problem} (pass --allow-exec=unconfined to execute without a sandbox)")


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
