"""Converting a set of config files: the pipeline of architecture.md.

For each file, in ``_base_`` order (bases first):

1. load the effective 0.x config with MMEngine (bases merged);
2. run the rules on it → the target 1.x config and the list of changes;
3. emit the file as an edit of its own source, relative to what its
   converted bases give (bases outside the converted set are inlined);
4. stage the result and reload it with MMEngine: it must equal the target
   (semantic round trip).  If it does not, emit again without reusing source
   expressions; if it still does not, the file fails and nothing is written.

Nothing is written to the destination until every file has been staged and
checked; each output then replaces its destination atomically.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from . import emit as emit_mod
from .scratch import scratch_dir
from .load import ConfigError, SourceFile, find_cycle, load_effective, read_source
from .model import (
    MISSING,
    Change,
    Severity,
    format_path,
    first_difference,
    get_path,
    iter_leaves,
    same,
)
from .rules import Rule, apply_rules, resolve_selection
from .rules.base import PRIMARY_SOURCE

CONVERTED, UNCHANGED, FAILED = "converted", "unchanged", "failed"


@dataclass
class FileResult:
    source: Path
    rel: str
    status: str = UNCHANGED
    error: str | None = None
    changes: list[Change] = field(default_factory=list)
    old_text: str | None = None
    new_text: str | None = None
    is_base: bool = False
    inlined_bases: list[str] = field(default_factory=list)
    destination: Path | None = None
    target: dict | None = None
    effective: dict | None = None

    @property
    def findings(self) -> list[Change]:
        return [c for c in self.changes if c.severity != Severity.EXACT]

    @property
    def needs_review(self) -> bool:
        return any(c.severity in (Severity.REVIEW, Severity.UNSUPPORTED) for c in self.changes)


@dataclass
class ConvertOptions:
    select: Sequence[str] | None = None
    ignore: Sequence[str] | None = None


class UsageError(Exception):
    """Bad command-line usage (exit code 2)."""


def discover(root: Path, exclude: Iterable[str] = ()) -> list[Path]:
    """Config files under a directory (``*.py``, no ``__init__.py``, no
    hidden folders), sorted."""
    import fnmatch

    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
        for name in sorted(filenames):
            if not name.endswith(".py") or name == "__init__.py":
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(name, pat) for pat in exclude):
                continue
            out.append(path)
    return out


def restrict_to_owned(target: dict, old: dict) -> dict:
    """Keys a ``_base_`` file may define after conversion.

    Two bases of one config must never define the same key (MMEngine refuses
    duplicate keys among bases).  A base keeps a 1.x key only when it already
    had that key or owned the 0.x key that 1.x key comes from
    (``PRIMARY_SOURCE``); the configs that inherit it get everything else.
    """
    return {k: v for k, v in target.items() if k in old or PRIMARY_SOURCE.get(k, k) in old}


def unaccounted_leaves(old: dict, target: dict, changes: list[Change]) -> list[str]:
    """Leaves of the 0.x config that are neither carried over unchanged nor
    covered by a change (architecture invariant 2)."""
    touched = [p for c in changes for p in c.old_paths]
    lost = []
    for path, value in iter_leaves(old):
        if same(get_path(target, path), value):
            continue
        if any(path[: len(p)] == p or p[: len(path)] == path for p in touched):
            continue
        lost.append(format_path(path))
    return lost


class Converter:
    def __init__(self, files: Sequence[Path], root: Path | None, options: ConvertOptions | None = None):
        self.options = options or ConvertOptions()
        self.rules: list[Rule] = resolve_selection(self.options.select, self.options.ignore)
        self.files = [Path(os.path.abspath(f)) for f in files]
        self.root = Path(os.path.abspath(root)) if root else None
        self.in_set = set(self.files)
        self.sources: dict[Path, SourceFile] = {}
        self.results: dict[Path, FileResult] = {}
        self.effective: dict[Path, dict] = {}
        self.targets: dict[Path, dict] = {}

    def rel(self, path: Path) -> str:
        if self.root is not None:
            try:
                return path.relative_to(self.root).as_posix()
            except ValueError:
                pass
        return path.name

    # -- reading and ordering ------------------------------------------------
    def _source(self, path: Path) -> SourceFile:
        if path not in self.sources:
            self.sources[path] = read_source(path)
        return self.sources[path]

    def _bases_of(self, path: Path) -> list[Path]:
        try:
            return self._source(path).bases
        except ConfigError:
            return []

    def order(self) -> list[Path]:
        """Files with their in-set bases first (stable otherwise)."""
        seen: set[Path] = set()
        out: list[Path] = []

        def visit(p: Path, stack: set[Path]) -> None:
            if p in seen or p in stack:
                return
            stack.add(p)
            for b in self._bases_of(p):
                if b in self.in_set:
                    visit(b, stack)
            stack.discard(p)
            seen.add(p)
            out.append(p)

        for f in self.files:
            visit(f, set())
        return out

    # -- the pipeline ------------------------------------------------------
    def run(self, staging: Path) -> list[FileResult]:
        bases_used = {b for f in self.files for b in self._bases_of(f) if b in self.in_set}
        for path in self.order():
            res = FileResult(source=path, rel=self.rel(path), is_base=path in bases_used)
            self.results[path] = res
            try:
                self._convert_one(path, res, staging)
            except ConfigError as exc:
                res.status, res.error = FAILED, str(exc)
            except emit_mod.EmitError as exc:
                res.status, res.error = FAILED, f"cannot write the 1.x config: {exc}"
        return [self.results[p] for p in self.files if p in self.results]

    def _check_bases(self, src: SourceFile) -> None:
        for spec, base in zip(src.base_specs, src.bases):
            if not base.exists():
                raise ConfigError(f"`_base_` file {spec!r} not found ({base})")
        cycle = find_cycle(src.path, self._bases_of)
        if cycle:
            names = " -> ".join(os.path.relpath(p, src.path.parent) for p in cycle)
            raise ConfigError(f"`_base_` cycle: {names}")
        for base in src.bases:
            if base.exists() and base.suffix == ".py":
                try:
                    self._source(base)
                except ConfigError as exc:
                    raise ConfigError(f"`_base_` file {os.path.relpath(base, src.path.parent)}: {exc}") from None
                self._check_bases(self._source(base)) if base not in self.in_set else None

    def _convert_one(self, path: Path, res: FileResult, staging: Path) -> None:
        src = self._source(path)
        res.old_text = src.text
        self._check_bases(src)
        in_set_bases = [(spec, b) for spec, b in zip(src.base_specs, src.bases) if b in self.in_set]
        for spec, b in in_set_bases:
            if self.results.get(b) is None or self.results[b].status == FAILED:
                raise ConfigError(f"`_base_` file {spec!r} could not be converted")
        res.inlined_bases = [spec for spec, b in zip(src.base_specs, src.bases) if b not in self.in_set]

        old = load_effective(path)
        self.effective[path] = old
        res.effective = old
        outcome = apply_rules(old, self.rules, partial=res.is_base)
        target = restrict_to_owned(outcome.target, old) if res.is_base else outcome.target
        res.changes = outcome.changes
        lost = unaccounted_leaves(old, target, outcome.changes) if not res.is_base else []
        if lost:
            res.changes.append(Change("internal", Severity.ERROR,
                                      "settings lost without a rule (a bug in mmgen-migrate): " + ", ".join(lost[:5])))

        base_view: dict = {}
        old_base_view: dict = {}
        for spec, b in in_set_bases:
            dup = base_view.keys() & self.targets[b].keys()
            if dup:
                raise ConfigError(f"converted `_base_` files both define {', '.join(sorted(dup))}")
            base_view.update(self.targets[b])
            old_base_view.update(self.effective[b])

        kept = [spec for spec, _ in in_set_bases] if res.inlined_bases else None
        staged = staging / res.rel
        staged.parent.mkdir(parents=True, exist_ok=True)
        text = None
        problem = ""
        first_problem = ""
        for literal in (False, True):
            inp = emit_mod.EmitInput(
                module=src.module,
                target=target,
                base_view=base_view,
                old_effective=old,
                old_base_view=old_base_view,
                changes=outcome.changes,
                kept_bases=kept,
                inlined_bases=res.inlined_bases,
                literal=literal,
            )
            candidate = emit_mod.emit(inp)
            staged.write_bytes(candidate.encode("utf-8"))
            load_notes: list[str] = []
            try:
                loaded = load_effective(staged, new_style=True, notes=load_notes)
            except ConfigError as exc:
                problem = f"the written config does not load ({exc})"
                first_problem = first_problem or problem
                continue
            if same(loaded, target):
                text = candidate
                res.changes.extend(Change("load", Severity.REVIEW, note) for note in load_notes)
                lost = sorted(set(_PLACEHOLDER.findall(src.text)) - set(_PLACEHOLDER.findall(text)))
                if lost:
                    res.changes.append(Change("load", Severity.REVIEW, (
                        f"MMEngine placeholder(s) {', '.join('{{ ' + n + ' }}' for n in lost)} were written as "
                        "their values for this file's location; put them back if the config moves")))
                if literal:  # the first emission, reusing the source's expressions, did not hold
                    res.changes.append(Change("emit", Severity.EXACT, (
                        f"written with literal values instead of the source's expressions: {first_problem}")))
                if not (res.is_base or res.inlined_bases or self.options.select or self.options.ignore):
                    # (a run of some rules writes a half-converted file, inlined bases make it
                    # longer on purpose: their length says nothing)
                    grew = emit_mod.growth_note(src.text, text, res.changes)
                    if grew is not None:
                        res.changes.append(grew)
                break
            diff = first_difference(loaded, target)
            problem = (
                f"the written config loads to a different value at `{format_path(diff)}` "
                f"({_short(get_path(loaded, diff))} instead of {_short(get_path(target, diff))})"
            )
            first_problem = first_problem or problem
        if text is None:
            staged.unlink(missing_ok=True)
            raise emit_mod.EmitError(problem)
        self.targets[path] = target
        res.target = target
        res.new_text = text
        res.status = CONVERTED if text != src.text else UNCHANGED


# MMEngine's predefined variables (Config._substitute_predefined_vars)
_PLACEHOLDER = re.compile(r"\{\{\s*(fileDirname|fileBasename|fileBasenameNoExtension|fileExtname)\s*\}\}")


def _short(value) -> str:
    if value is MISSING:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def convert_files(
    files: Sequence[Path], root: Path | None, options: ConvertOptions | None = None
) -> list[FileResult]:
    """Convert ``files`` in memory (nothing written outside a temporary
    staging folder).  ``root`` is the folder relative names are taken from."""
    conv = Converter(files, root, options)
    with scratch_dir("mmgen-migrate-") as tmp:
        return conv.run(Path(tmp))


def convert_text(text: str, *, filename: str = "config.py", options: ConvertOptions | None = None) -> FileResult:
    """Convert one config given as text (no ``_base_`` files)."""
    with scratch_dir("mmgen-migrate-in-") as tmp:
        path = Path(tmp) / filename
        path.write_text(text, encoding="utf-8", newline="")
        results = convert_files([path], Path(tmp), options)
    return results[0]


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file,
    never a partial one (a complete temporary file in the same folder, then
    an atomic rename).  No fsync: this guards against interrupted runs, not
    power loss.

    Where the OS allows (Linux ``O_TMPFILE``) the data is written to a file
    without a name, which gets its temporary name only once complete, so a
    run killed with SIGKILL leaves a temporary file only if it dies between
    two system calls; such a leftover (``.NAME.mmgen-migrate-PID.tmp``) is
    removed by the next run that writes ``NAME``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{glob_escape(path.name)}.mmgen-migrate-*.tmp"):
        try:
            stale.unlink()
        except OSError:
            pass
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = None
    tmp = path.parent / f".{path.name}.mmgen-migrate-{os.getpid()}.tmp"
    try:
        if not _write_unnamed(path.parent, tmp.name, data, mode):
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            try:
                _write_all(fd, data, mode)
            finally:
                os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _write_unnamed(folder: Path, name: str, data: bytes, mode: int | None) -> bool:
    """Write ``data`` to an unnamed file in ``folder`` and name it ``name``
    once complete; False where the OS or filesystem cannot."""
    try:
        fd = os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o666)
    except (AttributeError, OSError):  # no O_TMPFILE (not Linux, or the filesystem lacks it)
        return False
    try:
        _write_all(fd, data, mode)
        dir_fd = os.open(folder, os.O_RDONLY)
        try:  # linkat(AT_SYMLINK_FOLLOW) gives the unnamed file its name
            os.link(f"/proc/self/fd/{fd}", name, dst_dir_fd=dir_fd, follow_symlinks=True)
        except OSError:
            return False
        finally:
            os.close(dir_fd)
    finally:
        os.close(fd)
    return True


def _write_all(fd: int, data: bytes, mode: int | None) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    if mode is not None:
        os.fchmod(fd, mode)  # keep the permissions of the file it replaces


def glob_escape(name: str) -> str:
    import glob

    return glob.escape(name)


def write_results(results: Sequence[FileResult], destination_of) -> None:
    """Write every converted (or unchanged) file to ``destination_of(result)``;
    failed files are never written."""
    for res in results:
        if res.status == FAILED or res.new_text is None:
            continue
        dst = destination_of(res)
        if dst is None:
            continue
        data = res.new_text.encode("utf-8")
        if dst.exists() and dst.read_bytes() == data:
            res.destination = dst
            continue
        write_atomic(dst, data)
        res.destination = dst
