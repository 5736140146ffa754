"""Turn a target (1.x) view back into source, editing the file's text.

Input: one file's original source, the effective config its ``_base_`` files
give after conversion (``base_view``), and the effective config the file must
load to (``target``).  Output: the new source.

The edit is per top-level key:

* a statement whose value still yields the target (merged over the bases) is
  kept byte for byte;
* a key whose value changed is rewritten in place, as an override of what the
  bases give, reusing the original expressions (variables, arithmetic,
  comments) wherever :mod:`staticeval` proves they still have the needed value;
* a new key (``optim_wrapper``) takes the place of the statement it came from
  (``optimizer``), inheriting its comments;
* a key that no longer exists (``optimizer``, 0.x-only keys) is deleted, its
  comments moved to the next statement.  A deleted name that other statements
  still use as a variable is kept and removed at the end with ``del``.

Correctness does not rest on this module: the converter reloads every emitted
file with MMEngine and compares it with the target (see ``convert.py``).
"""

from __future__ import annotations

from .errors import MigrateError

import ast
import keyword
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Iterable

from . import source as source_mod
from . import staticeval
from .source import Line, Statement
from .model import MISSING, Change, MergeError, Path, Severity, merge, same

MARKER = "# mmgen-migrate:"
LINE_LIMIT = 79


class EmitError(MigrateError):
    """The target cannot be written as an edit of this file."""


@dataclass
class EmitInput:
    module: source_mod.Module
    target: dict
    base_view: dict
    old_effective: dict
    old_base_view: dict
    changes: list[Change] = field(default_factory=list)
    kept_bases: list[str] | None = None  # None: keep the _base_ statement as is
    inlined_bases: list[str] = field(default_factory=list)
    literal: bool = False  # never reuse source expressions (fallback mode)
    # values of top-level statements the static evaluator cannot compute
    # itself (they read the machine), by statement index, from the reader
    known: dict = field(default_factory=dict)


def emit(inp: EmitInput) -> str:
    return _Emitter(inp).run()


# A converted leaf config more than this many times as long as its input
# (code lines) gets a note saying why (see ``growth_note``).
GROWTH_LIMIT = 1.5
GROWTH_NOTE = "longer than its input"


def code_lines(text: str) -> int:
    """Physical lines holding code: not blank, not only a comment (a line
    of a multi-line string counts)."""
    import io
    import tokenize

    if "'''" not in text and '"""' not in text and "\\" not in text and "\r" not in text.replace("\r\n", ""):
        # no token spans lines (no multi-line string, no continued line):
        # a line holds code unless it is blank or only a comment
        return sum(1 for ln in text.split("\n") if (s := ln.strip()) and not s.startswith("#"))
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENDMARKER}
    lines: set[int] = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type not in skip:
                lines.update(range(tok.start[0], tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return sum(1 for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#"))
    return len(lines)


def growth_note(old_text: str, new_text: str, changes: Iterable[Change]) -> Change | None:
    """A finding for a converted file over ``GROWTH_LIMIT`` times its input:
    which new 1.x statements make it longer and which 0.x settings they come
    from, so the reviewer knows why (1.x spells out per loop or per module
    what one 0.x key said, e.g. `data` -> one `*_dataloader` per loop)."""
    n_old, n_new = code_lines(old_text), code_lines(new_text)
    if not n_old or n_new <= GROWTH_LIMIT * n_old:
        return None
    old_statements, new_statements = _statement_lines(old_text), _statement_lines(new_text)
    if old_statements is None or new_statements is None:
        return None
    old_code = {code for _, code in old_statements}
    sources: dict[str, list[str]] = {}
    for c in changes:
        if c.new_path and isinstance(c.new_path[0], str):
            for p in c.old_paths:
                if p and isinstance(p[0], str) and p[0] != c.new_path[0] and p[0] not in sources.setdefault(
                        c.new_path[0], []):
                    sources[c.new_path[0]].append(p[0])
    grown = []
    for name, code in new_statements:
        if name is None or code in old_code:
            continue
        grown.append((code_lines(code), name))
    grown.sort(key=lambda item: -item[0])
    parts = []
    for n, name in grown[:4]:
        src = sources.get(name)
        parts.append(f"`{name}` ({n} line{'s' if n != 1 else ''}" + (f", from 0.x {', '.join(f'`{s}`' for s in src)})" if src else ")"))
    return Change("emit", Severity.EXACT,
                  f"{n_new / n_old:.1f}x {GROWTH_NOTE} ({n_old} -> {n_new} code lines): 1.x writes out what 0.x "
                  f"inherited or said in one key: {', '.join(parts)}")


def _statement_lines(text: str) -> list[tuple[str | None, str]] | None:
    """The top-level statements of ``text`` as (the name a one-target
    assignment binds, else None; the lines the statement is written on),
    from Python's parser (the statements sharing a line are one entry, with
    no name).  None when ``text`` does not parse."""
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = source_mod.physical_lines(text)
    groups: list[list[ast.stmt]] = []
    for stmt in body:
        if groups and stmt.lineno <= (groups[-1][-1].end_lineno or groups[-1][-1].lineno):
            groups[-1].append(stmt)  # `a = 1; b = 2`
        else:
            groups.append([stmt])
    out = []
    for group in groups:
        first = min([group[0].lineno] + [d.lineno for d in getattr(group[0], "decorator_list", [])])
        last = group[-1].end_lineno or group[-1].lineno
        name = None
        if len(group) == 1:
            stmt = group[0]
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                name = stmt.targets[0].id
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
                name = stmt.target.id
        out.append((name, "".join(lines[first - 1:last])))
    return out


# ---------------------------------------------------------------------------


def _is_identifier(key: Any) -> bool:
    return isinstance(key, str) and key.isidentifier() and not keyword.iskeyword(key)


class _Emitter:
    def __init__(self, inp: EmitInput):
        self.inp = inp
        self.module = inp.module
        self.body = list(inp.module.body)
        self.newline = inp.module.newline
        self.indent_unit = inp.module.indent if inp.module.indent.strip() == "" else "    "
        self.facts = staticeval.Facts(inp.module)
        self._hints: dict[Path, Any] = {}
        self._rendered: dict[tuple, tuple[Any, str]] = {}
        self._reuse: dict[tuple, tuple[Any, tuple]] = {}
        self.bindings = staticeval.module_bindings(inp.module, self.facts, known=inp.known)
        self.simple_defs: dict[str, list[int]] = {}
        self.complex_defs: dict[str, list[int]] = {}
        self.base_index: int | None = None
        for i, stmt in enumerate(self.body):
            simple = staticeval.simple_assignment(stmt)
            if simple is not None:
                name = simple[0]
                if name == "_base_":
                    if self.base_index is None:
                        self.base_index = i
                    continue
                self.simple_defs.setdefault(name, []).append(i)
                others = self.facts.bound(stmt) - {name}
            else:
                others = self.facts.bound(stmt)
            for name in sorted(others):  # sorted: the output must not depend on set order (hash seed)
                self.complex_defs.setdefault(name, []).append(i)
        # moves: new path prefix -> old path prefix, later moves win
        self.moves = [(c.new_path, c.old_paths[0]) for c in inp.changes if c.moved and c.new_path is not None]
        self.notes = {c.new_path: c.note for c in inp.changes if c.note and c.new_path is not None}
        # names the source uses as variables (not only defines as config keys)
        used = set().union(*(self.facts.referenced(stmt) for stmt in self.body)) if self.body else set()
        self.user_variables = {n for n in self.simple_defs if n in used}
        self.changed: set[str] = set()
        self.out_bindings: staticeval.Bindings | None = None  # set once the edit is planned
        self.written: set[str] = set()  # names this edit writes a new statement for
        self.sources: dict[str, list[str]] = {}
        for c in inp.changes:
            if c.new_path:
                for p in c.old_paths:
                    if p and isinstance(p[0], str):
                        self.sources.setdefault(c.new_path[0], [])
                        if p[0] not in self.sources[c.new_path[0]]:
                            self.sources[c.new_path[0]].append(p[0])

    # -- values ------------------------------------------------------------
    def own_old(self, name: str) -> Any:
        """The value this file's own statements give ``name`` (MISSING when
        not statically known)."""
        if name in self.complex_defs or name not in self.simple_defs:
            return MISSING
        try:
            return self.bindings.lookup(name, len(self.body))
        except staticeval.Unknown:
            return MISSING

    def keeps(self, name: str) -> bool:
        """Does the file's statement for ``name`` still give the target?"""
        t, bv = self.inp.target, self.inp.base_view
        if name not in self.simple_defs and name not in self.complex_defs:
            # not written here: right only if the bases already give it
            return (name in t) == (name in bv) and same(bv.get(name, MISSING), t.get(name, MISSING))
        own = self.own_old(name)
        if own is not MISSING:
            if name not in t:
                return False
            try:
                got = merge(bv, {name: own})[name]
            except MergeError:
                return False
            return same(got, t[name])
        old, ob = self.inp.old_effective, self.inp.old_base_view
        return (
            (name in t) == (name in old)
            and same(t.get(name, MISSING), old.get(name, MISSING))
            and same(bv.get(name, MISSING), ob.get(name, MISSING))
        )

    def old_path_for(self, path: Path) -> Path:
        for new, old in reversed(self.moves):
            if path[: len(new)] == new:
                return old + path[len(new) :]
        return path

    def hint(self, path: Path) -> ast.expr | None:
        """The original expression for (the 0.x origin of) ``path`` in this
        file, if the file writes it out."""
        if path not in self._hints:
            self._hints[path] = self._hint(path)
        return self._hints[path]

    def _hint(self, path: Path) -> ast.expr | None:
        if self.inp.literal:
            return None
        old = self.old_path_for(path)
        if not old or not isinstance(old[0], str):
            return None
        defs = self.simple_defs.get(old[0])
        if not defs:
            return None
        node = staticeval.simple_assignment(self.body[defs[-1]])[1]
        for key in old[1:]:
            node = _child(node, key, self.module)
            if node is None:
                return None
        return node

    def changed_names(self, order: list[str]) -> set[str]:
        """Config keys whose statements this edit rewrites, moves or removes.

        A kept statement that reads such a name (``wandb_cfg = dict(model=model)``)
        would see the new value when the output runs, so it changes too, and
        so on until nothing more changes."""
        t, bv, old = self.inp.target, self.inp.base_view, self.inp.old_effective
        keys = [n for n in order if n not in ("_base_", "*") and (n in t or n in old or n in bv)]
        changed = {n for n in keys if not self.keeps(n)}
        grew = True
        while grew:
            grew = False
            for name in keys:
                if name in changed:
                    continue
                stmts = self.simple_defs.get(name, []) + self.complex_defs.get(name, [])
                if any(self.facts.referenced(self.body[i]) & changed for i in stmts):
                    changed.add(name)
                    grew = True
        return changed

    def reusable(self, node: ast.expr | None, value: Any, at: float) -> bool:
        """Does ``node``, placed at statement ``at`` of the output, give
        ``value``?  Names are read as the output binds them: a rewritten
        variable (``train_pipeline``) has its converted value there."""
        if node is None:
            return False
        env = self.out_bindings.env(at) if self.out_bindings is not None else self.bindings.env(at)
        if self.out_bindings is None and self.facts.referenced(node) & self.changed:
            return False  # before the plan is known, a rewritten name's output value is not
        try:
            got = staticeval.evaluate(node, env, self.module)
        except (staticeval.Unknown, RecursionError):
            return False
        return same(got, value)

    def variable_for(self, value: Any, path: Path, at: float) -> str | None:
        """A variable of the config (a name its source uses as a variable)
        that holds ``value`` where the output writes it: ``pipeline=train_pipeline``,
        ``inception_pkl=inception_pkl``, ``data_root=dataroot``.  Lists,
        dicts, tuples and paths match whatever their key; other strings,
        numbers and ``None`` only a variable of the key's own name (with or
        without underscores): ``type='GAN'`` must not become ``type=gan_type``."""
        if self.inp.literal or self.out_bindings is None or not path:
            return None
        key = path[-1] if isinstance(path[-1], str) else None
        # a list, dict or tuple, or a path (`'data/celeba'`, `'x.pkl'`), is
        # distinctive enough to match a variable of any name
        distinctive = isinstance(value, (list, tuple, dict)) and bool(value) or (
            isinstance(value, str) and len(value) >= 6 and ("/" in value or "." in value) and " " not in value)
        names = ([key] if key in self.user_variables else []) + sorted(self.user_variables - {key})
        bv = self.inp.base_view
        if len(path) == 1 and distinctive and not isinstance(value, str) and path[0] not in bv:
            # a whole key equal to one written before it: `test_dataloader = val_dataloader`
            # (not an override of an inherited key, nor one equal to another
            # key's override: `val_dataloader = train_dataloader` would read as
            # the training loader)
            names += [n for n in self.inp.target if n not in self.user_variables and n != path[0]
                      and n not in bv]
        for name in names:
            if name == path[0] or (not distinctive and _spelling(name) != _spelling(key)):
                continue
            try:
                got = self.out_bindings.lookup(name, at)
            except staticeval.Unknown:
                continue
            if same(got, value):
                return name
        return None

    def override(self, b: Any, t: Any, path: Path) -> Any:
        """A value ``n`` with ``merge({k: b}, {k: n})[k] == t``, keeping the
        sub-keys the source writes out even where the base already agrees."""
        if not isinstance(t, dict):
            return t
        if not isinstance(b, dict):
            return {"_delete_": True, **t} if b is not MISSING else t
        if any(k not in t for k in b):
            return {"_delete_": True, **t}
        out = {}
        for k, v in t.items():
            if k not in b:
                out[k] = v
            elif isinstance(v, dict):
                if isinstance(b[k], dict):
                    sub = self.override(b[k], v, path + (k,))
                    if sub or self.hint(path + (k,)) is not None:
                        out[k] = sub
                else:
                    out[k] = {"_delete_": True, **v}
            elif not same(v, b[k]) or self.hint(path + (k,)) is not None:
                out[k] = v
        return out

    # -- rendering ---------------------------------------------------------
    def render(self, value: Any, path: Path, at: int, indent: str, lead: int = 0) -> str:
        """Source for ``value``; ``lead`` is the width already used on the
        line before it (to decide between one line and one item per line).

        Rendering is a function of its arguments once the edit is planned
        (``out_bindings`` set), and the layouts tried for a container render
        the same items again and again: each answer is remembered."""
        key = (path, at, indent, lead, id(value))
        hit = self._rendered.get(key)
        if hit is not None and hit[0] is value:
            return hit[1]
        text = self._render(value, path, at, indent, lead)
        self._rendered[key] = (value, text)  # (the value is held, so its id stays its own)
        return text

    def code_of(self, node: ast.expr) -> str:
        """``node``'s source (a node of the source module), its own
        parentheses included."""
        return self.module.code_of(node)

    def _reused(self, value: Any, path: Path, at: int) -> tuple[str | None, ast.expr | None]:
        """(the text of the source's expression or variable that gives
        ``value`` here, if one does; the source's expression for ``path``),
        whatever the layout."""
        key = (path, at, id(value))
        hit = self._reuse.get(key)
        if hit is not None and hit[0] is value:
            return hit[1]
        node = self.hint(path)
        text = None
        if node is not None and self.reusable(node, value, at):
            text = self.code_of(node)
        else:
            text = self.variable_for(value, path, at)
        self._reuse[key] = (value, (text, node))
        return text, node

    def _render(self, value: Any, path: Path, at: int, indent: str, lead: int) -> str:
        text, node = self._reused(value, path, at)
        if text is not None:
            return text
        if isinstance(value, dict) and value and node is not None:
            edited = self._edit_dict_call(node, value, path, at, indent, lead)
            if edited is not None:
                return edited
        if isinstance(value, dict):
            if not value:
                return "dict()"
            if all(_is_identifier(k) for k in value):
                pairs = [(f"{k}=", v, path + (k,)) for k, v in value.items()]
                return self._items(pairs, at, indent, lead, "dict(", ")")
            pairs = [(f"{_literal(k)}: ", v, path + (k,)) for k, v in value.items()]
            return self._items(pairs, at, indent, lead, "{", "}")
        if isinstance(value, list):
            pairs = [("", v, path + (i,)) for i, v in enumerate(value)]
            return self._items(pairs, at, indent, lead, "[", "]") if value else "[]"
        if isinstance(value, tuple):
            if not value:
                return "()"
            pairs = [("", v, path + (i,)) for i, v in enumerate(value)]
            return self._items(pairs, at, indent, lead, "(", ")", trailing_comma=len(value) == 1)
        machine_name = self.machine_name(value, at)
        if machine_name is not None:
            return machine_name
        return _literal(value)

    def machine_name(self, value: Any, at: int) -> str | None:
        """The top-level name whose statement read ``value`` from the machine
        (``data_root = os.environ.get(...)``), when it still holds it at
        ``at``: written instead of the value, which is this machine's only.
        (convert checks the result on a probe machine.)"""
        if self.inp.literal or not self.inp.known or isinstance(value, bool) or value is None:
            return None
        for index in sorted(self.inp.known, reverse=True):
            simple = staticeval.simple_assignment(self.body[index])
            if simple is None or index >= at or self.inp.known[index] != value:
                continue
            name = simple[0]
            if name in getattr(self, "changed", set()):
                continue
            try:
                if same(self.bindings.lookup(name, at), value):
                    return name
            except staticeval.Unknown:
                continue
        return None

    def _edit_dict_call(self, node, value: dict, path: Path, at: int, indent: str, lead: int) -> str | None:
        """Edit the source's ``dict(...)`` call into ``value`` in place: keep
        the arguments (with their comments and layout) whose values still
        hold, replace the others' values, drop removed keys, append new ones
        in the call's own layout.  ``None`` when the call is not editable."""
        if not (type(node) is ast.Call and type(node.func) is ast.Name and node.func.id == "dict"):
            return None
        layout = self.module.call_layout(node)
        if layout is None:
            return None
        args = layout.args
        keys = [a.keyword for a in args]
        if len(set(keys)) != len(keys) or not all(_is_identifier(k) for k in value):
            return None
        sep, arg_indent = self._call_layout(layout, indent)
        nl = self.newline
        kept: list[_ArgText] = []
        for a in args:
            k = a.keyword
            if k not in value:
                continue
            sub_path = path + (k,)
            if self.hint(sub_path) is a.value and self.reusable(a.value, value[k], at):
                kept.append(_ArgText(k, a.eq, self.code_of(a.value), a.comma, a.after, a))
                continue
            code = self.render(value[k], sub_path, at, arg_indent, len(arg_indent) + len(k) + 1)
            kept.append(_ArgText(k, a.eq, code, a.comma, a.after))
        added = [k for k in value if k not in keys]
        if not kept and not added:
            return None
        notes = [self.notes.get(path + (k,)) for k in added]
        multiline = sep != " "
        if any(notes) and not multiline:
            return None
        last_comma = args[-1].comma
        last_ws_after = args[-1].after
        if added:
            # the previous last argument now continues the list
            if kept:
                kept[-1] = replace(kept[-1], comma=("", sep), after="")
            for k, note in zip(added, notes):
                code = self.render(value[k], path + (k,), at, arg_indent, len(arg_indent) + len(k) + 1)
                ws = f"  # {note}{sep}" if note else sep
                kept.append(_ArgText(k, "=", code, ("", ws), ""))
            # close the call the way the source closed it
            last_note = notes[-1]
            if last_comma is not None:
                closing = last_comma[1]
                if last_note:
                    rest = _after_first_line(closing) if source_mod.is_parenthesized_ws(closing) else indent
                    closing = f"  # {last_note}{nl}{rest}"
                kept[-1] = replace(kept[-1], comma=(last_comma[0], closing), after=last_ws_after)
            elif last_note:
                kept[-1] = replace(kept[-1], comma=("", f"  # {last_note}{nl}{indent}"))
            else:
                kept[-1] = replace(kept[-1], comma=None, after=last_ws_after)
        elif kept[-1].source is not args[-1]:  # (the source's last argument was dropped or rewritten)
            kept[-1] = replace(kept[-1], comma=last_comma, after=last_ws_after)
        code = layout.prefix + layout.before_args + "".join(a.text for a in kept) + layout.suffix
        if not multiline and "\n" not in self.code_of(node) and (
                "\n" in code or lead + len(code) + 1 > LINE_LIMIT):
            return None  # a one-line call grown too long or over lines: lay it out afresh
        return code

    def _call_layout(self, layout: source_mod.CallLayout, indent: str) -> tuple[str, str]:
        """(separator between arguments, indentation of argument lines).

        A call laid out over several lines continues in its own layout (the
        last line break between arguments, or the one after the opening
        parenthesis); a one-line call continues on its line."""
        between = [a.comma[1] for a in layout.args[:-1] if a.comma is not None]
        candidates = [w for w in between if source_mod.is_parenthesized_ws(w)]
        if not candidates and source_mod.is_parenthesized_ws(layout.before_args):
            candidates = [layout.before_args]
        if candidates:
            last_line = source_mod.NEWLINE.split(candidates[-1])[-1]
            return self.newline + last_line, last_line
        return " ", indent + self.indent_unit

    def _items(self, pairs, at: int, indent: str, lead: int, open_: str, close: str,
               trailing_comma: bool = False) -> str:
        inner = indent + self.indent_unit
        flat = [prefix + self.render(v, p, at, inner, 0) for prefix, v, p in pairs]
        notes = [self.notes.get(p) for _, _, p in pairs]
        one = open_ + ", ".join(flat) + ("," if trailing_comma else "") + close
        if not any(notes) and "\n" not in one and "#" not in one and lead + len(one) + 1 <= LINE_LIMIT:
            return one
        aligned = self._aligned(pairs, at, lead, open_, close, notes, trailing_comma)
        packed = self._packed(pairs, at, indent, open_, close, notes, trailing_comma)
        if aligned is not None and aligned.count("\n") < packed.count("\n"):
            return aligned  # (only where it saves a line: one style where both fit)
        return packed

    def _packed(self, pairs, at, indent: str, open_: str, close: str, notes, trailing_comma: bool) -> str:
        inner = indent + self.indent_unit
        # Too long for one line: the items fill lines of at most LINE_LIMIT
        # (as the OpenMMLab configs are written), an item over several lines
        # or with a note ends its line.
        lines = [open_]
        line = ""
        for (prefix, v, p), note in zip(pairs, notes):
            text = prefix + self.render(v, p, at, inner, len(inner) + len(prefix)) + ","
            alone = "\n" in text or open_ == "[" and isinstance(v, dict)  # one transform, hook, metric a line
            if line and (alone or len(inner) + len(line) + 1 + len(text) > LINE_LIMIT):
                lines.append(inner + line)
                line = ""
            if alone or note:
                if line:
                    lines.append(inner + line)
                    line = ""
                lines.append(f"{inner}{text}" + (f"  # {note}" if note else ""))
                continue
            line = f"{line} {text}" if line else text
        if line:
            lines.append(inner + line)
        last = lines[-1]
        tail = last.split("\n")[-1]
        if "#" not in tail and len(tail) - 1 + len(close) <= LINE_LIMIT \
                and not (trailing_comma and len(pairs) == 1):
            lines[-1] = last[:-1] + close  # the closing bracket ends the last line
        else:
            lines.append(indent + close)
        return "\n".join(lines)

    ALIGN_LIMIT = 40  # deepest column an aligned continuation starts at

    def _aligned(self, pairs, at, lead: int, open_: str, close: str, notes, trailing_comma: bool) -> str | None:
        """Items of one-line values filling lines aligned after the opening
        bracket, as yapf writes OpenMMLab configs::

            model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel',
                                     broadcast_buffers=False, find_unused_parameters=False)

        ``None`` where that does not fit (a value over several lines, a note,
        the column too deep, a list of transforms: one a line)."""
        col = lead + len(open_)
        if any(notes) or trailing_comma or col > self.ALIGN_LIMIT or not pairs:
            return None
        if open_ == "[" and any(isinstance(v, dict) for _, v, _ in pairs):
            return None
        pad = " " * col
        lines: list[str] = []
        line, width = "", col
        for k, (prefix, v, p) in enumerate(pairs):
            start = width + (2 if line else 0)
            text = prefix + self.render(v, p, at, pad, start + len(prefix))
            if "\n" in text or "#" in text:
                return None
            end = "," if k < len(pairs) - 1 else close + ","  # (room for the comma after the value)
            if line and start + len(text) + len(end) > LINE_LIMIT:
                lines.append(line + ",")
                line, width = "", col
                start = col
                text = prefix + self.render(v, p, at, pad, col + len(prefix))
                if "\n" in text:
                    return None
            if start + len(text) + len(end) > LINE_LIMIT:
                return None
            line = f"{line}, {text}" if line else text
            width = start + len(text)
        lines.append(line + close)
        return open_ + ("\n" + pad).join(lines)

    def statement(self, name: str, value: Any, at: int) -> Statement:
        code = f"{name} = {self.render(value, (name,), at, '', len(name) + 3)}\n"
        stmt = self.written_statement(name, code)
        self.written.add(name)
        return stmt

    def written_statement(self, name: str | None, code: str) -> Statement:
        """The statement ``code`` (``name = ...``, ending in one newline) as
        text: printing it is all the edit does with it (the written file is
        parsed and read back as a whole, see ``convert.py``)."""
        code = code.replace("\r\n", "\n")
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError) as exc:  # pragma: no cover - a bug in rendering
            raise EmitError(f"internal error: generated code does not parse: {exc}") from exc
        stmt = source_mod.written(code, name, self.newline)
        self.facts.remember(stmt, code, tree)
        return stmt

    # -- the edit ----------------------------------------------------------
    def run(self) -> str:
        t, bv = self.inp.target, self.inp.base_view
        # names in the order the file first defines them (ties: simple
        # assignments first, as listed), then the target's new keys
        rank: dict[str, int] = {}
        for pos, name in enumerate(list(self.simple_defs) + list(self.complex_defs)):
            rank.setdefault(name, pos)
        first = {n: min(self.simple_defs.get(n, []) + self.complex_defs.get(n, [])) for n in rank}
        order = sorted(rank, key=lambda n: (first[n], rank[n]))
        for name in t:
            if name not in order:
                order.append(name)

        rewrite: dict[int, Statement] = {}
        delete: set[int] = set()
        insert_at: dict[int, list[Statement]] = {}
        append: list[Statement] = []
        removed_names: list[str] = []

        # 1. plan: which statement gives which name which value
        self.changed = self.changed_names(order)
        self.placed_new: set[str] = set()
        plan_rewrite: dict[int, tuple[str, Any]] = {}
        plan_insert: dict[int, list[tuple[str, Any]]] = {}
        plan_append: list[tuple[str, Any]] = []
        for name in order:
            if name not in self.changed:
                continue
            simple = self.simple_defs.get(name, [])
            complex_ = self.complex_defs.get(name, [])
            if name in t:
                value = self.override(bv.get(name, MISSING), t[name], (name,))
                if name in bv and isinstance(value, dict) and not value:
                    if simple and not complex_:
                        delete.update(simple)
                    continue
                if simple and (not complex_ or max(complex_) < simple[-1]):
                    plan_rewrite[simple[-1]] = (name, value)
                elif complex_ or simple:
                    plan_append.append((name, value))
                else:
                    anchor = self.anchor(name)
                    if anchor is None:
                        plan_append.append((name, value))
                    else:
                        plan_insert.setdefault(anchor, []).append((name, value))
            else:
                if name in bv:
                    raise EmitError(
                        f"`{name}` comes from a `_base_` file and has no 1.x meaning, "
                        "but a child config cannot remove an inherited key"
                    )
                removed_names.append(name)

        # 2. what each name holds in the output, statement by statement
        self.out_bindings = self.output_bindings(plan_rewrite, plan_insert, plan_append, delete,
                                                 set(removed_names))

        # 3. render
        for idx, (name, value) in plan_rewrite.items():
            rewrite[idx] = self.statement(name, value, idx)
        for anchor, items in plan_insert.items():
            insert_at[anchor] = [self.new_statement(name, value, _inserted_at(anchor, k))
                                 for k, (name, value) in enumerate(items)]
        n = len(self.body)
        append.extend(self.new_statement(name, value, n + k) for k, (name, value) in enumerate(plan_append))

        # Deleting a removed key's statements is only safe when no surviving
        # statement uses it as a variable.
        dels = []
        kept_refs = [
            (i, self.facts.referenced(s), self.facts.bound(s))
            for i, s in enumerate(self.body)
            if i not in delete and i not in rewrite
        ]
        new_refs = set().union(*(self.facts.referenced(s) for s in list(rewrite.values()) + append
                                 + [x for v in insert_at.values() for x in v]))
        for name in removed_names:
            simple = self.simple_defs.get(name, [])
            used = name in new_refs or any(
                name in refs and name not in bound for i, refs, bound in kept_refs if i not in simple
            )
            if self.complex_defs.get(name) or used:
                dels.append(name)
            else:
                delete.update(simple)
        if dels:
            append.append(self.written_statement(
                None, f"del {', '.join(dels)}  {MARKER} 0.x-only settings, kept above as variables\n"))

        self.mark_unsupported(rewrite)
        return self.assemble(rewrite, delete, insert_at, append)

    def output_bindings(self, plan_rewrite, plan_insert, plan_append, delete, removed) -> staticeval.Bindings:
        """The values names have in the output as of each statement: the
        source's, except where a statement is rewritten (its new value),
        deleted, or added; a 0.x-only name is never read."""
        out = staticeval.Bindings()
        rewritten = {(name, idx) for idx, (name, _) in plan_rewrite.items()}
        for name, history in self.bindings.history.items():
            if name in removed:
                continue
            for idx, value in history:
                if idx in delete or (name, idx) in rewritten:
                    continue
                out.bind(name, idx, value)
        for idx, (name, value) in plan_rewrite.items():
            out.bind(name, idx, value)
        for anchor, items in plan_insert.items():
            for k, (name, value) in enumerate(items):
                out.bind(name, _inserted_at(anchor, k), value)
        for k, (name, value) in enumerate(plan_append):
            out.bind(name, len(self.body) + k, value)
        for history in out.history.values():
            history.sort(key=lambda item: item[0])
        return out

    def anchor(self, name: str) -> int | None:
        """Where a new top-level key goes: at the statement it was made from."""
        for src in self.sources.get(name, []):
            defs = self.simple_defs.get(src)
            if defs:
                return defs[-1]
        return None

    def unsupported_markers(self, name: str) -> list[str]:
        return [f"{MARKER} {c.rule} unsupported: {c.message}" for c in self.inp.changes
                if c.severity == Severity.UNSUPPORTED and c.new_path and c.new_path[0] == name]

    def new_statement(self, name: str, value: Any, at: int) -> Statement:
        """A statement added for ``name`` (not in place of its own): it
        carries the name's unsupported markers, so that converting the
        output again finds them on the statement that is then the last one."""
        stmt = self.statement(name, value, at)
        self.placed_new.add(name)
        markers = self.unsupported_markers(name)
        if markers:
            stmt = stmt.with_leading(list(stmt.leading) + self._comment_lines(markers))
        return stmt

    def mark_unsupported(self, rewrite: dict[int, Statement]) -> None:
        self.markers: dict[int, list[str]] = {}
        for c in self.inp.changes:
            if c.severity != Severity.UNSUPPORTED or not c.new_path or not isinstance(c.new_path[0], str):
                continue
            if c.new_path[0] in self.placed_new:
                continue
            defs = self.simple_defs.get(c.new_path[0])
            if not defs:
                continue
            text = f"{MARKER} {c.rule} unsupported: {c.message}"
            self.markers.setdefault(defs[-1], []).append(text)

    def _in_header(self, text: str) -> bool:
        """Comments above the first statement are the module's header, not
        the statement's leading lines."""
        return any(ln.comment == text for ln in self.module.header)

    def _comment_lines(self, texts: Iterable[str]) -> list[Line]:
        return [Line.of_comment(t, self.newline) for t in texts]

    def assemble(self, rewrite, delete, insert_at, append) -> str:
        new_body: list[Statement] = []
        pending: list[Line] = []
        base_stmt = self.edit_base_statement()

        def attach(stmt, extra_leading: list[Line]):
            nonlocal pending
            leading = list(pending) + list(extra_leading)
            pending = []
            if leading:
                own = list(stmt.leading)
                if own and _is_blank(own[0]) and leading and _is_blank(leading[0]):
                    leading = leading[1:]
                lines: list[Line] = []
                for ln in leading + own:  # one blank line between statements, not two
                    if not (_is_blank(ln) and lines and _is_blank(lines[-1])):
                        lines.append(ln)
                stmt = stmt.with_leading(lines)
            return stmt

        routed = self.route_comments(delete, insert_at)
        new_names = {}
        for i, new in rewrite.items():
            new_names[id(new)] = _written_name(new)
        for new in [x for v in insert_at.values() for x in v] + append:
            name = _written_name(new)
            if name is not None:
                new_names[id(new)] = name

        def with_routed(new, extra):
            name = new_names.get(id(new))
            lines = routed.pop(name, []) if name is not None else []
            return list(extra) + self._comment_lines(lines)

        for i, stmt in enumerate(self.body):
            if i == self.base_index and base_stmt is not stmt:
                if base_stmt is None:
                    pending.extend(_leading_and_comments(self.facts, stmt, None))
                    continue
                stmt = base_stmt
            markers = [m for m in self.markers.get(i, [])
                       if not _has_comment(stmt, m) and not (i == 0 and self._in_header(m))]
            if i in delete:
                replacements = insert_at.get(i, [])
                if not replacements:
                    # its comments went with their values (route_comments);
                    # its blank lines still separate what surrounds it
                    if stmt.leading and _is_blank(stmt.leading[0]) and not (
                            pending and _is_blank(pending[-1])):
                        pending.append(stmt.leading[0])
                    continue
                # the first statement made from this one takes its place and comments
                first = replacements[0]
                new_body.append(attach(_keep_trailing(stmt, first), with_routed(first, stmt.leading)))
                for new in replacements[1:]:
                    new_body.append(attach(new, with_routed(new, [])))
                continue
            if i in rewrite:
                new = rewrite[i]
                moved = _leading_and_comments(self.facts, stmt, new)
                extra = with_routed(new, moved)
                new = _keep_trailing(stmt, new)
                new_body.append(attach(new, extra + self._comment_lines(markers)))
            else:
                if markers:
                    stmt = stmt.with_leading(list(stmt.leading) + self._comment_lines(markers))
                new_body.append(attach(stmt, []))
            for new in insert_at.get(i, []):
                new_body.append(attach(new, with_routed(new, [])))
        for new in append:
            new_body.append(attach(new, with_routed(new, [])))
        footer = list(self.module.footer)
        if pending:
            # comments of removed statements at the end of the file went
            # with their values: no orphan comment is left at the end
            footer = [ln for ln in pending if ln.comment is not None] + footer
        if new_body and not self.module.header:
            # the output never starts with a blank line
            lead = list(new_body[0].leading)
            while lead and _is_blank(lead[0]):
                lead.pop(0)
            new_body[0] = new_body[0].with_leading(lead)
        if self.inp.inlined_bases and new_body:
            note = (f"{MARKER} settings from _base_ file(s) "
                    f"{', '.join(self.inp.inlined_bases)} were inlined (not converted alongside)")
            # after the module docstring, which must stay first to be one
            at = 1 if _is_docstring(new_body[0]) else 0
            if at < len(new_body):
                first = new_body[at]
                if not _has_comment(first, note) and not (at == 0 and self._in_header(note)):
                    new_body[at] = first.with_leading(list(first.leading) + self._comment_lines([note]))
            elif not any(ln.comment == note for ln in footer):
                footer = footer + self._comment_lines([note])
        if not new_body and not footer and not self.module.header:
            return ""  # everything was removed
        return self.module.code_for(self.module.header, new_body, footer)

    def route_comments(self, delete: set[int], insert_at: dict) -> dict[str, list[str]]:
        """Where the comments of a deleted statement go: with the value that
        replaced what they describe (the statement a change moved or computed
        it into), or away with it when it was dropped.  A comment inside the
        statement describes its own key (``is_dynamic_ddp=False,  # ...``);
        one above or after it, the whole statement.  Returns new key ->
        comment texts (in source order)."""
        out: dict[str, list[str]] = {}
        for i in sorted(delete):
            if i == self.base_index:
                continue
            simple = staticeval.simple_assignment(self.body[i])
            if simple is None:
                continue
            name, value = simple
            stmt = self.body[i]
            found = []
            if not insert_at.get(i):  # (replaced in place: the comments above stay in place)
                found += [(ln.comment, (name,)) for ln in stmt.leading if ln.comment is not None]
            if self.facts.comments(stmt):  # (no comment on its lines: none inside its value)
                found += self._comments_by_path(value, (name,))
            replacements = insert_at.get(i)
            in_place = _written_name(replacements[0]) if replacements else None
            if stmt.comment is not None and not (replacements and replacements[0].single_line()):
                found.append((stmt.comment, (name,)))
            carried = Counter(self.facts.comments(replacements[0])) if replacements else Counter()
            for text, path in found:
                if carried[text]:
                    carried[text] -= 1  # the replacement kept it where it was
                    continue
                dest = self.comment_destination(path)
                if dest is not None:
                    # a comment of a statement replaced in place stays in place
                    # (unless what it describes was dropped)
                    out.setdefault(in_place or dest, []).append(text)
        return out

    def _comments_by_path(self, node: ast.expr, path: Path) -> list[tuple[str, Path]]:
        """The comments inside expression ``node`` (the value at ``path``), each
        with the path of the innermost ``dict`` key whose argument holds it."""
        m = self.module
        if type(node) is ast.Call and type(node.func) is ast.Name and node.func.id == "dict":
            regions = m.arg_regions(node)
            if regions is not None:
                open_end, args, close, end = regions
                first = args[0][0] if args else close
                out = [(c, path) for c in m.comments_in(open_end, first)]
                for start, stop, kw, value in args:
                    if kw is None:
                        out += [(c, path) for c in m.comments_in(start, stop)]
                        continue
                    sub = path + (kw,)
                    out += self._comments_by_path(value, sub)
                    out += [(c, sub) for c in m.comments_in(m.span(value)[1], stop)]
                out += [(c, path) for c in m.comments_in(close, end)]
                return out
        start, end = m.span(node)
        return [(c, path) for c in m.comments_in(start, end)]

    def comment_destination(self, path: Path) -> str | None:
        """The key written in this output that took over the 0.x value at
        ``path``; ``None`` when the value was dropped (or lives elsewhere)."""
        def dest(c: Change) -> str | None:
            key = c.new_path[0] if c.new_path else None
            return key if key in self.written else None

        inside = [c for c in self.inp.changes if any(o[: len(path)] == path for o in c.old_paths)]
        for c in inside:  # the value (or a part of it) went somewhere this file writes
            if dest(c) is not None:
                return dest(c)
        if inside:
            return None
        around = [c for c in self.inp.changes if any(path[: len(o)] == o for o in c.old_paths if o)]
        if any(c.new_path is None for c in around):
            return None  # an enclosing setting was dropped, and the comment with it
        for c in around:
            if dest(c) is not None:
                return dest(c)
        return None

    def edit_base_statement(self):
        if self.base_index is None or self.inp.kept_bases is None:
            return self.body[self.base_index] if self.base_index is not None else None
        stmt = self.body[self.base_index]
        kept = self.inp.kept_bases
        if not kept:
            return None
        _, value = staticeval.simple_assignment(stmt)
        if type(value) in (ast.List, ast.Tuple):
            layout = self.module.seq_layout(value)
            if layout is None:
                return stmt
            elements = [el for el in layout.elements if _base_value(el[0], self.module) in kept]
            if len(elements) == len(layout.elements):
                return stmt
            texts = [text + after for _, text, after in elements]
            if elements and not layout.trailing_comma:
                texts[-1] = elements[-1][1]  # (the source's last element had no comma)
            vs = self.module.offset(value.lineno, value.col_offset)
            ve = self.module.offset(value.end_lineno, value.end_col_offset)
            code = self.module.source[stmt.offset:vs] + layout.opening + "".join(texts) + layout.closing + \
                self.module.source[ve:stmt.offset + len(stmt.code)]
            return Statement(code=code, trailing=stmt.trailing, leading=stmt.leading)
        return stmt


def _base_value(node: ast.expr, module) -> Any:
    try:
        return staticeval.evaluate(node.value if type(node) is ast.Starred else node, None, module)
    except staticeval.Unknown:
        return None


def _spelling(name: Any) -> Any:
    """``data_root`` and ``dataroot`` name the same thing."""
    return name.replace("_", "").lower() if isinstance(name, str) else name


def _inserted_at(anchor: int, k: int) -> float:
    """Position (for name lookups) of the k-th statement added after statement ``anchor``."""
    return anchor + 0.5 + k / 1000


def _is_docstring(stmt) -> bool:
    return (len(stmt.nodes) == 1 and type(stmt.nodes[0]) is ast.Expr
            and type(stmt.nodes[0].value) is ast.Constant and isinstance(stmt.nodes[0].value.value, (str, bytes)))


def _after_first_line(ws: str) -> str:
    """What follows the first line break of whitespace that holds one."""
    return source_mod.NEWLINE.split(ws, maxsplit=1)[1]


@dataclass(frozen=True)
class _ArgText:
    """A keyword argument of an edited call as it is written out: its value
    is text; ``source``: the source's argument, where kept as it is."""

    keyword: str
    eq: str
    value: str
    comma: tuple | None  # (text before the comma, text after it), or no comma
    after: str
    source: source_mod.Arg | None = None

    @property
    def text(self) -> str:
        comma = "" if self.comma is None else f"{self.comma[0]},{self.comma[1]}"
        return f"{self.keyword}{self.eq}{self.value}{comma}{self.after}"


def _is_blank(line: Line) -> bool:
    return line.comment is None


def _has_comment(stmt, text: str) -> bool:
    return any(ln.comment == text for ln in stmt.leading)


def _leading_and_comments(facts: staticeval.Facts, old: Statement, new) -> list[Line]:
    """The old statement's leading lines plus every comment inside it that
    the new statement does not carry, as comment lines."""
    lines = list(old.leading)
    inner = Counter(facts.comments(old))
    trailing = old.comment
    if trailing and inner[trailing]:
        inner[trailing] -= 1
    if new is not None:
        for c in facts.comments(new.with_trailing(facts.module.newline)):
            if inner[c]:
                inner[c] -= 1
    texts = [c for c, n in inner.items() for _ in range(n)]
    keep_trailing = new is not None and new.single_line()
    if trailing and not keep_trailing:
        texts.append(trailing)
    # comments already on the statement's own lines stay in order
    return lines + [Line.of_comment(t, facts.module.newline) for t in texts]


def _keep_trailing(old: Statement, new: Statement) -> Statement:
    if old.comment and new.single_line():
        return new.with_trailing(old.trailing)
    return new


def _child(node: ast.expr, key: Any, module) -> ast.expr | None:
    if type(node) is ast.Call and type(node.func) is ast.Name and node.func.id == "dict":
        found = None
        for kw in node.keywords:
            if kw.arg is not None and kw.arg == key:
                found = kw.value
        return found
    if type(node) is ast.Dict:
        found = None
        for k, v in zip(node.keys, node.values):
            if k is not None:
                try:
                    if staticeval.evaluate(k, None, module) == key:
                        found = v
                except staticeval.Unknown:
                    continue
        return found
    if type(node) in (ast.List, ast.Tuple) and isinstance(key, int):
        if any(type(el) is ast.Starred for el in node.elts):
            return None
        if 0 <= key < len(node.elts):
            return node.elts[key]
    return None


def _written_name(stmt) -> str | None:
    """The name a new statement assigns (None: not an assignment)."""
    if stmt.offset < 0:
        return stmt.name
    simple = staticeval.simple_assignment(stmt)
    return simple[0] if simple is not None else None


def _literal(value: Any) -> str:
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float):
        text = repr(value)
        if text in ("inf", "-inf", "nan"):
            return f"float({text!r})"
        return text
    if isinstance(value, range):  # mmcv config dumps write `gpu_ids = range(0, 1)`
        return repr(value)
    if isinstance(value, (list, tuple, dict)):
        raise AssertionError("containers are rendered by the emitter")
    raise EmitError(f"a value of type {type(value).__name__} ({value!r:.40}) cannot be written into a config")
