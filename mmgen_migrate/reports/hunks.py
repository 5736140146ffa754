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
        for name in _assigned_names(stmt):
            out.setdefault(name, []).append((stmt.lineno, stmt.end_lineno or stmt.lineno))
    return out


def _assigned_names(stmt: ast.stmt) -> list[str]:
    """The names a top-level statement assigns (in order; none for other statements)."""
    if isinstance(stmt, ast.Assign):
        return [n for target in stmt.targets for n in _target_names(target)]
    if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
        return _target_names(stmt.target)
    return []


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
    changes: List[int] = field(default_factory=list)  # indices into FileView.changes annotated here
    refs: List[int] = field(default_factory=list)  # changes annotated on another hunk that also touch this one

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


def side_by_side(old_lines: List[str], new_lines: List[str], context: int = 3,
                 old_text: Optional[str] = None, new_text: Optional[str] = None,
                 renames: Optional[Dict[str, str]] = None) -> List[Hunk]:
    """The diff as hunks of side-by-side rows.

    Given the texts, each hunk shows the change of one top-level statement
    (a long file whose statements all changed gives one hunk per statement,
    not one hunk for the whole file), and inside a block of changed lines
    the old and the new side are aligned statement by statement (the old
    `optimizer` next to the new `optim_wrapper`, not next to whatever line
    happens to have the same offset)."""
    old_chunks = _chunks(old_text, len(old_lines)) if old_text is not None else None
    new_chunks = _chunks(new_text, len(new_lines)) if new_text is not None else None
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    rows: list[Row] = []
    groups: list = []  # per row: the statement (old, new) or block it belongs to (None: equal)
    group = 0  # difflib blocks, without the texts
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                rows.append(Row("equal", i1 + k + 1, old_lines[i1 + k], j1 + k + 1, new_lines[j1 + k]))
                groups.append(None)
            continue
        if old_chunks is None or new_chunks is None:
            group += 1
            pieces = [((i1, i2), (j1, j2), group)]
        else:
            pieces = _align(_split(old_chunks, i1, i2, renames or {}), _split(new_chunks, j1, j2, {}))
        for (a1, a2), (b1, b2), key in pieces:
            for k in range(max(a2 - a1, b2 - b1)):
                o = a1 + k if a1 + k < a2 else None
                w = b1 + k if b1 + k < b2 else None
                kind = "replace" if o is not None and w is not None else ("delete" if o is not None else "insert")
                rows.append(Row(kind, None if o is None else o + 1, None if o is None else old_lines[o],
                                None if w is None else w + 1, None if w is None else new_lines[w]))
                groups.append(key)
    # one hunk per changed block (a statement when the texts are known; the
    # difflib block otherwise), with up to `context` lines around it, never
    # shared with the next hunk
    runs: list[list[int]] = []
    for i, g in enumerate(groups):
        if g is None:
            continue
        if runs and groups[runs[-1][1]] == g:
            runs[-1][1] = i  # the same statement (or the same difflib block)
        elif runs and old_chunks is None and runs[-1][1] >= i - 2 * context - 1:
            runs[-1][1] = i  # without statements: difflib's grouping (close changes share a hunk)
        else:
            runs.append([i, i])
    hunks = []
    prev_end = -1
    for k, (start, end) in enumerate(runs):
        nxt = runs[k + 1][0] if k + 1 < len(runs) else len(rows)
        lo = max(start - context, prev_end + 1)
        hi = min(end + context, nxt - 1)
        prev_end = hi
        part = rows[lo:hi + 1]
        olds = [r.old_no for r in part if r.old_no is not None]
        news = [r.new_no for r in part if r.new_no is not None]
        old_start = olds[0] if olds else _before(rows, lo, "old_no")
        new_start = news[0] if news else _before(rows, lo, "new_no")
        hunks.append(Hunk(old_start, len(olds), new_start, len(news), part))
    return hunks


def _before(rows: List[Row], index: int, side: str) -> int:
    """The line number before row ``index`` on a side that has no line in the hunk (0: none)."""
    for r in reversed(rows[:index]):
        if getattr(r, side) is not None:
            return getattr(r, side)
    return 0


def _chunks(text: Optional[str], n_lines: int) -> List[Tuple[int, Optional[str]]]:
    """Per line (0-based): (statement index, its first assigned name).
    Comment and blank lines belong to the statement after them."""
    out: List[Tuple[int, Optional[str]]] = [(-1, None)] * n_lines
    try:
        tree = ast.parse(text or "")
    except (SyntaxError, ValueError):
        return [(0, None)] * n_lines
    prev_end = 0
    for index, stmt in enumerate(tree.body):
        names = _assigned_names(stmt)
        end = min(stmt.end_lineno or stmt.lineno, n_lines)
        for line in range(prev_end, end):
            out[line] = (index, names[0] if names else None)
        prev_end = end
    for line in range(prev_end, n_lines):  # trailing comments
        out[line] = (len(tree.body), None)
    return out


def _split(chunks, a: int, b: int, renames: Dict[str, str]) -> list:
    """Lines a..b (0-based, end excluded) cut where the statement changes,
    each piece with the (1.x) name of its statement."""
    out = []
    start = a
    for i in range(a + 1, b + 1):
        if i == b or chunks[i][0] != chunks[start][0]:
            name = chunks[start][1]
            out.append(((start, i), renames.get(name, name), chunks[start][0], name))
            start = i
    return out


def _align(old: list, new: list, by_rename: bool = False) -> list:
    """Pair old and new statements of one changed block, in order: first by
    their own names, then (in the gaps) by where their values went; the
    others stand alone (an empty range on the other side)."""
    key = (lambda piece: piece[1]) if by_rename else (lambda piece: piece[3])
    matcher = difflib.SequenceMatcher(None, [key(p) for p in old], [key(p) for p in new], autojunk=False)
    out = []
    nowhere = (0, 0)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for o, w in zip(old[i1:i2], new[j1:j2]):
                out.append((o[0], w[0], (o[2], w[2])))
            continue
        if not by_rename and i2 > i1 and j2 > j1:
            out += _align(old[i1:i2], new[j1:j2], by_rename=True)
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            for o, w in zip(old[i1:i2], new[j1:j2]):
                out.append((o[0], w[0], (o[2], w[2])))
            continue
        for o in old[i1:i2]:
            out.append((o[0], nowhere, (o[2], None)))
        for w in new[j1:j2]:
            out.append((nowhere, w[0], (None, w[2])))
    return out


def file_view(old_text: Optional[str], new_text: Optional[str], changes: Sequence[Change],
              context: int = 3) -> FileView:
    """The diff of one file as hunks, each with the changes it shows."""
    old_lines = (old_text or "").splitlines()
    new_lines = (new_text or "").splitlines() if new_text is not None else list(old_lines)
    old_stmts = statement_lines(old_text)
    new_stmts = statement_lines(new_text)
    hunks = side_by_side(old_lines, new_lines, context, old_text, new_text,
                         _renames(changes, old_stmts, new_stmts)) if new_text is not None else []
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
        # the hunk of the statement it wrote first (where its annotation
        # goes), then the hunks of the statements it read or removed
        loc.hunks = [i for i, h in enumerate(hunks) if h.added & touched_new]
        loc.hunks += [i for i, h in enumerate(hunks) if h.removed & touched_old and i not in loc.hunks]
        locations.append(loc)
    for i, loc in enumerate(locations):
        if loc.hunks:
            hunks[loc.hunks[0]].changes.append(i)
            for h in loc.hunks[1:]:
                hunks[h].refs.append(i)
    return FileView(hunks, changes, locations)


def _renames(changes: Sequence[Change], old_stmts: dict, new_stmts: dict) -> Dict[str, str]:
    """0.x statement -> the 1.x statement most of its values went to, for a
    0.x name the new text no longer has (`optimizer` -> `optim_wrapper`)."""
    votes: Dict[str, Dict[str, int]] = {}
    for c in changes:
        if not c.new_path or not isinstance(c.new_path[0], str):
            continue
        for p in c.old_paths:
            if p and isinstance(p[0], str) and p[0] in old_stmts and p[0] not in new_stmts \
                    and c.new_path[0] in new_stmts:
                counts = votes.setdefault(p[0], {})
                counts[c.new_path[0]] = counts.get(c.new_path[0], 0) + 1
    return {old: max(counts, key=lambda k: (counts[k], -list(counts).index(k))) for old, counts in votes.items()}


def source_line(loc: ChangeLocation) -> Optional[LineRange]:
    """Lines of the *input* file a change is about (for annotations on the
    file a pull request shows): the removed lines if any, else the
    statements it read."""
    if loc.removed:
        return (loc.removed[0][0], loc.removed[-1][0])
    return loc.old_lines
