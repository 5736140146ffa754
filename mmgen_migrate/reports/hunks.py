"""Which lines of a converted file each change is about.

The rules work on dicts and never see source text, so a change only knows
config paths (``('optimizer', 'generator')`` → ``('optim_wrapper',
'generator', 'optimizer')``).  The emitter writes each top-level key of the
1.x config as one top-level statement, so a change lands in the statement
that assigns ``new_path[0]`` in the new text, and what it removed or read was
in the statements that assigned ``old_paths[i][0]`` in the old text.  We
locate those statements with :mod:`ast` line numbers and attach each change
to the diff hunks whose changed lines overlap them.  Statement granularity is
deliberate: it is exact (no guessing inside an expression) and it is what a
reviewer reads anyway.
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from ..model import Change

LineRange = Tuple[int, int]  # 1-based, inclusive


def statement_lines(text: Optional[str]) -> Dict[str, List[LineRange]]:
    """Top-level assignment statements of a config: ``{name: [(first, last)]}``.

    A name assigned several times keeps every statement (the last one wins in
    Python, but a reviewer wants to see all of them).  Text that does not parse
    gives ``{}``.
    """
    if not text:
        return {}
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return {}
    out: Dict[str, List[LineRange]] = {}
    for stmt in tree.body:
        names: list[str] = []
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                names.extend(_target_names(target))
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
            names.extend(_target_names(stmt.target))
        for name in names:
            out.setdefault(name, []).append((stmt.lineno, stmt.end_lineno or stmt.lineno))
    return out


def _target_names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [n for elt in node.elts for n in _target_names(elt)]
    return []


@dataclass
class Row:
    """One row of a side-by-side view: ``kind`` is ``equal``, ``delete``,
    ``insert`` or ``replace``; a side without a line has ``None``."""

    kind: str
    old_no: Optional[int]
    old: Optional[str]
    new_no: Optional[int]
    new: Optional[str]


@dataclass
class Hunk:
    old_start: int  # 1-based first line shown (0 when the old side is empty)
    old_count: int
    new_start: int
    new_count: int
    rows: List[Row]
    changes: List[int] = field(default_factory=list)  # indices into FileView.changes

    @property
    def removed(self) -> set:
        return {r.old_no for r in self.rows if r.kind != "equal" and r.old_no is not None}

    @property
    def added(self) -> set:
        return {r.new_no for r in self.rows if r.kind != "equal" and r.new_no is not None}

    @property
    def header(self) -> str:
        return f"@@ -{self.old_start},{self.old_count} +{self.new_start},{self.new_count} @@"


@dataclass
class ChangeLocation:
    """Where one change is in the old and the new text."""

    old_lines: Optional[LineRange] = None  # the statements it read/removed (old text)
    new_lines: Optional[LineRange] = None  # the statement it wrote (new text)
    removed: List[Tuple[int, str]] = field(default_factory=list)  # changed old lines in those statements
    added: List[Tuple[int, str]] = field(default_factory=list)  # changed new lines in that statement
    hunks: List[int] = field(default_factory=list)


@dataclass
class FileView:
    hunks: List[Hunk]
    changes: Sequence[Change]
    locations: List[ChangeLocation]

    @property
    def unplaced(self) -> List[int]:
        """Changes that touch no changed line (notes, changes in a file whose
        text stayed the same)."""
        return [i for i, loc in enumerate(self.locations) if not loc.hunks]


def _span(ranges: List[LineRange]) -> Optional[LineRange]:
    if not ranges:
        return None
    return (min(r[0] for r in ranges), max(r[1] for r in ranges))


def _inside(line: int, ranges: List[LineRange]) -> bool:
    return any(a <= line <= b for a, b in ranges)


def side_by_side(old_lines: List[str], new_lines: List[str], context: int = 3) -> List[Hunk]:
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    hunks = []
    for group in matcher.get_grouped_opcodes(context):
        rows: list[Row] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for k in range(i2 - i1):
                    rows.append(Row("equal", i1 + k + 1, old_lines[i1 + k], j1 + k + 1, new_lines[j1 + k]))
                continue
            n = max(i2 - i1, j2 - j1)
            for k in range(n):
                o = i1 + k if i1 + k < i2 else None
                w = j1 + k if j1 + k < j2 else None
                kind = "replace" if o is not None and w is not None else ("delete" if o is not None else "insert")
                rows.append(Row(kind, None if o is None else o + 1, None if o is None else old_lines[o],
                                None if w is None else w + 1, None if w is None else new_lines[w]))
        first, last = group[0], group[-1]
        old_count, new_count = last[2] - first[1], last[4] - first[3]
        hunks.append(Hunk(first[1] + 1 if old_count else first[1], old_count,
                          first[3] + 1 if new_count else first[3], new_count, rows))
    return hunks


def file_view(old_text: Optional[str], new_text: Optional[str], changes: Sequence[Change],
              context: int = 3) -> FileView:
    """The diff of one file as hunks, each with the changes it shows."""
    old_lines = (old_text or "").splitlines()
    new_lines = (new_text or "").splitlines() if new_text is not None else list(old_lines)
    hunks = side_by_side(old_lines, new_lines, context) if new_text is not None else []
    old_stmts = statement_lines(old_text)
    new_stmts = statement_lines(new_text)
    removed_all = {no for h in hunks for no in h.removed}
    added_all = {no for h in hunks for no in h.added}
    locations = []
    for change in changes:
        old_keys = {p[0] for p in change.old_paths if p}
        new_key = change.new_path[0] if change.new_path else None
        old_ranges = [r for k in old_keys for r in old_stmts.get(k, [])]
        new_ranges = list(new_stmts.get(new_key, [])) if new_key is not None else []
        # a finding about the 1.x config (a note on `train_dataloader...`)
        # names paths the old text does not have: they are in the new text
        new_ranges += [r for k in sorted(old_keys) if k not in old_stmts and k != new_key
                       for r in new_stmts.get(k, [])]
        loc = ChangeLocation(old_lines=_span(old_ranges), new_lines=_span(new_ranges))
        loc.removed = [(no, old_lines[no - 1]) for no in sorted(removed_all) if _inside(no, old_ranges)]
        loc.added = [(no, new_lines[no - 1]) for no in sorted(added_all) if _inside(no, new_ranges)]
        touched_old = {no for no, _ in loc.removed}
        touched_new = {no for no, _ in loc.added}
        loc.hunks = [i for i, h in enumerate(hunks) if h.removed & touched_old or h.added & touched_new]
        locations.append(loc)
    for i, loc in enumerate(locations):
        for h in loc.hunks:
            hunks[h].changes.append(i)
    return FileView(hunks, changes, locations)


def source_line(loc: ChangeLocation) -> Optional[LineRange]:
    """Lines of the *input* file a change is about (for annotations on the
    file a pull request shows): the removed lines if any, else the
    statements it read."""
    if loc.removed:
        return (loc.removed[0][0], loc.removed[-1][0])
    return loc.old_lines
