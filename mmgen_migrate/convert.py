"""Converting a set of config files: the pipeline of docs/architecture.md.

For each file, in ``_base_`` order (bases first):

1. read the effective 0.x config statically (:mod:`.reader`: bases merged
   exactly as MMEngine merges them, nothing executed; ``--allow-exec``
   evaluates a file the reader refuses in the sandboxed worker);
2. run the rules on it → the target 1.x config and the list of changes;
3. emit the file as an edit of its own source, relative to what its
   converted bases give (bases outside the converted set are inlined);
4. stage the result (on disk where other staged files find it as their
   `_base_`, else in memory) and read it back the way MMagic's
   ``tools/train.py`` reads it (``Config.fromfile`` semantics, statically
   -- the output is made of expressions the reader understands): it must
   equal the target (semantic round trip).  A value that depends on the
   machine (an environment variable, the working directory) must stay an
   expression: the input and the output are also read on a *probe*
   machine, and the output must convert the same there.  If it does not,
   emit again without reusing source expressions; if it still does not,
   the file fails and nothing is written.

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
from .load import ConfigError, NewStyleConfig, SourceFile, find_cycle, read_effective, read_source
from .reader import check_size
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
from .rules.base import OTHER_SOURCES, PRIMARY_SOURCE
from .rules.families import training_refused

from .errors import Status, UsageError  # noqa: E402,F401 (UsageError: part of this module's interface)

CONVERTED, UNCHANGED, FAILED = Status.CONVERTED, Status.UNCHANGED, Status.FAILED


@dataclass
class FileResult:
    source: Path
    rel: str
    status: Status = UNCHANGED
    error: str | None = None
    changes: list[Change] = field(default_factory=list)
    old_text: str | None = None
    new_text: str | None = None
    is_base: bool = False
    inlined_bases: list[str] = field(default_factory=list)
    destination: Path | None = None
    target: dict | None = None
    effective: dict | None = None
    #: keys this `_base_` file may not claim through ``OTHER_SOURCES`` (None:
    #: through none of them; see ``blocked_claims``)
    blocked: frozenset | None = None

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
    #: None: read configs statically only; "sandbox" / "unconfined": execute
    #: the ones the static reader refuses (``--allow-exec``)
    allow_exec: str | None = None


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


def restrict_to_owned(target: dict, old: dict, blocked: Iterable[str] | None = None) -> dict:
    """Keys a ``_base_`` file may define after conversion.

    Two bases of one config must never define the same key (MMEngine refuses
    duplicate keys among bases).  A base keeps a 1.x key only when it already
    had that key or owned the 0.x key that 1.x key comes from
    (``PRIMARY_SOURCE``), or, for a key not in ``blocked``, one of the other
    0.x keys it may come from (``OTHER_SOURCES``; ``blocked=None``: never);
    the configs that inherit it get everything else.
    """
    blocked = None if blocked is None else set(blocked)

    def owns(key: str) -> bool:
        if key in old or PRIMARY_SOURCE.get(key, key) in old:
            return True
        return blocked is not None and key not in blocked and any(s in old for s in OTHER_SOURCES.get(key, ()))

    return {k: v for k, v in target.items() if owns(k)}


def blocked_claims(configs: Iterable[Path], bases_of, top_keys) -> dict[Path, frozenset]:
    """For each `_base_` file among ``configs``' bases, the 1.x keys of
    ``OTHER_SOURCES`` it may not claim, so that no two sibling bases of one
    config ever both define one (MMEngine refuses duplicate keys among bases).

    ``bases_of(path)``: its `_base_` files in the converted set;
    ``top_keys(path)``: the top-level keys of its effective 0.x config.  Among
    the bases of one config, a base holding the key or its primary source
    claims it and blocks every other holder; two or more holders of only
    other sources block each other (the config then writes the key).  A
    blocked base blocks the holders it inherits from, whose value it could
    not otherwise leave out."""
    configs = list(configs)
    bases = {b for c in configs for b in bases_of(c)}
    blocked: dict[Path, set[str]] = {b: set() for b in bases}
    for config in configs:
        sibs = bases_of(config)
        for key, others in OTHER_SOURCES.items():
            strong = [b for b in sibs if key in top_keys(b) or PRIMARY_SOURCE.get(key, key) in top_keys(b)]
            weak = [b for b in sibs if b not in strong and any(s in top_keys(b) for s in others)]
            if strong or len(weak) > 1:
                for b in weak:
                    blocked[b].add(key)
    grew = True
    while grew:
        grew = False
        for b in bases:
            for a in bases_of(b):
                if a in blocked and not blocked[b] <= blocked[a]:
                    blocked[a] |= blocked[b]
                    grew = True
    return {b: frozenset(keys) for b, keys in blocked.items()}


# A converted dataset `_base_` keeps the val/test loaders of the `data.val` /
# `data.test` it owns (for the configs inheriting it that evaluate); a config
# without that loop sets the inherited loader to None (MMEngine builds a loop
# only when its loader, loop and evaluator are all set, and refuses a loader
# without the other two).
UNSET_WITHOUT_LOOP = {"val_dataloader": "val", "test_dataloader": "test"}


def unset_inherited_loaders(target: dict, base_view: dict, changes: list[Change] | None = None) -> dict:
    """``target`` with ``<split>_dataloader = None`` where a converted base
    gives that loader and this (whole) config has no such loop."""
    unset = [k for k in UNSET_WITHOUT_LOOP if k not in target and base_view.get(k) is not None]
    if not unset:
        return target
    target = dict(target)
    for key in unset:
        target[key] = None
        if changes is not None:
            split = UNSET_WITHOUT_LOOP[key]
            changes.append(Change("DAT001", Severity.EXACT, (
                f"`{key} = None`: the converted `_base_` file defines the {split} loader for the configs that "
                f"{'validate' if split == 'val' else 'test'}; this one has no {split} loop"),
                old_paths=(("data", split),), new_path=(key,), new_value=None))
    return target


def unaccounted_leaves(old: dict, target: dict, changes: list[Change]) -> list[str]:
    """Leaves of the 0.x config that are neither carried over unchanged nor
    covered by a change (architecture invariant 2)."""
    touched = {tuple(p) for c in changes for p in c.old_paths}
    # a leaf is covered by a change at it, above it or below it
    below = {p[:i] for p in touched for i in range(len(p) + 1)}
    lost = []
    for path, value in iter_leaves(old):
        if path in below or any(path[:i] in touched for i in range(len(path))):
            continue
        if same(get_path(target, path), value):
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
        self.modern: dict[Path, bool] = {}  # `_base_` files outside the set: already 1.x?
        self._loaded: dict[Path, object] = {}
        self.blocked: dict[Path, frozenset] = {}
        self._folders: set[Path] = set()  # staging folders made

    def rel(self, path: Path) -> str:
        if self.root is not None:
            try:
                return path.relative_to(self.root).as_posix()
            except ValueError:
                pass
        return path.name

    def _folder(self, folder: Path) -> None:
        """Make a staging folder (once)."""
        if folder not in self._folders:
            folder.mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)

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
    def _read(self, path: Path):
        """``read_effective`` of ``path``, read once (its error too)."""
        if path not in self._loaded:
            try:
                self._loaded[path] = read_effective(path, allow_exec=self.options.allow_exec)
            except (ConfigError, NewStyleConfig) as exc:
                self._loaded[path] = exc
        got = self._loaded[path]
        if isinstance(got, Exception):
            raise got
        return got

    def _top_keys(self, path: Path) -> set:
        try:
            return set(self._read(path).config)
        except (ConfigError, NewStyleConfig):
            return set()

    def run(self, staging: Path) -> list[FileResult]:
        bases_used = {b for f in self.files for b in self._bases_of(f) if b in self.in_set}
        self.blocked = blocked_claims(self.files, lambda p: [b for b in self._bases_of(p) if b in self.in_set],
                                      self._top_keys)
        for path in self.order():
            res = FileResult(source=path, rel=self.rel(path), is_base=path in bases_used)
            if res.is_base:
                res.blocked = self.blocked.get(path, frozenset())
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

    def _already_1x(self, base: Path) -> bool:
        """Is ``base`` (a `_base_` file outside the converted set) a config
        the rules leave as it is?"""
        if base not in self.modern:
            self.modern[base] = False
            if base.suffix == ".py":
                try:
                    effective = read_effective(base, allow_exec=self.options.allow_exec).config
                except ConfigError:  # (a new-style config is not a `_base_` of an old-style one)
                    return False
                outcome = apply_rules(effective, self.rules, partial=True)
                self.modern[base] = same(restrict_to_owned(outcome.target, effective), effective)
                if self.modern[base]:  # what it gives the configs inheriting it
                    self.effective[base] = self.targets[base] = effective
        return self.modern[base]

    def _stage_1x(self, base: Path, spec: str, staged_dir: Path, staging: Path, depth: int = 0) -> bool:
        """Copy ``base`` (and its own `_base_` files) to where a file staged
        in ``staged_dir`` finds it through ``spec``; False where that is
        outside the staging folder (the base is then inlined)."""
        dest = Path(os.path.normpath(staged_dir / spec))
        try:
            dest.relative_to(staging)
            src = self._source(base)
        except (ValueError, ConfigError):
            return False
        if depth > 20 or not all(self._stage_1x(b, s, dest.parent, staging, depth + 1)
                                 for s, b in zip(src.base_specs, src.bases)):
            return False
        self._folder(dest.parent)
        dest.write_bytes(src.raw)
        return True

    def _convert_one(self, path: Path, res: FileResult, staging: Path) -> None:
        src = self._source(path)
        res.old_text = src.text
        self._check_bases(src)
        in_set_bases = [(spec, b) for spec, b in zip(src.base_specs, src.bases) if b in self.in_set]
        for spec, b in in_set_bases:
            if self.results.get(b) is None or self.results[b].status == FAILED:
                raise ConfigError(f"`_base_` file {spec!r} could not be converted")
        # `_base_` files outside the converted set that are already 1.x stay
        # references (only 0.x bases are inlined); they are staged where the
        # staged file finds them, for the round trip
        staged_dir = (staging / res.rel).parent
        kept_1x = {b for spec, b in zip(src.base_specs, src.bases)
                   if b not in self.in_set and self._already_1x(b) and self._stage_1x(b, spec, staged_dir, staging)}
        in_set_bases = [(spec, b) for spec, b in zip(src.base_specs, src.bases) if b in self.in_set or b in kept_1x]
        res.inlined_bases = [spec for spec, b in zip(src.base_specs, src.bases)
                             if b not in self.in_set and b not in kept_1x]

        allow_exec = self.options.allow_exec
        try:
            loaded = self._read(path)
        except NewStyleConfig:
            # `with read_base():` configs exist only in MMEngine: 1.x already
            res.changes.append(Change("load", Severity.EXACT,
                                      "a new-style (lazy-import) MMEngine config: already 1.x, left as it is"))
            res.new_text, res.status = src.text, UNCHANGED
            self.targets[path] = {}
            self.effective[path] = {}
            return
        old = loaded.config
        self.effective[path] = old
        res.effective = old
        refused_inline = bool(in_set_bases) and training_refused(old)
        if refused_inline:
            # MOD005 keeps this config's 0.x training settings while its
            # converted bases give 1.x ones (a `data` base now defines
            # `train_dataloader`): it inherits nothing converted and is
            # written self-contained, exactly as when converted on its own
            res.inlined_bases = list(src.base_specs)
            in_set_bases = []
        outcome = apply_rules(old, self.rules, partial=res.is_base)
        target = restrict_to_owned(outcome.target, old, res.blocked) if res.is_base else outcome.target
        res.changes = outcome.changes
        if refused_inline:
            res.changes.append(Change("MOD005", Severity.UNSUPPORTED, (
                "`_base_` files inlined: the 1.x settings of their conversion must not apply to a model MMagic "
                "1.x cannot train (the file is written as when converted on its own)")))
        if loaded.executed:
            res.changes.append(Change("load", Severity.REVIEW, (
                "not read statically: executed with --allow-exec"
                + (" (unconfined)" if allow_exec == "unconfined" else " in the sandbox"))))
        probe_target = self._probe_target(path, loaded, res)
        executed_names = self._executed_values(path, loaded, res) if loaded.executed else {}
        lost = unaccounted_leaves(old, target, outcome.changes) if not res.is_base else []
        if lost:
            res.changes.append(Change("internal", Severity.ERROR,
                                      "settings lost without a rule (a bug in mmgen-migrate): " + ", ".join(lost[:5])))

        marked = any(c.severity == Severity.UNSUPPORTED and c.new_path for c in res.changes)
        if res.inlined_bases and same(target, old) and not marked and all(
                self._already_1x(b) if b not in self.in_set else self.results[b].status == UNCHANGED
                for b in src.bases):
            # already 1.x, bases included (1.x bases the staging folder cannot
            # hold, e.g. outside the root): nothing to inline, the file is
            # unchanged (as `--check` on one file of a converted tree sees it)
            res.inlined_bases = []
            self.targets[path] = res.target = target
            res.new_text, res.status = src.text, UNCHANGED
            staged = staging / res.rel  # where the configs inheriting it find it
            self._folder(staged.parent)
            staged.write_bytes(src.raw)
            return

        base_view: dict = {}
        old_base_view: dict = {}
        for spec, b in in_set_bases:
            dup = base_view.keys() & self.targets[b].keys()
            if dup:
                raise ConfigError(f"converted `_base_` files both define {', '.join(sorted(dup))}")
            base_view.update(self.targets[b])
            old_base_view.update(self.effective[b])

        if not res.is_base:
            target = unset_inherited_loaders(target, base_view, res.changes)
        kept = [spec for spec, _ in in_set_bases] if res.inlined_bases else None
        staged = staging / res.rel
        self._folder(staged.parent)
        text = None
        problem = ""
        first_problem = ""
        for literal in (False, True):
            inp = emit_mod.EmitInput(
                module=src.module,
                target=target,
                known=_statement_values(src, loaded.machine_values.get(str(path), {})),
                base_view=base_view,
                old_effective=old,
                old_base_view=old_base_view,
                changes=outcome.changes,
                kept_bases=kept,
                inlined_bases=res.inlined_bases,
                literal=literal,
            )
            candidate = emit_mod.emit(inp)
            data = candidate.encode("utf-8")
            # read back from memory where no file needs it on disk: a file no
            # other one uses as a `_base_`, read statically (the worker of
            # --allow-exec reads files); as Python reads a file, with its
            # line endings made "\n"
            held = None if res.is_base or allow_exec is not None else \
                candidate.replace("\r\n", "\n").replace("\r", "\n")
            try:
                if held is None:
                    staged.write_bytes(data)
                else:
                    check_size(staged, len(data))
                reloaded = read_effective(staged, new_style=True, allow_exec=allow_exec, text=held)
            except ConfigError as exc:
                problem = f"the written config does not load ({exc})"
                first_problem = first_problem or problem
                continue
            load_notes = reloaded.notes
            frozen = self._frozen(staged, probe_target, held)
            if frozen is not None and same(reloaded.config, target):
                problem = frozen
                continue
            loaded_cfg = reloaded.config
            if same(loaded_cfg, target):
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
            diff = first_difference(loaded_cfg, target)
            problem = (
                f"the written config loads to a different value at `{format_path(diff)}` "
                f"({_short(get_path(loaded_cfg, diff))} instead of {_short(get_path(target, diff))})"
            )
            first_problem = first_problem or problem
        if text is None:
            staged.unlink(missing_ok=True)
            raise emit_mod.EmitError(problem)
        if loaded.executed:
            _warn_frozen_executed(res, text, executed_names)
        self.targets[path] = target
        res.target = target
        res.new_text = text
        res.status = CONVERTED if text != src.text else UNCHANGED


    # -- values that depend on the machine -----------------------------------
    def _probe_target(self, path: Path, loaded, res: FileResult):
        """Report every look at the machine of this file (and its bases not
        converted alongside), and return the target the file converts to on
        the probe machine (None when nothing depends on the machine, or when
        the probe cannot be read)."""
        if loaded.executed or not loaded.reads:
            return None
        mine = [r for r in loaded.reads if Path(r.file) == path or Path(r.file) not in self.in_set]
        seen = set()
        for r in mine:
            key = (r.file, r.line, r.what)
            if key in seen:
                continue
            seen.add(key)
            where = "" if Path(r.file) == path else f" in `_base_` file {os.path.relpath(r.file, path.parent)}"
            subject = f"`{r.name}`" if r.name else "a value"
            res.changes.append(Change("load", Severity.REVIEW, (
                f"{subject} (line {r.line}{where}) depends on the machine: {r.what}; the output keeps "
                "the expression, so it is read again where the config runs (the values checked are this machine's)")))
        try:
            probe = read_effective(path, probe=True)
        except ConfigError:
            return None  # a value the probe machine cannot give (e.g. int() of it): checked on this machine only
        outcome = apply_rules(probe.config, self.rules, partial=res.is_base)
        return restrict_to_owned(outcome.target, probe.config, res.blocked) if res.is_base else outcome.target

    def _executed_values(self, path: Path, loaded, res: FileResult) -> dict[str, str]:
        """A config executed with --allow-exec: every top-level name bound by
        a statement outside what is read statically may hold a value of this
        machine (a file, the clock, the environment).  Report each, and give
        the emitter its value so that it writes the name, not the value.
        Returns the names of the string values (value -> name)."""
        import ast

        from .reader import NotStatic, check_static

        try:
            tree = ast.parse(res.old_text or "")
        except SyntaxError:
            return {}
        values, names = {}, {}
        for index, stmt in enumerate(tree.body):
            name = stmt.targets[0].id if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                                          and isinstance(stmt.targets[0], ast.Name)) else None
            if name is None or name not in loaded.config:
                continue
            try:
                check_static(ast.Module(body=[stmt], type_ignores=[]))
                continue
            except NotStatic:
                pass
            if not _last_binding(tree.body, index, name):
                continue
            value = loaded.config[name]
            res.changes.append(Change("load", Severity.REVIEW, (
                f"`{name}` (line {stmt.lineno}) was computed by executing the config (--allow-exec): "
                f"{_short(value)} on this machine; the output keeps the expression, check that it gives the "
                "right value where the config runs")))
            if isinstance(value, str) and value or isinstance(value, (list, dict, tuple)) and value:
                values[index] = value
            if isinstance(value, str) and len(value) >= 2:
                names[value] = name
        loaded.machine_values[str(path)] = values
        return names

    def _frozen(self, staged: Path, probe_target, text: str | None = None) -> str | None:
        """Why the written config freezes a machine-dependent value, if it
        does (``text``: the staged file's content, when it is not on disk)."""
        if probe_target is None:
            return None
        try:
            again = read_effective(staged, new_style=True, probe=True, text=text).config
        except ConfigError:
            return None
        if same(again, probe_target):
            return None
        diff = first_difference(again, probe_target)
        return (f"the written config would freeze a value that depends on the machine at `{format_path(diff)}` "
                f"(it writes {_short(get_path(again, diff))} where the config reads the machine)")


def _string_literals(text: str) -> list[tuple[int, str]]:
    import ast
    import io
    import tokenize

    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.STRING:
                try:
                    value = ast.literal_eval(tok.string)
                except (ValueError, SyntaxError):
                    continue
                if isinstance(value, str):
                    out.append((tok.start[0], value))
    except (tokenize.TokenError, SyntaxError):
        pass
    return out


def _warn_frozen_executed(res: FileResult, text: str, names: dict[str, str]) -> None:
    """With --allow-exec there is no probe reading: say where the output
    writes a string that holds a value computed by executed code
    (``names``: value -> the variable that holds it)."""
    if not names:
        return
    before = {v for _, v in _string_literals(res.old_text or "")}
    for line, literal in _string_literals(text):
        if literal in before:
            continue
        for value, name in names.items():
            if value in literal:
                res.changes.append(Change("load", Severity.REVIEW, (
                    f"line {line} of the output writes {literal!r}, which holds this machine's value of "
                    f"`{name}`; write it with `{name}` so it is computed where the config runs")))
                break


def _last_binding(body, index: int, name: str) -> bool:
    """Is statement ``index`` the last one that binds or changes ``name``?"""
    import ast

    for stmt in body[index + 1:]:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
                return False
            if isinstance(node, (ast.Subscript, ast.Attribute)) and not isinstance(node.ctx, ast.Load):
                root = node
                while isinstance(root, (ast.Subscript, ast.Attribute)):
                    root = root.value
                if isinstance(root, ast.Name) and root.id == name:
                    return False
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                root = node.func.value
                while isinstance(root, (ast.Subscript, ast.Attribute)):
                    root = root.value
                if isinstance(root, ast.Name) and root.id == name:
                    return False  # a method call may change it
    return True


def _statement_values(src: SourceFile, by_ast_index: dict) -> dict:
    """Values of statements that read the machine, keyed by the index of the
    statement in the module's body (the reader counts ``ast`` statements:
    ``a = 1; b = 2`` is one line of the body but two ``ast`` statements)."""
    if not by_ast_index:
        return {}
    out = {}
    ast_index = 0
    for i, stmt in enumerate(src.module.body):
        n = len(stmt.nodes)
        if n == 1 and ast_index in by_ast_index:
            out[i] = by_ast_index[ast_index]
        ast_index += n
    return out


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


def write_atomic(path: Path, data: bytes, *, stale: Iterable[str] | None = None) -> None:
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
    # ``stale``: the names of the folder's leftovers, when the caller listed
    # them once for all the files it writes there (and made the folder)
    if stale is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        stale = _leftover_names(path.parent)
    prefix = f".{path.name}.mmgen-migrate-"
    for name in stale:
        if name.startswith(prefix) and name.endswith(".tmp"):
            try:
                (path.parent / name).unlink()
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


def _leftover_names(folder: Path) -> list[str]:
    """The names of the temporary files interrupted writes may have left in
    ``folder`` (``.NAME.mmgen-migrate-PID.tmp``)."""
    return [e.name for e in os.scandir(folder)
            if e.name.startswith(".") and e.name.endswith(".tmp") and ".mmgen-migrate-" in e.name]


def hold_back_failed_families(results: Sequence[FileResult]) -> None:
    """For ``--in-place``: a `_base_` family (files linked by `_base_`, in
    either direction) is written all or nothing.  If one member failed, the
    others are not written either and become failed themselves: a converted
    base under a child that stayed 0.x (or the reverse) would load as a
    mixture of 0.x and 1.x keys (`data` and `train_dataloader`)."""
    by_path = {r.source: r for r in results}
    linked: dict[Path, set[Path]] = {p: set() for p in by_path}
    for p in by_path:
        try:
            bases = read_source(p).bases
        except ConfigError:
            continue
        for b in bases:
            if b in by_path and b != p:
                linked[p].add(b)
                linked[b].add(p)
    seen: set[Path] = set()
    for start in by_path:
        if start in seen:
            continue
        family, stack = [], [start]
        while stack:
            p = stack.pop()
            if p in seen:
                continue
            seen.add(p)
            family.append(p)
            stack.extend(linked[p])
        failed = sorted(by_path[p].rel for p in family if by_path[p].status == FAILED)
        if not failed:
            continue
        for p in family:
            res = by_path[p]
            if res.status == CONVERTED:
                res.status = FAILED
                res.error = (f"not written: it shares `_base_` files with {', '.join(failed)}, which failed; "
                             "--in-place writes a `_base_` family all or nothing (fix the failure and run again, "
                             "or convert into another folder with -o)")


def write_results(results: Sequence[FileResult], destination_of) -> None:
    """Write every converted (or unchanged) file to ``destination_of(result)``;
    failed files are never written."""
    leftovers: dict[Path, list[str] | None] = {}  # folder -> its `.*.mmgen-migrate-*.tmp` entries, listed once

    def stale_in(folder: Path) -> list[str] | None:
        if folder not in leftovers:
            try:
                leftovers[folder] = _leftover_names(folder)
            except FileNotFoundError:  # (not there yet: nothing left in it)
                folder.mkdir(parents=True, exist_ok=True)
                leftovers[folder] = []
            except OSError:  # (write_atomic says what is wrong with it)
                leftovers[folder] = None
        return leftovers[folder]

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
        write_atomic(dst, data, stale=stale_in(dst.parent))
        res.destination = dst
