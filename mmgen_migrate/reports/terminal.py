"""Rendering conversion results on the terminal (text, diffs); the JSON,
Markdown, HTML, SARIF and GitHub formats live in :mod:`mmgen_migrate.reports`.

Library code returns data (:class:`~mmgen_migrate.convert.FileResult`); this
module only renders it.
"""

from __future__ import annotations

from typing import Sequence

from rich.console import Console
from rich.markup import escape

from ..convert import CONVERTED, FAILED, UNCHANGED, FileResult
from ..model import MISSING, Severity, format_path
from .diff import unified_diff  # noqa: F401 (part of this module's interface)
from .document import SCHEMA as JSON_SCHEMA  # noqa: F401
from .document import summary

_SEV_STYLE = {
    Severity.EXACT: "green",
    Severity.REVIEW: "yellow",
    Severity.UNSUPPORTED: "magenta",
    Severity.ERROR: "red",
}


def print_diff(console: Console, res: FileResult) -> None:
    text = unified_diff(res)
    if not text:
        return
    for line in text.splitlines():
        style = None
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("@@"):
            style = "cyan"
        console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)


def _change_line(c) -> str:
    """``old -> new`` paths of a change, as a reader wants to find them."""
    olds = ", ".join(format_path(p) for p in c.old_paths if p != c.new_path)
    if c.new_path is not None:
        return f"{olds} -> {format_path(c.new_path)}" if olds else format_path(c.new_path)
    if olds and c.old_value is not MISSING:
        return f"{olds} (removed)"
    return olds


def render_text(console: Console, results: Sequence[FileResult], *, verbose: bool = False,
                check: bool = False) -> None:
    """Per file: a status line, then the findings that need a look (and, with
    ``verbose``, every change); a summary at the end."""
    for res in results:
        if res.status == FAILED:
            error = res.error or "failed"
            # `x.py:12: calls subprocess.run(); ...` (a refusal that names its line)
            sep = ":" if error[:1].isdigit() and error.split(":", 1)[0].isdigit() else ": "
            console.print(f"[red]error[/]: {escape(res.rel)}{sep}{escape(error)}", highlight=False)
            continue
        if res.old_text is not None and not res.old_text.strip():
            # an empty config is valid (a placeholder `_base_`), but rarely what
            # a user meant to convert: say so, without failing the batch
            console.print(f"[yellow]warning[/]: {escape(res.rel)}: empty file: nothing to convert (kept as it is)",
                          highlight=False)
            continue
        shown = res.changes if verbose else res.findings
        if res.status == UNCHANGED and not shown and not verbose:
            continue
        verb = {CONVERTED: "would convert" if check else "converted", UNCHANGED: "unchanged"}[res.status]
        extra = f" (bases inlined: {', '.join(res.inlined_bases)})" if res.inlined_bases and res.status == CONVERTED \
            else ""
        console.print(f"[bold]{escape(res.rel)}[/]: {verb}{escape(extra)}", highlight=False)
        for c in shown:
            style = _SEV_STYLE[c.severity]
            where = _change_line(c)
            console.print(
                f"  [{style}]{c.severity.value:<11}[/] [bold]{c.rule}[/] {escape(where)}"
                + (f"\n      {escape(c.message)}" if c.message else ""),
                highlight=False,
            )
    s = summary(results)
    sev = s["by_severity"]
    parts = [
        f"{s['converted']} {'would be converted' if check else 'converted'}",
        f"{s['unchanged']} unchanged",
        f"{s['failed']} failed",
    ]
    findings = ", ".join(f"{sev[k]} {k}" for k in ("review", "unsupported", "error") if sev.get(k))
    console.print(
        f"[bold]{s['files']} file{'s' if s['files'] != 1 else ''}:[/] " + ", ".join(parts)
        + (f"; findings: {findings}" if findings else "; no findings need review"),
        highlight=False,
    )


def to_json(results: Sequence[FileResult], *, include_diff: bool = False, include_text: bool = False,
            verify=None, check: bool = False) -> dict:
    """The JSON report (schema ``mmgen-migrate.report/1``; see docs/report-schema.md)."""
    from .document import build as build_document

    return build_document(results, verify=verify, check=check, include_diff=include_diff, include_text=include_text)
