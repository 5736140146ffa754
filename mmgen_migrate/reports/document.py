"""The report document: one plain, JSON-ready dict every format renders from.

Schema ``mmgen-migrate.report/1`` — documented in ``docs/report-schema.md``.
Deterministic on purpose: no timestamps, no absolute paths that depend on
worker processes, so ``-j 4`` and ``-j 1`` give byte-identical reports.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any, Mapping, Optional, Sequence

from .. import __version__
from ..convert import CONVERTED, FAILED, UNCHANGED, FileResult
from ..model import MISSING, Severity, format_path, get_path, jsonable
from ..rules import REGISTRY
from .hunks import file_view, source_line

SCHEMA = "mmgen-migrate.report/1"
SEVERITIES = [s.value for s in Severity]
ATTENTION = ("error", "unsupported", "review")  # most urgent first
# what the converter itself reports (not a migration rule)
PSEUDO_RULES = {
    "emit": {"name": "emitter", "summary": "How the 1.x file was written: a fallback to literal values, "
             "or why a converted file is much longer than its input."},
    "load": {"name": "loader", "summary": "What reading or reloading the config found."},
    "internal": {"name": "internal-check", "summary": "An internal consistency check of mmgen-migrate failed."},
}


def display_path(path: os.PathLike | str, cwd: Optional[str] = None) -> str:
    """``path`` as a reader (and a CI annotation) wants it: relative to the
    working directory when inside it, POSIX separators."""
    cwd = cwd or os.getcwd()
    absolute = os.path.abspath(path)
    rel = os.path.relpath(absolute, cwd)
    if rel.startswith(".."):
        return absolute.replace(os.sep, "/")
    return rel.replace(os.sep, "/")


def summary(results: Sequence[FileResult], verify: Mapping[str, Any] | None = None) -> dict:
    status = Counter(r.status for r in results)
    sev = Counter(c.severity.value for r in results for c in r.changes)
    by_rule: dict[str, dict[str, int]] = {}
    for r in results:
        for c in r.changes:
            counts = by_rule.setdefault(c.rule, {s: 0 for s in SEVERITIES})
            counts[c.severity.value] += 1
    out = {
        "files": len(results),
        "converted": status.get(CONVERTED, 0),
        "unchanged": status.get(UNCHANGED, 0),
        "failed": status.get(FAILED, 0),
        "needs_review": sum(1 for r in results if r.needs_review),
        "changes": sum(len(r.changes) for r in results),
        "by_severity": {s: sev.get(s, 0) for s in SEVERITIES},
        "by_rule": {rid: by_rule[rid] for rid in sorted(by_rule)},
    }
    if verify:
        verdicts = Counter(_verify_json(v).get("verdict") for v in verify.values())
        out["verify"] = dict(sorted(verdicts.items()))
    return out


def _verify_json(result: Any) -> dict:
    return result if isinstance(result, dict) else result.to_json()


def _line_range(r) -> Optional[list]:
    return [r[0], r[1]] if r else None


def build(
    results: Sequence[FileResult],
    *,
    verify: Mapping[str, Any] | None = None,
    check: bool = False,
    include_diff: bool = False,
    include_text: bool = False,
    include_hunks: bool = False,
    cwd: Optional[str] = None,
) -> dict:
    """The report for ``results`` (and the verifier's results, keyed by the
    file's ``rel`` path)."""
    from .diff import unified_diff

    verify = verify or {}
    files = []
    used_rules: set[str] = set()
    for res in results:
        view = file_view(res.old_text, res.new_text, res.changes)
        changes = []
        for i, (c, loc) in enumerate(zip(res.changes, view.locations)):
            used_rules.add(c.rule)
            entry = c.to_json()
            entry = {"index": i, **entry}
            entry["rule_name"] = REGISTRY[c.rule].name if c.rule in REGISTRY else None
            _fill_values(entry, c, res)
            entry["old_lines"] = _line_range(loc.old_lines)
            entry["new_lines"] = _line_range(loc.new_lines)
            entry["source_lines"] = _line_range(source_line(loc) or _hunk_lines(view, loc))
            entry["removed"] = [text for _, text in loc.removed]
            entry["added"] = [text for _, text in loc.added]
            changes.append(entry)
        findings = sorted(
            (e["index"] for e in changes if e["severity"] != "exact"),
            key=lambda i: (ATTENTION.index(changes[i]["severity"]), i),
        )
        entry = {
            "path": res.rel,
            "source": display_path(res.source, cwd),
            "status": res.status,
            "is_base": res.is_base,
            "error": res.error,
            "inlined_bases": list(res.inlined_bases),
            "destination": display_path(res.destination, cwd) if res.destination else None,
            "needs_review": res.needs_review,
            "changes": changes,
            "findings": findings,
            "verify": _verify_json(verify[res.rel]) if res.rel in verify else None,
        }
        if include_hunks:
            entry["hunks"] = [
                {
                    "header": h.header,
                    "changes": h.changes,
                    "refs": h.refs,
                    "rows": [[r.kind, r.old_no, r.old, r.new_no, r.new] for r in h.rows],
                }
                for h in view.hunks
            ]
        if include_diff:
            entry["diff"] = unified_diff(res)
        if include_text:
            entry["output"] = res.new_text
        files.append(entry)
    return {
        "schema": SCHEMA,
        "version": __version__,
        "check": check,
        "summary": summary(results, verify),
        "rules": {
            rid: ({"name": REGISTRY[rid].name, "summary": REGISTRY[rid].summary} if rid in REGISTRY
                  else PSEUDO_RULES[rid])
            for rid in sorted(used_rules)
            if rid in REGISTRY or rid in PSEUDO_RULES
        },
        "files": files,
    }


def _fill_values(entry: dict, change, res: FileResult) -> None:
    """``old_values``: every old path's value in the 0.x effective config;
    ``old_value``/``new_value`` as the rule recorded them, else taken from the
    0.x config (one old path) and the 1.x config (the value at ``new_path``)."""
    old = res.effective or {}
    entry["old_values"] = {
        format_path(p): jsonable(get_path(old, p)) for p in change.old_paths if get_path(old, p) is not MISSING
    }
    if "old_value" not in entry and len(change.old_paths) == 1 and format_path(change.old_paths[0]) in \
            entry["old_values"]:
        entry["old_value"] = entry["old_values"][format_path(change.old_paths[0])]
    if "new_value" not in entry and change.new_path is not None and res.target is not None:
        value = get_path(res.target, change.new_path)
        if value is not MISSING:
            entry["new_value"] = jsonable(value)


def _hunk_lines(view, loc):
    """For a change that only adds (no old statement): the old-side lines of
    the first hunk it shows in, so an annotation still points somewhere
    useful in the input file."""
    if not loc.hunks:
        return None
    hunk = view.hunks[loc.hunks[0]]
    removed = sorted(hunk.removed)
    if removed:
        return (removed[0], removed[-1])
    line = max(hunk.old_start, 1)
    return (line, line)


def attention_rank(file_entry: dict) -> int:
    """Sort key for files: failed, then unsupported, review, then the rest."""
    if file_entry["status"] == FAILED:
        return 0
    sevs = {file_entry["changes"][i]["severity"] for i in file_entry["findings"]}
    for rank, sev in enumerate(ATTENTION, 1):
        if sev in sevs:
            return rank
    return len(ATTENTION) + 1
