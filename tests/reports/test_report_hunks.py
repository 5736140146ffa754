"""Mapping changes (config paths) to the diff hunks and lines they explain."""

from __future__ import annotations

from mmgen_migrate.model import Change, Severity
from mmgen_migrate.reports.hunks import file_view, side_by_side, statement_lines

OLD = """\
# header comment
lr = 0.0002
optimizer = dict(
    generator=dict(type='Adam', lr=lr))
train_pipeline = [dict(type='ToTensor')]
data = dict(samples_per_gpu=4)
log_level = 'INFO'
"""

NEW = """\
# header comment
lr = 0.0002
optim_wrapper = dict(
    generator=dict(optimizer=dict(type='Adam', lr=lr)))
train_pipeline = [dict(type='ToTensor')]
train_dataloader = dict(batch_size=4)
log_level = 'INFO'
"""


def test_statement_lines_cover_multiline_and_tuple_targets():
    lines = statement_lines("a, (b, c) = 1, (2, 3)\nx = dict(\n  y=1)\nx += 1\n")
    assert lines["a"] == [(1, 1)] and lines["c"] == [(1, 1)]
    assert lines["x"] == [(2, 3), (4, 4)]
    assert statement_lines("def (:\n") == {}


def test_side_by_side_rows():
    (hunk,) = side_by_side(["a", "b", "c"], ["a", "B", "c", "d"], context=1)
    kinds = [(r.kind, r.old_no, r.new_no) for r in hunk.rows]
    assert kinds == [("equal", 1, 1), ("replace", 2, 2), ("equal", 3, 3), ("insert", None, 4)]
    assert hunk.header == "@@ -1,3 +1,4 @@"


def test_changes_land_on_their_statements():
    move = Change("OPT001", Severity.EXACT, "moved", old_paths=(("optimizer", "generator"),),
                  new_path=("optim_wrapper", "generator", "optimizer"))
    data = Change("DAT001", Severity.REVIEW, "renamed", old_paths=(("data", "samples_per_gpu"),),
                  new_path=("train_dataloader", "batch_size"))
    note_on_new = Change("REG001", Severity.REVIEW, "unknown type",
                         old_paths=(("train_dataloader", "batch_size"),))
    untouched = Change("DAT002", Severity.UNSUPPORTED, "ToTensor has no 1.x twin",
                       old_paths=(("train_pipeline", 0, "type"),))
    view = file_view(OLD, NEW, [move, data, note_on_new, untouched], context=0)
    loc_move, loc_data, loc_note, loc_untouched = view.locations
    assert loc_move.old_lines == (3, 4) and loc_move.new_lines == (3, 4)
    assert [t for _, t in loc_move.removed] == ["optimizer = dict(", "    generator=dict(type='Adam', lr=lr))"]
    assert loc_move.added[0] == (3, "optim_wrapper = dict(")
    assert loc_data.removed == [(6, "data = dict(samples_per_gpu=4)")]
    assert loc_data.added == [(6, "train_dataloader = dict(batch_size=4)")]
    # a finding about a 1.x path points at the new statement
    assert loc_note.added == [(6, "train_dataloader = dict(batch_size=4)")] and loc_note.hunks
    # a finding on a statement the conversion did not touch is not on any hunk,
    # but still knows its lines
    assert loc_untouched.hunks == [] and loc_untouched.old_lines == (5, 5)
    assert view.unplaced == [3]
    by_hunk = {i: h.changes for i, h in enumerate(view.hunks)}
    assert sorted(i for changes in by_hunk.values() for i in changes) == [0, 1, 2]


def test_unchanged_file_has_no_hunks():
    c = Change("X", Severity.REVIEW, "note", old_paths=(("lr",),))
    view = file_view(OLD, OLD, [c])
    assert view.hunks == [] and view.unplaced == [0] and view.locations[0].old_lines == (2, 2)
