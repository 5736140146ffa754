"""Review reports: Markdown (pull-request comment), self-contained HTML, JSON
(schema ``mmgen-migrate.report/1``), SARIF 2.1.0, GitHub Actions annotations.

Every format renders from one document built by :func:`build_document`, so
they always agree with each other and with the terminal report.
"""

from __future__ import annotations

from ..errors import MigrateError

import json
import os
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from ..convert import FileResult, write_atomic
from .document import SCHEMA, build as build_document  # noqa: F401

REPORT_FORMATS = ("md", "html", "json", "sarif")
_EXTENSIONS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json", ".sarif": "sarif"}


class ReportFormatError(MigrateError, ValueError):
    pass


def format_for(path: Path, explicit: Optional[str] = None) -> str:
    """The report format: ``explicit`` if given, else from the file name
    (``.md``, ``.html``, ``.json``, ``.sarif`` / ``.sarif.json``)."""
    if explicit:
        if explicit not in REPORT_FORMATS:
            raise ReportFormatError(f"unknown report format {explicit!r} (one of {', '.join(REPORT_FORMATS)})")
        return explicit
    name = Path(path).name.lower()
    if name.endswith(".sarif.json"):
        return "sarif"
    fmt = _EXTENSIONS.get(Path(name).suffix)
    if fmt is None:
        raise ReportFormatError(
            f"{path}: cannot tell the report format from the extension; use .md, .html, .json or .sarif, "
            "or give --report-format"
        )
    return fmt


def render(fmt: str, doc: dict, *, verbose: bool = False) -> str:
    if fmt == "md":
        from .markdown import render as md

        return md(doc)
    if fmt == "html":
        from .html import render as html

        return html(doc)
    if fmt == "json":
        return render_json(doc)
    if fmt == "sarif":
        from .sarif import render_sarif

        return json.dumps(render_sarif(doc), indent=2, ensure_ascii=False) + "\n"
    if fmt == "github":
        from .sarif import github_step_summary, render_github

        summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary_path:  # inside a GitHub Actions step: the full list goes to the step summary
            with open(summary_path, "a", encoding="utf-8") as fh:
                fh.write(github_step_summary(doc, exact=verbose))
        return render_github(doc, exact=verbose)
    raise ReportFormatError(f"unknown report format {fmt!r}")


def render_json(doc: dict) -> str:
    """The JSON report, compact (no indentation: a 150-config tree would be
    half whitespace) but one line per file, so two reports still diff file
    by file."""
    def dump(value) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    head = {k: v for k, v in doc.items() if k != "files"}
    lines = [dump(head)[:-1] + ',"files":[']
    files = doc.get("files", [])
    lines += [dump(f) + ("," if i < len(files) - 1 else "") for i, f in enumerate(files)]
    lines.append("]}")
    return "\n".join(lines) + "\n"


def write_report(
    path: Path,
    fmt: str,
    results: Sequence[FileResult],
    *,
    verify: Mapping[str, Any] | None = None,
    check: bool = False,
) -> None:
    """Render ``results`` as ``fmt`` and write it to ``path`` atomically."""
    doc = build_document(results, verify=verify, check=check, include_hunks=fmt == "html")
    write_atomic(Path(path), render(fmt, doc).encode("utf-8"))
